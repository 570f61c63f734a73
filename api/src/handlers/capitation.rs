//! Capitation grants to registered private orphanages: the district office's allotment (how
//! many orphans are funded a fiscal year, and the orphanage's bank account), orphans listed
//! at their orphanage (beneficiaries of the `orphanage_capitation` programme, enrolled like any
//! allowance and paid by the ordinary payment cycles into the orphanage's account), and the
//! inspections after which an absent orphan is not paid for.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post, put};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::allowance::enrolment::{PaymentAccount, PaymentProvider};
use domain::allowance::seeds::ORPHANAGE_CAPITATION;
use domain::allowance::FiscalYear;
use domain::allowance::ProgrammeVersion;
use domain::capitation::{absent_at_inspection, check_listing, Listing};
use domain::id::{BeneficiaryId, VoluntaryOrganisationId};
use domain::voluntary::may_file;
use persistence::capitation::{self as repo, AllotmentRow, ListedOrphan, OrphanRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::{self, etag};
use crate::extract::ApiJson;
use crate::handlers::microcredit::{office, today};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pipeline::{self, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use persistence::voluntary::OrganisationRow;

fn organisation(
    conn: &mut persistence::PgConnection,
    who: &Principal,
    id: VoluntaryOrganisationId,
    permission: Permission,
) -> Result<persistence::voluntary::OrganisationRow, ApiError> {
    let o = persistence::voluntary::find_for_update(conn, id)?.ok_or(ApiError::NotFound("voluntary organisation"))?;
    require(conn, who, permission, &office(o.division_id, o.district_id, o.upazila_id))?;
    Ok(o)
}

/// An orphanage's allotment for a fiscal year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"organisation_id": "01936f5e-0000-7000-8000-00000000e001", "fiscal_year": "2025-26", "orphans": 50,
    "bank_account": "0123456789012", "version": 1}))]
pub struct AllotmentView {
    pub organisation_id: Uuid,
    pub fiscal_year: String,
    /// Orphans funded.
    pub orphans: i32,
    /// Where the grant is paid.
    pub bank_account: String,
    /// The `ETag` value.
    pub version: i32,
}

fn allotment_view(a: &AllotmentRow) -> AllotmentView {
    AllotmentView {
        organisation_id: a.organisation_id.0,
        fiscal_year: FiscalYear(a.fiscal_year).to_string(),
        orphans: a.orphans,
        bank_account: a.bank_account.clone(),
        version: a.version,
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"orphans": 50, "bank_account": "0123456789012"}))]
pub struct AllotmentRequest {
    /// At most 5,000: every listed orphan must fit in one inspection body.
    #[validate(range(min = 1, max = 5000))]
    #[schema(minimum = 1, maximum = 5000)]
    pub orphans: i32,
    /// The orphanage's bank account: 10 to 20 digits (Bangla digits accepted).
    #[validate(length(min = 1, max = 40))]
    #[schema(min_length = 1, max_length = 40)]
    pub bank_account: String,
}

/// Set an orphanage's capitation allotment for a fiscal year (a registered organisation, not
/// suspended). A change needs the allotment's `If-Match`; the first one needs none.
#[utoipa::path(operation_id = "put_capitation_allotment", tag = "voluntary_organisations", request_body = AllotmentRequest,
    params(("organisation_id" = Uuid, Path, description = "The orphanage"), ("fiscal_year" = String, Path, description = "The fiscal year, `2025-26`"),
        ("If-Match" = Option<String>, Header, description = "The allotment's current ETag, to change it")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; new `ETag`", body = AllotmentView),
        (status = 201, description = "Set; `ETag` set", body = AllotmentView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered, or suspended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad fiscal year, count or account", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "An allotment exists: send If-Match to change it", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/voluntary-organisations/{organisation_id}/capitation/{fiscal_year}")]
pub async fn put_capitation_allotment(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(VoluntaryOrganisationId, String)>,
    body: ApiJson<AllotmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let ((id, fy), b) = (path.into_inner(), body.0);
    let fy: FiscalYear =
        fy.parse().map_err(|_| ApiError::field_coded("fiscal_year", "invalid_format", "a fiscal year is written 2025-26"))?;
    let account = PaymentAccount::parse(PaymentProvider::Bank, &b.bank_account)
        .map_err(|e| ApiError::field_coded("bank_account", "invalid_format", e))?;
    let expected = etag::if_match_optional(&req)?;
    let step = Step::new("capitation.allotment", Permission::DecideRegistrations);
    let (row, created) = transact(&state, move |conn| {
        pipeline::under(conn, &who, id, step, |conn, cx, o: &OrganisationRow| {
            may_file(o.status, true)?;
            let before = repo::allotment_for_update(conn, id, fy.0)?;
            etag::check_replace(before.as_ref().map(|a| a.version), expected)?;
            let row = repo::put_allotment(conn, id, fy.0, (b.orphans, &account.number), cx.who.user_id)?;
            let detail = serde_json::json!({"fiscal_year": fy.to_string(), "orphans_before": before.as_ref().map(|a| a.orphans),
                "orphans": row.orphans});
            Ok(((row, before.is_none()), detail))
        })
    })
    .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).insert_header((ETAG, etag(row.version))).json(allotment_view(&row)))
}

/// An orphan listed at an orphanage.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"beneficiary_id": "01936f5e-0000-7000-8000-0000000000b1", "listed_on": "2026-01-10", "absent_since": null,
    "grant_ends_on": "2031-04-02"}))]
pub struct OrphanView {
    pub beneficiary_id: Uuid,
    pub listed_on: NaiveDate,
    /// Absent at the last inspection since this day: not paid for until found present.
    pub absent_since: Option<NaiveDate>,
    /// The orphan's 18th birthday: no month beginning on or after it is paid, and from that
    /// day the orphan no longer takes a place in the allotment.
    pub grant_ends_on: Option<NaiveDate>,
}

fn orphan_view(o: &OrphanRow, grant_ends_on: Option<NaiveDate>) -> OrphanView {
    OrphanView { beneficiary_id: o.beneficiary_id.0, listed_on: o.listed_on, absent_since: o.absent_since, grant_ends_on }
}

/// The capitation programme as it stands on `on` (its age limit is data, like its rate).
fn grant_programme(conn: &mut diesel::PgConnection, on: NaiveDate) -> Result<ProgrammeVersion, ApiError> {
    persistence::programmes::in_force(conn, on)?
        .into_iter()
        .find(|p| p.code == ORPHANAGE_CAPITATION)
        .ok_or_else(|| ApiError::internal("the capitation programme is not in force"))
}

/// Orphans taking a place in the allotment on `on`: listed, and their grant not yet ended.
fn holding_places(listed: &[ListedOrphan], grant: &ProgrammeVersion, on: NaiveDate) -> i64 {
    listed.iter().filter(|o| grant.pay_ends_on(o.date_of_birth).is_none_or(|end| on < end)).count() as i64
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"beneficiary_id": "01936f5e-0000-7000-8000-0000000000b1", "listed_on": "2026-01-10"}))]
pub struct ListOrphanRequest {
    /// An active beneficiary of the `orphanage_capitation` programme.
    pub beneficiary_id: Uuid,
    pub listed_on: NaiveDate,
}

/// List an orphan at the orphanage, within its allotment for the fiscal year; the grant for
/// the orphan is then paid to the orphanage's bank account. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(operation_id = "list_orphan_at_orphanage", tag = "voluntary_organisations", request_body = ListOrphanRequest,
    params(("organisation_id" = Uuid, Path, description = "The orphanage"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Listed", body = OrphanView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not registered, no free place in the allotment, or listed elsewhere", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a beneficiary of the capitation programme, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/orphans")]
pub async fn list_orphan_at_orphanage(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<ListOrphanRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    crate::handlers::step_day("listed_on", b.listed_on, None)?;
    let fingerprint = idempotency::fingerprint(&[
        "list_orphan_at_orphanage",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let o = organisation(conn, &who, id, Permission::ReadVoluntaryOrganisations)?;
        let ben = persistence::enrolment::find_beneficiary_for_update(conn, BeneficiaryId(b.beneficiary_id))?
            .ok_or_else(|| ApiError::field_coded("beneficiary_id", "not_found", "no such beneficiary"))?;
        require(conn, &who, Permission::ManageBeneficiaries, &office(ben.division_id, ben.district_id, ben.upazila_id))?;
        may_file(o.status, true)?;
        domain::voluntary::check_registered_on(&persistence::voluntary::timeline(conn, o.id)?, b.listed_on)?;
        let fy = FiscalYear::of(b.listed_on);
        let allotment = repo::allotment_for_update(conn, id, fy.0)?;
        let grant = grant_programme(conn, b.listed_on)?;
        let listed = holding_places(&repo::listed_at(conn, id)?, &grant, b.listed_on);
        check_listing(&Listing {
            in_programme: ben.programme_code == ORPHANAGE_CAPITATION
                && ben.status == domain::allowance::enrolment::BeneficiaryStatus::Active,
            allotted: allotment.as_ref().map(|a| a.orphans),
            listed,
            listed_elsewhere: repo::is_listed(conn, ben.id)?,
        })?;
        let account = allotment.map(|a| a.bank_account).ok_or_else(|| ApiError::internal("an allotment vanished"))?;
        let row = repo::list_orphan(conn, ben.id, id, b.listed_on, who.user_id)?;
        let born = persistence::persons::find(conn, ben.person_id)?.map(|p| p.date_of_birth);
        let ends = born.and_then(|d| grant.pay_ends_on(d));
        persistence::enrolment::set_account(conn, ben.id, PaymentProvider::Bank, &account, chrono::Utc::now())?;
        who.audit(conn, "capitation.list", "beneficiary", ben.id, None, Some(serde_json::json!({"organisation_id": id})))?;
        Ok(Created {
            location: Some(format!("/api/v1/voluntary-organisations/{id}/orphans")),
            etag: None,
            body: orphan_view(&row, ends),
        })
    })
    .await
}

/// An orphanage's allotments and listed orphans.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"allotment": null, "orphans": []}))]
pub struct OrphanageView {
    /// This fiscal year's allotment.
    pub allotment: Option<AllotmentView>,
    pub orphans: Vec<OrphanView>,
}

/// The orphanage's allotment this fiscal year and its listed orphans.
#[utoipa::path(operation_id = "get_orphanage_listing", tag = "voluntary_organisations",
    params(("organisation_id" = Uuid, Path, description = "The orphanage")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The allotment and the orphans", body = OrphanageView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/voluntary-organisations/{organisation_id}/orphans")]
pub async fn get_orphanage_listing(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<VoluntaryOrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = read(&state, move |conn| {
        let o = persistence::voluntary::find(conn, id)?.ok_or(ApiError::NotFound("voluntary organisation"))?;
        require(conn, &who, Permission::ReadVoluntaryOrganisations, &office(o.division_id, o.district_id, o.upazila_id))?;
        let fy = FiscalYear::of(today());
        let allotment = repo::allotment(conn, id, fy.0)?;
        Ok(OrphanageView {
            allotment: allotment.as_ref().map(allotment_view),
            orphans: {
                let grant = grant_programme(conn, today())?;
                repo::listed_at(conn, id)?.iter().map(|o| orphan_view(&o.row, grant.pay_ends_on(o.date_of_birth))).collect()
            },
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"inspected_on": "2026-06-01", "inspected_by": "District social services officer",
    "present": ["01936f5e-0000-7000-8000-0000000000b1"]}))]
pub struct CapitationInspectionRequest {
    pub inspected_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub inspected_by: String,
    /// The listed orphans found present; every other listed orphan is absent. 5,000 ids
    /// (the largest allotment) stay under the 256 KiB body limit.
    #[validate(length(max = 5000))]
    #[schema(max_items = 5000)]
    pub present: Vec<Uuid>,
}

/// What an inspection found.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000e201", "present": 48, "absent": 2}))]
pub struct CapitationInspectionView {
    pub id: Uuid,
    pub present: usize,
    pub absent: usize,
}

/// Record an inspection of the orphanage: orphans not found present are not paid for until a
/// later inspection finds them. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "record_capitation_inspection", tag = "voluntary_organisations", request_body = CapitationInspectionRequest,
    params(("organisation_id" = Uuid, Path, description = "The orphanage"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = CapitationInspectionView),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Someone present who is not listed there, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/voluntary-organisations/{organisation_id}/capitation-inspections")]
pub async fn record_capitation_inspection(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<VoluntaryOrganisationId>,
    body: ApiJson<CapitationInspectionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    crate::handlers::step_day("inspected_on", b.inspected_on, None)?;
    let fingerprint = idempotency::fingerprint(&[
        "record_capitation_inspection",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("capitation.inspect", Permission::ManageVoluntaryOrganisations);
        let present: Vec<BeneficiaryId> = b.present.iter().copied().map(BeneficiaryId).collect();
        let (inspection, absent) = pipeline::under(conn, &who, id, step, |conn, cx, _: &OrganisationRow| {
            let listed: Vec<BeneficiaryId> = repo::listed_at(conn, id)?.iter().map(|o| o.row.beneficiary_id).collect();
            let absent = absent_at_inspection(&listed, &present)?;
            let inspection = repo::inspect(conn, id, (b.inspected_on, b.inspected_by.trim()), &present, &absent, cx.who.user_id)?;
            let detail = serde_json::json!({"present": present.len(), "absent": absent.len()});
            Ok(((inspection, absent), detail))
        })?;
        Ok(Created {
            location: Some(format!("/api/v1/voluntary-organisations/{id}/orphans")),
            etag: None,
            body: CapitationInspectionView { id: inspection.0, present: present.len(), absent: absent.len() },
        })
    })
    .await
}
