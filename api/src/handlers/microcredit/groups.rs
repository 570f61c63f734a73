//! Work groups (কর্মদল): borrowers from the union or pourashava survey, organised in groups
//! with a leader. A loan is taken as a member of a group.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::Permission;
use domain::id::{PersonId, WorkGroupId};
use domain::microcredit::programme::MicrocreditProgramme;
use persistence::microcredit::{self as repo, WorkGroupRow};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::{office, upazila_area};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline::{self, Outcome, Step};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::read;
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a1", "joined_on": "2026-07-01"}))]
pub struct MemberView {
    pub person_id: Uuid,
    pub joined_on: NaiveDate,
}

/// A work group and its members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-00000000a001", "name": "Khilgaon women's group 3",
    "programme": "urban_community_development", "programme_label": {"en": "Urban community development", "bn": "শহর সমাজ উন্নয়ন কার্যক্রম"},
    "division_id": 6, "district_id": 47, "upazila_id": 400, "union_id": null, "leader_person_id": "01936f5e-0000-7000-8000-0000000000a1", "formed_on": "2026-07-01",
    "members": [{"person_id": "01936f5e-0000-7000-8000-0000000000a1", "joined_on": "2026-07-01"}], "version": 2, "created_at": "2026-07-01T04:00:00Z"}))]
pub struct WorkGroupView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = crate::codes::MicrocreditProgrammeCode)]
    pub programme: MicrocreditProgramme,
    pub programme_label: LabelView,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    /// The union or ward of the survey the members come from.
    pub union_id: Option<i32>,
    pub leader_person_id: Uuid,
    /// The day the group was formed: no member joins, and no loan is applied for, before it.
    pub formed_on: NaiveDate,
    pub members: Vec<MemberView>,
    /// The `ETag` value.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn group_view(conn: &mut PgConnection, g: &WorkGroupRow) -> Result<WorkGroupView, ApiError> {
    let members = repo::members_of(conn, g.id)?
        .into_iter()
        .map(|(person, joined_on)| MemberView { person_id: person.0, joined_on })
        .collect();
    Ok(WorkGroupView {
        id: g.id.0,
        name: g.name.clone(),
        programme: g.programme,
        programme_label: g.programme.label().into(),
        division_id: g.division_id,
        district_id: g.district_id,
        upazila_id: g.upazila_id,
        union_id: g.union_id,
        leader_person_id: g.leader_person_id.0,
        formed_on: g.formed_on,
        members,
        version: g.version,
        created_at: g.created_at,
    })
}

/// A person on record whom the caller may see, or a field error naming `field`.
fn visible_person(
    conn: &mut PgConnection,
    who: &Principal,
    scope: domain::access::Scope,
    person: Uuid,
    field: &str,
) -> Result<persistence::persons::PersonRow, ApiError> {
    persistence::persons::find_visible(conn, scope, who.user_id, PersonId(person))?
        .ok_or_else(|| ApiError::field_coded(field, "not_found", "no such person (or not one you may see)"))
}

/// A new work group; its leader is its first member.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Khilgaon women's group 3", "programme": "urban_community_development", "upazila_id": 1,
    "union_id": null, "leader_person_id": "01936f5e-0000-7000-8000-0000000000a1", "formed_on": "2026-07-01"}))]
pub struct CreateGroupRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = crate::codes::MicrocreditProgrammeCode)]
    pub programme: MicrocreditProgramme,
    pub upazila_id: i32,
    pub union_id: Option<i32>,
    pub leader_person_id: Uuid,
    pub formed_on: NaiveDate,
}

/// Form a work group. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_work_group", tag = "microcredit", request_body = CreateGroupRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Formed; `Location` and `ETag` set", body = WorkGroupView),
        (status = 422, description = "Invalid fields, or a leader you may not see", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/work-groups")]
pub async fn create_work_group(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreateGroupRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    crate::handlers::step_day("formed_on", b.formed_on, None)?;
    let fingerprint = idempotency::fingerprint(&["create_work_group", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let area = upazila_area(conn, b.upazila_id, "upazila_id")?;
        let actor = require(conn, &who, Permission::ManageMicrocredit, &super::area_subject(area))?;
        if let Some(u) = b.union_id {
            let union = persistence::geo::union_path(conn, domain::geo::UnionId(u))?
                .ok_or_else(|| ApiError::field_coded("union_id", "not_found", "no such union or ward"))?;
            if union.upazila != Some(domain::geo::UpazilaId(b.upazila_id)) {
                return Err(ApiError::field("union_id", "lies outside the group's upazila"));
            }
        }
        let leader = visible_person(conn, &who, actor.scope, b.leader_person_id, "leader_person_id")?;
        let id = WorkGroupId(Uuid::now_v7());
        let g = repo::insert_group(conn, id, b.name.trim(), b.programme, area, b.union_id, leader.id, b.formed_on, who.user_id)?;
        crate::pipeline::audit_created(conn, &who, "work_group.create", g.id, &g, serde_json::json!({"name": g.name}))?;
        let g = repo::find_group(conn, id)?.ok_or(ApiError::NotFound("work group"))?;
        Ok(Created {
            location: Some(format!("/api/v1/microcredit/work-groups/{id}")),
            etag: Some(etag(g.version)),
            body: group_view(conn, &g)?,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    pub upazila_id: Option<i32>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The work groups within your scope.
#[utoipa::path(operation_id = "list_work_groups", tag = "microcredit", params(GroupQuery), security(("bearer" = [])),
    responses((status = 200, description = "A page of work groups", body = ListPage<WorkGroupView>)))]
#[get("/microcredit/work-groups")]
pub async fn list_work_groups(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<GroupQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let page = read(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadMicrocredit, &own)?;
        let page = repo::list_groups(conn, actor.scope, q.upazila_id, after, limit)?;
        let next = page.next.as_ref().map(crate::pagination::encode_cursor);
        let data = page.rows.iter().map(|g| group_view(conn, g)).collect::<Result<Vec<_>, _>>()?;
        Ok(ListPage { data, next_cursor: next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One work group with its members.
#[utoipa::path(operation_id = "get_work_group", tag = "microcredit",
    params(("group_id" = Uuid, Path, description = "The work group")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The group; `ETag` set", body = WorkGroupView),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/microcredit/work-groups/{group_id}")]
pub async fn get_work_group(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<WorkGroupId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let view = read(&state, move |conn| {
        let g = repo::find_group(conn, id)?.ok_or(ApiError::NotFound("work group"))?;
        require(conn, &who, Permission::ReadMicrocredit, &office(g.division_id, g.district_id, g.upazila_id))?;
        group_view(conn, &g)
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(view.version))).json(view))
}

/// A new member.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a2", "joined_on": "2026-07-05"}))]
pub struct MemberRequest {
    pub person_id: Uuid,
    pub joined_on: NaiveDate,
}

/// Add a member to the group. Requires `If-Match`.
#[utoipa::path(operation_id = "add_work_group_member", tag = "microcredit", request_body = MemberRequest,
    params(("group_id" = Uuid, Path, description = "The work group"), ("If-Match" = String, Header, description = "The group's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Added; the group with its new `ETag`", body = WorkGroupView),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Joined in the future or before the group was formed (`microcredit-joined-before-group-formed`)", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/microcredit/work-groups/{group_id}/members")]
pub async fn add_work_group_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<WorkGroupId>,
    body: ApiJson<MemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, b) = (path.into_inner(), body.0);
    crate::handlers::step_day("joined_on", b.joined_on, None)?;
    let step = Step::new("work_group.add_member", Permission::ManageMicrocredit);
    let done =
        pipeline::change(&req, &state, who, id, step, pipeline::read_with(group_view), move |conn, cx, g: WorkGroupRow| {
            domain::microcredit::loan::check_joining_day(b.joined_on, g.formed_on, super::today())?;
            let person = visible_person(conn, cx.who, cx.actor.scope, b.person_id, "person_id")?;
            if !repo::add_member(conn, id, person.id, b.joined_on)? {
                return Err(domain::microcredit::ALREADY_A_MEMBER.into());
            }
            let g = repo::find_group(conn, id)?.ok_or(ApiError::NotFound("work group"))?;
            Outcome::with(g, serde_json::json!({"person_id": person.id}))
        })
        .await?;
    Ok(done.ok())
}

crate::pipeline::record!(WorkGroupRow {
    id: WorkGroupId,
    kind: "work_group",
    noun: "work group",
    lock: repo::find_group_for_update,
    subject: |r, _| Ok(office(r.division_id, r.district_id, r.upazila_id)),
    summary: |r| serde_json::json!({"version": r.version}),
});
