//! The document store: where the bytes of documents on records live, encrypted at rest.
//!
//! Objects are kept by `object_store` (the embedded default: a directory beside the data
//! directory's cluster, `<data-dir>/documents`, or `SHEBA_DOCUMENT_DIR`), one object per
//! document named by its id. Each object is the document encrypted with XChaCha20-Poly1305 in
//! the STREAM construction (`chacha20poly1305`'s `stream` module, big-endian 32-bit counter):
//! an 8-byte magic, the 19-byte stream nonce, then the plaintext in 64 KiB chunks, each sealed
//! with its tag and the document's id as associated data (an object moved under another
//! document's id does not open), the last chunk marked as last (a cut-off object does not open).
//! The 32-byte key is the operator's (`SHEBA_DOCUMENT_KEY_FILE`), or one generated once into
//! `<data-dir>/document-key` (mode 0600).
//!
//! Both ways stream: an upload is hashed (SHA-256 of the plaintext) and encrypted chunk by chunk
//! as the multipart body arrives and written with the store's multipart upload (aborted, so
//! nothing stays, when it is refused); a download is decrypted chunk by chunk into the body.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::web::Bytes;
use chacha20poly1305::aead::generic_array::GenericArray;
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use domain::document::MediaType;
use domain::id::DocumentId;
use futures_util::{Stream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};

/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 * 1024;
/// Poly1305 tag per chunk.
const TAG: usize = 16;
/// A sealed chunk's size (all but the last).
pub const SEALED_CHUNK: usize = CHUNK + TAG;
/// The object's first bytes: what it is and its format.
const MAGIC: &[u8; 8] = b"SHEBADC1";
/// The stream nonce: XChaCha20's 24 bytes less STREAM's 5 (counter and last-chunk flag).
const NONCE: usize = 19;
/// The header before the first chunk.
pub const HEADER: usize = MAGIC.len() + NONCE;
/// Bytes the store is given per part of a multipart upload.
const PART: usize = 1024 * 1024;
/// The default size limit of one document (25 MB).
pub const DEFAULT_MAX_BYTES: u64 = 25_000_000;

/// The object's size for a plaintext of `size` bytes.
pub fn sealed_size(size: u64) -> u64 {
    let chunk = CHUNK as u64;
    // Every chunk but the last is full; the last holds 1..=CHUNK bytes (0 for an empty file).
    let chunks = size.div_ceil(chunk).max(1);
    HEADER as u64 + size + chunks * TAG as u64
}

/// Where a document store is and what it refuses.
#[derive(Clone)]
pub struct DocumentStore {
    store: Arc<dyn ObjectStore>,
    key: [u8; 32],
    /// Largest document accepted, in bytes.
    pub max_bytes: u64,
    /// The directory of the embedded store (`None` for another store).
    pub dir: Option<PathBuf>,
}

impl std::fmt::Debug for DocumentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentStore").field("dir", &self.dir).field("max_bytes", &self.max_bytes).finish_non_exhaustive()
    }
}

/// What went wrong storing or reading an object.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("document store: {0}")]
    Store(#[from] object_store::Error),
    #[error("the stored document does not decrypt (wrong key, or changed)")]
    Sealed,
}

impl DocumentStore {
    /// A store in a local directory (created if missing).
    pub fn local(dir: &Path, key: [u8; 32], max_bytes: u64) -> anyhow::Result<DocumentStore> {
        std::fs::create_dir_all(dir)?;
        let fs = LocalFileSystem::new_with_prefix(dir)?;
        Ok(DocumentStore { store: Arc::new(fs), key, max_bytes, dir: Some(dir.to_path_buf()) })
    }

    /// The store as configured: `SHEBA_DOCUMENT_STORE` (only `file://` URLs and plain paths in
    /// this build), else `SHEBA_DOCUMENT_DIR`, else `<data-dir>/documents`; the key from
    /// `SHEBA_DOCUMENT_KEY_FILE`, else `<data-dir>/document-key`, made on first start.
    pub fn configured(
        store: Option<&str>,
        dir: Option<&Path>,
        key_file: Option<&Path>,
        data_dir: &Path,
        max_bytes: u64,
    ) -> anyhow::Result<DocumentStore> {
        let key = document_key(key_file, data_dir)?;
        let dir = match store {
            Some(url) if url.starts_with("s3://") => anyhow::bail!(
                "SHEBA_DOCUMENT_STORE={url}: this build keeps documents in a directory only (object_store's S3 client is not \
                 compiled in); mount the bucket or use SHEBA_DOCUMENT_DIR"
            ),
            Some(url) => PathBuf::from(url.strip_prefix("file://").unwrap_or(url)),
            None => dir.map(Path::to_path_buf).unwrap_or_else(|| default_dir(data_dir)),
        };
        DocumentStore::local(&dir, key, max_bytes)
    }

    fn location(id: DocumentId) -> ObjectPath {
        ObjectPath::from(id.to_string())
    }

    /// Starts writing document `id`: nothing is visible under its name until [`Upload::finish`].
    pub async fn begin(&self, id: DocumentId) -> Result<Upload, StoreError> {
        let upload = self.store.put_multipart(&Self::location(id)).await?;
        let nonce: [u8; NONCE] = rand::random();
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        writer.write(MAGIC);
        writer.write(&nonce);
        Ok(Upload {
            writer,
            encryptor: Some(EncryptorBE32::from_aead(cipher, (&nonce).into())),
            aad: *id.0.as_bytes(),
            pending: Vec::with_capacity(2 * CHUNK),
            hash: Sha256::new(),
            size: 0,
            stored: HEADER as u64,
        })
    }

    /// Removes document `id`'s object (a create that did not commit).
    pub async fn delete(&self, id: DocumentId) -> Result<(), StoreError> {
        match self.store.delete(&Self::location(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The plaintext of document `id`, decrypted chunk by chunk as the body is sent.
    pub async fn open(&self, id: DocumentId) -> Result<impl Stream<Item = Result<Bytes, StoreError>> + 'static, StoreError> {
        let got = self.store.get(&Self::location(id)).await?;
        Ok(decrypting(got.into_stream(), self.key, *id.0.as_bytes()))
    }

    /// Decrypts the whole of document `id` and returns its SHA-256 and size (restore checks).
    pub async fn digest(&self, id: DocumentId) -> Result<(Vec<u8>, u64), StoreError> {
        let mut s = Box::pin(self.open(id).await?);
        let (mut h, mut n) = (Sha256::new(), 0u64);
        while let Some(chunk) = s.next().await {
            let chunk = chunk?;
            n += chunk.len() as u64;
            h.update(&chunk);
        }
        Ok((h.finalize().to_vec(), n))
    }
}

/// `<data-dir>/documents`: beside the embedded cluster (`<data-dir>/pg`), carried by backups.
pub fn default_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("documents")
}

/// The 32-byte document key: the operator's file (32 raw bytes, or 64 hex digits), else one
/// generated once into `<data-dir>/document-key` (hex, mode 0600).
pub fn document_key(file: Option<&Path>, data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => data_dir.join(KEY_FILE),
    };
    match std::fs::read(&path) {
        Ok(bytes) => parse_key(&bytes)
            .ok_or_else(|| anyhow::anyhow!("{} must hold a 32-byte key (32 bytes, or 64 hexadecimal digits)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => {
            std::fs::create_dir_all(data_dir)?;
            let key: [u8; 32] = rand::random();
            persistence::cluster::write_secret(&path, &hex(&key))?;
            log::info!("generated a document key in {}", path.display());
            Ok(key)
        }
        Err(e) => Err(anyhow::anyhow!("reading the document key {}: {e}", path.display())),
    }
}

/// The name of the generated key in the data directory.
pub const KEY_FILE: &str = "document-key";

fn parse_key(bytes: &[u8]) -> Option<[u8; 32]> {
    let text = std::str::from_utf8(bytes).ok().map(str::trim);
    if let Some(t) = text.filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())) {
        let mut key = [0u8; 32];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u8::from_str_radix(t.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        return Some(key);
    }
    <[u8; 32]>::try_from(bytes).ok()
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A document being written: plaintext in, sealed chunks out to the store.
pub struct Upload {
    writer: WriteMultipart,
    encryptor: Option<EncryptorBE32<XChaCha20Poly1305>>,
    aad: [u8; 16],
    pending: Vec<u8>,
    hash: Sha256,
    size: u64,
    stored: u64,
}

impl Upload {
    /// Plaintext bytes so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Takes the next plaintext bytes; seals every full chunk that is not the last.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.hash.update(bytes);
        self.size += bytes.len() as u64;
        self.pending.extend_from_slice(bytes);
        // Keep at least one chunk back: only the end of the body tells which chunk is last.
        while self.pending.len() > CHUNK {
            let rest = self.pending.split_off(CHUNK);
            let chunk = std::mem::replace(&mut self.pending, rest);
            let enc = self.encryptor.as_mut().ok_or(StoreError::Sealed)?;
            let sealed = enc.encrypt_next(Payload { msg: &chunk, aad: &self.aad }).map_err(|_| StoreError::Sealed)?;
            self.stored += sealed.len() as u64;
            self.writer.put(Bytes::from(sealed));
            // Backpressure: at most two parts in flight.
            self.writer.wait_for_capacity(2).await?;
        }
        Ok(())
    }

    /// Seals the last chunk and completes the object: its SHA-256 (of the plaintext), size and
    /// stored size.
    pub async fn finish(mut self) -> Result<(Vec<u8>, u64, u64), StoreError> {
        let enc = self.encryptor.take().ok_or(StoreError::Sealed)?;
        let sealed = enc.encrypt_last(Payload { msg: &self.pending, aad: &self.aad }).map_err(|_| StoreError::Sealed)?;
        self.stored += sealed.len() as u64;
        self.writer.put(Bytes::from(sealed));
        self.writer.finish().await?;
        Ok((self.hash.finalize().to_vec(), self.size, self.stored))
    }

    /// Gives up: the store keeps nothing of it.
    pub async fn abort(self) {
        if let Err(e) = self.writer.abort().await {
            log::warn!("aborting a document upload: {e}");
        }
    }
}

/// Sealed bytes in, plaintext chunks out.
fn decrypting(
    sealed: impl Stream<Item = object_store::Result<Bytes>> + Send + 'static,
    key: [u8; 32],
    aad: [u8; 16],
) -> impl Stream<Item = Result<Bytes, StoreError>> + 'static {
    struct State<S> {
        input: std::pin::Pin<Box<S>>,
        buf: Vec<u8>,
        decryptor: Option<DecryptorBE32<XChaCha20Poly1305>>,
        header_read: bool,
        done: bool,
    }
    let state = State {
        input: Box::pin(sealed),
        buf: Vec::with_capacity(2 * SEALED_CHUNK),
        decryptor: None,
        header_read: false,
        done: false,
    };
    futures_util::stream::unfold(state, move |mut st| async move {
        if st.done {
            return None;
        }
        loop {
            if !st.header_read && st.buf.len() >= HEADER {
                let rest = st.buf.split_off(HEADER);
                let header = std::mem::replace(&mut st.buf, rest);
                if header.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
                    st.done = true;
                    return Some((Err(StoreError::Sealed), st));
                }
                let nonce = header.get(MAGIC.len()..HEADER).unwrap_or_default();
                let cipher = XChaCha20Poly1305::new((&key).into());
                st.decryptor = Some(DecryptorBE32::from_aead(cipher, GenericArray::from_slice(nonce)));
                st.header_read = true;
            }
            // A full sealed chunk with more behind it is not the last one.
            if st.header_read && st.buf.len() > SEALED_CHUNK {
                let rest = st.buf.split_off(SEALED_CHUNK);
                let chunk = std::mem::replace(&mut st.buf, rest);
                let dec = st.decryptor.as_mut()?;
                return match dec.decrypt_next(Payload { msg: &chunk, aad: &aad }) {
                    Ok(plain) => Some((Ok(Bytes::from(plain)), st)),
                    Err(_) => {
                        st.done = true;
                        Some((Err(StoreError::Sealed), st))
                    }
                };
            }
            match st.input.next().await {
                Some(Ok(bytes)) => st.buf.extend_from_slice(&bytes),
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(StoreError::Store(e)), st));
                }
                None => {
                    st.done = true;
                    let dec = st.decryptor.take();
                    let last = std::mem::take(&mut st.buf);
                    return match dec.map(|d| d.decrypt_last(Payload { msg: &last, aad: &aad })) {
                        Some(Ok(plain)) if plain.is_empty() => None,
                        Some(Ok(plain)) => Some((Ok(Bytes::from(plain)), st)),
                        _ => Some((Err(StoreError::Sealed), st)),
                    };
                }
            }
        }
    })
}

/// The media type the file's first bytes say it is, when it is one Sheba stores.
pub fn sniff(head: &[u8]) -> Option<MediaType> {
    let found = infer::get(head)?;
    MediaType::parse(found.mime_type())
}

/// How many first bytes [`sniff`] looks at (or fewer, for a shorter file).
pub const SNIFF_BYTES: usize = 512;

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, DocumentStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = DocumentStore::local(&dir.path().join("docs"), [7u8; 32], DEFAULT_MAX_BYTES).unwrap();
        (dir, s)
    }

    async fn put(s: &DocumentStore, id: DocumentId, data: &[u8], piece: usize) -> (Vec<u8>, u64, u64) {
        let mut up = s.begin(id).await.unwrap();
        for part in data.chunks(piece.max(1)) {
            up.write(part).await.unwrap();
        }
        up.finish().await.unwrap()
    }

    #[actix_web::test]
    async fn round_trips_at_every_chunk_boundary_and_hides_the_plaintext() {
        let (dir, s) = store();
        for len in [1usize, 100, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let id = DocumentId(uuid::Uuid::now_v7());
            let (sha, size, stored) = put(&s, id, &data, 10_000).await;
            assert_eq!(size, len as u64);
            assert_eq!(sha, Sha256::digest(&data).to_vec());
            assert_eq!(stored, sealed_size(len as u64), "{len}");
            let on_disk = std::fs::read(dir.path().join("docs").join(id.to_string())).unwrap();
            assert_eq!(on_disk.len() as u64, stored);
            if len >= 64 {
                assert!(!on_disk.windows(64).any(|w| w == &data[..64]), "plaintext at rest ({len})");
            }
            assert_eq!(s.digest(id).await.unwrap(), (sha, len as u64));
        }
    }

    #[actix_web::test]
    async fn a_changed_cut_or_moved_object_does_not_open() {
        let (dir, s) = store();
        let data = vec![42u8; 2 * CHUNK + 5];
        let id = DocumentId(uuid::Uuid::now_v7());
        put(&s, id, &data, CHUNK).await;
        let path = dir.path().join("docs").join(id.to_string());
        let good = std::fs::read(&path).unwrap();
        // One bit flipped.
        let mut bad = good.clone();
        bad[HEADER + 10] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        assert!(matches!(s.digest(id).await, Err(StoreError::Sealed)));
        // Cut after its first full chunks (the last-chunk flag is missing).
        std::fs::write(&path, &good[..HEADER + 2 * SEALED_CHUNK]).unwrap();
        assert!(matches!(s.digest(id).await, Err(StoreError::Sealed)));
        // Under another document's id.
        let other = DocumentId(uuid::Uuid::now_v7());
        std::fs::write(dir.path().join("docs").join(other.to_string()), &good).unwrap();
        assert!(matches!(s.digest(other).await, Err(StoreError::Sealed)));
        // Another key.
        std::fs::write(&path, &good).unwrap();
        let wrong = DocumentStore::local(&dir.path().join("docs"), [8u8; 32], DEFAULT_MAX_BYTES).unwrap();
        assert!(matches!(wrong.digest(id).await, Err(StoreError::Sealed)));
        assert!(s.digest(id).await.is_ok());
    }

    #[actix_web::test]
    async fn an_aborted_upload_leaves_nothing() {
        let (dir, s) = store();
        let id = DocumentId(uuid::Uuid::now_v7());
        let mut up = s.begin(id).await.unwrap();
        up.write(&vec![1u8; 3 * PART]).await.unwrap();
        up.abort().await;
        let left: Vec<_> = std::fs::read_dir(dir.path().join("docs")).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn keys_and_sniffing() {
        let dir = tempfile::tempdir().unwrap();
        let made = document_key(None, dir.path()).unwrap();
        assert_eq!(document_key(None, dir.path()).unwrap(), made, "made once, then read");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(parse_key(&[9u8; 32]), Some([9u8; 32]));
        assert_eq!(parse_key(b"short"), None);
        assert!(document_key(Some(&dir.path().join("missing")), dir.path()).is_err(), "a named key file must exist");
        assert_eq!(sniff(b"%PDF-1.4\n%"), Some(MediaType::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(MediaType::Png));
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(sniff(b"hello"), None);
    }
}

/// What a backup holds of the documents (`documents.json` beside the dump): every document of
/// the dump's snapshot, with its stored object's size and SHA-256 (of the ciphertext, checked
/// when it is copied back) and its plaintext's SHA-256 (checked by decrypting after restore).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BackupManifest {
    /// Whether the document key is in the backup (beside the signing key, or neither).
    pub document_key: bool,
    pub documents: Vec<BackedUp>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BackedUp {
    pub id: uuid::Uuid,
    pub size_bytes: i64,
    pub stored_bytes: i64,
    pub sha256: String,
    pub stored_sha256: String,
}

/// The backup's file of the documents.
pub const BACKUP_MANIFEST: &str = "documents.json";
/// The backup's directory of objects.
pub const BACKUP_DIR: &str = "documents";

fn file_sha256(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((hex(&h.finalize()), n))
}

/// Copies the objects of `inventory` (id, size, stored size, SHA-256: the documents of the
/// dump's snapshot) from the store's directory into `<to>/documents`, each checked against its
/// stored size, and writes `documents.json`; with `with_key`, the document key too.
pub fn backup_objects(
    store: &DocumentStore,
    key_file: Option<&Path>,
    data_dir: &Path,
    inventory: &[persistence::documents::Inventoried],
    to: &Path,
    with_key: bool,
) -> anyhow::Result<BackupManifest> {
    let dir = store.dir.as_deref().ok_or_else(|| anyhow::anyhow!("only a directory document store can be backed up"))?;
    let out = to.join(BACKUP_DIR);
    std::fs::create_dir_all(&out)?;
    let mut documents = Vec::with_capacity(inventory.len());
    for (id, size, stored, sha) in inventory {
        let name = id.to_string();
        let copied = std::fs::copy(dir.join(&name), out.join(&name))
            .map_err(|e| anyhow::anyhow!("copying document {name} from {}: {e}", dir.display()))?;
        anyhow::ensure!(
            copied == u64::try_from(*stored)?,
            "document {name}: its object holds {copied} bytes, its row says {stored}"
        );
        let (stored_sha256, _) = file_sha256(&out.join(&name))?;
        documents.push(BackedUp { id: *id, size_bytes: *size, stored_bytes: *stored, sha256: hex(sha), stored_sha256 });
    }
    if with_key {
        let key = document_key(key_file, data_dir)?;
        persistence::cluster::write_secret(&to.join(KEY_FILE), &hex(&key))?;
    }
    let manifest = BackupManifest { document_key: with_key, documents };
    std::fs::write(to.join(BACKUP_MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Brings a backup's documents back: the key (when the backup carries it and the data
/// directory holds none), every object copied into the store's directory and checked against
/// the stored SHA-256, then every document decrypted with the store's key and its plaintext's
/// SHA-256 and size compared with the backup's. Without a key (a backup made
/// `--without-signing-key` restored into a data directory without one) only the stored objects
/// are checked, and the restore says so. Returns how many were restored, and whether decrypted.
pub fn restore_objects(opts: &crate::config::DatabaseOpts, from: &Path) -> anyhow::Result<(usize, bool)> {
    let data_dir = opts.data_dir.as_path();
    let path = from.join(BACKUP_MANIFEST);
    if !path.is_file() {
        return Ok((0, false));
    }
    let manifest: BackupManifest = serde_json::from_slice(&std::fs::read(&path)?)?;
    if manifest.document_key {
        let kept = std::fs::read(from.join(KEY_FILE))?;
        let target = data_dir.join(KEY_FILE);
        match std::fs::read(&target) {
            Ok(current) if parse_key(&current) != parse_key(&kept) => log::warn!(
                "{} holds another document key; it is kept (the restored documents are checked with it)",
                target.display()
            ),
            Ok(_) => {}
            Err(_) => {
                std::fs::create_dir_all(data_dir)?;
                persistence::cluster::write_secret(&target, std::str::from_utf8(&kept)?)?;
            }
        }
    }
    let has_key = manifest.document_key || opts.document_key_file.is_some() || data_dir.join(KEY_FILE).is_file();
    let dir = match opts.document_store.as_deref() {
        Some(url) if url.starts_with("s3://") => anyhow::bail!("only a directory document store can be restored"),
        Some(url) => PathBuf::from(url.strip_prefix("file://").unwrap_or(url)),
        None => opts.document_dir.clone().unwrap_or_else(|| default_dir(data_dir)),
    };
    std::fs::create_dir_all(&dir)?;
    let mut wrong = vec![];
    for d in &manifest.documents {
        let name = d.id.to_string();
        let (src, dst) = (from.join(BACKUP_DIR).join(&name), dir.join(&name));
        match file_sha256(&src) {
            Ok((sha, n)) if sha == d.stored_sha256 && i64::try_from(n)? == d.stored_bytes => {}
            Ok(_) => {
                wrong.push(format!("{name}: the backup's object differs from its manifest"));
                continue;
            }
            Err(e) => {
                wrong.push(format!("{name}: {e}"));
                continue;
            }
        }
        if !dst.exists() {
            let part = dir.join(format!(".{name}.restoring"));
            std::fs::copy(&src, &part)?;
            std::fs::rename(&part, &dst)?;
        }
    }
    anyhow::ensure!(wrong.is_empty(), "documents in the backup are damaged:\n  {}", wrong.join("\n  "));
    if !has_key {
        log::warn!(
            "the backup holds no document key and none is configured: {} documents restored but not decrypted; put their key \
             in {} (or SHEBA_DOCUMENT_KEY_FILE) before serving, or they cannot be read",
            manifest.documents.len(),
            data_dir.join(KEY_FILE).display()
        );
        return Ok((manifest.documents.len(), false));
    }
    let store = opts.document_store(DEFAULT_MAX_BYTES)?;
    let checks = manifest.documents.clone();
    let failures = actix_web::rt::System::new().block_on(async move {
        let mut failures = vec![];
        for d in checks {
            match store.digest(DocumentId(d.id)).await {
                Ok((sha, n)) if hex(&sha) == d.sha256 && i64::try_from(n).ok() == Some(d.size_bytes) => {}
                Ok(_) => failures.push(format!("{}: decrypts to other bytes than were stored", d.id)),
                Err(e) => failures.push(format!("{}: {e}", d.id)),
            }
        }
        failures
    });
    anyhow::ensure!(
        failures.is_empty(),
        "restored documents do not check out (is SHEBA_DOCUMENT_KEY_FILE the key they were stored with?):\n  {}",
        failures.join("\n  ")
    );
    Ok((manifest.documents.len(), true))
}
