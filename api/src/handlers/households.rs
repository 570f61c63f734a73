//! Households (area, address, head, monthly income) with their members and each member's
//! relation to the head; relationships between persons, read from both sides. Access is the
//! persons' own: `ReadPersons`/`WritePersons` where the household is, and a person must be one
//! the user may see.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Permission, Subject};
use domain::geo::{AreaPath, DistrictId, DivisionId, UnionId, UpazilaId};
use domain::household::{self as rules, Kin, RelationToHead, RelationshipKind};
use domain::id::{HouseholdId, PersonId, RelationshipId};
use persistence::households::{self as repo, HouseholdFilter, HouseholdRow, JoinConflict, MemberRow, RelationshipRow};
use persistence::persons::PersonRow;
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::handlers::step_day;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

/// A member of a household, past or present.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1", "relation": "daughter",
    "relation_label": {"en": "Daughter", "bn": "মেয়ে"}, "joined_on": "2020-01-01", "left_on": null}))]
pub struct HouseholdMemberView {
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::RelationToHeadCode)]
    pub relation: RelationToHead,
    pub relation_label: LabelView,
    pub joined_on: NaiveDate,
    /// The day the member moved out (the first day away); null while a member.
    pub left_on: Option<NaiveDate>,
}

fn member_view(m: &MemberRow) -> HouseholdMemberView {
    HouseholdMemberView {
        person_id: m.person_id.0,
        relation: m.relation,
        relation_label: m.relation.label().into(),
        joined_on: m.joined_on,
        left_on: m.left_on,
    }
}

/// A household with its members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-0000000000f1", "division_id": 1, "district_id": 1, "upazila_id": 1,
    "union_id": 1, "address": "Village Subil, ward 3", "head_person_id": "01936f5e-0000-7000-8000-0000000000a2",
    "monthly_income_taka": 6000, "members": [{"person_id": "01936f5e-0000-7000-8000-0000000000a2", "relation": "head",
    "relation_label": {"en": "Head of household", "bn": "খানা প্রধান"}, "joined_on": "2020-01-01", "left_on": null}],
    "member_count": 1, "version": 1, "created_at": "2026-12-04T04:00:00Z"}))]
pub struct HouseholdView {
    pub id: Uuid,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub union_id: i32,
    pub address: String,
    pub head_person_id: Uuid,
    /// What the household lives on in a month, all members together (eligibility reads it
    /// per head).
    pub monthly_income_taka: Option<i64>,
    /// Everyone who lived here, in the order they joined.
    pub members: Vec<HouseholdMemberView>,
    /// The members now.
    pub member_count: usize,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn household_view_of(h: &HouseholdRow, members: &[MemberRow]) -> HouseholdView {
    HouseholdView {
        id: h.id.0,
        division_id: h.division_id,
        district_id: h.district_id,
        upazila_id: h.upazila_id,
        union_id: h.union_id,
        address: h.address.clone(),
        head_person_id: h.head_person_id.0,
        monthly_income_taka: h.monthly_income_taka,
        members: members.iter().map(member_view).collect(),
        member_count: members.iter().filter(|m| m.left_on.is_none()).count(),
        version: h.version,
        created_at: h.created_at,
    }
}

fn household_view(conn: &mut PgConnection, h: &HouseholdRow) -> Result<HouseholdView, ApiError> {
    Ok(household_view_of(h, &repo::members_of(conn, h.id)?))
}

fn household_subject(h: &HouseholdRow) -> Subject {
    Subject::Area(AreaPath::union(
        DivisionId(h.division_id),
        DistrictId(h.district_id),
        UpazilaId(h.upazila_id),
        UnionId(h.union_id),
    ))
}

crate::pipeline::record!(HouseholdRow {
    id: HouseholdId,
    kind: "household",
    noun: "household",
    lock: repo::find_for_update,
    subject: |r, _| Ok(household_subject(r)),
    summary: |r| serde_json::json!({"head_person_id": r.head_person_id, "version": r.version}),
});

/// A person the user may see, or a 422 naming `field`.
fn visible_person(
    conn: &mut PgConnection,
    who: &Principal,
    scope: domain::access::Scope,
    id: Uuid,
    field: &str,
) -> Result<PersonRow, ApiError> {
    persistence::persons::find_visible(conn, scope, who.user_id, PersonId(id))?
        .ok_or_else(|| ApiError::field_coded(field, "not_found", "no such person (or not one you may see)"))
}

/// Adds `person` to `household` as `relation` from `joined_on`, by the domain's rules and then
/// the database's (the partial unique indexes, against a race).
fn join(
    conn: &mut PgConnection,
    who: &Principal,
    household: HouseholdId,
    person: &PersonRow,
    relation: RelationToHead,
    joined_on: NaiveDate,
) -> Result<MemberRow, ApiError> {
    domain::person::check_not_before_birth(rules::JOINED_BEFORE_BIRTH, joined_on, person.date_of_birth)?;
    let mine: Vec<_> = repo::memberships_of(conn, person.id)?.iter().map(MemberRow::membership).collect();
    let theirs: Vec<_> = repo::members_of(conn, household)?.iter().map(MemberRow::membership).collect();
    rules::check_join(household, relation, &mine, &theirs)?;
    step_day("joined_on", joined_on, rules::last_left_on(&mine))?;
    repo::add_member(conn, household, person.id, relation, joined_on, who.user_id)?.map_err(|c| {
        ApiError::from(match c {
            JoinConflict::InAHousehold => rules::IN_ANOTHER_HOUSEHOLD,
            JoinConflict::SecondHead => rules::SECOND_HEAD,
        })
    })
}

/// A household to record, with its head (who joins it as its first member).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"union_id": 1, "address": "Village Subil, ward 3", "head_person_id": "01936f5e-0000-7000-8000-0000000000a2",
    "joined_on": "2020-01-01", "monthly_income_taka": 6000}))]
pub struct CreateHouseholdRequest {
    /// Where the household lives (union or ward); the upazila, district and division follow.
    pub union_id: i32,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub address: String,
    pub head_person_id: Uuid,
    /// Since when the head has lived here (not in the future).
    pub joined_on: NaiveDate,
    /// Tk 0 to 10,000,000 a month (`household.monthly_income`).
    #[schema(minimum = 0, maximum = 10_000_000)]
    pub monthly_income_taka: Option<i64>,
}

/// Record a household with its head. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_household", tag = "households", request_body = CreateHouseholdRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `Location` and `ETag` set", body = HouseholdView),
        (status = 409, description = "The head is a member of another household (`household.one_at_a_time`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown union, a person you may not see, a date in the future, or an income out of bounds", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/households")]
pub async fn create_household(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateHouseholdRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if let Some(income) = b.monthly_income_taka {
        rules::MONTHLY_INCOME.check(income)?;
    }
    step_day("joined_on", b.joined_on, None)?;
    let address = b.address.trim().to_owned();
    if address.is_empty() {
        return Err(ApiError::field_coded("address", "required", "give the household's address"));
    }
    let fingerprint = idempotency::fingerprint(&["create_household", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let path = persistence::geo::union_path(conn, UnionId(b.union_id))?
            .ok_or_else(|| ApiError::field_coded("union_id", "not_found", "no such union"))?;
        let (Some(district), Some(upazila)) = (path.district, path.upazila) else {
            return Err(ApiError::internal("a union outside an upazila"));
        };
        let actor = require(conn, &who, Permission::WritePersons, &Subject::Area(path))?;
        let head = visible_person(conn, &who, actor.scope, b.head_person_id, "head_person_id")?;
        let household = repo::insert(
            conn,
            &repo::NewHousehold {
                division_id: path.division.0,
                district_id: district.0,
                upazila_id: upazila.0,
                union_id: b.union_id,
                address: &address,
                head: head.id,
                monthly_income_taka: b.monthly_income_taka,
                by: who.user_id,
            },
        )?;
        join(conn, &who, household.id, &head, RelationToHead::Head, b.joined_on)?;
        pipeline::audit_created(
            conn,
            &who,
            "household.create",
            household.id,
            &household,
            serde_json::json!({"union_id": household.union_id, "income_recorded": household.monthly_income_taka.is_some()}),
        )?;
        Ok(Created {
            location: Some(format!("/api/v1/households/{}", household.id)),
            etag: Some(etag(household.version)),
            body: household_view(conn, &household)?,
        })
    })
    .await
}

/// One household, with its members.
#[utoipa::path(operation_id = "get_household", tag = "households",
    params(("household_id" = Uuid, Path, description = "The household")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The household; `ETag` set", body = HouseholdView),
        (status = 403, description = "Outside your area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/households/{household_id}")]
pub async fn get_household(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<HouseholdId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = transact(&state, move |conn| {
        let h = repo::find(conn, id)?.ok_or(ApiError::NotFound("household"))?;
        require(conn, &who, Permission::ReadPersons, &household_subject(&h))?;
        persistence::audit::record_read(conn, &who.audit_actor(), "household", id.to_string(), Some(&who.request_id))?;
        household_view(conn, &h)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Households of this upazila (or thana).
    pub upazila_id: Option<i32>,
    /// Households of this union (or ward).
    pub union_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Households within your area, in the order they were recorded.
#[utoipa::path(operation_id = "list_households", tag = "households", params(HouseholdQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of households", body = ListPage<HouseholdView>),
        (status = 400, description = "A cursor this API did not issue", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A limit out of range", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/households")]
pub async fn list_households(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<HouseholdQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let filter = HouseholdFilter { upazila_id: q.upazila_id, union_id: q.union_id };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadPersons, &own)?;
        let page = repo::list(conn, actor.scope, &filter, after, limit)?;
        who.audit_list(conn, "household", &asked, page.rows.iter().map(|r| r.id))?;
        let next = page.next.as_ref().map(crate::pagination::encode_cursor);
        let data = page.rows.iter().map(|h| household_view(conn, h)).collect::<Result<Vec<_>, _>>()?;
        Ok(ListPage { data, next_cursor: next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A person joining a household.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1", "relation": "daughter", "joined_on": "2020-01-01"}))]
pub struct AddMemberRequest {
    pub person_id: Uuid,
    #[schema(value_type = crate::codes::RelationToHeadCode)]
    pub relation: RelationToHead,
    /// Not in the future, not before the person's birth, and not before they left their last
    /// household.
    pub joined_on: NaiveDate,
}

/// Add a member to a household. A person is in one household at a time: one in another is
/// refused (409 `household.one_at_a_time`) until their move out is recorded. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "add_household_member", tag = "households", request_body = AddMemberRequest,
    params(("household_id" = Uuid, Path, description = "The household"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added; the household with its new `ETag`", body = HouseholdView),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A member here or of another household, or a second head", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A person you may not see, or a bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/households/{household_id}/members")]
pub async fn add_household_member(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<HouseholdId>,
    body: ApiJson<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    step_day("joined_on", b.joined_on, None)?;
    let fingerprint = idempotency::fingerprint(&[
        "add_household_member",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let step = Step::new("household.add_member", Permission::WritePersons);
        let after = pipeline::under(conn, &who, id, step, |conn, cx, h: &HouseholdRow| {
            let person = visible_person(conn, cx.who, cx.actor.scope, b.person_id, "person_id")?;
            join(conn, cx.who, h.id, &person, b.relation, b.joined_on)?;
            let after = repo::touch(conn, h.id)?;
            let detail = serde_json::json!({"person_id": person.id, "relation": b.relation.code(), "version": after.version});
            Ok((after, detail))
        })?;
        Ok(Created {
            location: Some(format!("/api/v1/households/{id}")),
            etag: Some(etag(after.version)),
            body: household_view(conn, &after)?,
        })
    })
    .await
}

/// A member moving out.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"left_on": "2026-11-30"}))]
pub struct MoveOutRequest {
    /// The first day away: not in the future, not before the member joined.
    pub left_on: NaiveDate,
}

/// Record a member's move out; they may then join another household from that day. Requires
/// `If-Match` (the household's `ETag`).
#[utoipa::path(operation_id = "record_household_move_out", tag = "households", request_body = MoveOutRequest,
    params(("household_id" = Uuid, Path, description = "The household"), ("person_id" = Uuid, Path, description = "The member"),
        ("If-Match" = String, Header, description = "The household's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; the household with its new `ETag`", body = HouseholdView),
        (status = 404, description = "No such household", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a current member (`household.not_member`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future or before the member joined", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/households/{household_id}/members/{person_id}/move-out")]
pub async fn record_household_move_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(HouseholdId, PersonId)>,
    body: ApiJson<MoveOutRequest>,
) -> Result<HttpResponse, ApiError> {
    let ((id, person), b) = (path.into_inner(), body.0);
    step_day("left_on", b.left_on, None)?;
    let step = Step::new("household.move_out", Permission::WritePersons);
    let done =
        pipeline::change(&req, &state, who, id, step, pipeline::read_with(household_view), move |conn, _, h: HouseholdRow| {
            let members: Vec<_> = repo::members_of(conn, h.id)?;
            let memberships: Vec<_> = members.iter().map(MemberRow::membership).collect();
            let current = rules::current_membership(&memberships, person)?;
            step_day("left_on", b.left_on, Some(current.joined_on))?;
            let member = members.iter().find(|m| m.person_id == person && m.left_on.is_none()).ok_or(rules::NOT_MEMBER)?;
            repo::record_move_out(conn, member.id, b.left_on)?;
            let after = repo::touch(conn, h.id)?;
            Outcome::with(after, serde_json::json!({"person_id": person, "left_on": b.left_on}))
        })
        .await?;
    Ok(done.ok())
}

/// A relationship as recorded: `related_person_id` is the `kind` of `person_id`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-0000000000e1", "person_id": "01936f5e-0000-7000-8000-0000000000a1",
    "related_person_id": "01936f5e-0000-7000-8000-0000000000a2", "kind": "mother", "kind_label": {"en": "Mother", "bn": "মা"},
    "started_on": null, "ended_on": null, "version": 1, "created_at": "2026-12-04T04:00:00Z"}))]
pub struct RelationshipView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub related_person_id: Uuid,
    #[schema(value_type = crate::codes::RelationshipKindCode)]
    pub kind: RelationshipKind,
    pub kind_label: LabelView,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn relationship_view(r: &RelationshipRow) -> RelationshipView {
    RelationshipView {
        id: r.id.0,
        person_id: r.person_id.0,
        related_person_id: r.related_person_id.0,
        kind: r.kind,
        kind_label: r.kind.label().into(),
        started_on: r.started_on,
        ended_on: r.ended_on,
        version: r.version,
        created_at: r.created_at,
    }
}

/// Someone related to a person, seen from that person (her mother; his ward).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"relationship_id": "01936f5e-0000-7000-8000-0000000000e1", "person_id": "01936f5e-0000-7000-8000-0000000000a2",
    "name_en": "Salma Begum", "name_bn": "সালমা বেগম", "relation": "mother", "relation_label": {"en": "Mother", "bn": "মা"},
    "started_on": null, "ended_on": null, "version": 1}))]
pub struct RelationView {
    pub relationship_id: Uuid,
    /// The other person.
    pub person_id: Uuid,
    /// The other person's names, when you may see them (null otherwise).
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    /// How the other person is related to this one (a relationship recorded from the other
    /// side reads inverted: a mother sees her `child`, a guardian their `ward`).
    #[schema(value_type = crate::codes::KinCode)]
    pub relation: Kin,
    pub relation_label: LabelView,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// The relationship's `ETag` value (to end it).
    pub version: i32,
}

/// `r` seen from `me`.
pub(crate) fn relation_seen_by(me: PersonId, r: &RelationshipRow) -> RelationView {
    let (other, relation) =
        if r.person_id == me { (r.related_person_id, r.kind.as_kin()) } else { (r.person_id, r.kind.inverse()) };
    RelationView {
        relationship_id: r.id.0,
        person_id: other.0,
        name_en: None,
        name_bn: None,
        relation,
        relation_label: relation.label().into(),
        started_on: r.started_on,
        ended_on: r.ended_on,
        version: r.version,
    }
}

/// Puts in the names of the people `who` may see (and only theirs).
fn with_names(
    conn: &mut PgConnection,
    who: &Principal,
    scope: domain::access::Scope,
    views: &mut [RelationView],
) -> Result<(), ApiError> {
    for v in views {
        if let Some(p) = persistence::persons::find_visible(conn, scope, who.user_id, PersonId(v.person_id))? {
            (v.name_en, v.name_bn) = (p.name_en, p.name_bn);
        }
    }
    Ok(())
}

/// The household a person lives in now, as their page shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"household_id": "01936f5e-0000-7000-8000-0000000000f1", "head_person_id": "01936f5e-0000-7000-8000-0000000000a2",
    "relation": "daughter", "relation_label": {"en": "Daughter", "bn": "মেয়ে"}, "joined_on": "2020-01-01", "member_count": 3}))]
pub struct PersonHouseholdView {
    pub household_id: Uuid,
    pub head_person_id: Uuid,
    #[schema(value_type = crate::codes::RelationToHeadCode)]
    pub relation: RelationToHead,
    pub relation_label: LabelView,
    pub joined_on: NaiveDate,
    pub member_count: usize,
}

/// A person's household now and their relationships in force, for their page.
pub(crate) fn family_of(
    conn: &mut PgConnection,
    who: &Principal,
    scope: domain::access::Scope,
    person: PersonId,
) -> Result<(Option<PersonHouseholdView>, Vec<RelationView>), ApiError> {
    let mut household = None;
    if let Some(m) = repo::memberships_of(conn, person)?.into_iter().find(|m| m.left_on.is_none()) {
        let h = repo::find(conn, m.household_id)?.ok_or_else(|| ApiError::internal("a member of no household"))?;
        let count = repo::members_of(conn, h.id)?.iter().filter(|x| x.left_on.is_none()).count();
        household = Some(PersonHouseholdView {
            household_id: h.id.0,
            head_person_id: h.head_person_id.0,
            relation: m.relation,
            relation_label: m.relation.label().into(),
            joined_on: m.joined_on,
            member_count: count,
        });
    }
    let mut relations: Vec<_> = repo::relationships_of(conn, person, true, None, persistence::page::MAX_LIMIT)?
        .rows
        .iter()
        .map(|r| relation_seen_by(person, r))
        .collect();
    with_names(conn, who, scope, &mut relations)?;
    Ok((household, relations))
}

/// A relationship to record: `related_person_id` is the person's `kind`.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"related_person_id": "01936f5e-0000-7000-8000-0000000000a2", "kind": "mother", "started_on": null}))]
pub struct CreateRelationshipRequest {
    pub related_person_id: Uuid,
    #[schema(value_type = crate::codes::RelationshipKindCode)]
    pub kind: RelationshipKind,
    /// Since when (a guardianship's order, a marriage); not in the future.
    pub started_on: Option<NaiveDate>,
}

/// Record how another person is related to this one (her mother, his guardian). Shown from
/// both sides. Nobody is related to themself (422 `relationship.self`), and a relationship in
/// force is recorded once (409 `relationship.duplicate`). Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(operation_id = "create_relationship", tag = "households", request_body = CreateRelationshipRequest,
    params(("person_id" = Uuid, Path, description = "The person"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded; `ETag` set", body = RelationshipView),
        (status = 404, description = "No such person, or not one you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The person themself, a related person you may not see, or a date in the future", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/persons/{person_id}/relationships")]
pub async fn create_relationship(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<PersonId>,
    body: ApiJson<CreateRelationshipRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    if let Some(started_on) = b.started_on {
        step_day("started_on", started_on, None)?;
    }
    let fingerprint = idempotency::fingerprint(&[
        "create_relationship",
        &id.to_string(),
        &serde_json::to_string(&b).map_err(ApiError::internal)?,
    ]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::WritePersons, &own)?;
        let person =
            persistence::persons::find_visible(conn, actor.scope, who.user_id, id)?.ok_or(ApiError::NotFound("person"))?;
        let other = visible_person(conn, &who, actor.scope, b.related_person_id, "related_person_id")?;
        let in_force: Vec<_> = repo::in_force_between(conn, person.id, other.id)?
            .iter()
            .map(|r| (r.person_id, r.related_person_id, r.kind))
            .collect();
        rules::check_relationship(person.id, other.id, b.kind, &in_force)?;
        let row = repo::insert_relationship(conn, person.id, other.id, b.kind, b.started_on, who.user_id)?
            .ok_or(rules::DUPLICATE_RELATIONSHIP)?;
        pipeline::audit_created(conn, &who, "relationship.create", row.id, &row, serde_json::json!({"kind": row.kind.code()}))?;
        Ok(Created {
            location: Some(format!("/api/v1/persons/{id}/relationships")),
            etag: Some(etag(row.version)),
            body: relationship_view(&row),
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelationshipQuery {
    /// Only relationships not ended (default false: all).
    pub in_force: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A person's relationships from either side, in the order they were recorded.
#[utoipa::path(operation_id = "list_relationships", tag = "households",
    params(("person_id" = Uuid, Path, description = "The person"), RelationshipQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of relations, seen from the person", body = ListPage<RelationView>),
        (status = 404, description = "No such person, or not one you may see", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/persons/{person_id}/relationships")]
pub async fn list_relationships(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PersonId>,
    q: web::Query<RelationshipQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, q) = (path.into_inner(), q.into_inner());
    let asked = serde_json::json!({"person_id": id, "in_force": q.in_force, "limit": q.limit, "cursor": q.cursor});
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let in_force = q.in_force.unwrap_or(false);
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadPersons, &own)?;
        persistence::persons::find_visible(conn, actor.scope, who.user_id, id)?.ok_or(ApiError::NotFound("person"))?;
        let page = repo::relationships_of(conn, id, in_force, after, limit)?;
        who.audit_list(conn, "relationship", &asked, page.rows.iter().map(|r| r.id))?;
        let mut page = ListPage::from_page(page, |r| relation_seen_by(id, &r));
        with_names(conn, &who, actor.scope, &mut page.data)?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Where a relationship sits for access: the person's area (or the related person's, for
/// someone recorded without one).
fn relationship_subject(conn: &mut PgConnection, r: &RelationshipRow) -> Result<Subject, ApiError> {
    for p in [r.person_id, r.related_person_id] {
        if let Some(p) = persistence::persons::find(conn, p)? {
            if let (Some(div), Some(dis), Some(upz)) = (p.division_id, p.district_id, p.upazila_id) {
                return Ok(Subject::Area(AreaPath::upazila(DivisionId(div), DistrictId(dis), UpazilaId(upz))));
            }
        }
    }
    Ok(Subject::National)
}

crate::pipeline::record!(RelationshipRow {
    id: RelationshipId,
    kind: "relationship",
    noun: "relationship",
    lock: repo::find_relationship_for_update,
    subject: |r, conn| relationship_subject(conn, r),
    summary: |r| serde_json::json!({"kind": r.kind.code(), "ended_on": r.ended_on, "version": r.version}),
});

/// A relationship ending (a guardianship revoked, a divorce).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"ended_on": "2026-11-30"}))]
pub struct EndRelationshipRequest {
    /// Not in the future, not before it began.
    pub ended_on: NaiveDate,
}

/// End a relationship (it stays on record, ended). Requires `If-Match`.
#[utoipa::path(operation_id = "end_relationship", tag = "households", request_body = EndRelationshipRequest,
    params(("relationship_id" = Uuid, Path, description = "The relationship"),
        ("If-Match" = String, Header, description = "The relationship's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Ended; new `ETag`", body = RelationshipView),
        (status = 404, description = "No such relationship", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already ended", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A day in the future or before it began", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/relationships/{relationship_id}/end")]
pub async fn end_relationship(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<RelationshipId>,
    body: ApiJson<EndRelationshipRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    step_day("ended_on", b.ended_on, None)?;
    let step = Step::new("relationship.end", Permission::WritePersons);
    let done =
        pipeline::change(&req, &state, who, id, step, pipeline::shown(relationship_view), move |conn, cx, r: RelationshipRow| {
            persistence::persons::find_visible(conn, cx.actor.scope, cx.who.user_id, r.person_id)?
                .ok_or(ApiError::NotFound("relationship"))?;
            if r.ended_on.is_some() {
                return Err(rules::RELATIONSHIP_ENDED.into());
            }
            step_day("ended_on", b.ended_on, r.started_on)?;
            let after = repo::end_relationship(conn, r.id, b.ended_on)?;
            Outcome::with(after, serde_json::json!({"ended_on": b.ended_on}))
        })
        .await?;
    Ok(done.ok())
}

/// Whom a conditional cash transfer is for: the child (the beneficiary, whose age and schooling
/// the programme's criteria are about; or, for a carer on the register, the youngest child in
/// their care by a relationship or in their household), the child's household now, and the
/// child's carers (mother, father, guardian) by the relationships in force.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"child_person_id": "01936f5e-0000-7000-8000-0000000000a1", "household_id": "01936f5e-0000-7000-8000-0000000000f1",
    "carers": [{"relationship_id": "01936f5e-0000-7000-8000-0000000000e1", "person_id": "01936f5e-0000-7000-8000-0000000000a2",
        "name_en": null, "name_bn": null, "relation": "mother", "relation_label": {"en": "Mother", "bn": "মা"},
        "started_on": null, "ended_on": null, "version": 1}]}))]
pub struct TransferForView {
    /// Null when no child under 18 is recorded for a carer on the register.
    pub child_person_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub carers: Vec<RelationView>,
}

pub(crate) fn transfer_for(conn: &mut PgConnection, person: PersonId, today: NaiveDate) -> Result<TransferForView, ApiError> {
    use domain::household::Relative;
    let me = persistence::persons::find(conn, person)?.ok_or_else(|| ApiError::internal("a beneficiary without a person"))?;
    let mut relatives = Vec::new();
    for r in repo::relationships_of(conn, person, true, None, persistence::page::MAX_LIMIT)?.rows {
        let seen = relation_seen_by(person, &r);
        if let Some(other) = persistence::persons::find(conn, PersonId(seen.person_id))? {
            relatives.push(Relative { person: other.id, kin: seen.relation, date_of_birth: other.date_of_birth });
        }
    }
    // A head or spouse's sons, daughters and grandchildren in the household are children in
    // their care.
    let current = |conn: &mut PgConnection, p: PersonId| -> Result<Option<MemberRow>, ApiError> {
        Ok(repo::memberships_of(conn, p)?.into_iter().find(|m| m.left_on.is_none()))
    };
    if let Some(m) = current(conn, person)?.filter(|m| matches!(m.relation, RelationToHead::Head | RelationToHead::Spouse)) {
        for other in repo::members_of(conn, m.household_id)? {
            if other.left_on.is_none()
                && matches!(other.relation, RelationToHead::Son | RelationToHead::Daughter | RelationToHead::Grandchild)
            {
                if let Some(p) = persistence::persons::find(conn, other.person_id)? {
                    relatives.push(Relative { person: p.id, kin: Kin::Child, date_of_birth: p.date_of_birth });
                }
            }
        }
    }
    let Some(child) = rules::transfer_child(person, me.date_of_birth, &relatives, today) else {
        return Ok(TransferForView { child_person_id: None, household_id: None, carers: vec![] });
    };
    let carers = repo::relationships_of(conn, child, true, None, persistence::page::MAX_LIMIT)?
        .rows
        .iter()
        .map(|r| relation_seen_by(child, r))
        .filter(|v| v.relation.cares_for())
        .collect();
    let household_id = current(conn, child)?.map(|m| m.household_id.0);
    Ok(TransferForView { child_person_id: Some(child.0), household_id, carers })
}
