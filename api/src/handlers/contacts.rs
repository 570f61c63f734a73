//! Helpline and outreach contacts (1098, 10921, walk-in, outreach) and the children served at
//! service points. A contact about a survivor is as protected as a safe-home case: each read
//! of one is audited, and where she was found (and who called) is shown only to holders of
//! the sensitive permission and to whoever recorded it.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, put};
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{authorize, Permission, Subject};
use domain::contact::{
    check, check_attendance, ContactAction, ContactCategory, ContactChannel, ContactFacts, ContactOutcome, PerpetratorRelation,
    ReporterRelation,
};
use domain::id::{ContactId, FacilityId, PersonId};
use domain::person::{MobileNumber, Sex};
use persistence::contacts::{self as repo, ContactFilter, ContactRow, NewContact, ServicePointDayRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::{self, etag};
use crate::extract::ApiJson;
use crate::handlers::facilities::facility_subject;
use crate::handlers::microcredit::{office, upazila_area};
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

pub(crate) fn contact_subject(c: &ContactRow) -> Subject {
    office(c.division_id, c.district_id, c.upazila_id)
}

/// A contact as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000c001", "channel": "child_helpline_1098",
    "channel_label": {"en": "Child Helpline 1098", "bn": "চাইল্ড হেল্পলাইন ১০৯৮"}, "contacted_at": "2026-06-01T10:15:00Z",
    "contacted_on": "2026-06-01", "reporter_relation": "neighbour", "person_id": null, "client_sex": "female", "client_age_years": 14,
    "categories": ["child_marriage"], "category_labels": [{"en": "Child marriage", "bn": "বাল্যবিবাহ"}],
    "actions": ["mobile_team_sent"], "action_labels": [{"en": "Mobile team sent", "bn": "মোবাইল টিম প্রেরণ"}],
    "outcome": "resolved", "outcome_label": {"en": "Resolved", "bn": "সমাধান হয়েছে"}, "upazila_id": 1, "case_id": null,
    "location_visible": true, "union_id": 3, "location_detail": "Behind the bazar mosque", "reporter_name": null, "reporter_phone": null,
    "perpetrator_relation": null, "summary": "Marriage of a 14-year-old stopped with the UNO", "version": 1}))]
pub struct ContactView {
    pub id: Uuid,
    #[schema(value_type = crate::codes::ContactChannelCode)]
    pub channel: ContactChannel,
    pub channel_label: LabelView,
    pub contacted_at: DateTime<Utc>,
    /// The Asia/Dhaka day of the contact: reports count it on this day.
    pub contacted_on: NaiveDate,
    #[schema(value_type = crate::codes::ReporterRelationCode)]
    pub reporter_relation: ReporterRelation,
    /// The child or woman, when she is on record.
    pub person_id: Option<Uuid>,
    #[schema(value_type = Option<crate::codes::SexCode>)]
    pub client_sex: Option<String>,
    pub client_age_years: Option<i32>,
    #[schema(value_type = Vec<crate::codes::ContactCategoryCode>)]
    pub categories: Vec<ContactCategory>,
    /// The categories' labels, in the same order.
    pub category_labels: Vec<LabelView>,
    #[schema(value_type = Vec<crate::codes::ContactActionCode>)]
    pub actions: Vec<ContactAction>,
    /// The actions' labels, in the same order.
    pub action_labels: Vec<LabelView>,
    #[schema(value_type = crate::codes::ContactOutcomeCode)]
    pub outcome: ContactOutcome,
    pub outcome_label: LabelView,
    pub upazila_id: i32,
    /// The case opened from this contact.
    pub case_id: Option<Uuid>,
    /// Whether the fields below are shown (sensitive permission, or you recorded it).
    pub location_visible: bool,
    pub union_id: Option<i32>,
    pub location_detail: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    #[schema(value_type = Option<crate::codes::PerpetratorRelationCode>)]
    pub perpetrator_relation: Option<PerpetratorRelation>,
    pub summary: Option<String>,
    /// The `ETag` value.
    pub version: i32,
}

/// The contact as a reader sees it. Every field of the row is placed here by an exhaustive
/// destructure, so a field added to `ContactRow` does not compile until someone decides
/// whether a reader without the sensitive permission may see it.
fn contact_view(c: &ContactRow, sensitive: bool) -> ContactView {
    let ContactRow {
        id,
        channel,
        contacted_at,
        contacted_on,
        reporter_relation,
        reporter_name,
        reporter_phone,
        person_id,
        client_sex,
        client_age_years,
        perpetrator_relation,
        categories,
        actions,
        outcome,
        summary,
        division_id: _,
        district_id: _,
        upazila_id,
        union_id,
        location_detail,
        case_id,
        version,
        created_by: _,
        created_at: _,
        updated_at: _,
    } = c;
    let only_if_sensitive = |v: Option<String>| if sensitive { v } else { None };
    // (The table's checks admit only the lists' codes.)
    let categories: Vec<ContactCategory> = categories.iter().filter_map(|x| ContactCategory::parse(x)).collect();
    let actions: Vec<ContactAction> = actions.iter().filter_map(|x| ContactAction::parse(x)).collect();
    ContactView {
        id: id.0,
        channel: *channel,
        channel_label: channel.label().into(),
        contacted_at: *contacted_at,
        contacted_on: *contacted_on,
        reporter_relation: *reporter_relation,
        person_id: person_id.map(|p| p.0),
        client_sex: client_sex.clone(),
        client_age_years: *client_age_years,
        category_labels: categories.iter().map(|x| x.label().into()).collect(),
        action_labels: actions.iter().map(|x| x.label().into()).collect(),
        categories,
        actions,
        outcome: *outcome,
        outcome_label: outcome.label().into(),
        upazila_id: *upazila_id,
        case_id: case_id.map(|id| id.0),
        location_visible: sensitive,
        union_id: if sensitive { *union_id } else { None },
        location_detail: only_if_sensitive(location_detail.clone()),
        reporter_name: only_if_sensitive(reporter_name.clone()),
        reporter_phone: only_if_sensitive(reporter_phone.clone()),
        perpetrator_relation: if sensitive { *perpetrator_relation } else { None },
        summary: summary.clone(),
        version: *version,
    }
}

/// Whether `who` sees the contact's location and reporter: the sensitive permission over its
/// area, or having recorded it.
fn sees_sensitive(actor: &domain::access::Actor, c: &ContactRow) -> bool {
    c.created_by == Some(actor.user_id) || authorize(actor, Permission::ReadSensitiveCaseDetails, &contact_subject(c)).is_ok()
}

/// A contact to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"channel": "child_helpline_1098", "contacted_at": "2026-06-01T10:15:00Z", "reporter_relation": "neighbour",
    "client_sex": "female", "client_age_years": 14, "categories": ["child_marriage"], "actions": ["mobile_team_sent"],
    "outcome": "resolved", "upazila_id": 1, "union_id": 3, "location_detail": "Behind the bazar mosque",
    "summary": "Marriage of a 14-year-old stopped with the UNO"}))]
pub struct ContactRequest {
    #[schema(value_type = crate::codes::ContactChannelCode)]
    pub channel: ContactChannel,
    pub contacted_at: DateTime<Utc>,
    #[schema(value_type = crate::codes::ReporterRelationCode)]
    pub reporter_relation: ReporterRelation,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub reporter_name: Option<String>,
    /// A Bangladeshi mobile number (Bangla digits and `+880` accepted).
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub reporter_phone: Option<String>,
    /// The child or woman, if she is on record (needed to open a case from the contact).
    pub person_id: Option<Uuid>,
    #[schema(value_type = Option<crate::codes::SexCode>)]
    pub client_sex: Option<Sex>,
    #[validate(range(min = 0, max = 120))]
    #[schema(minimum = 0, maximum = 120)]
    pub client_age_years: Option<i32>,
    #[schema(value_type = Option<crate::codes::PerpetratorRelationCode>)]
    pub perpetrator_relation: Option<PerpetratorRelation>,
    #[schema(value_type = Vec<crate::codes::ContactCategoryCode>, min_items = 1)]
    pub categories: Vec<ContactCategory>,
    /// What was done; `case_opened` is set by opening a case from the contact.
    #[schema(value_type = Vec<crate::codes::ContactActionCode>, min_items = 1)]
    pub actions: Vec<ContactAction>,
    #[schema(value_type = crate::codes::ContactOutcomeCode)]
    pub outcome: ContactOutcome,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub summary: Option<String>,
    /// The office handling the contact.
    pub upazila_id: i32,
    /// Where the child or woman was (sensitive).
    pub union_id: Option<i32>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub location_detail: Option<String>,
}

/// Record a helpline or outreach contact. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "record_contact", tag = "contacts", request_body = ContactRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `Location` and `ETag` set", body = ContactView),
        (status = 422, description = "Invalid fields, a time in the future, no category or action, a person you may not see, or a union outside the upazila", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/contacts")]
pub async fn record_contact(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<ContactRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    check(
        &ContactFacts {
            contacted_at: b.contacted_at,
            categories: b.categories.clone(),
            actions: b.actions.clone(),
            outcome: b.outcome,
        },
        Utc::now(),
    )?;
    let phone = b
        .reporter_phone
        .as_deref()
        .map(MobileNumber::parse)
        .transpose()
        .map_err(|e| ApiError::field_coded("reporter_phone", "invalid_format", e.0))?;
    let fingerprint = idempotency::fingerprint(&["record_contact", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        let actor = require(conn, &who, Permission::RecordContacts, &crate::handlers::microcredit::area_subject(area))?;
        if let Some(u) = b.union_id {
            let union = persistence::geo::find_union(conn, u)?;
            if union.is_none_or(|x| x.upazila_id != b.upazila_id) {
                return Err(ApiError::field_coded("union_id", "not_found", "no such union or ward in the upazila"));
            }
        }
        let person = match b.person_id {
            Some(p) => Some(
                persistence::persons::find_visible(conn, actor.scope, who.user_id, PersonId(p))?
                    .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?,
            ),
            None => None,
        };
        let client_sex = person.as_ref().map(|p| p.sex).or(b.client_sex);
        let row = repo::insert(
            conn,
            &NewContact {
                channel: b.channel,
                contacted_at: b.contacted_at,
                contacted_on: domain::time::dhaka_date(b.contacted_at),
                reporter_relation: b.reporter_relation,
                reporter_name: b.reporter_name.as_deref().map(str::trim),
                reporter_phone: phone.as_ref().map(MobileNumber::as_str),
                person_id: person.as_ref().map(|p| p.id),
                client_sex: client_sex.map(Sex::code),
                client_age_years: b.client_age_years,
                perpetrator_relation: b.perpetrator_relation,
                categories: b.categories.iter().map(|c| c.code().to_owned()).collect(),
                actions: b.actions.iter().map(|a| a.code().to_owned()).collect(),
                outcome: b.outcome,
                summary: b.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                area,
                union_id: b.union_id,
                location_detail: b.location_detail.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                by: who.user_id,
            },
        )?;
        who.audit(
            conn,
            "contact.record",
            "contact",
            row.id,
            None,
            Some(serde_json::json!({"channel": row.channel.code(), "categories": row.categories, "actions": row.actions})),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/contacts/{}", row.id)),
            etag: Some(etag(row.version)),
            body: contact_view(&row, true),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    #[param(value_type = Option<crate::codes::ContactChannelCode>)]
    pub channel: Option<String>,
    #[param(value_type = Option<crate::codes::ContactCategoryCode>)]
    pub category: Option<String>,
    pub person_id: Option<Uuid>,
    pub upazila_id: Option<i32>,
    /// Contacts on or after this day (Asia/Dhaka).
    pub from: Option<NaiveDate>,
    /// Contacts on or before this day.
    pub to: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Contacts within your scope, oldest recorded first.
#[utoipa::path(operation_id = "list_contacts", tag = "contacts", params(ContactQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of contacts", body = ListPage<ContactView>),
        (status = 422, description = "An unknown code or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<ContactQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = ContactFilter {
        channel: crate::codes::check_filter("channel", &q.channel, ContactChannel::parse)?,
        category: crate::codes::check_filter("category", &q.category, ContactCategory::parse)?.map(|c| c.code().to_owned()),
        person_id: q.person_id.map(PersonId),
        upazila_id: q.upazila_id,
        from: q.from,
        to: q.to,
    };
    let (page, actor) = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadContacts, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "contact", &asked, page.rows.iter().map(|r| r.id))?;
        Ok((page, actor))
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, |r| contact_view(&r, sees_sensitive(&actor, &r)))))
}

/// One contact (the read is audited).
#[utoipa::path(operation_id = "get_contact", tag = "contacts",
    params(("contact_id" = Uuid, Path, description = "The contact")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The contact; `ETag` set", body = ContactView),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/contacts/{contact_id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = transact(&state, move |conn| {
        let c = repo::find(conn, id)?.ok_or(ApiError::NotFound("contact"))?;
        let actor = require(conn, &who, Permission::ReadContacts, &contact_subject(&c))?;
        persistence::audit::record_read(conn, &who.audit_actor(), "contact", id.to_string(), Some(&who.request_id))?;
        Ok(contact_view(&c, sees_sensitive(&actor, &c)))
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

/// Children served at a service point on one day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"facility_id": "01936f5e-0000-7000-8000-0000000000bb", "served_on": "2026-06-01", "girls": 41, "boys": 58,
    "hijra": 0, "children": 99, "version": 1}))]
pub struct ServicePointDayView {
    pub facility_id: Uuid,
    pub served_on: NaiveDate,
    pub girls: i32,
    pub boys: i32,
    pub hijra: i32,
    pub children: i32,
    /// The `ETag` value.
    pub version: i32,
}

fn day_view(d: &ServicePointDayRow) -> ServicePointDayView {
    ServicePointDayView {
        facility_id: d.facility_id.0,
        served_on: d.served_on,
        girls: d.girls,
        boys: d.boys,
        hijra: d.hijra,
        children: d.girls + d.boys + d.hijra,
        version: d.version,
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"girls": 41, "boys": 58, "hijra": 0}))]
pub struct ServicePointDayRequest {
    #[validate(range(min = 0, max = 5000))]
    #[schema(minimum = 0, maximum = 5000)]
    pub girls: i32,
    #[validate(range(min = 0, max = 5000))]
    #[schema(minimum = 0, maximum = 5000)]
    pub boys: i32,
    #[validate(range(min = 0, max = 5000))]
    #[schema(minimum = 0, maximum = 5000)]
    #[serde(default)]
    pub hijra: i32,
}

/// The service point, once `who` may do `permission` there.
fn service_point(
    conn: &mut persistence::PgConnection,
    who: &Principal,
    permission: Permission,
    id: FacilityId,
) -> Result<persistence::facilities::FacilityRow, ApiError> {
    let f = persistence::facilities::find(conn, id)?.ok_or(ApiError::NotFound("facility"))?;
    let subject = facility_subject(conn, &f)?;
    require(conn, who, permission, &subject)?;
    if !f.facility_type.is_service_point() {
        return Err(domain::contact::NOT_A_SERVICE_POINT.into());
    }
    Ok(f)
}

/// Record (or correct) the children served at a service point on a day. A correction needs
/// the day's `If-Match`; the first count of a day needs none.
#[utoipa::path(operation_id = "put_service_point_day", tag = "contacts", request_body = ServicePointDayRequest,
    params(("facility_id" = Uuid, Path, description = "The service point"), ("served_on" = NaiveDate, Path, description = "The day"),
        ("If-Match" = Option<String>, Header, description = "The day's current ETag, to correct it")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected; new `ETag`", body = ServicePointDayView),
        (status = 201, description = "Recorded; `ETag` set", body = ServicePointDayView),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a service point", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future or impossible counts", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "The day is recorded: send If-Match to correct it", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/service-points/{facility_id}/days/{served_on}")]
pub async fn put_service_point_day(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, NaiveDate)>,
    body: ApiJson<ServicePointDayRequest>,
) -> Result<HttpResponse, ApiError> {
    let ((facility, on), b) = (path.into_inner(), body.0);
    let expected = etag::if_match_optional(&req)?;
    let today = domain::time::dhaka_date(Utc::now());
    let counts = [b.girls, b.boys, b.hijra].map(|n| u32::try_from(n).unwrap_or(0));
    check_attendance(on, today, &counts)?;
    let (row, created) = transact(&state, move |conn| {
        let f = service_point(conn, &who, Permission::RecordServicePoints, FacilityId(facility))?;
        let before = repo::find_day(conn, f.id, on)?;
        etag::check_replace(before.as_ref().map(|d| d.version), expected)?;
        let row = repo::put_day(conn, f.id, on, (b.girls, b.boys, b.hijra), who.user_id)?;
        who.audit(
            conn,
            "service_point.day",
            "facility",
            f.id,
            before.as_ref().map(|d| serde_json::json!({"served_on": on, "girls": d.girls, "boys": d.boys, "hijra": d.hijra})),
            Some(serde_json::json!({"served_on": on, "girls": row.girls, "boys": row.boys, "hijra": row.hijra})),
        )?;
        Ok((row, before.is_none()))
    })
    .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(HttpResponse::build(status).insert_header((ETAG, etag(row.version))).json(day_view(&row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// First day (default: 30 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last day (default: today, Asia/Dhaka). At most 366 days from `from`.
    pub to: Option<NaiveDate>,
}

/// A service point's days in a period, oldest first.
#[utoipa::path(operation_id = "list_service_point_days", tag = "contacts", params(("facility_id" = Uuid, Path, description = "The service point"), DaysQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The days recorded", body = Vec<ServicePointDayView>),
        (status = 404, description = "No such facility", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a service point", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A period backwards or longer than 366 days", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/service-points/{facility_id}/days")]
pub async fn list_service_point_days(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<Uuid>,
    q: web::Query<DaysQuery>,
) -> Result<HttpResponse, ApiError> {
    let facility = path.into_inner();
    let to = q.to.unwrap_or_else(|| domain::time::dhaka_date(Utc::now()));
    let from = q.from.unwrap_or(to - chrono::Duration::days(30));
    if from > to || (to - from).num_days() > 366 {
        return Err(ApiError::field_coded("from", "out_of_range", "the period runs forwards and spans at most 366 days"));
    }
    let days = read(&state, move |conn| {
        let f = service_point(conn, &who, Permission::ReadFacilities, FacilityId(facility))?;
        Ok(repo::days(conn, f.id, from, to)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(days.iter().map(day_view).collect::<Vec<_>>()))
}
