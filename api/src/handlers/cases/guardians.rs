//! The guardians a reintegration may name, chosen from the person's household and recorded
//! relationships; and the relationship a reintegration records when the caller names none.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use domain::access::Permission;
use domain::case::guardians::{guardian_candidates, GuardianCandidate, KinTie, Kinsperson};
use domain::id::{CaseId, PersonId};
use persistence::cases;
use persistence::PgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{case_subject, load};
use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::transact;
use crate::views::LabelView;

/// The most relationships read for one person: a family, not a register.
const MOST_RELATIONSHIPS: i64 = 200;

/// The person's family as recorded: members of her current household and persons related to
/// her by a relationship in force, with what the rules read of each.
pub(crate) fn family_of(conn: &mut PgConnection, person: PersonId) -> Result<Vec<Kinsperson>, ApiError> {
    use persistence::households;
    let mut ties: Vec<(PersonId, KinTie)> = Vec::new();
    for m in households::memberships_of(conn, person)?.into_iter().filter(|m| m.left_on.is_none()) {
        for other in households::members_of(conn, m.household_id)?.into_iter().filter(|o| o.left_on.is_none()) {
            ties.push((other.person_id, KinTie::Household { relation_to_head: other.relation }));
        }
    }
    for r in households::relationships_of(conn, person, true, None, MOST_RELATIONSHIPS)?.rows {
        let (other, kin) =
            if r.person_id == person { (r.related_person_id, r.kind.as_kin()) } else { (r.person_id, r.kind.inverse()) };
        ties.push((other, KinTie::Relationship { kin }));
    }
    let mut family = Vec::with_capacity(ties.len());
    for (id, tie) in ties.into_iter().filter(|(id, _)| *id != person) {
        let p = persistence::persons::find(conn, id)?.ok_or_else(|| ApiError::internal("a family member's record is missing"))?;
        family.push(Kinsperson {
            person_id: id,
            tie,
            has_identifier: p.nid.is_some() || p.birth_registration_number.is_some(),
            date_of_birth: Some(p.date_of_birth),
        });
    }
    Ok(family)
}

/// How a candidate is related: by a recorded relationship (`mother`, `guardian`, ...) or as a
/// member of the person's household (with the member's relation to its head).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"source": "household", "code": "spouse", "label": {"en": "Spouse", "bn": "স্বামী/স্ত্রী"}}))]
pub struct KinTieView {
    /// `relationship` or `household`.
    #[schema(value_type = crate::codes::KinSourceCode)]
    pub source: &'static str,
    /// The relationship seen from the person (`mother`), or the member's relation to the head.
    pub code: &'static str,
    pub label: LabelView,
}

/// Why a candidate may not be the guardian: the reintegration rule that would refuse them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rule": "reintegration.guardian_identified",
    "title": {"en": "The guardian must be identified (ID and relationship)", "bn": "অভিভাবককে শনাক্ত করতে হবে (পরিচয়পত্র ও সম্পর্ক)"}}))]
pub struct CandidateRefusalView {
    /// `reintegration.guardian_not_perpetrator` or `reintegration.guardian_identified`.
    pub rule: &'static str,
    pub title: LabelView,
}

/// A person who could take the case's person home.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"person_id": "01936f5e-0000-7000-8000-0000000000a2", "name_en": "Rokeya Begum", "name_bn": "রোকেয়া বেগম",
    "date_of_birth": "1985-03-01", "has_identifier": true,
    "ties": [{"source": "relationship", "code": "mother", "label": {"en": "Mother", "bn": "মা"}}],
    "may_be_guardian": true, "refused_by": null}))]
pub struct GuardianCandidateView {
    pub person_id: Uuid,
    pub name_en: Option<String>,
    pub name_bn: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// A national ID or birth registration number on record (the guardian must be identified).
    pub has_identifier: bool,
    /// Closest first.
    pub ties: Vec<KinTieView>,
    pub may_be_guardian: bool,
    pub refused_by: Option<CandidateRefusalView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"person_id": "01936f5e-0000-7000-8000-0000000000a2", "name_en": "Rokeya Begum",
    "name_bn": "রোকেয়া বেগম", "date_of_birth": "1985-03-01", "has_identifier": true,
    "ties": [{"source": "relationship", "code": "mother", "label": {"en": "Mother", "bn": "মা"}}],
    "may_be_guardian": true, "refused_by": null}]}))]
pub struct GuardianCandidateList {
    /// Carers first, then other relatives, then household members; each person once.
    pub data: Vec<GuardianCandidateView>,
}

fn tie_view(t: &KinTie) -> KinTieView {
    match *t {
        KinTie::Relationship { kin } => KinTieView { source: "relationship", code: kin.code(), label: kin.label().into() },
        KinTie::Household { relation_to_head } => {
            KinTieView { source: "household", code: relation_to_head.code(), label: relation_to_head.label().into() }
        }
    }
}

fn candidate_view(conn: &mut PgConnection, c: &GuardianCandidate) -> Result<GuardianCandidateView, ApiError> {
    let p =
        persistence::persons::find(conn, c.person_id)?.ok_or_else(|| ApiError::internal("a candidate's record is missing"))?;
    Ok(GuardianCandidateView {
        person_id: c.person_id.0,
        name_en: p.name_en,
        name_bn: p.name_bn,
        date_of_birth: c.date_of_birth,
        has_identifier: c.has_identifier,
        ties: c.ties.iter().map(tie_view).collect(),
        may_be_guardian: c.refusal.is_none(),
        refused_by: c.refusal.as_ref().map(|r| CandidateRefusalView { rule: r.rule(), title: r.label().into() }),
    })
}

/// The persons who could take the case's person home at reintegration, from her household and
/// recorded relationships, each with the rule that would refuse them (a recorded alleged
/// perpetrator, a guardian without an identifier). For those who may work the case; the read
/// is recorded in the audit trail with the persons it returned.
#[utoipa::path(tag = "cases",
    params(("case_id" = Uuid, Path, description = "The case id")), security(("bearer" = [])),
    responses(
        (status = 200, description = "The candidates", body = GuardianCandidateList),
        (status = 403, description = "Not allowed to work this case", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/cases/{case_id}/guardian-candidates")]
pub async fn list_guardian_candidates(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<CaseId>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let list = transact(&state, move |conn| {
        let row = cases::find(conn, id)?.ok_or(ApiError::NotFound("case"))?;
        let subject = case_subject(conn, &row)?;
        require(conn, &who, Permission::WriteCases, &subject)?;
        let case = load(&row)?;
        let person = case.subject.person_id;
        let candidates = guardian_candidates(person, &case.alleged_perpetrators, family_of(conn, person)?);
        let returned = candidates.iter().map(|c| c.person_id.to_string()).collect();
        persistence::audit::record_list(
            conn,
            &who.audit_actor(),
            "person",
            serde_json::json!({"guardian_candidates_for_case": id}),
            returned,
            Some(&who.request_id),
        )?;
        let data = candidates.iter().map(|c| candidate_view(conn, c)).collect::<Result<_, _>>()?;
        Ok(GuardianCandidateList { data })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}
