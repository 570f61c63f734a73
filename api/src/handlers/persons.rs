//! People on record: survivors, children, guardians, alleged perpetrators. Identifiers are
//! accepted in Bangla or ASCII digits and stored in ASCII; a second person with the same
//! identifier is refused (409, naming the existing one); same name and birth date is shown
//! as a possible duplicate.

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Permission, Subject};
use domain::geo::UnionId;
use domain::id::PersonId;
use domain::person::{BirthRegistrationNumber, MobileNumber, Nid, Sex};
use persistence::persons::{self, NewPersonRow, PersonRow, PersonSearch};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::etag::etag;
use crate::extract::ApiJson;
use crate::idempotency::{self, Created, IdempotencyKey};
use crate::pagination::{decode_cursor, limit, ListPage};
use crate::pipeline;
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

/// A person to record. Give a date of birth, or an age in years when it is not known (the
/// birth date is then estimated and marked so).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "name_en": "Rahima Khatun", "name_bn": "রহিমা খাতুন", "sex": "female", "date_of_birth": "2009-04-12",
    "nid": null, "birth_registration_number": "২০০৯১২৩৪৫৬৭৮৯০১২৩", "mobile": "+8801712345678",
    "nationality": "BD", "disability": null, "union_id": 1, "address": "Village Subil"
}))]
pub struct CreatePersonRequest {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name_bn: Option<String>,
    /// `female`, `male` or `hijra`.
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: String,
    pub date_of_birth: Option<NaiveDate>,
    /// When the birth date is unknown.
    #[validate(range(min = 0, max = 120))]
    #[schema(minimum = 0, maximum = 120)]
    pub age_years: Option<u32>,
    /// National ID: 10, 13 or 17 digits, ASCII or Bangla.
    pub nid: Option<String>,
    /// Birth registration number: 17 digits (16 for older ones).
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    /// ISO 3166-1 alpha-2 (default `BD`).
    pub nationality: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub disability: Option<String>,
    /// Where the person lives (union or ward); the upazila, district and division follow.
    pub union_id: Option<i32>,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000cc", "name_en": "Rahima Khatun", "name_bn": "রহিমা খাতুন",
    "sex": "female", "sex_label": {"en": "Female", "bn": "নারী"}, "date_of_birth": "2009-04-12", "date_of_birth_estimated": false,
    "nid": null, "birth_registration_number": "20091234567890123", "mobile": "01712345678", "nationality": "BD",
    "disability": null, "division_id": 1, "district_id": 1, "upazila_id": 1, "union_id": 1, "address": "Village Subil",
    "version": 1, "created_at": "2026-11-23T06:00:00Z"
}))]
pub struct PersonView {
    pub id: Uuid,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    #[schema(value_type = crate::codes::SexCode)]
    pub sex: String,
    pub sex_label: LabelView,
    pub date_of_birth: NaiveDate,
    pub date_of_birth_estimated: bool,
    pub nid: Option<String>,
    pub birth_registration_number: Option<String>,
    pub mobile: Option<String>,
    pub nationality: String,
    pub disability: Option<String>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub union_id: Option<i32>,
    pub address: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<PersonRow> for PersonView {
    fn from(p: PersonRow) -> Self {
        PersonView {
            id: p.id.0,
            name_en: p.name_en,
            name_bn: p.name_bn,
            sex: p.sex.into(),
            sex_label: p.sex.label().into(),
            date_of_birth: p.date_of_birth,
            date_of_birth_estimated: p.date_of_birth_estimated,
            nid: p.nid,
            birth_registration_number: p.birth_registration_number,
            mobile: p.mobile,
            nationality: p.nationality,
            disability: p.disability,
            division_id: p.division_id,
            district_id: p.district_id,
            upazila_id: p.upazila_id,
            union_id: p.union_id,
            address: p.address,
            version: p.version,
            created_at: p.created_at,
        }
    }
}

/// A person's page: the record, the household they live in now and their relationships in
/// force (each seen from this person: her mother, her child).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-0000-7000-8000-0000000000cc", "name_en": "Rahima Khatun", "name_bn": "রহিমা খাতুন",
    "sex": "female", "sex_label": {"en": "Female", "bn": "নারী"}, "date_of_birth": "2009-04-12", "date_of_birth_estimated": false,
    "nid": null, "birth_registration_number": "20091234567890123", "mobile": "01712345678", "nationality": "BD",
    "disability": null, "division_id": 1, "district_id": 1, "upazila_id": 1, "union_id": 1, "address": "Village Subil",
    "version": 1, "created_at": "2026-11-23T06:00:00Z",
    "household": {"household_id": "01936f5e-0000-7000-8000-0000000000f1", "head_person_id": "01936f5e-0000-7000-8000-0000000000a2",
        "relation": "daughter", "relation_label": {"en": "Daughter", "bn": "মেয়ে"}, "joined_on": "2020-01-01", "member_count": 3},
    "relations": [{"relationship_id": "01936f5e-0000-7000-8000-0000000000e1", "person_id": "01936f5e-0000-7000-8000-0000000000a2",
        "name_en": "Salma Begum", "name_bn": "সালমা বেগম", "relation": "mother", "relation_label": {"en": "Mother", "bn": "মা"},
        "started_on": null, "ended_on": null, "version": 1}]
}))]
pub struct PersonPage {
    #[serde(flatten)]
    pub person: PersonView,
    /// The household the person lives in now (null: none recorded).
    pub household: Option<crate::handlers::households::PersonHouseholdView>,
    /// Relationships in force, seen from this person.
    pub relations: Vec<crate::handlers::households::RelationView>,
}

/// Someone already on record with the same name and birth date.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-0000-7000-8000-0000000000dd", "name_en": "Rahima Khatun", "name_bn": "রহিমা খাতুন", "date_of_birth": "2009-04-12"}))]
pub struct PossibleDuplicate {
    pub id: Uuid,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    pub date_of_birth: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "person": {"id": "01936f5e-0000-7000-8000-0000000000cc", "name_en": "Rahima Khatun", "name_bn": "রহিমা খাতুন",
        "sex": "female", "sex_label": {"en": "Female", "bn": "নারী"}, "date_of_birth": "2009-04-12", "date_of_birth_estimated": false,
        "nid": null, "birth_registration_number": "20091234567890123", "mobile": "01712345678", "nationality": "BD",
        "disability": null, "division_id": 1, "district_id": 1, "upazila_id": 1, "union_id": 1, "address": null,
        "version": 1, "created_at": "2026-11-23T06:00:00Z"},
    "possible_duplicates": []
}))]
pub struct CreatedPerson {
    pub person: PersonView,
    /// Same name (either script) and birth date: check before opening a case.
    pub possible_duplicates: Vec<PossibleDuplicate>,
}

/// Everything in the request, parsed; field errors are reported together.
fn parse(b: &CreatePersonRequest, today: NaiveDate) -> Result<NewPersonRow, ApiError> {
    let mut errors = Vec::new();
    let sex = Sex::parse(&b.sex);
    if sex.is_none() {
        errors.push(FieldError::coded("sex", "unknown_code", "must be `female`, `male` or `hijra`"));
    }
    let name = |n: &Option<String>| n.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (name_en, name_bn) = (name(&b.name_en), name(&b.name_bn));
    if name_en.is_none() && name_bn.is_none() {
        errors.push(FieldError::coded("name_bn", "required", "give the name in Bangla or English (or both)"));
    }
    let (dob, estimated) = match (b.date_of_birth, b.age_years) {
        (Some(d), _) if d > today => {
            errors.push(FieldError::coded("date_of_birth", "out_of_range", "cannot be in the future"));
            (None, false)
        }
        (Some(d), _) => (Some(d), false),
        (None, Some(age)) => (today.checked_sub_months(chrono::Months::new(age * 12)), true),
        (None, None) => {
            errors.push(FieldError::coded("date_of_birth", "required", "give the date of birth or age_years"));
            (None, false)
        }
    };
    let nid = b
        .nid
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(Nid::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::coded("nid", "invalid_format", e.0)))
        .ok()
        .flatten();
    let brn = b
        .birth_registration_number
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(BirthRegistrationNumber::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::coded("birth_registration_number", "invalid_format", e.0)))
        .ok()
        .flatten();
    let mobile = b
        .mobile
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(MobileNumber::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::coded("mobile", "invalid_format", e.0)))
        .ok()
        .flatten();
    let nationality = b.nationality.as_deref().unwrap_or("BD").trim().to_ascii_uppercase();
    if nationality.len() != 2 || !nationality.chars().all(|c| c.is_ascii_uppercase()) {
        errors.push(FieldError::coded("nationality", "invalid_format", "must be an ISO 3166-1 alpha-2 code such as BD or NP"));
    }
    let (Some(sex), Some(dob), true) = (sex, dob, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    Ok(NewPersonRow {
        id: PersonId(Uuid::now_v7()),
        name_en,
        name_bn,
        sex,
        date_of_birth: dob,
        date_of_birth_estimated: estimated,
        nid: nid.map(|n| n.as_str().to_owned()),
        birth_registration_number: brn.map(|n| n.as_str().to_owned()),
        mobile: mobile.map(|m| m.as_str().to_owned()),
        nationality,
        disability: b.disability.clone().filter(|s| !s.trim().is_empty()),
        division_id: None,
        district_id: None,
        upazila_id: None,
        union_id: None,
        address: b.address.clone().filter(|s| !s.trim().is_empty()),
        created_by: None,
    })
}

/// Record a person. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(operation_id = "create_person", tag = "persons",
    request_body = CreatePersonRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat on a retry to get the first response back")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded, with possible duplicates to check", body = CreatedPerson),
        (status = 409, description = "An identifier belongs to someone already recorded (`existing_id`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/persons")]
pub async fn create_person(
    state: web::Data<AppState>,
    who: Principal,
    key: IdempotencyKey,
    body: ApiJson<CreatePersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let today = domain::time::dhaka_date(Utc::now());
    let mut new = parse(&b, today)?;
    domain::person::check_birth_date(new.date_of_birth, today)?;
    new.created_by = Some(who.user_id);
    let fingerprint = idempotency::fingerprint(&["create_person", &serde_json::to_string(&b).map_err(ApiError::internal)?]);
    idempotency::create(&state, who.user_id, key, fingerprint, StatusCode::CREATED, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        require(conn, &who, Permission::WritePersons, &own)?;
        if let Some(union) = b.union_id {
            let path = persistence::geo::union_path(conn, UnionId(union))?.ok_or_else(|| ApiError::field_coded("union_id", "not_found", "no such union"))?;
            new.division_id = Some(path.division.0);
            new.district_id = path.district.map(|d| d.0);
            new.upazila_id = path.upazila.map(|u| u.0);
            new.union_id = Some(union);
        }
        let duplicate = |existing: PersonRow| ApiError::Duplicate {
            code: "person_identifier_exists",
            detail: "a person with this national ID or birth registration number is already recorded".into(),
            existing_id: existing.id.to_string(),
        };
        if let Some(existing) = persons::find_by_identifiers(conn, new.nid.as_deref(), new.birth_registration_number.as_deref())? {
            return Err(duplicate(existing));
        }
        let person = match persons::insert(conn, new.clone())? {
            Some(p) => p,
            // Lost a race with another insert of the same identifier.
            None => {
                let existing = persons::find_by_identifiers(conn, new.nid.as_deref(), new.birth_registration_number.as_deref())?
                    .ok_or_else(|| ApiError::internal("insert conflicted but no holder found"))?;
                return Err(duplicate(existing));
            }
        };
        let possible = persons::possible_duplicates(conn, person.id, person.name_en.as_deref(), person.name_bn.as_deref(), person.date_of_birth)?;
        let detail = serde_json::json!({"sex": person.sex, "has_nid": person.nid.is_some(), "has_brn": person.birth_registration_number.is_some()});
        pipeline::audit_created(conn, &who, "person.create", person.id, &person, detail)?;
        let created = CreatedPerson {
            possible_duplicates: possible
                .into_iter()
                .map(|p| PossibleDuplicate { id: p.id.0, name_en: p.name_en, name_bn: p.name_bn, date_of_birth: p.date_of_birth })
                .collect(),
            person: PersonView::from(person),
        };
        Ok(Created {
            location: Some(format!("/api/v1/persons/{}", created.person.id)),
            etag: Some(etag(created.person.version)),
            body: created,
        })
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Part of a name, in Bangla or English. People a bulk import created are found by name
    /// once its follow-up job (`index_person_names`) has run, seconds after the import.
    pub name: Option<String>,
    /// A national ID, birth registration number or mobile number (Bangla digits accepted).
    pub identifier: Option<String>,
    /// The exact birth date (YYYY-MM-DD). Like a name, found for the people a bulk import
    /// created once its follow-up job has run.
    pub date_of_birth: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Find people by name (Bangla or English) or identifier, within what you may see.
#[utoipa::path(operation_id = "search_persons", tag = "persons",
    params(PersonQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of people", body = ListPage<PersonView>),
        (status = 422, description = "Give a name, identifier or birth date", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/persons")]
pub async fn search_persons(
    state: web::Data<AppState>,
    who: Principal,
    q: web::Query<PersonQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // (What was asked, for the audit row: a list of personal data is a read on record.)
    let asked = serde_json::to_value(&q).map_err(ApiError::internal)?;
    let (limit, after) = (limit(q.limit)?, decode_cursor(q.cursor.as_deref())?);
    let search = PersonSearch {
        name: q.name.filter(|n| !n.trim().is_empty()),
        identifier: q
            .identifier
            .map(|i| domain::digits::normalize_digits(i.trim()).replace([' ', '-'], ""))
            .filter(|i| !i.is_empty()),
        date_of_birth: q.date_of_birth,
    };
    if search.name.is_none() && search.identifier.is_none() && search.date_of_birth.is_none() {
        return Err(ApiError::field_coded("name", "required", "give a name, an identifier or a date of birth to search by"));
    }
    let search = PersonSearch {
        // A mobile number is stored as 01XXXXXXXXX; accept +880 forms too.
        identifier: search.identifier.map(|i| MobileNumber::parse(&i).map(|m| m.as_str().to_owned()).unwrap_or(i)),
        ..search
    };
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadPersons, &own)?;
        let page = persons::search(conn, actor.scope, who.user_id, &search, after, limit)?;
        who.audit_list(conn, "person", &asked, page.rows.iter().map(|r| r.id))?;
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ListPage::from_page(page, PersonView::from)))
}

/// One person, if within what you may see.
#[utoipa::path(operation_id = "get_person", tag = "persons",
    params(("person_id" = Uuid, Path, description = "The person id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The person, their household and relations; `ETag` set", body = PersonPage),
        (status = 404, description = "No such person, or not one you may see", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/persons/{person_id}")]
pub async fn get_person(state: web::Data<AppState>, who: Principal, path: web::Path<PersonId>) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let page = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::ReadPersons, &own)?;
        let person = persons::find_visible(conn, actor.scope, who.user_id, id)?.ok_or(ApiError::NotFound("person"))?;
        persistence::audit::record_read(conn, &who.audit_actor(), "person", id.to_string(), Some(&who.request_id))?;
        let (household, relations) = crate::handlers::households::family_of(conn, &who, actor.scope, person.id)?;
        Ok(PersonPage { person: PersonView::from(person), household, relations })
    })
    .await?;
    Ok(HttpResponse::Ok().insert_header((ETAG, etag(page.person.version))).json(page))
}

/// Distinguishes a field left out (keep) from an explicit `null` (clear).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to a person (JSON merge patch: a field left out is kept, `null` clears it).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"nid": "১৯৭৫১২৩৪৫৬", "mobile": null, "address": "Village Subil, ward 3"}))]
pub struct UpdatePersonRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name_en: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name_bn: Option<Option<String>>,
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub nid: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub birth_registration_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    pub nationality: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub disability: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub union_id: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
}

/// Correct or complete a person's record. Requires `If-Match`.
#[utoipa::path(operation_id = "update_person", tag = "persons",
    request_body = UpdatePersonRequest,
    params(("person_id" = Uuid, Path, description = "The person id"), ("If-Match" = String, Header, description = "The person's current ETag")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated; new `ETag`", body = PersonView),
        (status = 404, description = "No such person, or not one you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An identifier belongs to someone else (`existing_id`)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/persons/{person_id}")]
pub async fn update_person(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<PersonId>,
    body: ApiJson<UpdatePersonRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let b = body.0;
    let step = move |conn: &mut PgConnection, _: &pipeline::Ctx<'_>, before: PersonRow| {
        // Merge onto the current record, then validate the result as a whole.
        let merged = CreatePersonRequest {
            name_en: b.name_en.clone().unwrap_or(before.name_en.clone()),
            name_bn: b.name_bn.clone().unwrap_or(before.name_bn.clone()),
            sex: before.sex.into(),
            date_of_birth: Some(b.date_of_birth.unwrap_or(before.date_of_birth)),
            age_years: None,
            nid: b.nid.clone().unwrap_or(before.nid.clone()),
            birth_registration_number: b.birth_registration_number.clone().unwrap_or(before.birth_registration_number.clone()),
            mobile: b.mobile.clone().unwrap_or(before.mobile.clone()),
            nationality: Some(b.nationality.clone().unwrap_or(before.nationality.clone())),
            disability: b.disability.clone().unwrap_or(before.disability.clone()),
            union_id: b.union_id.unwrap_or(before.union_id),
            address: b.address.clone().unwrap_or(before.address.clone()),
        };
        merged.validate().map_err(|e| ApiError::Validation(crate::extract::validation_field_errors(&e)))?;
        let today = domain::time::dhaka_date(Utc::now());
        let parsed = parse(&merged, today)?;
        if b.date_of_birth.is_some() {
            // (A birth date left as it is is not refused for want of plausibility.)
            domain::person::check_birth_date(parsed.date_of_birth, today)?;
        }
        let (mut division, mut district, mut upazila) = (before.division_id, before.district_id, before.upazila_id);
        if merged.union_id != before.union_id {
            (division, district, upazila) = match merged.union_id {
                Some(u) => {
                    let p = persistence::geo::union_path(conn, UnionId(u))?
                        .ok_or_else(|| ApiError::field_coded("union_id", "not_found", "no such union"))?;
                    (Some(p.division.0), p.district.map(|d| d.0), p.upazila.map(|u| u.0))
                }
                None => (None, None, None),
            };
        }
        if let Some(holder) =
            persons::find_by_identifiers(conn, parsed.nid.as_deref(), parsed.birth_registration_number.as_deref())?
                .filter(|h| h.id != id)
        {
            return Err(ApiError::Duplicate {
                code: "person_identifier_exists",
                detail: "another person already holds this national ID or birth registration number".into(),
                existing_id: holder.id.to_string(),
            });
        }
        let changes = persons::PersonChanges {
            name_en: parsed.name_en,
            name_bn: parsed.name_bn,
            date_of_birth: parsed.date_of_birth,
            date_of_birth_estimated: before.date_of_birth_estimated && b.date_of_birth.is_none(),
            nid: parsed.nid,
            birth_registration_number: parsed.birth_registration_number,
            mobile: parsed.mobile,
            nationality: parsed.nationality,
            disability: parsed.disability,
            division_id: division,
            district_id: district,
            upazila_id: upazila,
            union_id: merged.union_id,
            address: parsed.address,
        };
        let after = persons::update(conn, id, &changes, Utc::now())?.ok_or_else(|| ApiError::Conflict {
            code: "person_identifier_exists",
            detail: "another person took this identifier at the same moment; retry".into(),
        })?;
        let changed = changed_fields(&before, &after);
        pipeline::Outcome::with(after, serde_json::json!({"changed": changed}))
    };
    let step_name = pipeline::Step::new("person.update", Permission::WritePersons);
    let shown = pipeline::shown(|p: &PersonRow| PersonView::from(p.clone()));
    Ok(pipeline::change(&req, &state, who, id, step_name, shown, step).await?.ok())
}

/// A person sits wherever the people who may see them are (`persons::find_visible`: their
/// area, a case or contact in the reader's scope), which no `Subject` names: every step is
/// authorised here, by the step's permission in the caller's own scope and the person's
/// visibility to them.
impl pipeline::Record for PersonRow {
    type Id = PersonId;
    const KIND: &'static str = "person";
    const NOUN: &'static str = "person";

    fn lock(conn: &mut PgConnection, id: PersonId) -> Result<Option<Self>, ApiError> {
        Ok(persons::find_for_update(conn, id)?)
    }
    fn subject(&self, _: &mut PgConnection) -> Result<Subject, ApiError> {
        Err(ApiError::internal("a person is authorised by visibility"))
    }
    fn authorise(&self, conn: &mut PgConnection, who: &Principal, step: pipeline::Step) -> Result<Actor, ApiError> {
        let permission = step.permission.ok_or_else(|| ApiError::internal("a person's steps need a permission"))?;
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, who, permission, &own)?;
        persons::find_visible(conn, actor.scope, who.user_id, self.id)?.ok_or(ApiError::NotFound("person"))?;
        Ok(actor)
    }
    fn version(&self) -> i32 {
        self.version
    }
    /// The version only: the audit trail never keeps a person's text.
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({"version": self.version})
    }
}

/// Names of the fields that changed (the audit row says what, not the values).
fn changed_fields(a: &PersonRow, b: &PersonRow) -> Vec<&'static str> {
    let mut out = vec![];
    let mut check = |name, changed: bool| {
        if changed {
            out.push(name)
        }
    };
    check("name_en", a.name_en != b.name_en);
    check("name_bn", a.name_bn != b.name_bn);
    check("date_of_birth", a.date_of_birth != b.date_of_birth);
    check("nid", a.nid != b.nid);
    check("birth_registration_number", a.birth_registration_number != b.birth_registration_number);
    check("mobile", a.mobile != b.mobile);
    check("nationality", a.nationality != b.nationality);
    check("disability", a.disability != b.disability);
    check("union_id", a.union_id != b.union_id);
    check("address", a.address != b.address);
    out
}
