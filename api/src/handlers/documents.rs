//! Documents on records: upload (multipart, streamed into the encrypted store), list, read the
//! metadata, download the bytes (streamed, audited), withdraw. A document is reached through
//! the record it belongs to: the same permission and scope as reading (or writing) that record
//! ([`owner_access`], the one place that maps an owner to what to authorise).

use actix_web::http::header::{self, ETAG};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{authorize, Actor, Denial, Permission, Subject};
use domain::case::CaseKind;
use domain::document::{self as rules, DocumentKind, MediaType, OwnerKind};
use domain::id::{CaseId, ContactId, DocumentId, HospitalPatientId, LoanId, PersonId, SupervisionId, VoluntaryOrganisationId};
use futures_util::{StreamExt, TryStreamExt};
use persistence::documents::{self as repo, DocumentRow, NewDocument};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::documents::{hex, sniff, Upload, SNIFF_BYTES};
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

fn today() -> NaiveDate {
    domain::time::dhaka_date(Utc::now())
}

/// What the caller may do with one record's documents.
pub(crate) struct OwnerAccess {
    /// The account as authorised on the owner.
    pub actor: Actor,
    /// Whether the caller holds `ReadSensitiveCaseDetails` where the record is (or why not).
    pub sensitive: Result<(), Denial>,
    /// The record is a safe-home case (its court orders and medical reports are sensitive).
    pub safe_home_case: bool,
}

impl OwnerAccess {
    /// Whether a document of this kind may be shown in full (title, bytes) to the caller.
    fn sees(&self, kind: DocumentKind) -> Result<(), Denial> {
        if rules::is_sensitive(kind, self.safe_home_case) {
            self.sensitive
        } else {
            Ok(())
        }
    }
}

/// The one map from a document's owner to what to authorise: the owner's own read (or write)
/// permission on the owner's own subject, as its handlers authorise reading (or changing) it.
/// A record that does not exist (or, for a person, that the caller may not see) is a 404.
pub(crate) fn owner_access(
    conn: &mut PgConnection,
    who: &Principal,
    kind: OwnerKind,
    id: Uuid,
    write: bool,
) -> Result<OwnerAccess, ApiError> {
    let pick = |read: Permission, change: Permission| if write { change } else { read };
    let on = |conn: &mut PgConnection, permission: Permission, subject: Subject| -> Result<OwnerAccess, ApiError> {
        let actor = require(conn, who, permission, &subject)?;
        Ok(OwnerAccess { actor, sensitive: Err(Denial::RoleLacksPermission), safe_home_case: false })
    };
    match kind {
        OwnerKind::Case => {
            let row = persistence::cases::find(conn, CaseId(id))?.ok_or(ApiError::NotFound("case"))?;
            let subject = crate::handlers::cases::case_subject(conn, &row)?;
            let actor = require(conn, who, pick(Permission::ReadCases, Permission::WriteCases), &subject)?;
            let sensitive = authorize(&actor, Permission::ReadSensitiveCaseDetails, &subject);
            Ok(OwnerAccess { actor, sensitive, safe_home_case: row.kind == CaseKind::SafeHome })
        }
        OwnerKind::Person => {
            let own = crate::scoping::own_subject(conn, who.scope)?;
            let actor = require(conn, who, pick(Permission::ReadPersons, Permission::WritePersons), &own)?;
            persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(id))?
                .ok_or(ApiError::NotFound("person"))?;
            Ok(OwnerAccess { actor, sensitive: Err(Denial::RoleLacksPermission), safe_home_case: false })
        }
        OwnerKind::Contact => {
            let c = persistence::contacts::find(conn, ContactId(id))?.ok_or(ApiError::NotFound("contact"))?;
            on(conn, pick(Permission::ReadContacts, Permission::RecordContacts), crate::handlers::contacts::contact_subject(&c))
        }
        OwnerKind::Supervision => {
            let s = persistence::supervision::find(conn, SupervisionId(id))?.ok_or(ApiError::NotFound("supervision"))?;
            on(
                conn,
                pick(Permission::ReadSupervisions, Permission::ManageSupervisions),
                crate::handlers::supervision::subject(&s),
            )
        }
        OwnerKind::HospitalPatient => {
            let p = persistence::hospital::find(conn, HospitalPatientId(id))?.ok_or(ApiError::NotFound("patient request"))?;
            let subject = crate::handlers::hospital::subject_of(conn, p.facility_id)?;
            on(conn, pick(Permission::ReadHospitalPatients, Permission::ManageHospitalPatients), subject)
        }
        OwnerKind::VoluntaryOrganisation => {
            let o = persistence::voluntary::find(conn, VoluntaryOrganisationId(id))?
                .ok_or(ApiError::NotFound("voluntary organisation"))?;
            let subject = crate::handlers::voluntary::subject(&o);
            on(conn, pick(Permission::ReadVoluntaryOrganisations, Permission::ManageVoluntaryOrganisations), subject)
        }
        OwnerKind::Loan => {
            let l = persistence::microcredit::find_loan(conn, LoanId(id))?.ok_or(ApiError::NotFound("loan"))?;
            let subject = crate::handlers::microcredit::office(l.division_id, l.district_id, l.upazila_id);
            on(conn, pick(Permission::ReadMicrocredit, Permission::ManageMicrocredit), subject)
        }
    }
}

/// A document's metadata.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000dc01", "owner_kind": "case",
    "owner_id": "01936f5e-0000-7000-8000-0000000000ee", "kind": "court_order", "kind_label": {"en": "Court order", "bn": "আদালতের আদেশ"},
    "title": "Order of the Nari-o-Shishu tribunal, 12/2026", "title_withheld": false, "dated_on": "2026-11-30",
    "media_type": "application/pdf", "size_bytes": 183422,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "created_by": "01936f5e-0000-7000-8000-0000000000a9", "created_at": "2026-12-01T05:00:00Z",
    "withdrawn_at": null, "withdrawn_by": null, "withdrawal_reason": null, "version": 1,
    "content_url": "/api/v1/documents/01936f5e-0000-7000-8000-00000000dc01/content"}))]
pub struct DocumentView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::DocumentOwnerKindCode)]
    pub owner_kind: OwnerKind,
    pub owner_id: Uuid,
    #[schema(value_type = crate::codes::DocumentKindCode)]
    pub kind: DocumentKind,
    pub kind_label: LabelView,
    /// `null` when withheld: a court order or medical report on a safe-home case, for a reader
    /// without `ReadSensitiveCaseDetails`.
    pub title: Option<String>,
    pub title_withheld: bool,
    /// The date on the paper.
    pub dated_on: NaiveDate,
    /// What the file's own bytes are.
    #[schema(value_type = crate::codes::DocumentMediaTypeCode)]
    pub media_type: MediaType,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hexadecimal (the download's `ETag`).
    pub sha256: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Withdrawn documents stay in the history; their bytes are no longer given out.
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_reason: Option<String>,
    /// The `ETag` value.
    pub version: i32,
    pub content_url: String,
}

fn view(r: &DocumentRow, access: &OwnerAccess) -> DocumentView {
    let withheld = access.sees(r.kind).is_err();
    DocumentView {
        id: r.id.0,
        owner_kind: r.owner_kind,
        owner_id: r.owner_id,
        kind: r.kind,
        kind_label: r.kind.label().into(),
        title: (!withheld).then(|| r.title.clone()),
        title_withheld: withheld,
        dated_on: r.dated_on,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: hex(&r.sha256),
        created_by: r.created_by.0,
        created_at: r.created_at,
        withdrawn_at: r.withdrawn_at,
        withdrawn_by: r.withdrawn_by.map(|u| u.0),
        withdrawal_reason: r.withdrawal_reason.clone(),
        version: r.version,
        content_url: format!("/api/v1/documents/{}/content", r.id),
    }
}

/// The multipart form of an upload: the metadata fields first, then `file`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner_kind": "case", "owner_id": "01936f5e-0000-7000-8000-0000000000ee", "kind": "court_order",
    "title": "Order of the Nari-o-Shishu tribunal, 12/2026", "dated_on": "2026-11-30", "file": "(the file's bytes)"}))]
#[allow(dead_code)]
pub struct DocumentUpload {
    #[schema(value_type = crate::codes::DocumentOwnerKindCode)]
    owner_kind: String,
    /// The record's id.
    owner_id: Uuid,
    #[schema(value_type = crate::codes::DocumentKindCode)]
    kind: String,
    #[schema(min_length = 1, max_length = 200)]
    title: String,
    /// The date on the paper (not in the future).
    dated_on: NaiveDate,
    /// The file: PDF, JPEG, PNG, TIFF or WebP, told by its own bytes (not its name or declared
    /// type, which must not contradict them). At most `SHEBA_DOCUMENT_MAX_BYTES` (25 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The metadata, parsed.
#[derive(Debug, Clone, Serialize)]
struct Meta {
    owner_kind: OwnerKind,
    owner_id: Uuid,
    kind: DocumentKind,
    title: String,
    dated_on: NaiveDate,
}

/// Longest metadata field accepted, in bytes.
const FIELD_MAX_BYTES: usize = 2048;

async fn text_field(field: &mut actix_multipart::Field, name: &str) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if buf.len() + chunk.len() > FIELD_MAX_BYTES {
            return Err(ApiError::field_coded(name, "invalid_length", format!("must be at most {FIELD_MAX_BYTES} bytes")));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::field_coded(name, "invalid_format", "must be UTF-8 text"))
}

fn multipart_error(e: actix_multipart::MultipartError) -> ApiError {
    ApiError::BadRequest { code: "invalid_multipart", detail: format!("the multipart body is malformed: {e}") }
}

fn parse_meta(fields: &std::collections::HashMap<String, String>) -> Result<Meta, ApiError> {
    let mut errors = vec![];
    let mut get = |name: &str| -> Option<&str> {
        let v = fields.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
        if v.is_none() {
            errors.push(FieldError::coded(name, "required", "is required (send it before `file`)"));
        }
        v
    };
    let (owner_kind, owner_id, kind, title, dated_on) =
        (get("owner_kind"), get("owner_id"), get("kind"), get("title"), get("dated_on"));
    let owner_kind = owner_kind.and_then(|v| {
        OwnerKind::parse(v).or_else(|| {
            errors.push(FieldError::coded("owner_kind", "unknown_code", "is not a document owner kind"));
            None
        })
    });
    let owner_id = owner_id.and_then(|v| {
        Uuid::parse_str(v).ok().or_else(|| {
            errors.push(FieldError::coded("owner_id", "invalid_format", "is not a UUID"));
            None
        })
    });
    let kind = kind.and_then(|v| {
        DocumentKind::parse(v).or_else(|| {
            errors.push(FieldError::coded("kind", "unknown_code", "is not a document kind"));
            None
        })
    });
    let title = title.and_then(|v| match rules::parse_title(v) {
        Ok(t) => Some(t),
        Err(m) => {
            errors.push(FieldError::coded("title", "invalid_length", m));
            None
        }
    });
    let dated_on = dated_on.and_then(|v| match v.parse::<NaiveDate>() {
        Ok(d) => match rules::check_dated_on(d, today()) {
            Ok(()) => Some(d),
            Err(r) => {
                errors.push(FieldError::coded("dated_on", "out_of_range", r.message()));
                None
            }
        },
        Err(_) => {
            errors.push(FieldError::coded("dated_on", "invalid_format", "is not a date (YYYY-MM-DD)"));
            None
        }
    });
    match (owner_kind, owner_id, kind, title, dated_on) {
        (Some(owner_kind), Some(owner_id), Some(kind), Some(title), Some(dated_on)) if errors.is_empty() => {
            Ok(Meta { owner_kind, owner_id, kind, title, dated_on })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Streams the `file` part into the store: sniffs its first bytes, then hashes and encrypts
/// chunk by chunk. A file refused for its type is refused before anything is written; one
/// refused for its size is aborted (the store keeps nothing).
async fn store_file(
    state: &AppState,
    id: DocumentId,
    field: &mut actix_multipart::Field,
) -> Result<(MediaType, Vec<u8>, u64, u64), ApiError> {
    let declared = field.content_type().map(|m| m.essence_str().to_owned());
    let max = state.documents.max_bytes;
    // The first bytes, to tell what the file is before anything is stored.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut rest: Option<actix_web::web::Bytes> = None;
    // (A part must not be polled again once it has ended.)
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match field.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(multipart_error)?;
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(chunk.get(..take).unwrap_or_default());
                if take < chunk.len() {
                    rest = Some(chunk.slice(take..));
                }
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    if head.is_empty() {
        return Err(ApiError::field_coded("file", "required", "is empty"));
    }
    let media = sniff(&head).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "file: its bytes are not a PDF, JPEG, PNG, TIFF or WebP file (the name and the declared type are not looked at)"
                .into(),
        )
    })?;
    if !rules::declared_type_agrees(declared.as_deref(), media) {
        return Err(ApiError::field_coded(
            "file",
            "invalid",
            format!("is declared as {} but its bytes are {}", declared.unwrap_or_default(), media.code()),
        ));
    }
    let mut upload = state.documents.begin(id).await.map_err(ApiError::internal)?;
    match feed(&mut upload, max, &head, rest, (!ended).then_some(field)).await {
        Ok(()) => {}
        Err(e) => {
            upload.abort().await;
            return Err(e);
        }
    }
    let (sha, size, stored) = upload.finish().await.map_err(ApiError::internal)?;
    Ok((media, sha, size, stored))
}

async fn feed(
    upload: &mut Upload,
    max: u64,
    head: &[u8],
    rest: Option<actix_web::web::Bytes>,
    field: Option<&mut actix_multipart::Field>,
) -> Result<(), ApiError> {
    put(upload, max, head).await?;
    if let Some(r) = rest {
        put(upload, max, &r).await?;
    }
    if let Some(field) = field {
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            put(upload, max, &chunk).await?;
        }
    }
    Ok(())
}

/// Writes the next bytes, refusing (413) as soon as the limit is passed.
async fn put(upload: &mut Upload, max: u64, bytes: &[u8]) -> Result<(), ApiError> {
    if upload.size() + bytes.len() as u64 > max {
        return Err(ApiError::PayloadTooLarge(usize::try_from(max).unwrap_or(usize::MAX)));
    }
    upload.write(bytes).await.map_err(ApiError::internal)
}

/// Attach a document to a record. `multipart/form-data`: `owner_kind`, `owner_id`, `kind`,
/// `title`, `dated_on`, then `file`. The file's type is told by its bytes; its size is limited
/// (`SHEBA_DOCUMENT_MAX_BYTES`, 25 MB by default). Needs the permission to change the record
/// (a case: `WriteCases` where the case is). Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "upload_document", tag = "documents",
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored; `Location` and `ETag` set", body = DocumentView),
        (status = 404, description = "No such record (or not one you may see)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than the limit; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart, or the file's bytes are not an allowed type; nothing was stored", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A missing or bad field, a date in the future, or a declared type the bytes contradict", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/documents")]
pub async fn upload_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType("send the document as multipart/form-data".into()));
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut fields = std::collections::HashMap::new();
    let id = DocumentId(Uuid::now_v7());
    let mut stored = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "owner_kind" | "owner_id" | "kind" | "title" | "dated_on" if stored.is_none() => {
                let text = text_field(&mut field, &name).await?;
                fields.insert(name, text);
            }
            "file" if stored.is_none() => {
                let meta = parse_meta(&fields)?;
                // Authorised before a byte is stored.
                let (who2, m) = (who.clone(), meta.clone());
                read(&state, move |conn| owner_access(conn, &who2, m.owner_kind, m.owner_id, true).map(|_| ())).await?;
                stored = Some((meta, store_file(&state, id, &mut field).await?));
            }
            _ => {
                if stored.is_some() {
                    state.documents.delete(id).await.map_err(ApiError::internal)?;
                }
                return Err(ApiError::field_coded(
                    if name.is_empty() { "file" } else { &name },
                    "invalid",
                    "unexpected part: send owner_kind, owner_id, kind, title, dated_on, then file, each once",
                ));
            }
        }
    }
    let Some((meta, (media, sha, size, stored_bytes))) = stored else {
        parse_meta(&fields)?;
        return Err(ApiError::field_coded("file", "required", "is required"));
    };
    let fingerprint =
        idempotency::fingerprint(&["upload_document", &serde_json::to_string(&meta).map_err(ApiError::internal)?, &hex(&sha)]);
    let made = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = made.clone();
    let answer = idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let access = owner_access(conn, &who, meta.owner_kind, meta.owner_id, true)?;
        let row = repo::insert(
            conn,
            &NewDocument {
                id,
                owner_kind: meta.owner_kind,
                owner_id: meta.owner_id,
                kind: meta.kind,
                title: &meta.title,
                dated_on: meta.dated_on,
                media_type: media,
                size_bytes: i64::try_from(size).map_err(ApiError::internal)?,
                sha256: &sha,
                stored_bytes: i64::try_from(stored_bytes).map_err(ApiError::internal)?,
                by: who.user_id,
            },
        )?;
        crate::pipeline::audit_created(
            conn,
            &who,
            "document.add",
            row.id,
            &row,
            serde_json::json!({"owner_kind": row.owner_kind.code(), "owner_id": row.owner_id, "kind": row.kind.code(),
                               "media_type": row.media_type.code(), "size_bytes": row.size_bytes, "sha256": hex(&row.sha256)}),
        )?;
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(Created {
            location: Some(format!("/api/v1/documents/{}", row.id)),
            etag: Some(etag(row.version)),
            body: view(&row, &access),
        })
    })
    .await;
    // The object stays only under a row that committed (not for a replay or a failure).
    let committed = answer.as_ref().is_ok_and(|r| r.status() == StatusCode::CREATED)
        && made.load(std::sync::atomic::Ordering::SeqCst)
        && answer.as_ref().is_ok_and(|r| !r.headers().contains_key(idempotency::REPLAYED));
    if !committed {
        if let Err(e) = state.documents.delete(id).await {
            log::warn!("removing the object of a document that was not recorded: {e}");
        }
    }
    answer
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// The kind of record.
    #[param(value_type = crate::codes::DocumentOwnerKindCode)]
    pub owner_kind: String,
    /// The record's id.
    pub owner_id: Uuid,
    /// Include withdrawn documents (default true: the history).
    pub include_withdrawn: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// One record's documents, oldest first (withdrawn ones too, marked). Needs the permission to
/// read the record; the list is audited.
#[utoipa::path(operation_id = "list_documents", tag = "documents", params(DocumentQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of documents", body = ListPage<DocumentView>),
        (status = 404, description = "No such record (or not one you may see)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown owner kind", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/documents")]
pub async fn list_documents(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let owner_kind = OwnerKind::parse(&q.owner_kind)
        .ok_or_else(|| ApiError::field_coded("owner_kind", "unknown_code", "is not a document owner kind"))?;
    let (limit, after) = (limit(q.limit)?, decode_cursor::<DocumentId>(q.cursor.as_deref())?);
    let include = q.include_withdrawn.unwrap_or(true);
    let owner_id = q.owner_id;
    let (page, access) = transact(&state, move |conn| {
        let access = owner_access(conn, &who, owner_kind, owner_id, false)?;
        let page = repo::list(conn, owner_kind, owner_id, include, after, limit)?;
        who.audit_list(conn, "document", &asked, page.rows.iter().map(|r| r.id))?;
        Ok((page, access))
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| view(&r, &access))))
}

/// Reads a document and the caller's access to it (the owner's read permission).
fn find_readable(conn: &mut PgConnection, who: &Principal, id: DocumentId) -> Result<(DocumentRow, OwnerAccess), ApiError> {
    let row = repo::find(conn, id)?.ok_or(ApiError::NotFound("document"))?;
    let access = owner_access(conn, who, row.owner_kind, row.owner_id, false).map_err(|e| match e {
        // The owner is there (the document names it), but hidden from the caller: so is it.
        ApiError::NotFound(_) => ApiError::NotFound("document"),
        e => e,
    })?;
    Ok((row, access))
}

/// A document's metadata (the read is audited).
#[utoipa::path(operation_id = "get_document", tag = "documents",
    params(("document_id" = Uuid, Path, description = "The document")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The document; `ETag` set", body = DocumentView),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/documents/{document_id}")]
pub async fn get_document(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let v = transact(&state, move |conn| {
        let (row, access) = find_readable(conn, &who, id)?;
        persistence::audit::record_read(conn, &who.audit_actor(), "document", id.to_string(), Some(&who.request_id))?;
        Ok(view(&row, &access))
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(v.version))).json(v))
}

/// The document's bytes, streamed, with its media type, length and `ETag` (its SHA-256). Every
/// download is audited (`document.download`). A court order or medical report on a safe-home
/// case needs `ReadSensitiveCaseDetails` too; a withdrawn document is not given out (409).
#[utoipa::path(operation_id = "download_document", tag = "documents",
    params(("document_id" = Uuid, Path, description = "The document")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The bytes, as their own media type", content(
            (String = "application/pdf"), (String = "image/jpeg"), (String = "image/png"), (String = "image/tiff"), (String = "image/webp")),
            headers(("ETag" = String, description = "SHA-256 of the bytes, quoted hex"), ("Content-Disposition" = String, description = "attachment; filename=\"<id>.<ext>\""))),
        (status = 403, description = "A sensitive document, without `ReadSensitiveCaseDetails`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Withdrawn (`document.withdrawn`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/documents/{document_id}/content")]
pub async fn download_document(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = transact(&state, move |conn| {
        let (row, access) = find_readable(conn, &who, id)?;
        access.sees(row.kind).map_err(ApiError::Forbidden)?;
        if row.withdrawn_at.is_some() {
            return Err(rules::WITHDRAWN.into());
        }
        who.audit(
            conn,
            "document.download",
            "document",
            id,
            None,
            Some(
                serde_json::json!({"owner_kind": row.owner_kind.code(), "owner_id": row.owner_id, "size_bytes": row.size_bytes}),
            ),
        )?;
        Ok(row)
    })
    .await?;
    let body = state.documents.open(id).await.map_err(ApiError::internal)?.map_err(move |e| {
        // The response has begun: the connection is cut, and the cause logged (no content).
        log::error!("document {id}: {e}");
        std::io::Error::other(e.to_string())
    });
    let size = u64::try_from(row.size_bytes).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(row.media_type.code())
        .insert_header((ETAG, format!("\"{}\"", hex(&row.sha256))))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.{}\"", id, row.media_type.extension())))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .no_chunking(size)
        .streaming(body))
}

/// Why a document is withdrawn.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"reason": "Attached to the wrong case"}))]
pub struct WithdrawalRequest {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Withdraw a document: it stays in the record's history with the reason, who and when, and
/// its bytes are no longer given out. Needs the permission to change the record, and `If-Match`.
#[utoipa::path(operation_id = "withdraw_document", tag = "documents", request_body = WithdrawalRequest,
    params(("document_id" = Uuid, Path, description = "The document"), ("If-Match" = String, Header, description = "The document's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn; new `ETag`", body = DocumentView),
        (status = 404, description = "No such document", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/documents/{document_id}/withdrawal")]
pub async fn withdraw_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DocumentId>,
    body: ApiJson<WithdrawalRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = rules::parse_reason(&body.0.reason).map_err(|m| ApiError::field_coded("reason", "invalid_length", m))?;
    let done = pipeline::change(
        &req,
        &state,
        who,
        path.into_inner(),
        Step::by_record("document.withdraw"),
        |conn, who, after: &DocumentRow| Ok(view(after, &owner_access(conn, who, after.owner_kind, after.owner_id, false)?)),
        move |conn, cx, before: DocumentRow| {
            if before.withdrawn_at.is_some() {
                return Err(rules::WITHDRAWN.into());
            }
            Ok(Outcome::new(repo::withdraw(conn, before.id, cx.who.user_id, &reason)?))
        },
    )
    .await?;
    Ok(done.ok())
}

/// What the audit trail keeps of a document: never its title (it may name a person).
fn summary(r: &DocumentRow) -> serde_json::Value {
    serde_json::json!({"owner_kind": r.owner_kind.code(), "owner_id": r.owner_id, "kind": r.kind.code(),
        "withdrawn": r.withdrawn_at.is_some(), "version": r.version})
}

impl crate::pipeline::Record for DocumentRow {
    type Id = DocumentId;
    const KIND: &'static str = "document";
    const NOUN: &'static str = "document";

    fn lock(conn: &mut PgConnection, id: DocumentId) -> Result<Option<Self>, ApiError> {
        Ok(repo::find_for_update(conn, id)?)
    }
    /// A document sits where its owner does, and a person's place is a visibility query, not
    /// a `Subject`: every step goes through [`Record::authorise`] below, and nothing may take
    /// this for where the document is.
    fn subject(&self, _: &mut PgConnection) -> Result<Subject, ApiError> {
        Err(ApiError::internal("a document is authorised through its owner"))
    }
    /// A document changes with the permission to change its owner, where the owner is.
    fn authorise(&self, conn: &mut PgConnection, who: &Principal, _: Step) -> Result<Actor, ApiError> {
        match owner_access(conn, who, self.owner_kind, self.owner_id, true) {
            Ok(access) => Ok(access.actor),
            Err(ApiError::NotFound(_)) => Err(ApiError::NotFound("document")),
            Err(e) => Err(e),
        }
    }
    fn version(&self) -> i32 {
        self.version
    }
    fn summary(&self) -> serde_json::Value {
        summary(self)
    }
}
