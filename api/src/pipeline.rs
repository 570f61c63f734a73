//! The one write path for every mutable record. A change to a case, a beneficiary, a loan or
//! an area runs the same steps, in the request's one transaction: lock the record, authorize
//! in the one policy point, check `If-Match`, run the step (the domain decides, the step
//! writes), audit before and after, and answer the view with its `ETag`. A module implements
//! [`Record`] once for its row; each endpoint names its [`Step`] and writes only what is its own.

use std::fmt::Display;

use actix_web::http::header::{ETAG, LOCATION};
use actix_web::{HttpRequest, HttpResponse};
use domain::access::{Actor, Permission, Subject};
use persistence::PgConnection;
use serde::Serialize;
use serde_json::Value;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag;
use crate::problem::ApiError;
use crate::state::AppState;
use crate::unit_of_work::transact;

/// A stored record that changes through the API under optimistic concurrency.
pub trait Record: Sized + Send + 'static {
    type Id: Copy + Display + Send + 'static;
    /// The entity type in the audit trail (`case`, `loan`, `upazila`).
    const KIND: &'static str;
    /// What a 404 names (`case`, `patient request`).
    const NOUN: &'static str;

    /// Reads the record and locks it for the rest of the transaction.
    fn lock(conn: &mut PgConnection, id: Self::Id) -> Result<Option<Self>, ApiError>;
    /// Where the record sits for access decisions (its area, facility, partners).
    fn subject(&self, conn: &mut PgConnection) -> Result<Subject, ApiError>;
    /// Authorises `step` on the record in the one policy point: by default the step's
    /// permission where the record sits. A record whose access is another's (a document's is
    /// its owner's) says so here, once, instead of around each of its writes.
    fn authorise(&self, conn: &mut PgConnection, who: &Principal, step: Step) -> Result<Actor, ApiError> {
        let permission = step.permission.ok_or_else(|| ApiError::internal("this record's steps need a permission"))?;
        let subject = self.subject(conn)?;
        require(conn, who, permission, &subject)
    }
    /// The version sent as the `ETag`.
    fn version(&self) -> i32;
    /// What the audit row keeps of the record, before and after a change: its state and
    /// version, never free text about a person.
    fn summary(&self) -> Value;
}

/// One kind of change: the audit action and the permission it needs where the record is.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub action: &'static str,
    /// `None`: the record's own [`Record::authorise`] decides (a document: its owner's).
    pub permission: Option<Permission>,
}

impl Step {
    pub const fn new(action: &'static str, permission: Permission) -> Step {
        Step { action, permission: Some(permission) }
    }

    /// A step whose permission the record decides ([`Record::authorise`]).
    pub const fn by_record(action: &'static str) -> Step {
        Step { action, permission: None }
    }
}

/// What a step did: the record as it now is (for a transfer, the record that replaces it) and
/// what the audit row adds to the record's summary (the command, amounts, a successor).
pub struct Outcome<R> {
    pub record: R,
    pub detail: Value,
    /// The audit action when the domain, not the endpoint, decides it (a case's command).
    pub action: Option<String>,
    /// False when the step found nothing to do (enabling an enabled account): no audit row.
    pub changed: bool,
}

impl<R> Outcome<R> {
    pub fn new(record: R) -> Outcome<R> {
        Outcome { record, detail: Value::Null, action: None, changed: true }
    }

    pub fn with(record: R, detail: impl Serialize) -> Result<Outcome<R>, ApiError> {
        Ok(Outcome { record, detail: serde_json::to_value(detail).map_err(ApiError::internal)?, action: None, changed: true })
    }

    /// The record as it was: the request asked for what already is.
    pub fn unchanged(record: R) -> Outcome<R> {
        Outcome { changed: false, ..Outcome::new(record) }
    }

    pub fn named(mut self, action: String) -> Outcome<R> {
        self.action = Some(action);
        self
    }
}

/// Who runs a step.
pub struct Ctx<'a> {
    pub who: &'a Principal,
    /// The account as it is now (role and scope), authorized for the step on the record.
    pub actor: &'a Actor,
}

/// Runs `step` on the record `id` inside the caller's transaction and returns what it became.
/// The audit row carries the record's summary before and after, with the step's detail.
pub fn apply<R, F>(conn: &mut PgConnection, who: &Principal, id: R::Id, expected: i32, step: Step, f: F) -> Result<R, ApiError>
where
    R: Record,
    F: FnOnce(&mut PgConnection, &Ctx<'_>, R) -> Result<Outcome<R>, ApiError>,
{
    let before = R::lock(conn, id)?.ok_or(ApiError::NotFound(R::NOUN))?;
    let actor = before.authorise(conn, who, step)?;
    etag::check(before.version(), expected)?;
    let summary_before = before.summary();
    let Outcome { record, detail, action, changed } = f(conn, &Ctx { who, actor: &actor }, before)?;
    if !changed {
        return Ok(record);
    }
    let summary_after = with_detail(record.summary(), detail);
    who.audit(conn, action.as_deref().unwrap_or(step.action), R::KIND, id, Some(summary_before), Some(summary_after))?;
    Ok(record)
}

/// A record's audit summary with what the step adds under `detail` (nothing when null).
fn with_detail(mut summary: Value, detail: Value) -> Value {
    if !detail.is_null() {
        if let Some(map) = summary.as_object_mut() {
            map.insert("detail".into(), detail);
        }
    }
    summary
}

/// A view with the version it was built at, to answer with.
pub struct Answer<V> {
    pub version: i32,
    pub view: V,
}

impl<V: Serialize> Answer<V> {
    /// 200 with the view and its `ETag`.
    pub fn ok(self) -> HttpResponse {
        HttpResponse::Ok().insert_header((ETAG, etag::etag(self.version))).json(self.view)
    }

    /// 200 with the view, its `ETag` and where it now lives (a transfer's new record).
    pub fn ok_at(self, location: String) -> HttpResponse {
        HttpResponse::Ok().insert_header((ETAG, etag::etag(self.version))).insert_header((LOCATION, location)).json(self.view)
    }
}

/// The whole request: `If-Match`, one transaction running [`apply`] with the step `f`, then
/// `view` of the record in the same transaction (the step last, so it reads as a block).
pub async fn change<R, V, F, W>(
    req: &HttpRequest,
    state: &AppState,
    who: Principal,
    id: R::Id,
    step: Step,
    view: W,
    f: F,
) -> Result<Answer<V>, ApiError>
where
    R: Record,
    V: Send + 'static,
    F: FnOnce(&mut PgConnection, &Ctx<'_>, R) -> Result<Outcome<R>, ApiError> + Send + 'static,
    W: FnOnce(&mut PgConnection, &Principal, &R) -> Result<V, ApiError> + Send + 'static,
{
    let expected = etag::if_match(req)?;
    transact(state, move |conn| {
        let after = apply(conn, &who, id, expected, step, f)?;
        Ok(Answer { version: after.version(), view: view(conn, &who, &after)? })
    })
    .await
}

/// The audit row of a record just created (inside the create's transaction): no before, its
/// summary after, with what the create adds.
pub fn audit_created<R: Record>(
    conn: &mut PgConnection,
    who: &Principal,
    action: &str,
    id: R::Id,
    record: &R,
    detail: impl Serialize,
) -> Result<(), ApiError> {
    let detail = serde_json::to_value(detail).map_err(ApiError::internal)?;
    who.audit(conn, action, R::KIND, id, None, Some(with_detail(record.summary(), detail)))
}

/// The audit row of a second record a step changed (a case moved by its transfer's
/// acceptance, locked by the step): its summary before and after, with what the step adds.
pub fn audit_changed<R: Record>(
    conn: &mut PgConnection,
    who: &Principal,
    action: &str,
    (before, after): (&R, &R),
    id: R::Id,
    detail: impl Serialize,
) -> Result<(), ApiError> {
    let detail = serde_json::to_value(detail).map_err(ApiError::internal)?;
    who.audit(conn, action, R::KIND, id, Some(before.summary()), Some(with_detail(after.summary(), detail)))
}

/// Something added under a record (an annual report under its organisation, a grant, a loan's
/// write-off request), inside the create's transaction: lock the record, authorize there, run
/// `f`, audit on the record with what `f` says it added.
pub fn under<R, T, F>(conn: &mut PgConnection, who: &Principal, id: R::Id, step: Step, f: F) -> Result<T, ApiError>
where
    R: Record,
    F: FnOnce(&mut PgConnection, &Ctx<'_>, &R) -> Result<(T, Value), ApiError>,
{
    let parent = R::lock(conn, id)?.ok_or(ApiError::NotFound(R::NOUN))?;
    let actor = parent.authorise(conn, who, step)?;
    let (made, detail) = f(conn, &Ctx { who, actor: &actor }, &parent)?;
    who.audit(conn, step.action, R::KIND, id, None, Some(detail))?;
    Ok(made)
}

/// Implements [`Record`] for a row that carries its `version`: the id type, the audit kind and
/// 404 noun, the locking read, where it sits for access, and its audit summary.
macro_rules! record {
    (
        $row:ty {
            id: $id:ty,
            kind: $kind:literal,
            noun: $noun:literal,
            lock: $lock:path,
            subject: |$r:ident, $conn:pat_param| $subject:expr,
            summary: |$s:ident| $summary:expr $(,)?
        }
    ) => {
        impl $crate::pipeline::Record for $row {
            type Id = $id;
            const KIND: &'static str = $kind;
            const NOUN: &'static str = $noun;

            fn lock(conn: &mut persistence::PgConnection, id: $id) -> Result<Option<Self>, $crate::problem::ApiError> {
                Ok($lock(conn, id)?)
            }
            fn subject(
                &self,
                $conn: &mut persistence::PgConnection,
            ) -> Result<domain::access::Subject, $crate::problem::ApiError> {
                #[allow(unused_variables)]
                let $r = self;
                $subject
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn summary(&self) -> serde_json::Value {
                let $s = self;
                $summary
            }
        }
    };
}
pub(crate) use record;

/// A view that needs only the record (no query): the answer of [`change`].
pub fn shown<R, V>(view: fn(&R) -> V) -> impl FnOnce(&mut PgConnection, &Principal, &R) -> Result<V, ApiError> {
    move |_, _, r| Ok(view(r))
}

/// A view that reads more (the record's timeline, its totals): the answer of [`change`].
pub fn read_with<R, V>(
    view: fn(&mut PgConnection, &R) -> Result<V, ApiError>,
) -> impl FnOnce(&mut PgConnection, &Principal, &R) -> Result<V, ApiError> {
    move |conn, _, r| view(conn, r)
}
