//! The service directory: the organisations a district office refers children to, the
//! services each gives, where, how to reach them and in which languages. District officers
//! (and national administrators) keep their district's entries; everyone who works cases
//! reads the directory of the districts their scope reaches. Referrals and immediate support
//! name an entry (`handlers/cases/actions.rs`, checked by [`check_named_entry`]).

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post, put};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Denial, Permission, Scope, Subject};
use domain::case::ServiceType;
use domain::directory::{check_lists, check_provides, check_retire, EntryFacts, Language, OrganisationKind};
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};
use domain::id::DirectoryEntryId;
use domain::person::MobileNumber;
use persistence::directory::{self as repo, EntryFields, EntryFilter, EntryRow, Reach};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::microcredit::today;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::LabelView;

/// An organisation in the service directory.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e101", "name_en": "Upazila Health Complex, Savar",
    "name_bn": "উপজেলা স্বাস্থ্য কমপ্লেক্স, সাভার", "kind": "hospital", "kind_label": {"en": "Hospital or clinic", "bn": "হাসপাতাল বা ক্লিনিক"},
    "services": ["health", "emergency_health"], "service_labels": [{"en": "Health care", "bn": "স্বাস্থ্যসেবা"},
    {"en": "Emergency health care", "bn": "জরুরি স্বাস্থ্যসেবা"}], "languages": ["bn"], "language_labels": [{"en": "Bangla", "bn": "বাংলা"}],
    "division_id": 6, "district_id": 47, "upazila_id": 400, "phone": "01712345678", "email": "uhc.savar@example.org",
    "address": "Savar, Dhaka", "listed_on": "2026-12-01", "retired_on": null, "retired_reason": null, "version": 1,
    "created_at": "2026-12-01T04:00:00Z", "updated_at": "2026-12-01T04:00:00Z"}))]
pub struct DirectoryEntryView {
    pub id: Uuid,
    pub name_en: String,
    pub name_bn: String,
    #[schema(value_type = crate::codes::OrganisationKindCode)]
    pub kind: OrganisationKind,
    pub kind_label: LabelView,
    #[schema(value_type = Vec<crate::codes::ServiceTypeCode>)]
    pub services: Vec<ServiceType>,
    /// The services' labels, in the same order.
    pub service_labels: Vec<LabelView>,
    #[schema(value_type = Vec<crate::codes::DirectoryLanguageCode>)]
    pub languages: Vec<Language>,
    /// The languages' labels, in the same order.
    pub language_labels: Vec<LabelView>,
    pub division_id: i32,
    pub district_id: i32,
    /// Null when the organisation serves the whole district.
    pub upazila_id: Option<i32>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: String,
    pub listed_on: NaiveDate,
    /// From this day on no referral may name the entry.
    pub retired_on: Option<NaiveDate>,
    pub retired_reason: Option<String>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn services_of(r: &EntryRow) -> Vec<ServiceType> {
    r.services.iter().filter_map(|s| ServiceType::parse(s)).collect()
}

pub(crate) fn entry_view(r: &EntryRow) -> DirectoryEntryView {
    let services = services_of(r);
    let languages: Vec<Language> = r.languages.iter().filter_map(|l| Language::parse(l)).collect();
    DirectoryEntryView {
        id: r.id.0,
        name_en: r.name_en.clone(),
        name_bn: r.name_bn.clone(),
        kind: r.kind,
        kind_label: r.kind.label().into(),
        service_labels: services.iter().map(|s| s.label().into()).collect(),
        services,
        language_labels: languages.iter().map(|l| l.label().into()).collect(),
        languages,
        division_id: r.division_id,
        district_id: r.district_id,
        upazila_id: r.upazila_id,
        phone: r.phone.clone(),
        email: r.email.clone(),
        address: r.address.clone(),
        listed_on: r.listed_on,
        retired_on: r.retired_on,
        retired_reason: r.retired_reason.clone(),
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// An organisation as its district office lists it (on create, and whole on update).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"name_en": "Upazila Health Complex, Savar", "name_bn": "উপজেলা স্বাস্থ্য কমপ্লেক্স, সাভার", "kind": "hospital",
    "services": ["health", "emergency_health"], "languages": ["bn", "en"], "upazila_id": 1,
    "phone": "01712345678", "email": "uhc.savar@example.org", "address": "Savar, Dhaka"}))]
pub struct DirectoryEntryRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: String,
    #[schema(value_type = crate::codes::OrganisationKindCode)]
    pub kind: OrganisationKind,
    /// The services it gives (the case's service codes), at least one.
    #[validate(length(min = 1, max = 50))]
    #[schema(value_type = Vec<crate::codes::ServiceTypeCode>, min_items = 1, max_items = 50)]
    pub services: Vec<ServiceType>,
    /// The languages it serves people in, at least one.
    #[validate(length(min = 1, max = 20))]
    #[schema(value_type = Vec<crate::codes::DirectoryLanguageCode>, min_items = 1, max_items = 20)]
    pub languages: Vec<Language>,
    /// The district whose office keeps the entry: needed for one serving the whole district,
    /// otherwise the upazila's.
    pub district_id: Option<i32>,
    /// The upazila it serves, if not the whole district (of `district_id`, when given).
    pub upazila_id: Option<i32>,
    /// A mobile number, as Sheba takes them everywhere (`01XXXXXXXXX`, `+880` accepted).
    pub phone: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub address: String,
}

fn has_text(s: &str) -> bool {
    s.chars().any(|c| !c.is_whitespace())
}

/// Checks the request whole (every bad field at once) and places it in its district.
fn fields(conn: &mut PgConnection, b: &DirectoryEntryRequest) -> Result<(EntryFields, AreaPath), ApiError> {
    let mut errors = vec![];
    let mut name = |field: &str, raw: &str| {
        domain::user::parse_display_name(raw).map_err(|e| errors.push(FieldError::coded(field, "invalid_format", e.0))).ok()
    };
    let (name_en, name_bn) = (name("name_en", &b.name_en), name("name_bn", &b.name_bn));
    let phone = b
        .phone
        .as_deref()
        .map(MobileNumber::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::coded("phone", "invalid_format", e.0)))
        .ok()
        .flatten();
    if !has_text(&b.address) {
        errors.push(FieldError::coded("address", "invalid_format", "must not be blank"));
    }
    let district = match (b.upazila_id, b.district_id) {
        (Some(u), asked) => {
            let path = persistence::geo::upazila_path(conn, UpazilaId(u))?
                .filter(|p| asked.is_none_or(|d| p.district == Some(DistrictId(d))));
            if path.is_none() {
                errors.push(FieldError::coded("upazila_id", "not_found", "no such upazila (in the district)"));
            }
            path.and_then(|p| p.district.map(|d| AreaPath::district(p.division, d)))
        }
        (None, Some(d)) => {
            let path = persistence::geo::district_path(conn, DistrictId(d))?;
            if path.is_none() {
                errors.push(FieldError::coded("district_id", "not_found", "no such district"));
            }
            path
        }
        (None, None) => {
            errors.push(FieldError::coded("district_id", "required", "name the district, or the upazila served"));
            None
        }
    };
    let (Some(name_en), Some(name_bn), Some(area), Some(district_id), true) =
        (name_en, name_bn, district, district.and_then(|p| p.district), errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let (services, languages) = check_lists(&b.services, &b.languages)?;
    Ok((
        EntryFields {
            name_en,
            name_bn,
            kind: b.kind.code().to_owned(),
            services: services.iter().map(|s| s.code().to_owned()).collect(),
            languages: languages.iter().map(|l| l.code().to_owned()).collect(),
            division_id: area.division.0,
            district_id: district_id.0,
            upazila_id: b.upazila_id,
            phone: phone.map(|p| p.as_str().to_owned()),
            email: b.email.as_deref().map(str::trim).map(str::to_owned),
            address: b.address.trim().to_owned(),
        },
        area,
    ))
}

/// Where an entry is kept: its district (whichever upazila it serves).
fn keeper(division: i32, district: i32) -> Subject {
    Subject::Area(AreaPath::district(DivisionId(division), DistrictId(district)))
}

/// The districts a reader's scope reaches: an upazila office (or a facility) reads its
/// district's directory, since children are referred across the district.
fn reach(conn: &mut PgConnection, scope: Scope) -> Result<Reach, ApiError> {
    Ok(match scope {
        Scope::National => Reach::National,
        Scope::Division(d) => Reach::Division(d.0),
        Scope::District(d) => Reach::District(d.0),
        Scope::Upazila(u) => {
            persistence::geo::upazila_path(conn, u)?.and_then(|p| p.district).map_or(Reach::Nothing, |d| Reach::District(d.0))
        }
        Scope::Facility(f) => persistence::facilities::find(conn, f)?.map_or(Reach::Nothing, |f| Reach::District(f.district_id)),
        Scope::Partner(_) => Reach::Nothing,
    })
}

fn reaches(reach: Reach, r: &EntryRow) -> bool {
    match reach {
        Reach::National => true,
        Reach::Division(d) => r.division_id == d,
        Reach::District(d) => r.district_id == d,
        Reach::Nothing => false,
    }
}

/// The entry a referral or a service given on `on` names, checked: it exists, is not retired
/// by that day and gives `service` (`domain::directory::check_provides`). Read under a share
/// lock, so it is not retired or changed before the case's change commits. Returns its
/// English name (the provider's text when the request gives none).
pub(crate) fn check_named_entry(
    conn: &mut PgConnection,
    id: DirectoryEntryId,
    service: ServiceType,
    on: NaiveDate,
) -> Result<String, ApiError> {
    let r = repo::find_for_share(conn, id)?
        .ok_or_else(|| ApiError::field_coded("directory_entry_id", "not_found", "no such directory entry"))?;
    check_provides(&EntryFacts { services: services_of(&r), retired_on: r.retired_on }, service, on)?;
    Ok(r.name_en)
}

/// List an organisation in the service directory. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_directory_entry", tag = "directory", request_body = DirectoryEntryRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Listed; `Location` and `ETag` set", body = DirectoryEntryView),
        (status = 422, description = "Bad fields (a name, the phone, an unknown district or an upazila outside it), no service or no language", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/directory-entries")]
pub async fn create_directory_entry(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<DirectoryEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let fingerprint =
        idempotency::fingerprint(&["create_directory_entry", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let (f, area) = fields(conn, &b)?;
        require(conn, &who, Permission::ManageDirectory, &Subject::Area(area))?;
        let row = repo::insert(conn, &f, today(), who.user_id)?;
        pipeline::audit_created(conn, &who, "directory.create", row.id, &row, serde_json::Value::Null)?;
        Ok(Created {
            location: Some(format!("/api/v1/directory-entries/{}", row.id)),
            etag: Some(etag(row.version)),
            body: entry_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    /// Entries serving this upazila: those in it and those serving its whole district.
    pub upazila_id: Option<i32>,
    /// Entries giving this service.
    #[param(value_type = Option<crate::codes::ServiceTypeCode>)]
    pub service: Option<String>,
    #[param(value_type = Option<crate::codes::OrganisationKindCode>)]
    pub kind: Option<String>,
    /// Entries serving people in this language.
    #[param(value_type = Option<crate::codes::DirectoryLanguageCode>)]
    pub language: Option<String>,
    /// Also retired entries (default: only those open today).
    pub include_retired: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The directory of the districts your scope reaches (an upazila's or a facility's: its
/// district), in the order entries were listed, filtered by area, service, kind and language.
#[utoipa::path(operation_id = "list_directory_entries", tag = "directory", params(DirectoryQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = ListPage<DirectoryEntryView>),
        (status = 422, description = "An unknown code or upazila", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/directory-entries")]
pub async fn list_directory_entries(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let service = crate::codes::check_filter("service", &q.service, ServiceType::parse)?;
    let language = crate::codes::check_filter("language", &q.language, Language::parse)?;
    let kind = crate::codes::check_filter("kind", &q.kind, OrganisationKind::parse)?;
    let page = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadDirectory, &own)?;
        let upazila = match q.upazila_id {
            None => None,
            Some(u) => {
                let district = persistence::geo::upazila_path(conn, UpazilaId(u))?
                    .and_then(|p| p.district)
                    .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?;
                Some((u, district.0))
            }
        };
        let filter = EntryFilter {
            division_id: q.division_id,
            district_id: q.district_id,
            upazila,
            service: service.map(|s| s.code().to_owned()),
            kind,
            language: language.map(|l| l.code().to_owned()),
            include_retired: q.include_retired.unwrap_or(false),
        };
        let reach = reach(conn, actor.scope)?;
        Ok(repo::list(conn, reach, &filter, after, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| entry_view(&r))))
}

/// One entry (retired ones too).
#[utoipa::path(operation_id = "get_directory_entry", tag = "directory",
    params(("entry_id" = Uuid, Path, description = "The entry")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry; `ETag` set", body = DirectoryEntryView),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/directory-entries/{entry_id}")]
pub async fn get_directory_entry(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DirectoryEntryId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let row = read(&state, move |conn| {
        let r = repo::find(conn, id)?.ok_or(ApiError::NotFound("directory entry"))?;
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadDirectory, &own)?;
        if !reaches(reach(conn, actor.scope)?, &r) {
            return Err(ApiError::Forbidden(Denial::OutOfScope));
        }
        Ok(r)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(row.version))).json(entry_view(&row)))
}

/// Change an entry (the whole of it; it may move to another district only where you keep
/// both). A retired entry is not changed. Requires `If-Match`.
#[utoipa::path(operation_id = "update_directory_entry", tag = "directory", request_body = DirectoryEntryRequest,
    params(("entry_id" = Uuid, Path, description = "The entry"), ("If-Match" = String, Header, description = "The entry's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; new `ETag`", body = DirectoryEntryView),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The entry is retired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/directory-entries/{entry_id}")]
pub async fn update_directory_entry(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DirectoryEntryId>,
    body: ApiJson<DirectoryEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    let step = Step::new("directory.update", Permission::ManageDirectory);
    let done = pipeline::change(&req, &state, who, id, step, pipeline::shown(entry_view), move |conn, cx, r: EntryRow| {
        if r.retired_on.is_some() {
            return Err(domain::directory::ALREADY_RETIRED.into());
        }
        let (f, area) = fields(conn, &b)?;
        if area.district != Some(DistrictId(r.district_id)) {
            require(conn, cx.who, Permission::ManageDirectory, &Subject::Area(area))?;
        }
        Outcome::with(repo::update(conn, id, &f)?, serde_json::json!({"district_id": f.district_id}))
    })
    .await?;
    Ok(done.ok())
}

/// Why and from when an entry is retired.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"retired_on": "2026-12-01", "reason": "The project closed"}))]
pub struct DirectoryRetireRequest {
    /// Not in the future, not before the entry was listed.
    pub retired_on: NaiveDate,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub reason: String,
}

/// Retire an entry: from that day no referral names it; it stays readable, with its history
/// in the audit trail. Requires `If-Match`.
#[utoipa::path(operation_id = "retire_directory_entry", tag = "directory", request_body = DirectoryRetireRequest,
    params(("entry_id" = Uuid, Path, description = "The entry"), ("If-Match" = String, Header, description = "The entry's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Retired; new `ETag`", body = DirectoryEntryView),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already retired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date in the future or before the entry was listed, or a blank reason", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/directory-entries/{entry_id}/retirement")]
pub async fn retire_directory_entry(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<DirectoryEntryId>,
    body: ApiJson<DirectoryRetireRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    if !has_text(&b.reason) {
        return Err(ApiError::field_coded("reason", "invalid_format", "must not be blank"));
    }
    let step = Step::new("directory.retire", Permission::ManageDirectory);
    let done = pipeline::change(&req, &state, who, id, step, pipeline::shown(entry_view), move |conn, _, r: EntryRow| {
        check_retire(r.retired_on, r.listed_on, b.retired_on, today())?;
        let after = repo::retire(conn, id, b.retired_on, b.reason.trim())?;
        Outcome::with(after, serde_json::json!({"retired_on": b.retired_on}))
    })
    .await?;
    Ok(done.ok())
}

crate::pipeline::record!(EntryRow {
    id: DirectoryEntryId,
    kind: "directory_entry",
    noun: "directory entry",
    lock: repo::find_for_update,
    subject: |r, _| Ok(keeper(r.division_id, r.district_id)),
    summary: |r| serde_json::json!({
        "name_en": r.name_en, "kind": r.kind.code(), "services": r.services, "languages": r.languages,
        "district_id": r.district_id, "upazila_id": r.upazila_id, "phone": r.phone, "email": r.email,
        "retired_on": r.retired_on, "version": r.version,
    }),
});
