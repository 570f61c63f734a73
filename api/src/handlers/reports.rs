//! Reports for DSS, donors and integrators: aggregates only (never a name or identifier), as
//! JSON or CSV (`Accept: text/csv`), filtered by period and area (and facility where it
//! fits), with small cells suppressed on request. Every call is audited; a caller sees only
//! their own area.

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Permission, Scope, Subject};
use domain::geo::{DistrictId, DivisionId, UpazilaId};
use domain::id::FacilityId;
use persistence::reports::{self, ReportFilter};
use persistence::PgConnection;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::policy::require;
use crate::auth::principal::Principal;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use crate::unit_of_work::{read_replica, transact};

/// Cells below this are suppressed for public release when asked.
pub const SMALL_CELL: i64 = 5;

struct ReportDef {
    name: &'static str,
    title_en: &'static str,
    title_bn: &'static str,
    dimensions: &'static [&'static str],
    measures: &'static [&'static str],
    facility_filter: bool,
    /// Within a row, a measure that is the sum of others (suppression must not let a reader
    /// subtract): (total, parts).
    row_sums: &'static [(&'static str, &'static [&'static str])],
    /// Rows whose `.0` column is null total the other rows (per value of `.1`, if given).
    total_rows: Option<(&'static str, Option<&'static str>)>,
    /// An amount of money and the count it follows: hidden together.
    money_of: &'static [(&'static str, &'static str)],
    /// Which area (and facility) a record counts in, in English and Bangla: where it is now,
    /// or where it was when the event happened.
    area_basis: (&'static str, &'static str),
}

const CASE_NOW: (&str, &str) = (
    "Counted where each case is now: its area, and for a facility filter the facility that manages or houses it now.",
    "প্রতিটি কেস এখন যেখানে আছে সেখানে গণনা করা হয়: তার এলাকা, এবং কেন্দ্র ফিল্টারে যে কেন্দ্র এখন কেসটি পরিচালনা করে বা যেখানে সে থাকে।",
);

/// The names of the reports, in catalogue order.
pub fn report_names() -> Vec<&'static str> {
    REPORTS.iter().map(|r| r.name).collect()
}

const REPORTS: &[ReportDef] = &[
    ReportDef {
        name: "safe_home_performance",
        title_en: "Safe-home performance",
        title_bn: "নিরাপদ আবাসন কেন্দ্রের কার্যক্রম",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn"],
        measures: &[
            "residents_served",
            "legal_aid",
            "reintegrated",
            "equipment_support",
            "equipment_value_taka",
            "safe_deliveries",
            "public_examinations",
            "repatriations_in_process",
            "repatriations_done",
            "follow_ups_due",
            "follow_ups_done",
        ],
        facility_filter: true,
        row_sums: &[],
        total_rows: Some(("facility_id", None)),
        money_of: &[("equipment_value_taka", "equipment_support")],
        area_basis: CASE_NOW,
    },
    ReportDef {
        name: "reintegrated_children",
        title_en: "Reintegrated children by risk type and sex",
        title_bn: "ঝুঁকির ধরন ও লিঙ্গভিত্তিক পুনঃএকীকৃত শিশু",
        dimensions: &["category", "category_en", "category_bn"],
        measures: &["boys", "girls", "hijra", "total"],
        facility_filter: true,
        row_sums: &[("total", &["boys", "girls", "hijra"])],
        total_rows: None,
        money_of: &[],
        area_basis: CASE_NOW,
    },
    ReportDef {
        name: "case_pipeline",
        title_en: "Child-protection case-management pipeline",
        title_bn: "শিশু সুরক্ষা কেস ব্যবস্থাপনার ধাপসমূহ",
        dimensions: &[],
        measures: &[
            "intakes",
            "risk_assessments",
            "detailed_assessments",
            "case_plans",
            "counselling",
            "referrals",
            "reintegrations",
            "financial_support",
            "case_conferences",
            "case_conference_meetings",
            "birth_registrations",
            "cct_support",
            "child_marriages_stopped",
            "institution_admissions",
        ],
        facility_filter: true,
        row_sums: &[],
        total_rows: None,
        money_of: &[],
        area_basis: (
            "A step counts where the case was when the step was taken (its area and facilities at that time).",
            "প্রতিটি ধাপ সেখানে গণনা করা হয় যেখানে ধাপটি নেওয়ার সময় কেসটি ছিল (তখনকার এলাকা ও কেন্দ্র)।",
        ),
    },
    ReportDef {
        name: "centre_totals",
        title_en: "Children served by centres",
        title_bn: "কেন্দ্রসমূহে সেবাপ্রাপ্ত শিশু",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn"],
        measures: &["children_served", "boys", "girls", "reintegrated"],
        facility_filter: true,
        row_sums: &[("children_served", &["boys", "girls"])],
        total_rows: Some(("facility_id", None)),
        money_of: &[],
        area_basis: CASE_NOW,
    },
    ReportDef {
        name: "allowance_beneficiaries",
        title_en: "Allowance beneficiaries by area, programme and sex",
        title_bn: "এলাকা, কর্মসূচি ও লিঙ্গভিত্তিক ভাতাভোগী",
        dimensions: &["upazila_id", "programme", "sex"],
        measures: &["beneficiaries", "monthly_rate_taka", "monthly_amount_taka"],
        facility_filter: false,
        row_sums: &[],
        total_rows: Some(("upazila_id", Some("programme"))),
        money_of: &[("monthly_amount_taka", "beneficiaries")],
        area_basis: ("Counted where each beneficiary is now.", "প্রতিটি ভাতাভোগী এখন যে এলাকায় আছেন সেখানে গণনা করা হয়।"),
    },
    ReportDef {
        name: "payment_cycles",
        title_en: "Payment cycles: paid and failed",
        title_bn: "পরিশোধ চক্র: পরিশোধিত ও ব্যর্থ",
        dimensions: &["cycle_id", "programme", "upazila_id", "period_start", "period_end", "status"],
        measures: &["payments", "amount_taka", "paid", "paid_taka", "failed", "failed_taka"],
        facility_filter: false,
        row_sums: &[("payments", &["paid", "failed"]), ("amount_taka", &["paid_taka", "failed_taka"])],
        total_rows: None,
        money_of: &[("amount_taka", "payments"), ("paid_taka", "paid"), ("failed_taka", "failed")],
        area_basis: (
            "A payment counts where the beneficiary was when the payroll was made.",
            "প্রতিটি পরিশোধ সেই এলাকায় গণনা করা হয় যেখানে পে-রোল তৈরির সময় ভাতাভোগী ছিলেন।",
        ),
    },
    ReportDef {
        name: "cct",
        title_en: "Conditional cash transfer",
        title_bn: "শর্তযুক্ত নগদ সহায়তা",
        dimensions: &[],
        measures: &["children_enrolled", "instalments_paid", "amount_paid_taka", "held_for_breach"],
        facility_filter: false,
        row_sums: &[],
        total_rows: None,
        money_of: &[("amount_paid_taka", "instalments_paid")],
        area_basis: (
            "Children enrolled count where they are now; instalments where the beneficiary was when the payroll was made.",
            "ভর্তিকৃত শিশু এখনকার এলাকায়; কিস্তি পে-রোল তৈরির সময় ভাতাভোগী যে এলাকায় ছিলেন সেখানে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "microcredit_funds",
        title_en: "Microcredit fund position by office and source",
        title_bn: "কার্যালয় ও উৎসভিত্তিক ক্ষুদ্রঋণ তহবিলের অবস্থা",
        dimensions: &["upazila_id", "fund_id", "programme", "source_en", "source_bn"],
        measures: &[
            "capital_received_taka",
            "invested_taka",
            "reinvested_taka",
            "outstanding_taka",
            "principal_recovered_taka",
            "charge_collected_taka",
            "written_off_taka",
            "recovery_permille",
        ],
        facility_filter: false,
        row_sums: &[],
        total_rows: Some(("fund_id", None)),
        money_of: &[],
        area_basis: (
            "The position now, from each fund's ledger; the period does not apply.",
            "প্রতিটি তহবিলের খতিয়ান থেকে এখনকার অবস্থা; সময়সীমা প্রযোজ্য নয়।",
        ),
    },
    ReportDef {
        name: "microcredit_borrowers",
        title_en: "Microcredit borrowers by programme, tranche and sex",
        title_bn: "কর্মসূচি, বিনিয়োগের ধরন ও লিঙ্গভিত্তিক ক্ষুদ্রঋণ গ্রহীতা",
        dimensions: &["programme", "tranche"],
        measures: &["men", "women", "hijra", "borrowers", "amount_taka"],
        facility_filter: false,
        row_sums: &[("borrowers", &["men", "women", "hijra"])],
        total_rows: Some(("tranche", None)),
        money_of: &[("amount_taka", "borrowers")],
        area_basis: (
            "Loans disbursed in the period, where the loan was made. A loan counts as re-invested when most of it came from recovered principal.",
            "সময়সীমায় বিতরণকৃত ঋণ, যেখানে ঋণটি দেওয়া হয়েছে। ঋণের বেশির ভাগ আদায়কৃত আসল থেকে এলে তা পুনঃবিনিয়োগ হিসেবে গণ্য।",
        ),
    },
    ReportDef {
        name: "microcredit_portfolio_at_risk",
        title_en: "Microcredit portfolio at risk",
        title_bn: "ঝুঁকিপূর্ণ ক্ষুদ্রঋণ পোর্টফোলিও",
        dimensions: &["bucket"],
        measures: &["loans", "outstanding_taka"],
        facility_filter: false,
        row_sums: &[],
        total_rows: Some(("bucket", None)),
        money_of: &[("outstanding_taka", "loans")],
        area_basis: (
            "Active loans on the last day of the period, by days past due of their oldest unpaid instalment.",
            "সময়সীমার শেষ দিনে চলমান ঋণ, সবচেয়ে পুরনো অপরিশোধিত কিস্তির বকেয়া দিনের ভিত্তিতে।",
        ),
    },
    ReportDef {
        name: "microcredit_flows",
        title_en: "Microcredit disbursements and recoveries by month",
        title_bn: "মাসভিত্তিক ক্ষুদ্রঋণ বিতরণ ও আদায়",
        dimensions: &["month", "programme"],
        measures: &["loans_disbursed", "disbursed_taka", "repayments", "principal_recovered_taka", "charge_collected_taka"],
        facility_filter: false,
        row_sums: &[],
        total_rows: Some(("month", Some("programme"))),
        money_of: &[
            ("disbursed_taka", "loans_disbursed"),
            ("principal_recovered_taka", "repayments"),
            ("charge_collected_taka", "repayments"),
        ],
        area_basis: (
            "Counted in the month of the work: disbursements on the day disbursed, repayments on the day paid.",
            "কাজের মাসে গণনা: বিতরণ বিতরণের দিনে, আদায় পরিশোধের দিনে।",
        ),
    },
    ReportDef {
        name: "disability_cards",
        title_en: "Disability identity cards printed by area, type and sex",
        title_bn: "এলাকা, ধরন ও লিঙ্গভিত্তিক মুদ্রিত প্রতিবন্ধী পরিচয়পত্র",
        dimensions: &["upazila_id", "disability_type"],
        measures: &["male", "female", "hijra", "cards"],
        facility_filter: false,
        row_sums: &[("cards", &["male", "female", "hijra"])],
        total_rows: Some(("upazila_id", None)),
        money_of: &[],
        area_basis: (
            "Counted where the survey assessed the person, in the month the card was printed.",
            "যেখানে জরিপে ব্যক্তির মূল্যায়ন হয়েছে সেখানে, পরিচয়পত্র মুদ্রণের মাসে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "voluntary_organisations",
        title_en: "Voluntary social welfare organisations by district and status",
        title_bn: "জেলা ও অবস্থাভিত্তিক স্বেচ্ছাসেবী সমাজকল্যাণ প্রতিষ্ঠান",
        dimensions: &["district_id"],
        measures: &["registered", "active", "suspended", "dissolved", "applications_pending", "registered_in_period"],
        facility_filter: false,
        row_sums: &[("registered", &["active", "suspended"])],
        total_rows: Some(("district_id", None)),
        money_of: &[],
        area_basis: (
            "Counted in the district whose office keeps the registration, as the register stood on the last day of the period; registrations granted are counted on the day granted.",
            "নিবন্ধন যে জেলা কার্যালয়ে সংরক্ষিত সেই জেলায়, সময়কালের শেষ দিনের অবস্থায় গণনা করা হয়; মঞ্জুর করা নিবন্ধন মঞ্জুরের দিনে।",
        ),
    },
    ReportDef {
        name: "hospital_aid",
        title_en: "Hospital social services: patients helped and money spent by hospital and month",
        title_bn: "হাসপাতাল সমাজসেবা: হাসপাতাল ও মাসভিত্তিক সহায়তাপ্রাপ্ত রোগী ও ব্যয়",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "month"],
        measures: &[
            "patients",
            "aid_items",
            "medicine_taka",
            "tests_taka",
            "devices_taka",
            "burn_treatment_taka",
            "cash_taka",
            "other_taka",
            "amount_taka",
        ],
        facility_filter: true,
        row_sums: &[("amount_taka", &["medicine_taka", "tests_taka", "devices_taka", "burn_treatment_taka", "cash_taka", "other_taka"])],
        // (The total row counts each patient once, so its patients are not the rows' sum.)
        total_rows: None,
        money_of: &[("amount_taka", "patients")],
        area_basis: (
            "Counted at the hospital's office, in the month the aid was given; a patient helped in two months counts in each.",
            "হাসপাতালের কার্যালয়ে, সহায়তা দেওয়ার মাসে গণনা করা হয়; দুই মাসে সহায়তাপ্রাপ্ত রোগী প্রতি মাসে গণনা হন।",
        ),
    },
    ReportDef {
        name: "institution_residents",
        title_en: "Residents of institutions by sex at each month's end, with admissions and departures",
        title_bn: "প্রতি মাস শেষে লিঙ্গভিত্তিক প্রতিষ্ঠানের নিবাসী, ভর্তি ও প্রস্থান",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "facility_type", "month"],
        measures: &["female", "male", "hijra", "residents", "admitted", "departed"],
        facility_filter: true,
        row_sums: &[("residents", &["female", "male", "hijra"])],
        total_rows: None,
        money_of: &[],
        area_basis: (
            "Counted at the institution, on the last day of each month; admissions and departures in the month they happened.",
            "প্রতিষ্ঠানে, প্রতি মাসের শেষ দিনে গণনা করা হয়; ভর্তি ও প্রস্থান যে মাসে ঘটেছে সেই মাসে।",
        ),
    },
    ReportDef {
        name: "capitation_grants",
        title_en: "Capitation grants to registered private orphanages",
        title_bn: "নিবন্ধিত বেসরকারি এতিমখানায় ক্যাপিটেশন গ্রান্ট",
        dimensions: &["organisation_id", "organisation_name_en", "organisation_name_bn"],
        measures: &["allotted", "listed", "absent", "monthly_rate_taka", "monthly_grant_taka", "payments", "amount_taka"],
        facility_filter: false,
        row_sums: &[],
        total_rows: Some(("organisation_id", None)),
        money_of: &[("monthly_grant_taka", "listed"), ("amount_taka", "payments")],
        area_basis: (
            "Counted at the orphanage's registration area: the allotment of the fiscal year the period ends in, orphans listed and absent now, and payments for months beginning in the period.",
            "এতিমখানার নিবন্ধনের এলাকায়: সময়কাল যে অর্থবছরে শেষ তার বরাদ্দ, এখনকার তালিকাভুক্ত ও অনুপস্থিত এতিম, এবং সময়কালে শুরু হওয়া মাসের পরিশোধ।",
        ),
    },
    ReportDef {
        name: "helpline_contacts",
        title_en: "Helpline and outreach contacts by channel, category and action",
        title_bn: "মাধ্যম, বিষয় ও পদক্ষেপভিত্তিক হেল্পলাইন ও আউটরিচ যোগাযোগ",
        dimensions: &["channel", "category"],
        measures: &["contacts", "information", "counselling", "referral", "mobile_team_sent", "emergency_response", "case_opened"],
        facility_filter: false,
        // A contact about two things counts under both categories, so the rows without a
        // category (each contact once) are not sums of the others.
        row_sums: &[],
        total_rows: None,
        money_of: &[],
        area_basis: (
            "Counted in the area of the office that handled the contact, on the day it came in.",
            "যে কার্যালয় যোগাযোগটি গ্রহণ করেছে তার এলাকায়, যোগাযোগের দিনে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "service_point_children",
        title_en: "Children served at drop-in centres, night shelters, child-friendly spaces and open-air schools",
        title_bn: "ড্রপ-ইন সেন্টার, নৈশ আশ্রয়, শিশুবান্ধব কেন্দ্র ও খোলা আকাশের স্কুলে সেবাপ্রাপ্ত শিশু",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "facility_type"],
        measures: &["days", "girls", "boys", "hijra", "children"],
        facility_filter: true,
        row_sums: &[("children", &["girls", "boys", "hijra"])],
        total_rows: Some(("facility_id", None)),
        money_of: &[],
        area_basis: (
            "Counted at the service point's area, on each day a child was served (a child served on three days counts three times).",
            "সেবাকেন্দ্রের এলাকায়, শিশু যে যে দিন সেবা পেয়েছে প্রতিদিন গণনা করা হয় (তিন দিন সেবাপ্রাপ্ত শিশু তিনবার)।",
        ),
    },
];

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"name": "case_pipeline", "title_en": "Child-protection case-management pipeline", "title_bn": "শিশু সুরক্ষা কেস ব্যবস্থাপনার ধাপসমূহ",
    "dimensions": [], "measures": ["intakes", "risk_assessments"], "filters": ["from", "to", "division_id", "district_id", "upazila_id", "facility_id", "suppress_small_cells"],
    "path": "/api/v1/reports/case_pipeline"}))]
pub struct ReportInfo {
    pub name: String,
    pub title_en: String,
    pub title_bn: String,
    pub dimensions: Vec<String>,
    pub measures: Vec<String>,
    pub filters: Vec<String>,
    pub path: String,
    /// Which area (and facility) a record counts in: where it is now, or where it was when
    /// the event happened.
    pub area_basis_en: String,
    pub area_basis_bn: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"name": "cct", "title_en": "Conditional cash transfer", "title_bn": "শর্তযুক্ত নগদ সহায়তা", "dimensions": [],
    "measures": ["children_enrolled"], "filters": ["from", "to"], "path": "/api/v1/reports/cct",
    "area_basis_en": "Children enrolled count where they are now; instalments where the beneficiary was when the payroll was made.",
    "area_basis_bn": "ভর্তিকৃত শিশু এখনকার এলাকায়; কিস্তি পে-রোল তৈরির সময় ভাতাভোগী যে এলাকায় ছিলেন সেখানে গণনা করা হয়।"}]}))]
pub struct ReportCatalogue {
    pub data: Vec<ReportInfo>,
}

/// Every report, with its dimensions, measures and filters.
#[utoipa::path(operation_id = "list_reports", tag = "reports", security(("bearer" = [])),
    responses(
        (status = 200, description = "The catalogue", body = ReportCatalogue),
    ))]
#[get("/reports")]
pub async fn list_reports(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    transact(&state, move |conn| {
        let own = crate::scoping::own_subject(conn, who.scope)?;
        require(conn, &who, Permission::ReadReports, &own)?;
        Ok(())
    })
    .await?;
    let data = REPORTS
        .iter()
        .map(|r| {
            let mut filters = vec!["from", "to", "division_id", "district_id", "upazila_id"];
            if r.facility_filter {
                filters.push("facility_id");
            }
            filters.push("suppress_small_cells");
            ReportInfo {
                name: r.name.into(),
                title_en: r.title_en.into(),
                title_bn: r.title_bn.into(),
                dimensions: r.dimensions.iter().map(|s| (*s).into()).collect(),
                measures: r.measures.iter().map(|s| (*s).into()).collect(),
                filters: filters.into_iter().map(String::from).collect(),
                path: format!("/api/v1/reports/{}", r.name),
                area_basis_en: r.area_basis.0.into(),
                area_basis_bn: r.area_basis.1.into(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ReportCatalogue { data }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (default: the start of the current fiscal year).
    pub from: Option<NaiveDate>,
    /// Last day (default: today, Asia/Dhaka).
    pub to: Option<NaiveDate>,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    /// Case reports only.
    pub facility_id: Option<Uuid>,
    /// For public release: replace counts from 1 to 4 with `null`, with the money beside them and
    /// any other cell (a total, a neighbour) that would let a reader subtract them back out.
    pub suppress_small_cells: Option<bool>,
    /// CSV only: begin with a byte-order mark, so Excel reads Bangla as UTF-8.
    pub bom: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"report": "case_pipeline", "title_en": "Child-protection case-management pipeline", "title_bn": "শিশু সুরক্ষা কেস ব্যবস্থাপনার ধাপসমূহ",
    "as_of": "2026-11-23T06:00:00Z", "from": "2026-07-01", "to": "2026-11-23", "area": {"division_id": null, "district_id": 47, "upazila_id": null, "facility_id": null},
    "suppressed_cells": 0, "columns": ["intakes", "risk_assessments"], "rows": [{"intakes": 118, "risk_assessments": 52}]}))]
pub struct ReportResult {
    pub report: String,
    pub title_en: String,
    pub title_bn: String,
    /// How fresh the figures are (they are computed from the live records).
    pub as_of: DateTime<Utc>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The area the figures cover (your own scope when you gave none).
    #[schema(value_type = Object)]
    pub area: Value,
    pub suppressed_cells: usize,
    pub columns: Vec<String>,
    /// One object per row; dimension columns first. Total rows have null dimensions.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Value>,
}

/// Narrows the requested area to what the caller may see: their own scope when none is
/// given; refused when the requested area lies outside it.
fn effective_filter(
    conn: &mut PgConnection,
    who: &Principal,
    q: &ReportQuery,
    facility_filter: bool,
) -> Result<ReportFilter, ApiError> {
    let today = domain::time::dhaka_date(Utc::now());
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or_else(|| domain::allowance::FiscalYear::of(to).first_day());
    if from > to {
        return Err(ApiError::field_coded("from", "out_of_range", "must not be after `to`"));
    }
    if q.facility_id.is_some() && !facility_filter {
        return Err(ApiError::field("facility_id", "this report has no facility filter"));
    }
    let mut f = ReportFilter {
        from,
        to,
        division_id: q.division_id,
        district_id: q.district_id,
        upazila_id: q.upazila_id,
        facility_id: q.facility_id.map(FacilityId),
    };
    let requested = if let Some(u) = q.upazila_id {
        Some(
            persistence::geo::upazila_path(conn, UpazilaId(u))?
                .ok_or_else(|| ApiError::field_coded("upazila_id", "not_found", "no such upazila"))?,
        )
    } else if let Some(d) = q.district_id {
        Some(
            persistence::geo::district_path(conn, DistrictId(d))?
                .ok_or_else(|| ApiError::field_coded("district_id", "not_found", "no such district"))?,
        )
    } else if let Some(d) = q.division_id {
        Some(
            persistence::geo::division_path(conn, DivisionId(d))?
                .ok_or_else(|| ApiError::field_coded("division_id", "not_found", "no such division"))?,
        )
    } else {
        None
    };
    let own = crate::scoping::own_subject(conn, who.scope)?;
    let actor = require(conn, who, Permission::ReadReports, &own)?;
    if let Some(fid) = q.facility_id {
        let fac = persistence::facilities::find(conn, FacilityId(fid))?
            .ok_or_else(|| ApiError::field_coded("facility_id", "not_found", "no such facility"))?;
        let subject = crate::handlers::facilities::facility_subject(conn, &fac)?;
        require(conn, who, Permission::ReadReports, &subject)?;
    }
    match (actor.scope, requested) {
        (Scope::National, _) => {}
        (_, Some(area)) => {
            require(conn, who, Permission::ReadReports, &Subject::Area(area))?;
        }
        (Scope::Division(d), None) => f.division_id = Some(d.0),
        (Scope::District(d), None) => f.district_id = Some(d.0),
        (Scope::Upazila(u), None) => f.upazila_id = Some(u.0),
        (Scope::Facility(fid), None) => f.facility_id = Some(fid),
        (Scope::Partner(_), None) => return Err(ApiError::Forbidden(domain::access::Denial::OutOfScope)),
    }
    if let (Scope::Facility(fid), true) = (actor.scope, q.facility_id.is_none()) {
        if !facility_filter {
            return Err(ApiError::Forbidden(domain::access::Denial::OutOfScope));
        }
        f.facility_id = Some(fid);
    }
    Ok(f)
}

/// Rows as JSON objects; the report's columns are the rows' field names.
fn rows<T: Serialize>(rows: Vec<T>) -> Result<Vec<Value>, ApiError> {
    rows.into_iter().map(|r| serde_json::to_value(r).map_err(ApiError::internal)).collect()
}

fn run(conn: &mut PgConnection, name: &str, f: &ReportFilter) -> Result<Vec<Value>, ApiError> {
    match name {
        "safe_home_performance" => rows(reports::safe_home_performance(conn, f)?),
        "reintegrated_children" => {
            let mut out = rows(reports::reintegrated_children(conn, f)?)?;
            // Each category with its labels; the total row (category null) is labelled too.
            for row in &mut out {
                let label = row["category"].as_str().and_then(domain::case::RiskCategory::parse).map(|c| c.label());
                if let Some(map) = row.as_object_mut() {
                    map.insert("category_en".into(), json!(label.map(|l| l.en).unwrap_or("Total")));
                    map.insert("category_bn".into(), json!(label.map(|l| l.bn).unwrap_or("মোট")));
                }
            }
            Ok(out)
        }
        "case_pipeline" => {
            let today = domain::time::dhaka_date(Utc::now());
            rows(vec![reports::case_pipeline(conn, f, domain::time::whole_period(f.from, f.to, today))?])
        }
        "centre_totals" => rows(reports::centre_totals(conn, f)?),
        "allowance_beneficiaries" => rows(reports::beneficiaries_by_area(conn, f)?),
        "payment_cycles" => rows(reports::payment_cycles(conn, f)?),
        "cct" => rows(vec![reports::cct(conn, f)?]),
        "microcredit_funds" => rows(reports::microcredit_funds(conn, f)?),
        "microcredit_borrowers" => rows(reports::microcredit_borrowers(conn, f)?),
        "microcredit_portfolio_at_risk" => rows(reports::microcredit_par(conn, f)?),
        "microcredit_flows" => rows(reports::microcredit_flows(conn, f)?),
        "disability_cards" => rows(reports::disability_cards(conn, f)?),
        "helpline_contacts" => rows(reports::helpline_contacts(conn, f)?),
        "capitation_grants" => rows(reports::capitation_grants(conn, f)?),
        "institution_residents" => rows(reports::institution_residents(conn, f)?),
        "hospital_aid" => rows(reports::hospital_aid(conn, f)?),
        "voluntary_organisations" => rows(reports::voluntary_registry(conn, f)?),
        "service_point_children" => rows(reports::service_point_children(conn, f)?),
        _ => Err(ApiError::NotFound("report")),
    }
}

/// Hides counts from 1 to SMALL_CELL-1, the money beside them, and whatever else would let a
/// reader work them back out from a total (see `domain::disclosure`). Returns the cells hidden.
fn suppress(rows: &mut [Value], def: &ReportDef) -> usize {
    use domain::disclosure::{Relation, Table};
    use std::collections::BTreeMap;
    // Published figures: counts, and money other than the (public) programme rate.
    let figures: Vec<&str> = def.measures.iter().copied().filter(|m| *m != "monthly_rate_taka").collect();
    let mut table = Table::default();
    let mut at: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for (r, row) in rows.iter().enumerate() {
        for m in &figures {
            if let Some(v) = row.get(*m).and_then(Value::as_i64) {
                at.insert((r, m), table.add(v, !m.ends_with("_taka")));
            }
        }
        for (money, count) in def.money_of {
            if let (Some(&a), Some(&b)) = (at.get(&(r, *money)), at.get(&(r, *count))) {
                table.ties.push(vec![a, b]);
            }
        }
        for (total, parts) in def.row_sums {
            if let Some(&t) = at.get(&(r, *total)) {
                let parts = parts.iter().filter_map(|p| at.get(&(r, *p)).copied()).collect();
                table.relations.push(Relation { total: t, parts });
            }
        }
    }
    if let Some((marker, group)) = def.total_rows {
        let group_of = |row: &Value| group.map(|g| row.get(g).map(Value::to_string).unwrap_or_default());
        for (t, total_row) in rows.iter().enumerate().filter(|(_, row)| row.get(marker).is_some_and(Value::is_null)) {
            let members: Vec<usize> = (0..rows.len())
                .filter(|&r| rows[r].get(marker).is_some_and(|v| !v.is_null()) && group_of(&rows[r]) == group_of(total_row))
                .collect();
            for m in &figures {
                if let Some(&total) = at.get(&(t, *m)) {
                    let parts = members.iter().filter_map(|r| at.get(&(*r, *m)).copied()).collect();
                    table.relations.push(Relation { total, parts });
                }
            }
        }
    }
    let hidden = table.suppress(SMALL_CELL);
    for ((r, m), i) in at {
        if table.cells[i].hidden {
            if let Some(map) = rows[r].as_object_mut() {
                map.insert(m.to_owned(), Value::Null);
            }
        }
    }
    hidden
}

/// A report cell: names (of facilities, areas) are people's text; numbers are ours.
fn csv_cell(v: &Value) -> crate::csv_export::Cell<'_> {
    use crate::csv_export::Cell;
    match v {
        Value::Null => Cell::Empty,
        Value::String(s) => Cell::Text(s),
        other => Cell::Value(other.to_string()),
    }
}

/// One report, as JSON or (with `Accept: text/csv`) CSV.
#[utoipa::path(operation_id = "get_report", tag = "reports",
    params(("report" = crate::codes::ReportNameCode, Path, description = "A report name from the catalogue"), ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures: JSON, or CSV with `Accept: text/csv` (a header line of the dimensions and measures, then one line per row)", content(
            (ReportResult = "application/json"),
            (String = "text/csv"),
        )),
        (status = 403, description = "Not permitted, or an area outside yours", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad period or area", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/{report}")]
pub async fn get_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<String>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let def = REPORTS.iter().find(|r| r.name == name).ok_or(ApiError::NotFound("report"))?;
    let q = q.into_inner();
    let bom = q.bom.unwrap_or(false);
    let wants_csv = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/csv"));
    // The figures from the replica when there is one; the call is audited on the primary,
    // where the account is also checked again (a replica may not yet know it was disabled).
    let reader = who.clone();
    let (result, audit) = read_replica(&state, move |conn| {
        let who = reader;
        let f = effective_filter(conn, &who, &q, def.facility_filter)?;
        let mut rows = run(conn, def.name, &f)?;
        let suppressed = if q.suppress_small_cells.unwrap_or(false) { suppress(&mut rows, def) } else { 0 };
        let area = json!({"division_id": f.division_id, "district_id": f.district_id, "upazila_id": f.upazila_id, "facility_id": f.facility_id});
        let audit = json!({"from": f.from, "to": f.to, "area": area, "suppress_small_cells": q.suppress_small_cells.unwrap_or(false)});
        let result = ReportResult {
            report: def.name.into(),
            title_en: def.title_en.into(),
            title_bn: def.title_bn.into(),
            as_of: reports::as_of(conn)?,
            from: f.from,
            to: f.to,
            area,
            suppressed_cells: suppressed,
            columns: def.dimensions.iter().chain(def.measures).map(|s| (*s).into()).collect(),
            rows,
        };
        Ok((result, audit))
    })
    .await?;
    transact(&state, move |conn| {
        crate::auth::policy::require_active(conn, &who)?;
        who.audit(conn, "report.read", "report", def.name, None, Some(audit))?;
        Ok(())
    })
    .await?;
    if wants_csv {
        let header: Vec<&str> = result.columns.iter().map(String::as_str).collect();
        let rows =
            result.rows.iter().map(|row| result.columns.iter().map(|c| csv_cell(row.get(c).unwrap_or(&Value::Null))).collect());
        let csv = crate::csv_export::write(&header, rows, bom)?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("X-Report-As-Of", result.as_of.to_rfc3339()))
            .body(csv));
    }
    Ok(HttpResponse::Ok().json(result))
}
