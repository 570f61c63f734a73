//! What a reader may see of a case, by type. Every field of [`Case`] (and of [`Placement`]) is
//! placed here by an exhaustive destructure, so a field added to either does not compile until
//! someone decides whether a reader without the sensitive permission may see it.

use chrono::NaiveDate;
use serde::Serialize;

use super::*;
use crate::id::{FacilityId, PartnerId, PersonId};

/// How much of a case the reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Everything.
    Full,
    /// Everything but where a safe-home resident lives and who the alleged perpetrators are.
    WithoutSensitive,
    /// Only the services this partner organisation gave.
    PartnerServices(PartnerId),
}

/// The case record as shown to one reader.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CaseRecord<'a> {
    Whole(Box<WholeRecord<'a>>),
    Services { services: Vec<&'a ServiceRecord> },
}

/// The record with each field as the reader may see it (the names are those of [`Case`]).
#[derive(Debug, Serialize)]
pub struct WholeRecord<'a> {
    kind: &'a CaseKind,
    status: &'a CaseStatus,
    opened_on: &'a NaiveDate,
    subject: &'a CaseSubject,
    court_order: &'a Option<CourtOrder>,
    release_order: &'a Option<CourtOrder>,
    placement: Option<PlacementRecord<'a>>,
    risk: &'a Option<RiskAssessment>,
    detailed_assessment: &'a Option<DetailedAssessment>,
    case_plan: &'a Option<CasePlan>,
    /// Empty without the sensitive permission.
    alleged_perpetrators: &'a [PersonId],
    services: &'a [ServiceRecord],
    referrals: &'a [Referral],
    conferences: &'a [CaseConference],
    consents: &'a [Consent],
    notes: &'a [Note],
    reintegration: &'a Option<Reintegration>,
    past_reintegrations: &'a [Reintegration],
    follow_ups: &'a [FollowUp],
    approvals: &'a [Approval],
    reopenings: &'a [Reopening],
    exit: &'a Option<Exit>,
    closed_on: &'a Option<NaiveDate>,
}

/// A placement, with the facility left out where the reader may not know where she lives.
#[derive(Debug, Serialize)]
pub struct PlacementRecord<'a> {
    facility_id: Option<FacilityId>,
    admitted_on: &'a NaiveDate,
    stay_until: &'a Option<NaiveDate>,
    health_check: &'a str,
    belongings: &'a [String],
    left_on: &'a Option<NaiveDate>,
}

impl Case {
    /// The record as `sight` lets a reader see it.
    pub fn record_for(&self, sight: Sight) -> CaseRecord<'_> {
        let sensitive = sight == Sight::Full;
        let Case {
            kind,
            status,
            opened_on,
            subject,
            court_order,
            release_order,
            placement,
            risk,
            detailed_assessment,
            case_plan,
            alleged_perpetrators,
            services,
            referrals,
            conferences,
            consents,
            notes,
            reintegration,
            past_reintegrations,
            follow_ups,
            approvals,
            reopenings,
            exit,
            closed_on,
        } = self;
        if let Sight::PartnerServices(partner) = sight {
            return CaseRecord::Services { services: services.iter().filter(|s| s.partner_id == Some(partner)).collect() };
        }
        let hide_location = *kind == CaseKind::SafeHome && !sensitive;
        CaseRecord::Whole(Box::new(WholeRecord {
            kind,
            status,
            opened_on,
            subject,
            court_order,
            release_order,
            placement: placement.as_ref().map(|p| {
                let Placement { facility_id, admitted_on, stay_until, health_check, belongings, left_on } = p;
                PlacementRecord {
                    facility_id: (!hide_location).then_some(*facility_id),
                    admitted_on,
                    stay_until,
                    health_check,
                    belongings,
                    left_on,
                }
            }),
            risk,
            detailed_assessment,
            case_plan,
            alleged_perpetrators: if sensitive { alleged_perpetrators } else { &[] },
            services,
            referrals,
            conferences,
            consents,
            notes,
            reintegration,
            past_reintegrations,
            follow_ups,
            approvals,
            reopenings,
            exit,
            closed_on,
        }))
    }
}
