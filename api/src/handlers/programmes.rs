//! Allowance programmes (public: the rules of a government programme are public) and the
//! eligibility check across all of them, for a person on record or for bare facts.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use domain::access::Permission;
use domain::allowance::eligibility::{describe, priority_score, PriorityWeights};
use domain::allowance::enrolment::receiving_on;
use domain::allowance::{
    evaluate, Community, EducationLevel, Facts, FiscalYear, MaritalStatus, PaymentFrequency, ProgrammeVersion,
};
use domain::disability::in_force_on;
use domain::person::Sex;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::extract::ApiJson;
use crate::problem::{ApiError, FieldError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read, transact};
use crate::views::LabelView;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "income_above_ceiling", "en": "Annual income must be at most Tk 10000", "bn": "বার্ষিক আয় সর্বোচ্চ ১০০০০ টাকা হতে পারে"}))]
pub struct CriterionView {
    pub code: String,
    pub en: String,
    pub bn: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"fiscal_year": "2025-26", "level": null, "monthly_taka": 650}))]
pub struct RateView {
    pub fiscal_year: String,
    #[schema(value_type = Option<crate::codes::EducationLevelCode>)]
    pub level: Option<String>,
    pub monthly_taka: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "old_age", "name_en": "Old age allowance", "name_bn": "বয়স্ক ভাতা", "department": "dss",
    "effective_from": "2023-07-01", "effective_to": null,
    "criteria": [{"code": "age_below_minimum", "en": "Must be at least 62 (women), 65 (men) or 65 (hijra) years old", "bn": "বয়স কমপক্ষে ৬২ (নারী), ৬৫ (পুরুষ) বা ৬৫ (হিজড়া) বছর হতে হবে"}],
    "rates": [{"fiscal_year": "2025-26", "level": null, "monthly_taka": 650}],
    "payment_frequency": "quarterly", "duration_months": null, "exclusivity_group": "government_allowance",
    "pay_until_age": null
}))]
pub struct ProgrammeView {
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub code: String,
    pub name_en: String,
    pub name_bn: String,
    pub department: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    /// Every criterion, all of which must hold.
    pub criteria: Vec<CriterionView>,
    pub rates: Vec<RateView>,
    /// `monthly`, `quarterly`, or `instalments_of_N_months`.
    pub payment_frequency: String,
    pub duration_months: Option<u32>,
    pub exclusivity_group: Option<String>,
    /// Payment ends at this age whatever the age at enrolment (capitation: 18).
    pub pay_until_age: Option<u32>,
}

fn programme_view(p: ProgrammeVersion) -> ProgrammeView {
    ProgrammeView {
        criteria: p
            .criteria
            .iter()
            .map(|c| {
                let (code, en, bn, _) = describe(c);
                CriterionView { code: code.into(), en, bn }
            })
            .collect(),
        rates: p
            .rates
            .iter()
            .map(|r| RateView {
                fiscal_year: r.fiscal_year.to_string(),
                level: r.level.map(|l| l.code().into()),
                monthly_taka: r.monthly_taka,
            })
            .collect(),
        payment_frequency: match p.payment_frequency {
            PaymentFrequency::Monthly => "monthly".into(),
            PaymentFrequency::Quarterly => "quarterly".into(),
            PaymentFrequency::Instalments { months } => format!("instalments_of_{months}_months"),
        },
        code: p.code,
        name_en: p.name_en,
        name_bn: p.name_bn,
        department: p.department,
        effective_from: p.effective_from,
        effective_to: p.effective_to,
        duration_months: p.duration_months,
        exclusivity_group: p.exclusivity_group,
        pay_until_age: p.pay_until_age,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"as_of": "2026-01-15", "data": [{"code": "old_age", "name_en": "Old age allowance", "name_bn": "বয়স্ক ভাতা",
    "department": "dss", "effective_from": "2023-07-01", "effective_to": null, "criteria": [], "rates": [{"fiscal_year": "2025-26", "level": null, "monthly_taka": 650}],
    "payment_frequency": "quarterly", "duration_months": null, "exclusivity_group": "government_allowance", "pay_until_age": null}]}))]
pub struct ProgrammeList {
    pub as_of: NaiveDate,
    pub data: Vec<ProgrammeView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    /// The programmes in force on this date (default today, Asia/Dhaka).
    pub as_of: Option<NaiveDate>,
}

/// The allowance programmes in force, with their criteria (English and Bangla) and rates.
#[utoipa::path(operation_id = "list_programmes", tag = "allowances",
    params(ProgrammeQuery),
    responses(
        (status = 200, description = "Programmes in force", body = ProgrammeList),
        (status = 400, description = "Bad date", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/programmes")]
pub async fn list_programmes(state: web::Data<AppState>, q: web::Query<ProgrammeQuery>) -> Result<HttpResponse, ApiError> {
    let as_of = q.as_of.unwrap_or_else(|| domain::time::dhaka_date(Utc::now()));
    let data = read(&state, move |conn| Ok(persistence::programmes::in_force(conn, as_of)?)).await?;
    Ok(HttpResponse::Ok().json(ProgrammeList { as_of, data: data.into_iter().map(programme_view).collect() }))
}

/// What is known about the applicant; leave out what is not known (criteria needing it then
/// answer "needs verification").
#[derive(Debug, Default, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "sex": "female", "date_of_birth": "1960-03-01", "annual_income_taka": 8000, "family_income_taka": 30000, "family_size": 4,
    "disability_registered": false, "enrolled": false, "education_level": null, "marital_status": "widowed", "separated_since": null,
    "communities": [], "insolvent": true, "government_pensioner": false, "receiving_programmes": [], "pregnant": false, "lactating": false, "landless": true,
    "orphan": false
}))]
pub struct FactsInput {
    #[schema(value_type = Option<crate::codes::SexCode>)]
    pub sex: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub annual_income_taka: Option<i64>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub family_income_taka: Option<i64>,
    #[validate(range(min = 1, max = 100))]
    #[schema(minimum = 1, maximum = 100)]
    pub family_size: Option<u32>,
    /// Registered in the DSS disability identification survey.
    pub disability_registered: Option<bool>,
    /// Enrolled in a recognised institution.
    pub enrolled: Option<bool>,
    /// `primary`, `secondary`, `higher_secondary` or `higher` (when enrolled).
    #[schema(value_type = Option<crate::codes::EducationLevelCode>)]
    pub education_level: Option<String>,
    /// `unmarried`, `married`, `widowed`, `divorced` or `separated`.
    #[schema(value_type = Option<crate::codes::MaritalStatusCode>)]
    pub marital_status: Option<String>,
    /// For `separated`: since when not living with the husband.
    pub separated_since: Option<NaiveDate>,
    /// `bede`, `backward` (empty list: neither).
    #[schema(value_type = Option<Vec<crate::codes::CommunityCode>>)]
    pub communities: Option<Vec<String>>,
    pub insolvent: Option<bool>,
    pub government_pensioner: Option<bool>,
    /// Codes of the programmes the person already receives (empty list: none).
    #[schema(value_type = Option<Vec<crate::codes::ProgrammeCode>>)]
    pub receiving_programmes: Option<Vec<String>>,
    pub pregnant: Option<bool>,
    pub lactating: Option<bool>,
    pub landless: Option<bool>,
    /// Has lost father, mother or both.
    pub orphan: Option<bool>,
}

/// Check eligibility for a person on record (`person_id`, whose sex and birth date are taken
/// from the record) and/or bare `facts` (which add to or override the record).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"person_id": null, "as_of": "2026-01-15", "programmes": ["old_age", "widow"],
    "facts": {"sex": "female", "date_of_birth": "1960-03-01", "annual_income_taka": 8000, "marital_status": "widowed", "government_pensioner": false, "receiving_programmes": []}}))]
pub struct EligibilityRequest {
    pub person_id: Option<Uuid>,
    #[validate(nested)]
    #[serde(default)]
    pub facts: FactsInput,
    /// Default today (Asia/Dhaka).
    pub as_of: Option<NaiveDate>,
    /// Only these programme codes (default: all in force).
    #[schema(value_type = Option<Vec<crate::codes::ProgrammeCode>>)]
    pub programmes: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "income_above_ceiling", "kind": "failed", "en": "Annual income must be at most Tk 10000", "bn": "বার্ষিক আয় সর্বোচ্চ ১০০০০ টাকা হতে পারে", "missing_facts": []}))]
pub struct ReasonView {
    pub code: String,
    /// `failed` or `missing_facts`.
    #[schema(value_type = crate::codes::ReasonKindCode)]
    pub kind: String,
    pub en: String,
    pub bn: String,
    pub missing_facts: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"programme": "old_age", "name_en": "Old age allowance", "name_bn": "বয়স্ক ভাতা", "verdict": "eligible",
    "verdict_label": {"en": "Eligible", "bn": "যোগ্য"}, "monthly_rate_taka": 650, "reasons": []}))]
pub struct ProgrammeResult {
    #[schema(value_type = crate::codes::ProgrammeCode)]
    pub programme: String,
    pub name_en: String,
    pub name_bn: String,
    /// `eligible`, `ineligible` or `needs_verification`.
    #[schema(value_type = crate::codes::VerdictCode)]
    pub verdict: String,
    pub verdict_label: LabelView,
    /// The monthly rate in force on `as_of` (for the education level, for stipends).
    pub monthly_rate_taka: Option<i64>,
    /// Every failed criterion and every fact to verify.
    pub reasons: Vec<ReasonView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"as_of": "2026-01-15", "fiscal_year": "2025-26", "priority_score": 76, "results": [{"programme": "old_age", "name_en": "Old age allowance",
    "name_bn": "বয়স্ক ভাতা", "verdict": "eligible", "verdict_label": {"en": "Eligible", "bn": "যোগ্য"}, "monthly_rate_taka": 650, "reasons": []}]}))]
pub struct EligibilityResponse {
    pub as_of: NaiveDate,
    pub fiscal_year: String,
    /// Waiting-list priority (older, disabled, landless, widowed, insolvent first).
    pub priority_score: u32,
    /// The disability register's record in force for the person on `as_of`, which the
    /// disability criteria read (for a check about a person on record).
    pub disability_record_id: Option<uuid::Uuid>,
    pub results: Vec<ProgrammeResult>,
}

/// What the records say about a person on `on` (dated reads: what was true that day): sex and
/// birth date from the person record, the family's income and size from their household that
/// day, the allowance groups received that day from the
/// beneficiary register (`enrolment::receiving_on`), disability from the identification
/// register's record in force that day (`disability::in_force_on`), whose id comes back too.
/// These override what a client claims; `apply_recorded` puts them back over declared facts.
pub(crate) fn recorded_facts(
    conn: &mut persistence::PgConnection,
    person: &persistence::persons::PersonRow,
    on: NaiveDate,
) -> Result<(Facts, Option<domain::id::DisabilityRecordId>), ApiError> {
    let received = persistence::enrolment::enrolments_of(conn, person.id)?
        .into_iter()
        .filter(|e| receiving_on(e.start_month, e.status, e.end_month, on))
        .filter_map(|e| e.exclusivity_group)
        .collect();
    let assessments = persistence::disability::recorded_of(conn, person.id)?;
    let disability = in_force_on(&assessments, |r| r.assessed_on, on).map(|r| r.id);
    let (family_income_taka, family_size) = household_facts(conn, person.id, on)?;
    let facts = Facts {
        sex: Some(person.sex),
        date_of_birth: Some(person.date_of_birth),
        allowance_groups_received: Some(received),
        disability_registered: Some(disability.is_some()),
        family_income_taka,
        family_size,
        ..Facts::default()
    };
    Ok((facts, disability))
}

/// The family facts of the household `person` lived in on `on` (`household::family_facts`):
/// its annual income from the monthly income recorded, and its size from the members that
/// day. `None` for someone in no household that day, or an income not recorded.
fn household_facts(
    conn: &mut persistence::PgConnection,
    person: domain::id::PersonId,
    on: NaiveDate,
) -> Result<(Option<i64>, Option<u32>), ApiError> {
    use persistence::households as repo;
    let Some(m) = repo::memberships_of(conn, person)?.into_iter().find(|m| m.membership().on(on)) else {
        return Ok((None, None));
    };
    let Some(h) = repo::find(conn, m.household_id)? else { return Ok((None, None)) };
    let members: Vec<_> = repo::members_of(conn, h.id)?.iter().map(|m| m.membership()).collect();
    Ok(domain::household::family_facts(h.monthly_income_taka, &members, on))
}

/// Puts what the records say back over what a client declared (a household's facts where one
/// is recorded).
pub(crate) fn apply_recorded(facts: &mut Facts, recorded: &Facts) {
    facts.sex = recorded.sex;
    facts.date_of_birth = recorded.date_of_birth;
    facts.allowance_groups_received = recorded.allowance_groups_received.clone();
    facts.disability_registered = recorded.disability_registered;
    if recorded.family_income_taka.is_some() {
        facts.family_income_taka = recorded.family_income_taka;
    }
    if recorded.family_size.is_some() {
        facts.family_size = recorded.family_size;
    }
}

/// Turns the input into facts, reporting every bad code.
pub(crate) fn facts_from(input: &FactsInput, programmes: &[ProgrammeVersion], mut facts: Facts) -> Result<Facts, ApiError> {
    let mut errors = Vec::new();
    macro_rules! code {
        ($field:literal, $value:expr, $parse:expr) => {
            match $value {
                None => None,
                Some(v) => match $parse(v.as_str()) {
                    Some(x) => Some(x),
                    None => {
                        errors.push(FieldError::coded($field, "unknown_code", format!("{v:?} is not a known code")));
                        None
                    }
                },
            }
        };
    }
    if let Some(s) = code!("facts.sex", &input.sex, Sex::parse) {
        facts.sex = Some(s);
    }
    if let Some(dob) = input.date_of_birth {
        domain::person::check_birth_date(dob, domain::time::dhaka_date(Utc::now()))?;
    }
    facts.date_of_birth = input.date_of_birth.or(facts.date_of_birth);
    facts.annual_income_taka = input.annual_income_taka.or(facts.annual_income_taka);
    facts.family_income_taka = input.family_income_taka.or(facts.family_income_taka);
    facts.family_size = input.family_size.or(facts.family_size);
    facts.disability_registered = input.disability_registered.or(facts.disability_registered);
    let level = code!("facts.education_level", &input.education_level, EducationLevel::parse);
    match input.enrolled {
        Some(false) => facts.enrolment = Some(None),
        Some(true) if level.is_some() => facts.enrolment = Some(level),
        Some(true) => {
            errors.push(FieldError::coded("facts.education_level", "required", "give the level of an enrolled student"))
        }
        None => {}
    }
    // What is given replaces what was known; what is left out is kept.
    if let Some(m) = code!("facts.marital_status", &input.marital_status, MaritalStatus::parse) {
        facts.marital_status = Some(m);
    }
    facts.separated_since = input.separated_since.or(facts.separated_since);
    if let Some(list) = &input.communities {
        let mut cs = Vec::new();
        for (i, c) in list.iter().enumerate() {
            match Community::parse(c) {
                Some(x) => cs.push(x),
                None => errors.push(FieldError::coded(
                    format!("facts.communities[{i}]"),
                    "unknown_code",
                    format!("{c:?} is not a known community"),
                )),
            }
        }
        facts.communities = Some(cs);
    }
    facts.insolvent = input.insolvent.or(facts.insolvent);
    facts.government_pensioner = input.government_pensioner.or(facts.government_pensioner);
    if let (Some(codes), None) = (&input.receiving_programmes, &facts.allowance_groups_received) {
        let mut groups = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            match programmes.iter().find(|p| &p.code == c) {
                Some(p) => groups.extend(p.exclusivity_group.clone()),
                None => errors.push(FieldError::new(
                    format!("facts.receiving_programmes[{i}]"),
                    format!("{c:?} is not a programme in force"),
                )),
            }
        }
        facts.allowance_groups_received = Some(groups);
    }
    facts.pregnant = input.pregnant.or(facts.pregnant);
    facts.lactating = input.lactating.or(facts.lactating);
    facts.landless = input.landless.or(facts.landless);
    facts.orphan = input.orphan.or(facts.orphan);
    if errors.is_empty() {
        Ok(facts)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Which programmes a person qualifies for, each with every reason in English and Bangla.
#[utoipa::path(operation_id = "check_eligibility", tag = "allowances",
    request_body = EligibilityRequest, security(("bearer" = [])),
    responses(
        (status = 200, description = "A verdict per programme", body = EligibilityResponse),
        (status = 422, description = "Invalid facts, unknown programme or person", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/eligibility/check")]
pub async fn check_eligibility(
    state: web::Data<AppState>,
    who: Principal,
    body: ApiJson<EligibilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let as_of = b.as_of.unwrap_or_else(|| domain::time::dhaka_date(Utc::now()));
    let response = transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        let actor = require(conn, &who, Permission::CheckEligibility, &own)?;
        let programmes = persistence::programmes::in_force(conn, as_of)?;
        let mut recorded = None;
        let mut disability_record_id = None;
        if let Some(pid) = b.person_id {
            require(conn, &who, Permission::ReadPersons, &own)?;
            let person = persistence::persons::find_visible(conn, actor.scope, who.user_id, domain::id::PersonId(pid))?
                .ok_or_else(|| ApiError::field_coded("person_id", "not_found", "no such person (or not one you may see)"))?;
            let (facts, disability) = recorded_facts(conn, &person, as_of)?;
            recorded = Some(facts);
            disability_record_id = disability.map(|d| d.0);
            persistence::audit::record_read(conn, &who.audit_actor(), "person", pid.to_string(), Some(&who.request_id))?;
        }
        let mut facts = facts_from(&b.facts, &programmes, recorded.clone().unwrap_or_default())?;
        if let Some(r) = &recorded {
            apply_recorded(&mut facts, r);
        }
        let wanted: Option<Vec<String>> = b.programmes.clone();
        if let Some(codes) = &wanted {
            let unknown: Vec<FieldError> = codes
                .iter()
                .enumerate()
                .filter(|(_, c)| !programmes.iter().any(|p| &p.code == *c))
                .map(|(i, c)| {
                    FieldError::coded(
                        format!("programmes[{i}]"),
                        "invalid",
                        format!("{c:?} is not a programme in force on that day"),
                    )
                })
                .collect();
            if !unknown.is_empty() {
                return Err(ApiError::Validation(unknown));
            }
        }
        let level = facts.enrolment.flatten();
        let results = programmes
            .iter()
            .filter(|p| wanted.as_ref().is_none_or(|w| w.contains(&p.code)))
            .map(|p| {
                let e = evaluate(&facts, p, as_of);
                ProgrammeResult {
                    programme: p.code.clone(),
                    name_en: p.name_en.clone(),
                    name_bn: p.name_bn.clone(),
                    verdict: e.verdict.code().into(),
                    verdict_label: e.verdict.label().into(),
                    monthly_rate_taka: p.monthly_rate(as_of, level).or_else(|| p.monthly_rate(as_of, None)),
                    reasons: e
                        .reasons(p)
                        .into_iter()
                        .map(|r| ReasonView {
                            code: r.code.into(),
                            kind: r.kind.into(),
                            en: r.en,
                            bn: r.bn,
                            missing_facts: r.missing_facts.into_iter().map(str::to_owned).collect(),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(EligibilityResponse {
            as_of,
            fiscal_year: FiscalYear::of(as_of).to_string(),
            priority_score: priority_score(&facts, as_of, &PriorityWeights::default()),
            disability_record_id,
            results,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(response))
}
