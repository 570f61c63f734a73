use chrono::NaiveDate;
use proptest::prelude::*;

use uuid::Uuid;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const TODAY: (i32, u32, u32) = (2026, 11, 23);

fn today() -> NaiveDate {
    d(TODAY.0, TODAY.1, TODAY.2)
}

fn settings() -> &'static CaseSettings {
    static S: std::sync::OnceLock<CaseSettings> = std::sync::OnceLock::new();
    S.get_or_init(CaseSettings::default)
}

fn ctx(actor: u128) -> Ctx<'static> {
    Ctx { today: today(), actor: Uuid::from_u128(actor).into(), settings: settings() }
}

const WORKER: u128 = 1;
const SUPERVISOR: u128 = 2;

fn subject(dob: NaiveDate, sex: Sex, foreign: bool) -> CaseSubject {
    CaseSubject { person_id: Uuid::from_u128(100).into(), sex, date_of_birth: dob, foreign_national: foreign }
}

fn facility(capacity: u32, occupied: u32, limit: Option<u32>) -> FacilityFacts {
    FacilityFacts { facility_id: Uuid::from_u128(900).into(), capacity, occupied, stay_limit_months: limit }
}

fn guardian(id: u128) -> Guardian {
    Guardian { person_id: Uuid::from_u128(id).into(), relationship: "mother".into(), has_identifier: true }
}

fn order(day: NaiveDate) -> CourtOrder {
    CourtOrder {
        court: "Nari o Shishu Nirjatan Daman Tribunal-2, Dhaka".into(),
        order_number: "231/2026".into(),
        order_date: day,
    }
}

fn run(case: &mut Case, actor: u128, cmd: Command) -> Vec<Happening> {
    case.handle(&cmd, &ctx(actor)).unwrap_or_else(|e| panic!("{} refused: {e:?}", cmd.name()))
}

fn refused(case: &mut Case, actor: u128, cmd: Command) -> Refusal {
    let before = case.clone();
    let e = case.handle(&cmd, &ctx(actor)).expect_err(cmd.name());
    assert_eq!(*case, before, "a refused command changes nothing");
    e
}

fn service(kind: ServiceType, on: NaiveDate) -> Command {
    Command::RecordService {
        service: kind,
        given_on: on,
        provider: "MJF".into(),
        partner_id: None,
        description: String::new(),
        item: None,
        value_taka: None,
        immediate_support_reason: None,
        directory_entry_id: None,
    }
}

/// A service given before the case plan is approved, with its reason.
fn immediate(kind: ServiceType, on: NaiveDate, reason: &str) -> Command {
    match service(kind, on) {
        Command::RecordService { service, given_on, provider, partner_id, description, item, value_taka, .. } => {
            Command::RecordService {
                service,
                given_on,
                provider,
                partner_id,
                description,
                item,
                value_taka,
                immediate_support_reason: Some(reason.into()),
                directory_entry_id: None,
            }
        }
        other => other,
    }
}

fn safe_home_in_care(foreign: bool) -> Case {
    let mut c = Case::open_safe_home(subject(d(2000, 5, 1), Sex::Female, foreign), order(d(2026, 3, 1)), today()).unwrap();
    run(
        &mut c,
        WORKER,
        Command::Admit {
            facility: facility(50, 10, None),
            admitted_on: d(2026, 3, 2),
            health_check: "ok".into(),
            belongings: vec!["bag".into()],
        },
    );
    run(&mut c, WORKER, service(ServiceType::LegalAid, d(2026, 3, 5)));
    c
}

fn approve_last(c: &mut Case) {
    let no = c.approvals.last().unwrap().no;
    run(c, SUPERVISOR, Command::DecideApproval { no, approve: true, comment: None, decided_on: None });
}

fn child_in_service() -> Case {
    let mut c = Case::open_child_protection(subject(d(2014, 1, 10), Sex::Male, false), d(2026, 6, 1), today()).unwrap();
    run(
        &mut c,
        WORKER,
        Command::RecordRiskAssessment {
            assessment: RiskAssessment {
                level: RiskLevel::High,
                categories: vec![RiskCategory::StreetChild],
                assessed_on: d(2026, 6, 2),
                summary: "sleeps at the station".into(),
            },
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordDetailedAssessment {
            assessment: DetailedAssessment { assessed_on: d(2026, 6, 5), summary: "family traced".into() },
        },
    );
    run(
        &mut c,
        WORKER,
        Command::SubmitCasePlan {
            goals: vec!["return to family".into()],
            interventions: vec![Intervention {
                description: "enrol in school".into(),
                provider: "SRTRCCR".into(),
                due_on: d(2026, 8, 1),
            }],
            drawn_up_on: None,
        },
    );
    approve_last(&mut c);
    c
}

fn ready_family_reintegration(c: &mut Case) {
    run(
        c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(200)),
            support_items: vec![],
            started_on: d(2026, 9, 1),
        },
    );
    run(
        c,
        WORKER,
        Command::RecordGuardianAssessment {
            assessment: GuardianAssessment { outcome: AssessmentOutcome::Safe, assessed_on: d(2026, 9, 2), notes: String::new() },
        },
    );
    run(c, WORKER, Command::RecordChildViews { views: "wants to go home".into() });
    run(
        c,
        WORKER,
        Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "mother".into(), given_on: d(2026, 9, 2) },
    );
}

#[test]
fn safe_home_resident_released_to_a_verified_guardian_then_followed_up_and_closed() {
    let mut c = safe_home_in_care(false);
    assert_eq!(c.status, CaseStatus::InCare);
    assert_eq!(c.in_residence(), Some(Uuid::from_u128(900).into()));
    run(&mut c, WORKER, service(ServiceType::SafeDelivery, d(2026, 4, 1)));
    run(&mut c, WORKER, service(ServiceType::PublicExamination, d(2026, 5, 1)));
    run(&mut c, WORKER, Command::RecordReleaseOrder { order: order(d(2026, 9, 1)) });
    run(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(200)),
            support_items: vec![SupportItem { item: "sewing machine".into(), value_taka: 12_000 }],
            started_on: d(2026, 9, 2),
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordGuardianAssessment {
            assessment: GuardianAssessment { outcome: AssessmentOutcome::Safe, assessed_on: d(2026, 9, 3), notes: String::new() },
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "resident".into(), given_on: d(2026, 9, 3) },
    );
    let h = run(&mut c, WORKER, Command::CompleteReintegration { completed_on: d(2026, 9, 5) });
    assert!(
        h.contains(&Happening::FollowUpsScheduled { due: vec![d(2026, 10, 5), d(2026, 12, 5), d(2027, 3, 5), d(2027, 9, 5)] })
    );
    assert_eq!(c.status, CaseStatus::FollowUp);
    assert_eq!(c.in_residence(), None, "she left the home");
    run(
        &mut c,
        WORKER,
        Command::RecordFollowUp {
            no: 1,
            done_on: d(2026, 10, 6),
            risk_found: false,
            notes: "well".into(),
            intervention_plan: None,
        },
    );
    assert_eq!(refused(&mut c, WORKER, Command::RequestClosure { reason: String::new() }), Refusal::FollowUpsPending);
    run(&mut c, WORKER, Command::RequestClosure { reason: "moved abroad with family; further follow-ups impossible".into() });
    assert_eq!(
        refused(&mut c, WORKER, Command::DecideApproval { no: 1, approve: true, comment: None, decided_on: None }),
        Refusal::SelfApproval
    );
    approve_last(&mut c);
    assert_eq!(c.status, CaseStatus::Closed);
    assert_eq!(c.pending_follow_ups().count(), 0);
}

#[test]
fn release_needs_the_court_release_order() {
    let mut c = safe_home_in_care(false);
    let e = refused(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(200)),
            support_items: vec![],
            started_on: d(2026, 9, 1),
        },
    );
    assert!(matches!(e, Refusal::StepNotAllowed { .. }), "{e:?}");
    // Even with the stage forced, the named rule refuses.
    c.status = CaseStatus::Reintegration;
    c.reintegration = Some(Reintegration {
        destination: Destination::Institution,
        guardian: None,
        support_items: vec![],
        started_on: d(2026, 9, 1),
        guardian_assessment: None,
        child_views: None,
        repatriation_clearance: None,
        completed_on: None,
    });
    assert_eq!(c.check_reintegration(d(2026, 9, 2)), Err(Refusal::ReleaseOrderMissing));
}

#[test]
fn a_recorded_alleged_perpetrator_is_never_the_guardian() {
    let mut c = safe_home_in_care(false);
    run(&mut c, WORKER, Command::RecordAllegedPerpetrator { person_id: Uuid::from_u128(200).into() });
    run(&mut c, WORKER, Command::RecordReleaseOrder { order: order(d(2026, 9, 1)) });
    let e = refused(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(200)),
            support_items: vec![],
            started_on: d(2026, 9, 2),
        },
    );
    assert_eq!(e, Refusal::GuardianIsAllegedPerpetrator);
    assert_eq!(e.rule(), "reintegration.guardian_not_perpetrator");
    // Recorded after the reintegration started: completion still refuses.
    run(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(201)),
            support_items: vec![],
            started_on: d(2026, 9, 2),
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordGuardianAssessment {
            assessment: GuardianAssessment { outcome: AssessmentOutcome::Safe, assessed_on: d(2026, 9, 3), notes: String::new() },
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "resident".into(), given_on: d(2026, 9, 3) },
    );
    run(&mut c, WORKER, Command::RecordAllegedPerpetrator { person_id: Uuid::from_u128(201).into() });
    assert_eq!(
        refused(&mut c, WORKER, Command::CompleteReintegration { completed_on: d(2026, 9, 5) }),
        Refusal::GuardianIsAllegedPerpetrator
    );
}

#[test]
fn each_reintegration_rule_refuses_on_its_own() {
    let mut c = safe_home_in_care(false);
    run(&mut c, WORKER, Command::RecordReleaseOrder { order: order(d(2026, 9, 1)) });
    let no_id = Guardian { has_identifier: false, ..guardian(200) };
    run(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(no_id),
            support_items: vec![],
            started_on: d(2026, 9, 2),
        },
    );
    let complete = Command::CompleteReintegration { completed_on: d(2026, 9, 5) };
    assert_eq!(refused(&mut c, WORKER, complete.clone()), Refusal::GuardianNotIdentified);
    c.reintegration.as_mut().unwrap().guardian = Some(guardian(200));
    assert_eq!(refused(&mut c, WORKER, complete.clone()), Refusal::GuardianNotAssessedSafe);
    run(
        &mut c,
        WORKER,
        Command::RecordGuardianAssessment {
            assessment: GuardianAssessment {
                outcome: AssessmentOutcome::Unsafe,
                assessed_on: d(2026, 9, 3),
                notes: String::new(),
            },
        },
    );
    assert_eq!(refused(&mut c, WORKER, complete.clone()), Refusal::GuardianNotAssessedSafe);
    run(
        &mut c,
        WORKER,
        Command::RecordGuardianAssessment {
            assessment: GuardianAssessment { outcome: AssessmentOutcome::Safe, assessed_on: d(2026, 9, 4), notes: String::new() },
        },
    );
    assert_eq!(refused(&mut c, WORKER, complete.clone()), Refusal::ConsentMissing(ConsentPurpose::Reintegration));
    run(
        &mut c,
        WORKER,
        Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "resident".into(), given_on: d(2026, 9, 4) },
    );
    run(&mut c, WORKER, complete);
}

#[test]
fn a_foreign_national_is_repatriated_only_after_clearance() {
    let mut c = safe_home_in_care(true);
    run(&mut c, WORKER, Command::RecordReleaseOrder { order: order(d(2026, 9, 1)) });
    run(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Repatriation,
            guardian: None,
            support_items: vec![],
            started_on: d(2026, 9, 2),
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "resident".into(), given_on: d(2026, 9, 3) },
    );
    let complete = Command::CompleteReintegration { completed_on: d(2026, 9, 20) };
    assert_eq!(refused(&mut c, WORKER, complete.clone()), Refusal::RepatriationClearanceMissing);
    run(
        &mut c,
        WORKER,
        Command::RecordRepatriationClearance {
            clearance: RepatriationClearance { reference: "MoHA/NP/17".into(), cleared_on: d(2026, 9, 15) },
        },
    );
    run(&mut c, WORKER, complete);
    assert_eq!(c.status, CaseStatus::FollowUp);
}

#[test]
fn a_street_child_through_every_step_then_re_opened_by_a_follow_up() {
    let mut c = child_in_service();
    assert_eq!(c.status, CaseStatus::InService);
    run(
        &mut c,
        WORKER,
        Command::RecordConsent {
            purpose: ConsentPurpose::Referral,
            given_by: "child and mother".into(),
            given_on: d(2026, 7, 1),
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordReferral {
            service: ServiceType::Health,
            to_organisation: "Upazila Health Complex".into(),
            referred_on: d(2026, 7, 2),
            directory_entry_id: None,
        },
    );
    run(&mut c, WORKER, Command::UpdateReferral { no: 1, status: ReferralStatus::Accepted });
    assert_eq!(
        refused(&mut c, WORKER, Command::UpdateReferral { no: 1, status: ReferralStatus::Made }),
        Refusal::ReferralTransition
    );
    run(
        &mut c,
        WORKER,
        Command::RecordConference {
            held_on: d(2026, 7, 15),
            participants: vec!["caseworker".into(), "UNO".into()],
            decisions: vec!["trace family".into()],
        },
    );
    ready_family_reintegration(&mut c);
    run(&mut c, WORKER, Command::CompleteReintegration { completed_on: d(2026, 9, 10) });
    assert_eq!(c.status, CaseStatus::FollowUp);
    assert_eq!(
        refused(
            &mut c,
            WORKER,
            Command::RecordFollowUp {
                no: 1,
                done_on: d(2026, 10, 10),
                risk_found: true,
                notes: String::new(),
                intervention_plan: None
            }
        ),
        Refusal::InterventionPlanRequired
    );
    let h = run(
        &mut c,
        WORKER,
        Command::RecordFollowUp {
            no: 1,
            done_on: d(2026, 10, 10),
            risk_found: true,
            notes: "back at the station".into(),
            intervention_plan: Some("shelter and counselling".into()),
        },
    );
    assert!(h.contains(&Happening::Reopened));
    assert_eq!(c.status, CaseStatus::InService);
    assert_eq!(c.pending_follow_ups().count(), 0, "old follow-ups were cancelled");
    assert_eq!(c.past_reintegrations.len(), 1);
    assert!(rules::in_service_was_approved(&c));
}

#[test]
fn steps_cannot_be_skipped_except_by_approved_emergency_placement() {
    let mut c = Case::open_child_protection(subject(d(2015, 1, 1), Sex::Female, false), d(2026, 11, 1), today()).unwrap();
    let e =
        refused(&mut c, WORKER, Command::SubmitCasePlan { goals: vec!["x".into()], interventions: vec![], drawn_up_on: None });
    assert_eq!(e, Refusal::StepNotAllowed { action: "submit_case_plan", status: CaseStatus::Intake });
    assert_eq!(
        refused(
            &mut c,
            WORKER,
            Command::RecordDetailedAssessment {
                assessment: DetailedAssessment { assessed_on: d(2026, 11, 2), summary: String::new() }
            }
        )
        .rule(),
        "case.step_order"
    );
    assert_eq!(
        refused(&mut c, WORKER, Command::RequestEmergencyPlacement { justification: "  ".into() }),
        Refusal::JustificationRequired
    );
    run(&mut c, WORKER, Command::RequestEmergencyPlacement { justification: "found injured at night".into() });
    assert_eq!(
        refused(&mut c, WORKER, Command::RequestEmergencyPlacement { justification: "again".into() }),
        Refusal::ApprovalAlreadyPending(ApprovalKind::EmergencyPlacement)
    );
    assert_eq!(c.status, CaseStatus::Intake, "nothing skipped until a supervisor approves");
    approve_last(&mut c);
    assert_eq!(c.status, CaseStatus::InService);
    run(&mut c, WORKER, Command::PlaceInFacility { facility: facility(100, 99, Some(6)), placed_on: d(2026, 11, 2) });
    assert_eq!(c.placement.as_ref().unwrap().stay_until, Some(d(2027, 5, 1)));
}

#[test]
fn a_rejected_case_plan_can_be_resubmitted() {
    let mut c = Case::open_child_protection(subject(d(2012, 1, 1), Sex::Male, false), d(2026, 6, 1), today()).unwrap();
    run(
        &mut c,
        WORKER,
        Command::RecordRiskAssessment {
            assessment: RiskAssessment {
                level: RiskLevel::Low,
                categories: vec![RiskCategory::Neglected],
                assessed_on: d(2026, 6, 1),
                summary: String::new(),
            },
        },
    );
    run(
        &mut c,
        WORKER,
        Command::RecordDetailedAssessment {
            assessment: DetailedAssessment { assessed_on: d(2026, 6, 2), summary: String::new() },
        },
    );
    run(&mut c, WORKER, Command::SubmitCasePlan { goals: vec!["a".into()], interventions: vec![], drawn_up_on: None });
    run(
        &mut c,
        SUPERVISOR,
        Command::DecideApproval { no: 1, approve: false, comment: Some("add school enrolment".into()), decided_on: None },
    );
    assert_eq!(c.status, CaseStatus::CasePlan);
    assert_eq!(
        refused(&mut c, SUPERVISOR, Command::DecideApproval { no: 1, approve: true, comment: None, decided_on: None }),
        Refusal::ApprovalNotPending
    );
    run(
        &mut c,
        WORKER,
        Command::SubmitCasePlan { goals: vec!["a".into(), "school".into()], interventions: vec![], drawn_up_on: None },
    );
    assert_eq!(c.case_plan.as_ref().unwrap().approval_no, 2);
    approve_last(&mut c);
    assert_eq!(c.status, CaseStatus::InService);
}

#[test]
fn child_means_under_18_at_intake_and_ageing_out_needs_18() {
    let s = subject(d(2008, 11, 24), Sex::Female, false);
    assert!(Case::open_child_protection(s.clone(), d(2026, 11, 23), today()).is_ok());
    assert_eq!(
        Case::open_child_protection(subject(d(2008, 11, 23), Sex::Female, false), d(2026, 11, 23), today()),
        Err(Refusal::NotAChildAtIntake)
    );
    assert_eq!(Case::open_child_protection(s.clone(), d(2026, 11, 24), today()), Err(Refusal::DateInFuture));
    let mut c = Case::open_child_protection(s, d(2026, 11, 1), today()).unwrap();
    assert_eq!(c.ages_out_on(), Some(d(2026, 11, 24)));
    let exit = |on| Command::Exit { exit: Exit { reason: ExitReason::AgedOut, on, details: String::new(), court_report: None } };
    assert_eq!(refused(&mut c, WORKER, exit(d(2026, 11, 23))), Refusal::NotYetEighteen);
}

#[test]
fn capacity_by_sex_is_enforced_at_admission() {
    let mut c = Case::open_safe_home(subject(d(2001, 1, 1), Sex::Female, false), order(d(2026, 3, 1)), today()).unwrap();
    let admit = |f| Command::Admit { facility: f, admitted_on: d(2026, 3, 2), health_check: String::new(), belongings: vec![] };
    assert_eq!(refused(&mut c, WORKER, admit(facility(100, 100, None))), Refusal::CapacityFull(Sex::Female));
    assert_eq!(refused(&mut c, WORKER, admit(facility(0, 0, None))), Refusal::FacilityDoesNotAdmit(Sex::Female));
    run(&mut c, WORKER, admit(facility(100, 99, None)));
}

#[test]
fn the_stay_limit_needs_an_approved_extension() {
    let mut c = child_in_service();
    run(&mut c, WORKER, Command::PlaceInFacility { facility: facility(100, 0, Some(6)), placed_on: d(2026, 6, 1) });
    let until = c.placement.as_ref().unwrap().stay_until.unwrap();
    assert_eq!(until, d(2026, 11, 30));
    assert_eq!(c.stay_limit_near(today(), 14), Some(until));
    c.placement.as_mut().unwrap().stay_until = Some(d(2026, 11, 20)); // the limit has passed
    assert_eq!(refused(&mut c, WORKER, service(ServiceType::Education, today())), Refusal::StayLimitPassed);
    assert_eq!(
        refused(&mut c, WORKER, Command::RequestStayExtension { until: d(2027, 2, 20), justification: String::new() }),
        Refusal::JustificationRequired
    );
    assert_eq!(
        refused(&mut c, WORKER, Command::RequestStayExtension { until: d(2026, 11, 1), justification: "x".into() }),
        Refusal::ExtensionNotLater
    );
    run(
        &mut c,
        WORKER,
        Command::RequestStayExtension { until: d(2027, 2, 20), justification: "family tracing in progress".into() },
    );
    approve_last(&mut c);
    run(&mut c, WORKER, service(ServiceType::Education, today()));
}

#[test]
fn safe_home_exits_need_a_court_report() {
    let mut c = safe_home_in_care(false);
    let exit = |report: Option<&str>| Command::Exit {
        exit: Exit {
            reason: ExitReason::Absconded,
            on: d(2026, 6, 1),
            details: "left at night".into(),
            court_report: report.map(str::to_owned),
        },
    };
    assert_eq!(refused(&mut c, WORKER, exit(None)), Refusal::CourtReportRequired);
    run(&mut c, WORKER, exit(Some("letter 45/2026 to the tribunal")));
    assert_eq!(c.status, CaseStatus::Absconded);
    assert_eq!(c.in_residence(), None);
    assert_eq!(refused(&mut c, WORKER, service(ServiceType::Health, d(2026, 6, 2))), Refusal::CaseEnded);
}

#[test]
fn consent_is_checked_before_referral_and_dates_are_checked() {
    let mut c = child_in_service();
    let refer = Command::RecordReferral {
        service: ServiceType::Health,
        to_organisation: "clinic".into(),
        referred_on: d(2026, 7, 1),
        directory_entry_id: None,
    };
    assert_eq!(refused(&mut c, WORKER, refer), Refusal::ConsentMissing(ConsentPurpose::Referral));
    assert_eq!(refused(&mut c, WORKER, service(ServiceType::Health, d(2027, 1, 1))), Refusal::DateInFuture);
    assert_eq!(refused(&mut c, WORKER, service(ServiceType::Health, d(2020, 1, 1))), Refusal::DateBeforeCase);
    assert_eq!(refused(&mut c, WORKER, service(ServiceType::Health, d(2014, 1, 9))), Refusal::DateBeforeBirth);
}

#[test]
fn a_services_value_keeps_to_its_bounds() {
    let mut c = child_in_service();
    let valued = |v: i64| match service(ServiceType::Health, d(2026, 7, 1)) {
        Command::RecordService {
            service, given_on, provider, partner_id, description, item, immediate_support_reason, ..
        } => Command::RecordService {
            service,
            given_on,
            provider,
            partner_id,
            description,
            item,
            value_taka: Some(v),
            immediate_support_reason,
            directory_entry_id: None,
        },
        other => other,
    };
    assert_eq!(refused(&mut c, WORKER, valued(-1)), Refusal::SupportValueOutOfBounds);
    assert_eq!(refused(&mut c, WORKER, valued(100_000_001)), Refusal::SupportValueOutOfBounds);
    assert_eq!(Refusal::SupportValueOutOfBounds.rule(), "case.support_value");
    run(&mut c, WORKER, valued(100_000_000));
    run(&mut c, WORKER, valued(0));
}

#[test]
fn nothing_in_a_case_is_dated_before_the_subjects_birth() {
    let born = d(2014, 1, 10);
    let s = subject(born, Sex::Male, false);
    let intake = |on| Case::open_child_protection(s.clone(), on, today()).map(|_| ()).map_err(|r| r.rule());
    assert_eq!(intake(d(2014, 1, 9)), Err("case.before_birth"), "the day before the birth");
    assert_eq!(intake(born), Ok(()), "the day of it");
    assert_eq!(intake(d(2014, 1, 11)), Ok(()));
    assert_eq!(Refusal::DateBeforeBirth.class(), crate::rule::RuleClass::Invalid);
}

#[test]
fn independent_living_is_for_adults() {
    let mut c = child_in_service();
    let e = refused(
        &mut c,
        WORKER,
        Command::StartReintegration {
            destination: Destination::IndependentLiving,
            guardian: None,
            support_items: vec![],
            started_on: d(2026, 9, 1),
        },
    );
    assert_eq!(e, Refusal::IndependentLivingForAdultsOnly);
}

// ---- property tests: random command sequences never break an invariant ----

fn any_command() -> impl Strategy<Value = (u128, Command)> {
    let day = (0i64..200).prop_map(|n| d(2026, 5, 1) + chrono::Duration::days(n));
    let actor = prop_oneof![Just(WORKER), Just(SUPERVISOR)];
    let cmd = prop_oneof![
        6 => (1u32..4, 0u32..4, proptest::option::of(1u32..8), day.clone()).prop_map(|(cap, occ, lim, on)| Command::Admit {
            facility: facility(cap, occ, lim),
            admitted_on: on,
            health_check: String::new(),
            belongings: vec![]
        }),
        6 => day.clone().prop_map(|on| Command::PlaceInFacility { facility: facility(3, 1, Some(6)), placed_on: on }),
        6 => day.clone().prop_map(|on| Command::RecordReleaseOrder { order: order(on) }),
        6 => day.clone().prop_map(|on| Command::RecordRiskAssessment {
            assessment: RiskAssessment { level: RiskLevel::High, categories: vec![RiskCategory::Abuse], assessed_on: on, summary: String::new() }
        }),
        6 => day.clone().prop_map(|on| Command::RecordDetailedAssessment { assessment: DetailedAssessment { assessed_on: on, summary: String::new() } }),
        6 => Just(Command::SubmitCasePlan { goals: vec!["g".into()], interventions: vec![], drawn_up_on: None }),
        6 => Just(Command::RequestEmergencyPlacement { justification: "urgent".into() }),
        6 => day.clone().prop_map(|on| service(ServiceType::Counselling, on)),
        6 => (prop_oneof![Just(ServiceType::FinancialSupport), Just(ServiceType::SkillsTraining)], day.clone(),
               prop_oneof![Just(""), Just("no food at home")])
            .prop_map(|(kind, on, reason)| immediate(kind, on, reason)),
        6 => (200u128..203).prop_map(|p| Command::RecordAllegedPerpetrator { person_id: Uuid::from_u128(p).into() }),
        6 => (prop_oneof![Just(ConsentPurpose::Reintegration), Just(ConsentPurpose::Referral)], day.clone())
            .prop_map(|(purpose, on)| Command::RecordConsent { purpose, given_by: "x".into(), given_on: on }),
        6 => (200u128..203, prop_oneof![Just(Destination::Family), Just(Destination::Repatriation), Just(Destination::Institution)], day.clone())
            .prop_map(|(g, dest, on)| Command::StartReintegration { destination: dest, guardian: Some(guardian(g)), support_items: vec![], started_on: on }),
        6 => (prop_oneof![Just(AssessmentOutcome::Safe), Just(AssessmentOutcome::Unsafe)], day.clone())
            .prop_map(|(o, on)| Command::RecordGuardianAssessment { assessment: GuardianAssessment { outcome: o, assessed_on: on, notes: String::new() } }),
        6 => Just(Command::RecordChildViews { views: "ok".into() }),
        6 => day.clone().prop_map(|on| Command::RecordRepatriationClearance { clearance: RepatriationClearance { reference: "r".into(), cleared_on: on } }),
        6 => day.clone().prop_map(|on| Command::CompleteReintegration { completed_on: on }),
        6 => (1u32..6, day.clone(), any::<bool>()).prop_map(|(no, on, risk)| Command::RecordFollowUp {
            no,
            done_on: on,
            risk_found: risk,
            notes: String::new(),
            intervention_plan: Some("plan".into())
        }),
        6 => prop_oneof![Just(String::new()), Just("reason".to_owned())].prop_map(|reason| Command::RequestClosure { reason }),
        6 => (1u32..6, any::<bool>()).prop_map(|(no, approve)| Command::DecideApproval { no, approve, comment: None, decided_on: None }),
        2 => Just(Command::Reopen { reason: "new risk".into(), intervention_plan: "plan".into() }),
        1 => (prop_oneof![Just(ExitReason::Transferred), Just(ExitReason::Absconded), Just(ExitReason::AgedOut)], day)
            .prop_map(|(reason, on)| Command::Exit { exit: Exit { reason, on, details: String::new(), court_report: Some("r".into()) } }),
    ];
    (actor, cmd)
}

fn check_invariants(c: &Case) -> Result<(), TestCaseError> {
    // Before a child's plan was approved, only immediate support, each with its reason; and
    // nothing else carries a reason.
    for s in &c.services {
        if let Some(reason) = &s.immediate_support_reason {
            prop_assert!(ServiceType::IMMEDIATE_SUPPORT.contains(&s.service), "{:?} as immediate support", s.service);
            prop_assert!(!reason.trim().is_empty());
        }
    }
    if matches!(c.status, CaseStatus::Intake | CaseStatus::RiskAssessment | CaseStatus::DetailedAssessment | CaseStatus::CasePlan)
        && c.past_reintegrations.is_empty()
        && c.reopenings.is_empty()
    {
        prop_assert!(
            c.services.iter().all(|s| s.immediate_support_reason.is_some()),
            "a service before the plan without a reason"
        );
    }
    // No step skipped.
    prop_assert!(rules::in_service_was_approved(c), "{:?} without approval", c.status);
    // At most one pending approval of each kind.
    for kind in ApprovalKind::ALL {
        prop_assert!(c.pending_approvals().filter(|a| a.kind == *kind).count() <= 1);
    }
    // Nobody decides their own request.
    prop_assert!(c.approvals.iter().all(|a| a.decided_by != Some(a.requested_by)));
    // A completed reintegration satisfied every rule when it completed (guardian never a
    // perpetrator known then, release order for safe homes, clearance for repatriation).
    if let Some(r) = c.reintegration.as_ref().filter(|r| r.completed_on.is_some()) {
        prop_assert!(c.kind != CaseKind::SafeHome || c.release_order.is_some());
        prop_assert!(r.destination != Destination::Repatriation || r.repatriation_clearance.is_some());
        prop_assert!(
            !r.destination.needs_guardian()
                || r.guardian_assessment.as_ref().is_some_and(|a| a.outcome == AssessmentOutcome::Safe)
        );
        prop_assert!(c.consents.iter().any(|x| x.purpose == ConsentPurpose::Reintegration));
        prop_assert_eq!(c.in_residence(), None);
    }
    // Closed only through an approved closure, with nothing left pending.
    if c.status == CaseStatus::Closed {
        prop_assert!(c.approvals.iter().any(|a| a.kind == ApprovalKind::Closure && a.status == ApprovalStatus::Approved));
        prop_assert_eq!(c.pending_follow_ups().count(), 0);
    }
    // Ended cases hold nobody in a facility and have no pending follow-ups.
    if c.status.is_ended() {
        prop_assert_eq!(c.in_residence(), None);
        prop_assert_eq!(c.pending_follow_ups().count(), 0);
    }
    // Follow-ups exist only after a reintegration completed.
    prop_assert!(
        c.follow_ups.is_empty()
            || !c.past_reintegrations.is_empty()
            || c.reintegration.as_ref().is_some_and(|r| r.completed_on.is_some())
    );
    // The status belongs to the case's kind.
    let safe_home_only = [CaseStatus::CourtOrderReceived, CaseStatus::Admitted, CaseStatus::InCare, CaseStatus::ReleaseOrdered];
    let child_only = [
        CaseStatus::Intake,
        CaseStatus::RiskAssessment,
        CaseStatus::DetailedAssessment,
        CaseStatus::CasePlan,
        CaseStatus::InService,
        CaseStatus::AgedOut,
    ];
    match c.kind {
        CaseKind::SafeHome => prop_assert!(!child_only.contains(&c.status)),
        CaseKind::ChildProtection => prop_assert!(!safe_home_only.contains(&c.status)),
    }
    Ok(())
}

/// One step of a generated history: a command, or a supervisor approving whatever waits.
#[derive(Debug, Clone)]
enum Step {
    Cmd(u128, Command),
    ApproveLatest,
}

/// The path a case normally takes, so that random noise around it reaches the deep stages
/// (follow-up, closure, re-opening) and not only the first refusals.
fn happy_path(safe_home: bool) -> Vec<Step> {
    let on = |m: u32, day: u32| d(2026, m, day);
    let w = |c: Command| Step::Cmd(WORKER, c);
    let mut steps = if safe_home {
        vec![
            w(Command::Admit {
                facility: facility(100, 0, None),
                admitted_on: on(5, 2),
                health_check: String::new(),
                belongings: vec![],
            }),
            w(service(ServiceType::LegalAid, on(5, 3))),
            w(Command::RecordReleaseOrder { order: order(on(5, 20)) }),
        ]
    } else {
        vec![
            w(Command::RecordRiskAssessment {
                assessment: RiskAssessment {
                    level: RiskLevel::High,
                    categories: vec![RiskCategory::StreetChild],
                    assessed_on: on(5, 2),
                    summary: String::new(),
                },
            }),
            w(Command::RecordDetailedAssessment {
                assessment: DetailedAssessment { assessed_on: on(5, 3), summary: String::new() },
            }),
            w(Command::SubmitCasePlan { goals: vec!["home".into()], interventions: vec![], drawn_up_on: None }),
            Step::ApproveLatest,
            w(Command::PlaceInFacility { facility: facility(100, 0, Some(6)), placed_on: on(5, 4) }),
            w(service(ServiceType::Counselling, on(5, 5))),
        ]
    };
    steps.extend([
        w(Command::RecordConsent { purpose: ConsentPurpose::Reintegration, given_by: "x".into(), given_on: on(5, 21) }),
        w(Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(201)),
            support_items: vec![],
            started_on: on(5, 22),
        }),
        w(Command::RecordGuardianAssessment {
            assessment: GuardianAssessment { outcome: AssessmentOutcome::Safe, assessed_on: on(5, 23), notes: String::new() },
        }),
        w(Command::RecordChildViews { views: "ok".into() }),
        w(Command::RecordRepatriationClearance {
            clearance: RepatriationClearance { reference: "r".into(), cleared_on: on(5, 24) },
        }),
        w(Command::CompleteReintegration { completed_on: on(6, 1) }),
        w(Command::RecordFollowUp { no: 1, done_on: on(7, 2), risk_found: false, notes: String::new(), intervention_plan: None }),
        w(Command::RecordFollowUp {
            no: 2,
            done_on: on(9, 2),
            risk_found: true,
            notes: String::new(),
            intervention_plan: Some("plan".into()),
        }),
        w(Command::RequestClosure { reason: "done".into() }),
        Step::ApproveLatest,
    ]);
    steps
}

fn any_history(safe_home: bool) -> impl Strategy<Value = Vec<Step>> {
    let path = happy_path(safe_home);
    let n = path.len();
    proptest::collection::vec((proptest::bool::weighted(0.85), proptest::collection::vec(any_command(), 0..3)), n + 4).prop_map(
        move |slots| {
            let mut out = Vec::new();
            for (i, (keep, noise)) in slots.into_iter().enumerate() {
                if keep {
                    if let Some(step) = path.get(i) {
                        out.push(step.clone());
                    }
                }
                out.extend(noise.into_iter().map(|(a, c)| Step::Cmd(a, c)));
            }
            out
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn random_histories_keep_every_invariant(
        (safe_home, history) in any::<bool>().prop_flat_map(|sh| (Just(sh), any_history(sh))),
        foreign in proptest::bool::weighted(0.2),
        dob_days in 0i64..8000,
    ) {
        let dob = d(2003, 1, 1) + chrono::Duration::days(dob_days);
        let s = subject(dob, Sex::Female, foreign);
        let mut c = if safe_home {
            Case::open_safe_home(s, order(d(2026, 5, 1)), today()).unwrap()
        } else {
            match Case::open_child_protection(s, d(2026, 5, 1), today()) {
                Ok(c) => c,
                Err(e) => { prop_assert_eq!(e, Refusal::NotAChildAtIntake); return Ok(()); }
            }
        };
        for step in history {
            let (actor, cmd) = match step {
                Step::Cmd(a, c) => (a, c),
                Step::ApproveLatest => match c.pending_approvals().last() {
                    Some(a) => (SUPERVISOR, Command::DecideApproval { no: a.no, approve: true, comment: None, decided_on: None }),
                    None => continue,
                },
            };
            let before = c.clone();
            match c.handle(&cmd, &ctx(actor)) {
                Ok(_) => check_invariants(&c)?,
                Err(_) => prop_assert_eq!(&c, &before, "a refusal changed the case"),
            }
        }
    }
}

/// The generator must reach the deep stages, or the property above proves little.
#[test]
fn generated_histories_reach_closure_and_reopening() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..200 {
        let safe_home = i % 2 == 0;
        let history = any_history(safe_home).new_tree(&mut runner).unwrap().current();
        let s = subject(d(2012, 1, 1), Sex::Female, false);
        let mut c = if safe_home {
            Case::open_safe_home(s, order(d(2026, 5, 1)), today()).unwrap()
        } else {
            Case::open_child_protection(s, d(2026, 5, 1), today()).unwrap()
        };
        for step in history {
            let (actor, cmd) = match step {
                Step::Cmd(a, c) => (a, c),
                Step::ApproveLatest => match c.pending_approvals().last() {
                    Some(a) => (SUPERVISOR, Command::DecideApproval { no: a.no, approve: true, comment: None, decided_on: None }),
                    None => continue,
                },
            };
            if c.handle(&cmd, &ctx(actor)).is_ok() {
                seen.insert(c.status.code());
                if !c.reopenings.is_empty() {
                    seen.insert("reopened");
                }
            }
        }
    }
    for status in ["follow_up", "closed", "reopened", "in_service", "in_care", "reintegration"] {
        assert!(seen.contains(status), "never reached {status}: {seen:?}");
    }
}

/// Every object key anywhere in `v`.
fn keys_of(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys_of(x, out);
            }
        }
        serde_json::Value::Array(xs) => xs.iter().for_each(|x| keys_of(x, out)),
        _ => {}
    }
}

/// The reports' SQL reads the case record and the timeline by the names serde gives the
/// domain's fields (`state->'placement'->>'admitted_on'` in `persistence/src/reports.rs` and
/// in the report triggers under `migrations/`; `data->>'service'` and the command names in
/// `pipeline_step`). Every key, command name and service code that SQL names must be one the
/// domain writes, so renaming a field fails here instead of emptying a report.
#[test]
#[allow(clippy::string_slice)] // offsets from `match_indices`, at the start of what it matched
fn every_name_the_report_sql_reads_is_one_the_domain_writes() {
    // Records that hold every part the reports read: a placement, services with support
    // items, a reintegration, follow-ups, a past reintegration after a re-opening.
    let mut home = safe_home_in_care(false);
    run(
        &mut home,
        WORKER,
        Command::RecordService {
            service: ServiceType::SkillsTraining,
            given_on: d(2026, 3, 6),
            provider: "MJF".into(),
            partner_id: None,
            description: "tailoring".into(),
            item: Some("sewing machine".into()),
            value_taka: Some(9000),
            immediate_support_reason: None,
            directory_entry_id: None,
        },
    );
    run(&mut home, WORKER, Command::RecordReleaseOrder { order: order(d(2026, 8, 1)) });
    run(
        &mut home,
        WORKER,
        Command::StartReintegration {
            destination: Destination::Family,
            guardian: Some(guardian(200)),
            support_items: vec![SupportItem { item: "loom".into(), value_taka: 12000 }],
            started_on: d(2026, 9, 1),
        },
    );
    let mut child = child_in_service();
    ready_family_reintegration(&mut child);
    run(&mut child, WORKER, Command::CompleteReintegration { completed_on: d(2026, 9, 10) });
    let followed_up = child.clone();
    run(
        &mut child,
        WORKER,
        Command::RecordFollowUp {
            no: 1,
            done_on: d(2026, 10, 10),
            risk_found: true,
            notes: "back at the station".into(),
            intervention_plan: Some("shelter".into()),
        },
    );
    let mut transferred = safe_home_in_care(false);
    let exit = Exit { reason: ExitReason::Transferred, on: d(2026, 4, 1), details: "to Barishal".into(), court_report: None };
    run(&mut transferred, WORKER, Command::Exit { exit });
    let mut written = std::collections::BTreeSet::new();
    for case in [&home, &followed_up, &child, &transferred] {
        keys_of(&serde_json::to_value(case).unwrap(), &mut written);
    }
    keys_of(&serde_json::to_value(service(ServiceType::Counselling, d(2026, 1, 1))).unwrap(), &mut written);

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    let mut sql = std::fs::read_to_string(root.join("persistence/src/reports.rs")).unwrap();
    for dir in std::fs::read_dir(root.join("migrations")).unwrap() {
        let up = dir.unwrap().path().join("up.sql");
        if up.exists() {
            sql.push_str(&std::fs::read_to_string(up).unwrap());
        }
    }
    // `state->'a'->>'b'` chains, and `alias->>'k'` on `jsonb_array_elements(...state->'a') alias`:
    // each path must lead somewhere in a record the domain wrote.
    let chain_after = |text: &str| -> Vec<String> {
        let mut keys = vec![];
        let mut rest = text;
        while let Some(r) = rest.strip_prefix("->") {
            let r = r.strip_prefix('>').unwrap_or(r).trim_start();
            let Some(r) = r.strip_prefix('\'') else { break };
            let Some((key, after)) = r.split_once('\'') else { break };
            keys.push(key.to_owned());
            rest = after.trim_start();
        }
        keys
    };
    let mut paths: Vec<Vec<String>> = vec![];
    let mut aliases: Vec<(String, Vec<String>)> = vec![];
    for (i, _) in sql.match_indices("state->") {
        let path = chain_after(&sql[i + "state".len()..]);
        let tail = &sql[i..];
        // An array the SQL walks: `jsonb_array_elements(c.state->'services') s`.
        if sql[..i].ends_with("jsonb_array_elements(c.") || sql[..i].ends_with("jsonb_array_elements(") {
            if let Some(after) = tail.split_once(')').map(|(_, a)| a.trim_start()) {
                let alias: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !alias.is_empty() {
                    aliases.push((alias, path.clone()));
                }
            }
        }
        paths.push(path);
    }
    for (alias, base) in &aliases {
        for (i, _) in sql.match_indices(&format!("{alias}->")) {
            let before = sql[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                continue; // part of a longer name
            }
            let mut path = base.clone();
            path.extend(chain_after(&sql[i + alias.len()..]));
            paths.push(path);
        }
    }
    fn leads_somewhere(v: &serde_json::Value, path: &[String]) -> bool {
        match (v, path.split_first()) {
            (_, None) => !v.is_null(),
            (serde_json::Value::Array(xs), Some(_)) => xs.iter().any(|x| leads_somewhere(x, path)),
            (serde_json::Value::Object(m), Some((k, rest))) => m.get(k).is_some_and(|x| leads_somewhere(x, rest)),
            _ => false,
        }
    }
    let records: Vec<serde_json::Value> =
        [&home, &followed_up, &child, &transferred].iter().map(|c| serde_json::to_value(c).unwrap()).collect();
    assert!(paths.len() >= 15 && aliases.len() >= 3, "the scan found the SQL's paths: {paths:?} {aliases:?}");
    for path in &paths {
        assert!(
            records.iter().any(|r| leads_somewhere(r, path)),
            "the report SQL reads state->{path:?}, which the domain never writes"
        );
    }
    // `data->...` reads the timeline: each event's data is its command as serde writes it (an
    // opening's is the API's request, whose `intake_on` the API's tests cover).
    let commands: Vec<serde_json::Value> = {
        let n = d(2026, 1, 1);
        [
            Command::RecordRiskAssessment {
                assessment: RiskAssessment { level: RiskLevel::Low, categories: vec![], assessed_on: n, summary: String::new() },
            },
            Command::RecordDetailedAssessment { assessment: DetailedAssessment { assessed_on: n, summary: String::new() } },
            service(ServiceType::Counselling, n),
            Command::RecordReferral {
                service: ServiceType::Health,
                to_organisation: String::new(),
                referred_on: n,
                directory_entry_id: Some(crate::id::DirectoryEntryId(uuid::Uuid::nil())),
            },
            Command::RecordConference { held_on: n, participants: vec![], decisions: vec![] },
            Command::CompleteReintegration { completed_on: n },
            Command::SubmitCasePlan { goals: vec![], interventions: vec![], drawn_up_on: Some(n) },
        ]
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .chain([serde_json::json!({"intake_on": "2026-01-01"})])
        .collect()
    };
    let mut data_paths = 0;
    for (i, _) in sql.match_indices("data->") {
        let path = chain_after(&sql[i + "data".len()..]);
        data_paths += 1;
        assert!(commands.iter().any(|c| leads_somewhere(c, &path)), "the SQL reads data->{path:?}, which no command writes");
    }
    assert!(data_paths >= 8, "the scan found the timeline's paths ({data_paths})");
    // The command names and service codes `pipeline_step` matches on.
    let step = sql.split("CREATE FUNCTION pipeline_step").nth(1).expect("pipeline_step is defined").split("$$").nth(1).unwrap();
    let commands = commands_by_name();
    let mut actions = 0;
    for when in step.split("WHEN '").skip(1) {
        let (literal, rest) = when.split_once('\'').unwrap();
        if rest.trim_start().starts_with("THEN") {
            actions += 1;
            // (`open_case` is the timeline's name for opening, which is not a command.)
            assert!(
                literal == "open_case" || commands.contains(&literal),
                "pipeline_step matches {literal:?}, no command's name"
            );
        }
    }
    assert!(actions >= 8, "the scan found pipeline_step's actions ({actions})");
    for line in step.lines().filter(|l| l.contains("data->>'service'")) {
        let codes = line.split("THEN").next().unwrap().split('\'').skip(1).step_by(2).filter(|q| *q != "service");
        for code in codes {
            assert!(ServiceType::parse(code).is_some(), "pipeline_step matches service {code:?}, no service code");
        }
    }
}

/// Every command's name, from the domain.
fn commands_by_name() -> Vec<&'static str> {
    let (n, w) = (d(2026, 1, 1), String::new());
    vec![
        Command::RecordRiskAssessment {
            assessment: RiskAssessment { level: RiskLevel::Low, categories: vec![], assessed_on: n, summary: w.clone() },
        }
        .name(),
        Command::RecordDetailedAssessment { assessment: DetailedAssessment { assessed_on: n, summary: w.clone() } }.name(),
        Command::SubmitCasePlan { goals: vec![], interventions: vec![], drawn_up_on: None }.name(),
        service(ServiceType::Health, n).name(),
        Command::RecordReferral {
            service: ServiceType::Health,
            to_organisation: w.clone(),
            referred_on: n,
            directory_entry_id: None,
        }
        .name(),
        Command::RecordConference { held_on: n, participants: vec![], decisions: vec![] }.name(),
        Command::CompleteReintegration { completed_on: n }.name(),
    ]
}

#[test]
fn immediate_support_is_given_from_intake_with_a_reason_and_other_services_wait_for_the_plan() {
    let mut c = Case::open_child_protection(subject(d(2014, 1, 10), Sex::Female, false), d(2026, 6, 1), today()).unwrap();
    // At intake: counselling after abuse and cash for food, each with a reason.
    run(&mut c, WORKER, immediate(ServiceType::Counselling, d(2026, 6, 1), "counselling after abuse"));
    run(&mut c, WORKER, immediate(ServiceType::FinancialSupport, d(2026, 6, 1), "no food at home"));
    assert_eq!(c.status, CaseStatus::Intake, "immediate support does not move the case on");
    assert_eq!(c.services.len(), 2);
    assert_eq!(c.services[1].immediate_support_reason.as_deref(), Some("no food at home"));
    // Without a reason, or a service that needs the plan: refused, each by its named rule.
    let no_reason = refused(&mut c, WORKER, service(ServiceType::FoodAndShelter, d(2026, 6, 2)));
    assert_eq!((no_reason.rule(), no_reason), ("service.immediate_support_reason", Refusal::ImmediateSupportReasonRequired));
    let blank = refused(&mut c, WORKER, immediate(ServiceType::EmergencyHealth, d(2026, 6, 2), "  "));
    assert_eq!(blank, Refusal::ImmediateSupportReasonRequired);
    let training = refused(&mut c, WORKER, immediate(ServiceType::SkillsTraining, d(2026, 6, 2), "wants to learn"));
    assert_eq!((training.rule(), training), ("service.plan_approved", Refusal::ServiceNeedsPlan));
    // Once the plan is approved, any service, and no reason is asked or kept.
    let mut c = child_in_service();
    run(&mut c, WORKER, service(ServiceType::SkillsTraining, d(2026, 8, 2)));
    let reason_given = immediate(ServiceType::Counselling, d(2026, 8, 3), "kept?");
    run(&mut c, WORKER, reason_given);
    assert!(c.services.iter().all(|s| s.immediate_support_reason.is_none()));
    // Every immediate-support service has English and Bangla labels like every code.
    for s in ServiceType::IMMEDIATE_SUPPORT {
        assert!(!s.label().bn.is_empty());
    }
}

#[test]
fn a_reader_without_the_sensitive_permission_sees_neither_the_safe_home_nor_the_perpetrators() {
    use super::sight::Sight;
    let mut c = safe_home_in_care(false);
    run(&mut c, WORKER, Command::RecordAllegedPerpetrator { person_id: Uuid::from_u128(200).into() });
    let full = serde_json::to_value(c.record_for(Sight::Full)).unwrap();
    assert_eq!(full, serde_json::to_value(&c).unwrap(), "the full record is the case as stored");
    assert_eq!(full["alleged_perpetrators"].as_array().unwrap().len(), 1);
    assert_eq!(full["placement"]["facility_id"], Uuid::from_u128(900).to_string());

    let limited = serde_json::to_value(c.record_for(Sight::WithoutSensitive)).unwrap();
    assert_eq!(limited["alleged_perpetrators"], serde_json::json!([]));
    assert!(limited["placement"]["facility_id"].is_null());
    assert_eq!(limited["placement"]["admitted_on"], "2026-03-02", "the rest of the placement stays");
    assert_eq!(limited["services"], full["services"]);

    let partner = Uuid::from_u128(77).into();
    let theirs = serde_json::to_value(c.record_for(Sight::PartnerServices(partner))).unwrap();
    assert_eq!(theirs, serde_json::json!({"services": []}), "no service of theirs, nothing else");
}

#[test]
fn a_case_plan_and_its_approval_carry_their_own_days() {
    let mut c = child_in_service();
    // A fresh child at the plan stage: risk and detailed assessment as `child_in_service` has them.
    let mut fresh = Case::open_child_protection(subject(d(2014, 1, 10), Sex::Male, false), d(2026, 6, 1), today()).unwrap();
    run(
        &mut fresh,
        WORKER,
        Command::RecordRiskAssessment {
            assessment: RiskAssessment {
                level: RiskLevel::Low,
                categories: vec![],
                assessed_on: d(2026, 6, 2),
                summary: "x".into(),
            },
        },
    );
    run(
        &mut fresh,
        WORKER,
        Command::RecordDetailedAssessment { assessment: DetailedAssessment { assessed_on: d(2026, 6, 5), summary: "y".into() } },
    );
    let plan = |on| Command::SubmitCasePlan { goals: vec!["home".into()], interventions: vec![], drawn_up_on: Some(on) };
    let tomorrow = today().succ_opt().unwrap();
    assert_eq!(refused(&mut fresh, WORKER, plan(tomorrow)), Refusal::DateInFuture);
    assert_eq!(
        refused(&mut fresh, WORKER, plan(d(2026, 6, 4))),
        Refusal::DateBeforePreviousStep,
        "before the detailed assessment"
    );
    assert_eq!(Refusal::DateBeforePreviousStep.rule(), "date.not_before_previous_step");
    run(&mut fresh, WORKER, plan(d(2026, 6, 6)));
    let p = fresh.case_plan.clone().unwrap();
    assert_eq!((p.drawn_up_on, p.submitted_on), (Some(d(2026, 6, 6)), today()));
    let no = p.approval_no;
    let decide = |on| Command::DecideApproval { no, approve: true, comment: None, decided_on: Some(on) };
    assert_eq!(refused(&mut fresh, SUPERVISOR, decide(d(2026, 6, 5))), Refusal::DateBeforePreviousStep, "before the plan");
    assert_eq!(refused(&mut fresh, SUPERVISOR, decide(tomorrow)), Refusal::DateInFuture);
    run(&mut fresh, SUPERVISOR, decide(d(2026, 6, 7)));
    assert_eq!(fresh.approvals.iter().find(|a| a.no == no).unwrap().decided_on, Some(d(2026, 6, 7)));
    assert_eq!(fresh.status, CaseStatus::InService);
    // Plans stored before they carried a day still load.
    let mut old = serde_json::to_value(&c).unwrap();
    old["case_plan"].as_object_mut().unwrap().remove("drawn_up_on");
    c = serde_json::from_value(old).unwrap();
    assert_eq!(c.case_plan.unwrap().drawn_up_on, None);
}

#[test]
fn a_transfer_moves_a_resident_to_a_home_with_a_place_under_her_stay_limit() {
    let mut c = safe_home_in_care(false);
    let (home, until) = (c.in_residence().unwrap(), c.placement.as_ref().unwrap().stay_until);
    let other =
        |capacity, occupied| FacilityFacts { facility_id: Uuid::from_u128(901).into(), ..facility(capacity, occupied, Some(1)) };
    assert_eq!(c.move_residence(&facility(10, 1, None), today()), Ok(None), "already there");
    assert_eq!(c.move_residence(&other(0, 0), today()), Err(Refusal::FacilityDoesNotAdmit(Sex::Female)));
    assert_eq!(c.move_residence(&other(5, 5), today()), Err(Refusal::CapacityFull(Sex::Female)));
    assert_eq!(c.in_residence(), Some(home), "refusals move nothing");
    let moved = c.move_residence(&other(5, 4), today()).unwrap();
    assert_eq!(moved, Some(Happening::MovedToFacility { from: home, to: Uuid::from_u128(901).into(), on: today() }));
    assert_eq!(c.in_residence(), Some(Uuid::from_u128(901).into()));
    assert_eq!(c.placement.as_ref().unwrap().stay_until, until, "the stay limit runs on");
    let mut child = child_in_service();
    assert_eq!(child.move_residence(&other(5, 0), today()), Ok(None), "nobody lives anywhere");
}
