//! Documents on records: their rows (the bytes are in the document store, `api::documents`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::document::{DocumentKind, MediaType, OwnerKind};
use domain::id::{DocumentId, UserId};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::documents;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: DocumentId,
    #[diesel(deserialize_as = String)]
    pub owner_kind: OwnerKind,
    pub owner_id: Uuid,
    #[diesel(deserialize_as = String)]
    pub kind: DocumentKind,
    pub title: String,
    pub dated_on: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub sha256: Vec<u8>,
    pub stored_bytes: i64,
    #[diesel(deserialize_as = Uuid)]
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub withdrawn_by: Option<UserId>,
    pub withdrawal_reason: Option<String>,
    pub version: i32,
}

/// A document whose bytes are already in the store under `id`.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub id: DocumentId,
    pub owner_kind: OwnerKind,
    pub owner_id: Uuid,
    pub kind: DocumentKind,
    pub title: &'a str,
    pub dated_on: NaiveDate,
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub sha256: &'a [u8],
    pub stored_bytes: i64,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, d: &NewDocument<'_>) -> QueryResult<DocumentRow> {
    diesel::insert_into(documents::table)
        .values((
            documents::id.eq(d.id.0),
            documents::owner_kind.eq(d.owner_kind.code()),
            documents::owner_id.eq(d.owner_id),
            documents::kind.eq(d.kind.code()),
            documents::title.eq(d.title),
            documents::dated_on.eq(d.dated_on),
            documents::media_type.eq(d.media_type.code()),
            documents::size_bytes.eq(d.size_bytes),
            documents::sha256.eq(d.sha256),
            documents::stored_bytes.eq(d.stored_bytes),
            documents::created_by.eq(d.by.0),
        ))
        .returning(DocumentRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: DocumentId) -> QueryResult<Option<DocumentRow>> {
    documents::table.find(id.0).select(DocumentRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: DocumentId) -> QueryResult<Option<DocumentRow>> {
    documents::table.find(id.0).select(DocumentRow::as_select()).for_update().first(conn).optional()
}

/// Records the withdrawal (the only change a document ever has).
pub fn withdraw(conn: &mut PgConnection, id: DocumentId, by: UserId, reason: &str) -> QueryResult<DocumentRow> {
    diesel::update(documents::table.find(id.0))
        .set((
            documents::withdrawn_at.eq(diesel::dsl::now),
            documents::withdrawn_by.eq(by.0),
            documents::withdrawal_reason.eq(reason),
            documents::version.eq(documents::version + 1),
        ))
        .returning(DocumentRow::as_returning())
        .get_result(conn)
}

/// One record's documents in creation order (withdrawn ones too, unless left out).
pub fn list(
    conn: &mut PgConnection,
    owner_kind: OwnerKind,
    owner_id: Uuid,
    include_withdrawn: bool,
    after: Option<DocumentId>,
    limit: i64,
) -> QueryResult<Page<DocumentRow, DocumentId>> {
    let mut q = documents::table
        .filter(documents::owner_kind.eq(owner_kind.code()))
        .filter(documents::owner_id.eq(owner_id))
        .into_boxed();
    if !include_withdrawn {
        q = q.filter(documents::withdrawn_at.is_null());
    }
    if let Some(a) = after {
        q = q.filter(documents::id.gt(a.0));
    }
    let rows = q.order(documents::id).limit(limit + 1).select(DocumentRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// A document as a backup names it: id, size, stored size, SHA-256 of the plaintext.
pub type Inventoried = (Uuid, i64, i64, Vec<u8>);

/// Every document's id, sizes and SHA-256, in id order (backup and restore check them).
pub fn inventory(conn: &mut PgConnection) -> QueryResult<Vec<Inventoried>> {
    documents::table
        .order(documents::id)
        .select((documents::id, documents::size_bytes, documents::stored_bytes, documents::sha256))
        .load(conn)
}
