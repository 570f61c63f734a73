//! Finding the database: `DATABASE_URL` when set, else the embedded cluster, started (or
//! joined, when another `sheba` process runs it) for as long as the returned handle lives.

use std::path::Path;

use persistence::cluster::{write_secret, ClusterConfig, EmbeddedCluster};

use crate::config::DatabaseOpts;

/// A database URL and, for the embedded default, the cluster handle that keeps it running.
pub struct Database {
    pub url: String,
    pub cluster: Option<EmbeddedCluster>,
}

/// Opens the database, refusing one that an unfinished or failed `sheba restore` left
/// behind (it says how to recover).
pub fn open(opts: &DatabaseOpts) -> anyhow::Result<Database> {
    if let Some(url) = &opts.database_url {
        crate::backup::refuse_unfinished_external(url)?;
        return Ok(Database { url: url.clone(), cluster: None });
    }
    crate::backup::refuse_unfinished(&opts.data_dir)?;
    let cluster = EmbeddedCluster::ensure(&ClusterConfig {
        data_dir: opts.data_dir.clone(),
        port: opts.pg_port,
        bin_dir: opts.pg_bin_dir.clone(),
        database: "sheba".into(),
        wal_archive: opts.wal_archive_dir(),
    })?;
    Ok(Database { url: cluster.database_url().to_owned(), cluster: Some(cluster) })
}

/// The token signing key: the configured one, else one generated once and kept (mode 0600)
/// in the data directory. Never a constant in the source.
/// A key file (`SHEBA_JWT_SECRET_FILE`) is read as the key's text, its line end dropped.
/// Several servers on one database must all have the same key (a token signed by one is
/// checked by whichever server the next request reaches).
pub fn signing_key(configured: Option<&str>, file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading SHEBA_JWT_SECRET_FILE {}: {e}", path.display()))?;
        let secret = text.trim_end_matches(['\n', '\r']);
        anyhow::ensure!(
            secret.len() >= crate::auth::tokens::MIN_KEY_BYTES,
            "SHEBA_JWT_SECRET_FILE {} must hold at least {} bytes",
            path.display(),
            crate::auth::tokens::MIN_KEY_BYTES
        );
        return Ok(secret.as_bytes().to_vec());
    }
    if let Some(secret) = configured {
        anyhow::ensure!(
            secret.len() >= crate::auth::tokens::MIN_KEY_BYTES,
            "SHEBA_JWT_SECRET must be at least {} bytes",
            crate::auth::tokens::MIN_KEY_BYTES
        );
        return Ok(secret.as_bytes().to_vec());
    }
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join("jwt-signing-key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let key = STANDARD.decode(text.trim())?;
        anyhow::ensure!(key.len() >= crate::auth::tokens::MIN_KEY_BYTES, "{} holds a key that is too short", path.display());
        return Ok(key);
    }
    let mut key = vec![0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    write_secret(&path, &STANDARD.encode(&key))?;
    log::info!("generated a token signing key in {}", path.display());
    Ok(key)
}
