//! Reports for DSS, donors and integrators: aggregates only (never a name or identifier), as
//! JSON or CSV (`Accept: text/csv`), filtered by period and area (and facility where it
//! fits), with small cells suppressed on request. Every call is audited; a caller sees only
//! their own area.

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
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
    /// The query and its row type: the report's columns are the row's fields.
    source: Source,
    title_en: &'static str,
    title_bn: &'static str,
    dimensions: &'static [&'static str],
    facility_filter: bool,
    /// The dimensions that say which row is which (not their labels). A total row has them
    /// null for what it adds over; its level is the set of them that are not null.
    keys: &'static [&'static str],
    /// Every total level of the SQL's GROUPING SETS, with what adds up into it.
    rollups: &'static [Rollup],
    /// Within a row, a measure that is the sum of others (suppression must not let a reader
    /// subtract): (total, parts).
    row_sums: &'static [(&'static str, &'static [&'static str])],
    /// Within a row, what a total holds beyond its published parts: not shown, but a reader can
    /// subtract, so protected like a published figure (name, total, parts).
    remainders: &'static [(&'static str, &'static str, &'static [&'static str])],
    /// In a row that shows its rate, an amount is the rate times a count: (money, rate, count).
    rated: &'static [(&'static str, &'static str, &'static str)],
    /// Ratios worked out from money: not counts and not sums, hidden with their money.
    ratios: &'static [(&'static str, &'static [&'static str])],
    /// Stocks at month ends and the flows between them.
    stock_flow: Option<StockFlow>,
    /// An amount of money and the count it follows: hidden together.
    money_of: &'static [(&'static str, &'static str)],
    /// Which area (and facility) a record counts in, in English and Bangla: where it is now,
    /// or where it was when the event happened.
    area_basis: (&'static str, &'static str),
}

/// One level of totals: each row whose non-null keys are `total` adds up the rows whose
/// non-null keys are `parts` and that agree with it on `total`.
struct Rollup {
    total: &'static [&'static str],
    parts: &'static [&'static str],
    /// Figures that count each person once however many parts they are in (a contact about
    /// two things): a sum of the parts only when at most one part is non-zero. Every other
    /// figure adds up.
    distinct: &'static [&'static str],
}

/// A stock at each month's end, with the month's flows: in each series (rows agreeing on
/// `series`), a month's stock is last month's plus what came in less what left; and in the
/// series' first row, when that is after the period's first month, just what came in less
/// what left (there was nothing before).
struct StockFlow {
    series: &'static [&'static str],
    month: &'static str,
    stock: &'static str,
    inflow: &'static str,
    outflow: &'static str,
}

const CASE_NOW: (&str, &str) = (
    "Counted where each case is now: its area, and for a facility filter the facility that manages or houses it now.",
    "প্রতিটি কেস এখন যেখানে আছে সেখানে গণনা করা হয়: তার এলাকা, এবং কেন্দ্র ফিল্টারে যে কেন্দ্র এখন কেসটি পরিচালনা করে বা যেখানে সে থাকে।",
);

/// The names of the reports, in catalogue order.
pub fn report_names() -> Vec<&'static str> {
    REPORTS.iter().map(|r| r.name).collect()
}

/// A report whose query returns its rows as they are.
macro_rules! rows_of {
    ($query:path, $row:ty) => {{
        fn run(conn: &mut PgConnection, f: &ReportFilter) -> Result<Vec<Value>, ApiError> {
            rows($query(conn, f)?)
        }
        Source { run, columns: fields_of::<$row> }
    }};
}

const REPORTS: &[ReportDef] = &[
    ReportDef {
        name: "safe_home_performance",
        source: rows_of!(reports::safe_home_performance, reports::SafeHomeRow),
        title_en: "Safe-home performance",
        title_bn: "নিরাপদ আবাসন কেন্দ্রের কার্যক্রম",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn"],
        facility_filter: true,
        keys: &["facility_id"],
        rollups: &[Rollup { total: &[], parts: &["facility_id"], distinct: &[] }],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[("equipment_value_taka", "equipment_support")],
        area_basis: CASE_NOW,
    },
    ReportDef {
        name: "reintegrated_children",
        source: Source { run: run_reintegrated_children, columns: fields_of::<reports::CategorySexRow> },
        title_en: "Reintegrated children by risk type and sex",
        title_bn: "ঝুঁকির ধরন ও লিঙ্গভিত্তিক পুনঃএকীকৃত শিশু",
        dimensions: &["category", "category_en", "category_bn"],
        facility_filter: true,
        keys: &["category"],
        // A child counts once under each of its categories, and once in the total row.
        rollups: &[Rollup { total: &[], parts: &["category"], distinct: &["boys", "girls", "hijra", "total"] }],
        row_sums: &[("total", &["boys", "girls", "hijra"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "A child counts where the case was held on the day the reintegration was completed (after a transfer, the office that held it then).",
            "শিশুকে সেখানে গণনা করা হয় যেখানে পুনঃএকীকরণ সম্পন্নের দিন কেসটি ছিল (স্থানান্তরের পরে, তখন যে দপ্তরে ছিল)।",
        ),
    },
    ReportDef {
        name: "case_pipeline",
        source: Source { run: run_case_pipeline, columns: fields_of::<reports::PipelineRow> },
        title_en: "Child-protection case-management pipeline",
        title_bn: "শিশু সুরক্ষা কেস ব্যবস্থাপনার ধাপসমূহ",
        dimensions: &[],
        facility_filter: true,
        keys: &[],
        rollups: &[],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "A step counts where the case was when the step was taken (the office holding it on the step's day, and its facilities at that time).",
            "প্রতিটি ধাপ সেখানে গণনা করা হয় যেখানে ধাপটি নেওয়ার সময় কেসটি ছিল (ধাপের দিনে যে দপ্তরে ছিল, ও তখনকার কেন্দ্র)।",
        ),
    },
    ReportDef {
        name: "centre_totals",
        source: rows_of!(reports::centre_totals, reports::CentreRow),
        title_en: "Children served by centres",
        title_bn: "কেন্দ্রসমূহে সেবাপ্রাপ্ত শিশু",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn"],
        facility_filter: true,
        keys: &["facility_id"],
        rollups: &[Rollup { total: &[], parts: &["facility_id"], distinct: &[] }],
        row_sums: &[],
        // Hijra children are served but not shown: what is left of the total after boys and girls.
        remainders: &[("hijra", "children_served", &["boys", "girls"])],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "A child counts where the case was held on the day of admission to the centre (after a transfer, the office that held it then).",
            "শিশুকে সেখানে গণনা করা হয় যেখানে কেন্দ্রে ভর্তির দিন কেসটি ছিল (স্থানান্তরের পরে, তখন যে দপ্তরে ছিল)।",
        ),
    },
    ReportDef {
        name: "allowance_beneficiaries",
        source: rows_of!(reports::beneficiaries_by_area, reports::BeneficiaryAggRow),
        title_en: "Allowance beneficiaries by area, programme and sex",
        title_bn: "এলাকা, কর্মসূচি ও লিঙ্গভিত্তিক ভাতাভোগী",
        dimensions: &["upazila_id", "programme", "sex"],
        facility_filter: false,
        keys: &["upazila_id", "programme", "sex"],
        rollups: &[Rollup { total: &["programme"], parts: &["upazila_id", "programme", "sex"], distinct: &[] }],
        row_sums: &[],
        remainders: &[],
        rated: &[("monthly_amount_taka", "monthly_rate_taka", "beneficiaries")],
        ratios: &[],
        stock_flow: None,
        money_of: &[("monthly_amount_taka", "beneficiaries")],
        area_basis: ("Counted where each beneficiary is now.", "প্রতিটি ভাতাভোগী এখন যে এলাকায় আছেন সেখানে গণনা করা হয়।"),
    },
    ReportDef {
        name: "payment_cycles",
        source: rows_of!(reports::payment_cycles, reports::CycleAggRow),
        title_en: "Payment cycles: paid and failed",
        title_bn: "পরিশোধ চক্র: পরিশোধিত ও ব্যর্থ",
        dimensions: &["cycle_id", "programme", "upazila_id", "period_start", "period_end", "status"],
        facility_filter: false,
        keys: &["cycle_id"],
        rollups: &[],
        row_sums: &[],
        // Payments are paid, failed (or carried) or still pending; the pending are not shown.
        remainders: &[("pending", "payments", &["paid", "failed"]), ("pending_taka", "amount_taka", &["paid_taka", "failed_taka"])],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[("amount_taka", "payments"), ("paid_taka", "paid"), ("failed_taka", "failed"), ("pending_taka", "pending")],
        area_basis: (
            "A payment counts where the beneficiary was when the payroll was made.",
            "প্রতিটি পরিশোধ সেই এলাকায় গণনা করা হয় যেখানে পে-রোল তৈরির সময় ভাতাভোগী ছিলেন।",
        ),
    },
    ReportDef {
        name: "cct",
        source: Source { run: run_cct, columns: fields_of::<reports::CctRow> },
        title_en: "Conditional cash transfer",
        title_bn: "শর্তযুক্ত নগদ সহায়তা",
        dimensions: &[],
        facility_filter: false,
        keys: &[],
        rollups: &[],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[("amount_paid_taka", "instalments_paid")],
        area_basis: (
            "Children enrolled count where they are now; instalments where the beneficiary was when the payroll was made.",
            "ভর্তিকৃত শিশু এখনকার এলাকায়; কিস্তি পে-রোল তৈরির সময় ভাতাভোগী যে এলাকায় ছিলেন সেখানে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "microcredit_funds",
        source: rows_of!(reports::microcredit_funds, reports::FundPositionRow),
        title_en: "Microcredit fund position by office and source",
        title_bn: "কার্যালয় ও উৎসভিত্তিক ক্ষুদ্রঋণ তহবিলের অবস্থা",
        dimensions: &["upazila_id", "fund_id", "programme", "source_en", "source_bn"],
        facility_filter: false,
        keys: &["fund_id"],
        rollups: &[Rollup { total: &[], parts: &["fund_id"], distinct: &[] }],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        // (No counts: nothing here is small-cell suppressed, so the ratio only follows its money.)
        ratios: &[("recovery_permille", &["principal_recovered_taka", "invested_taka", "reinvested_taka"])],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "The position on the last day of the period, from each fund's ledger: entries dated after that day are not counted. Outstanding is principal only.",
            "প্রতিটি তহবিলের খতিয়ান থেকে সময়সীমার শেষ দিনের অবস্থা: সেই দিনের পরের এন্ট্রি গণনা করা হয় না। বকেয়া কেবল আসল।",
        ),
    },
    ReportDef {
        name: "microcredit_borrowers",
        source: rows_of!(reports::microcredit_borrowers, reports::BorrowerRow),
        title_en: "Microcredit borrowers by programme, tranche and sex",
        title_bn: "কর্মসূচি, বিনিয়োগের ধরন ও লিঙ্গভিত্তিক ক্ষুদ্রঋণ গ্রহীতা",
        dimensions: &["programme", "tranche"],
        facility_filter: false,
        keys: &["programme", "tranche"],
        // Each tranche adds up to its programme's row, each programme to the total.
        rollups: &[
            Rollup { total: &["programme"], parts: &["programme", "tranche"], distinct: &[] },
            Rollup { total: &[], parts: &["programme"], distinct: &[] },
        ],
        row_sums: &[("borrowers", &["men", "women", "hijra"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[("amount_taka", "borrowers")],
        area_basis: (
            "Loans disbursed in the period, where the loan was made. A loan counts as re-invested when most of it came from recovered principal.",
            "সময়সীমায় বিতরণকৃত ঋণ, যেখানে ঋণটি দেওয়া হয়েছে। ঋণের বেশির ভাগ আদায়কৃত আসল থেকে এলে তা পুনঃবিনিয়োগ হিসেবে গণ্য।",
        ),
    },
    ReportDef {
        name: "microcredit_portfolio_at_risk",
        source: rows_of!(reports::microcredit_par, reports::ParRow),
        title_en: "Microcredit portfolio at risk",
        title_bn: "ঝুঁকিপূর্ণ ক্ষুদ্রঋণ পোর্টফোলিও",
        dimensions: &["bucket"],
        facility_filter: false,
        keys: &["bucket"],
        rollups: &[Rollup { total: &[], parts: &["bucket"], distinct: &[] }],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[("outstanding_principal_taka", "loans")],
        area_basis: (
            "Active loans on the last day of the period as they stood that day, by days past due of their oldest unpaid instalment; outstanding is principal only.",
            "সময়সীমার শেষ দিনে চলমান ঋণ, সেই দিনের অবস্থায়, সবচেয়ে পুরনো অপরিশোধিত কিস্তির বকেয়া দিনের ভিত্তিতে; বকেয়া কেবল আসল।",
        ),
    },
    ReportDef {
        name: "microcredit_flows",
        source: rows_of!(reports::microcredit_flows, reports::FlowRow),
        title_en: "Microcredit disbursements and recoveries by month",
        title_bn: "মাসভিত্তিক ক্ষুদ্রঋণ বিতরণ ও আদায়",
        dimensions: &["month", "programme"],
        facility_filter: false,
        keys: &["month", "programme"],
        rollups: &[Rollup { total: &["programme"], parts: &["month", "programme"], distinct: &[] }],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
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
        source: rows_of!(reports::disability_cards, reports::CardRow),
        title_en: "Disability identity cards printed by area, type and sex",
        title_bn: "এলাকা, ধরন ও লিঙ্গভিত্তিক মুদ্রিত প্রতিবন্ধী পরিচয়পত্র",
        dimensions: &["upazila_id", "disability_type"],
        facility_filter: false,
        keys: &["upazila_id", "disability_type"],
        rollups: &[Rollup { total: &[], parts: &["upazila_id", "disability_type"], distinct: &[] }],
        row_sums: &[("cards", &["male", "female", "hijra"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "Counted where the survey assessed the person, in the month the card was printed.",
            "যেখানে জরিপে ব্যক্তির মূল্যায়ন হয়েছে সেখানে, পরিচয়পত্র মুদ্রণের মাসে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "voluntary_organisations",
        source: rows_of!(reports::voluntary_registry, reports::RegistryRow),
        title_en: "Voluntary social welfare organisations by district and status",
        title_bn: "জেলা ও অবস্থাভিত্তিক স্বেচ্ছাসেবী সমাজকল্যাণ প্রতিষ্ঠান",
        dimensions: &["district_id"],
        facility_filter: false,
        keys: &["district_id"],
        rollups: &[Rollup { total: &[], parts: &["district_id"], distinct: &[] }],
        row_sums: &[("registered", &["active", "suspended"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "Counted in the district whose office keeps the registration, as the register stood on the last day of the period; registrations granted are counted on the day granted.",
            "নিবন্ধন যে জেলা কার্যালয়ে সংরক্ষিত সেই জেলায়, সময়কালের শেষ দিনের অবস্থায় গণনা করা হয়; মঞ্জুর করা নিবন্ধন মঞ্জুরের দিনে।",
        ),
    },
    ReportDef {
        name: "hospital_aid",
        source: rows_of!(reports::hospital_aid, reports::HospitalAidRow),
        title_en: "Hospital social services: patients helped and money spent by hospital and month",
        title_bn: "হাসপাতাল সমাজসেবা: হাসপাতাল ও মাসভিত্তিক সহায়তাপ্রাপ্ত রোগী ও ব্যয়",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "month"],
        facility_filter: true,
        keys: &["facility_id", "month"],
        // The total row counts each patient once, however many hospitals and months.
        rollups: &[Rollup { total: &[], parts: &["facility_id", "month"], distinct: &["patients"] }],
        row_sums: &[("amount_taka", &["medicine_taka", "tests_taka", "devices_taka", "burn_treatment_taka", "cash_taka", "other_taka"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[
            ("amount_taka", "patients"),
            ("medicine_taka", "patients"),
            ("tests_taka", "patients"),
            ("devices_taka", "patients"),
            ("burn_treatment_taka", "patients"),
            ("cash_taka", "patients"),
            ("other_taka", "patients"),
        ],
        area_basis: (
            "Counted at the hospital's office, in the month the aid was given; a patient helped in two months counts in each.",
            "হাসপাতালের কার্যালয়ে, সহায়তা দেওয়ার মাসে গণনা করা হয়; দুই মাসে সহায়তাপ্রাপ্ত রোগী প্রতি মাসে গণনা হন।",
        ),
    },
    ReportDef {
        name: "institution_residents",
        source: rows_of!(reports::institution_residents, reports::ResidentsRow),
        title_en: "Residents of institutions by sex at each month's end, with admissions and departures",
        title_bn: "প্রতি মাস শেষে লিঙ্গভিত্তিক প্রতিষ্ঠানের নিবাসী, ভর্তি ও প্রস্থান",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "facility_type", "month"],
        facility_filter: true,
        keys: &["facility_id", "month"],
        rollups: &[],
        row_sums: &[("residents", &["female", "male", "hijra"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: Some(StockFlow { series: &["facility_id"], month: "month", stock: "residents", inflow: "admitted", outflow: "departed" }),
        money_of: &[],
        area_basis: (
            "Counted at the institution, on the last day of each month; admissions and departures in the month they happened.",
            "প্রতিষ্ঠানে, প্রতি মাসের শেষ দিনে গণনা করা হয়; ভর্তি ও প্রস্থান যে মাসে ঘটেছে সেই মাসে।",
        ),
    },
    ReportDef {
        name: "capitation_grants",
        source: rows_of!(reports::capitation_grants, reports::CapitationRow),
        title_en: "Capitation grants to registered private orphanages",
        title_bn: "নিবন্ধিত বেসরকারি এতিমখানায় ক্যাপিটেশন গ্রান্ট",
        dimensions: &["organisation_id", "organisation_name_en", "organisation_name_bn"],
        facility_filter: false,
        keys: &["organisation_id"],
        rollups: &[Rollup { total: &[], parts: &["organisation_id"], distinct: &[] }],
        row_sums: &[],
        // The grant is for the orphans present: listed less absent, at the one rate shown.
        remainders: &[("present", "listed", &["absent"])],
        rated: &[("monthly_grant_taka", "monthly_rate_taka", "present")],
        ratios: &[],
        stock_flow: None,
        money_of: &[("monthly_grant_taka", "listed"), ("monthly_grant_taka", "present"), ("amount_taka", "payments")],
        area_basis: (
            "Counted at the orphanage's registration area: the allotment of the fiscal year the period ends in, orphans listed and absent now, and payments for months beginning in the period.",
            "এতিমখানার নিবন্ধনের এলাকায়: সময়কাল যে অর্থবছরে শেষ তার বরাদ্দ, এখনকার তালিকাভুক্ত ও অনুপস্থিত এতিম, এবং সময়কালে শুরু হওয়া মাসের পরিশোধ।",
        ),
    },
    ReportDef {
        name: "helpline_contacts",
        source: rows_of!(reports::helpline_contacts, reports::ContactCountRow),
        title_en: "Helpline and outreach contacts by channel, category and action",
        title_bn: "মাধ্যম, বিষয় ও পদক্ষেপভিত্তিক হেল্পলাইন ও আউটরিচ যোগাযোগ",
        dimensions: &["channel", "category"],
        facility_filter: false,
        keys: &["channel", "category"],
        // A contact about two things counts under both categories, once in its channel's row and
        // once in the total; each contact has one channel.
        rollups: &[
            Rollup {
                total: &["channel"],
                parts: &["channel", "category"],
                distinct: &["contacts", "information", "counselling", "referral", "mobile_team_sent", "emergency_response", "case_opened"],
            },
            Rollup { total: &[], parts: &["channel"], distinct: &[] },
        ],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "Counted in the area of the office that handled the contact, on the day it came in.",
            "যে কার্যালয় যোগাযোগটি গ্রহণ করেছে তার এলাকায়, যোগাযোগের দিনে গণনা করা হয়।",
        ),
    },
    ReportDef {
        name: "service_point_children",
        source: rows_of!(reports::service_point_children, reports::ServicePointRow),
        title_en: "Children served at drop-in centres, night shelters, child-friendly spaces and open-air schools",
        title_bn: "ড্রপ-ইন সেন্টার, নৈশ আশ্রয়, শিশুবান্ধব কেন্দ্র ও খোলা আকাশের স্কুলে সেবাপ্রাপ্ত শিশু",
        dimensions: &["facility_id", "facility_name_en", "facility_name_bn", "facility_type"],
        facility_filter: true,
        keys: &["facility_id"],
        rollups: &[Rollup { total: &[], parts: &["facility_id"], distinct: &[] }],
        row_sums: &[("children", &["girls", "boys", "hijra"])],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "Counted at the service point's area, on each day a child was served (a child served on three days counts three times).",
            "সেবাকেন্দ্রের এলাকায়, শিশু যে যে দিন সেবা পেয়েছে প্রতিদিন গণনা করা হয় (তিন দিন সেবাপ্রাপ্ত শিশু তিনবার)।",
        ),
    },
    ReportDef {
        name: "referrals_by_provider",
        source: rows_of!(reports::referrals_by_provider, reports::ReferralsByProviderRow),
        title_en: "Referrals by district, service and provider (service directory entry)",
        title_bn: "জেলা, সেবা ও সেবাদাতা (সেবা তালিকার সংস্থা) অনুযায়ী প্রেরণ",
        dimensions: &["district_id", "service", "provider", "provider_name_en", "provider_name_bn"],
        facility_filter: true,
        keys: &["district_id", "service", "provider"],
        // A referral names one service and one provider (an entry, or `other` for text only).
        rollups: &[
            Rollup { total: &["district_id", "service"], parts: &["district_id", "service", "provider"], distinct: &[] },
            Rollup { total: &[], parts: &["district_id", "service"], distinct: &[] },
        ],
        row_sums: &[],
        remainders: &[],
        rated: &[],
        ratios: &[],
        stock_flow: None,
        money_of: &[],
        area_basis: (
            "Counted on the day of the referral, where the case was held that day (its office and facility then).",
            "প্রেরণের দিনে, সেদিন কেসটি যেখানে ছিল (তখনকার দপ্তর ও প্রতিষ্ঠান) সেখানে গণনা করা হয়।",
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
                measures: r.figures().into_iter().map(String::from).collect(),
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

/// Runs a report's query into rows of JSON objects.
type Runner = fn(&mut PgConnection, &ReportFilter) -> Result<Vec<Value>, ApiError>;

/// Where a report's rows come from.
struct Source {
    run: Runner,
    /// The row type's fields, in order (from its `Deserialize`).
    columns: fn() -> &'static [&'static str],
}

/// Columns a runner adds to its row type's (labels it looks up).
const ADDED_COLUMNS: &[(&str, &[&str])] = &[("reintegrated_children", &["category_en", "category_bn"])];

impl ReportDef {
    /// Every column of the answer: the row type's fields and the labels its runner adds.
    fn columns(&self) -> Vec<&'static str> {
        let added = ADDED_COLUMNS.iter().filter(|(n, _)| *n == self.name).flat_map(|(_, c)| c.iter().copied());
        (self.source.columns)().iter().copied().chain(added).collect()
    }

    /// The figures: every column that is not a dimension, in the row type's order.
    fn figures(&self) -> Vec<&'static str> {
        self.columns().into_iter().filter(|c| !self.dimensions.contains(c)).collect()
    }
}

/// The field names of a struct, as its `Deserialize` hands them to `deserialize_struct`.
fn fields_of<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{Error as _, Visitor};
    struct Catch<'a>(&'a mut &'static [&'static str]);
    impl<'de> serde::Deserializer<'de> for Catch<'_> {
        type Error = serde::de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(Self::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(Self::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Catch(&mut fields));
    fields
}

fn run_reintegrated_children(conn: &mut PgConnection, f: &ReportFilter) -> Result<Vec<Value>, ApiError> {
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

fn run_case_pipeline(conn: &mut PgConnection, f: &ReportFilter) -> Result<Vec<Value>, ApiError> {
    let today = domain::time::dhaka_date(Utc::now());
    rows(vec![reports::case_pipeline(conn, f, domain::time::whole_period(f.from, f.to, today))?])
}

fn run_cct(conn: &mut PgConnection, f: &ReportFilter) -> Result<Vec<Value>, ApiError> {
    rows(vec![reports::cct(conn, f)?])
}

/// Hides counts from 1 to SMALL_CELL-1, the money beside them, and whatever else would let a
/// reader work them back out by arithmetic on the answer (see `domain::disclosure`). Returns
/// the cells hidden. `period_start` is the answer's `from`.
fn suppress(rows: &mut [Value], def: &ReportDef, period_start: NaiveDate) -> usize {
    let (mut table, at) = lay_out(rows, def, period_start);
    let hidden = table.suppress(SMALL_CELL);
    for ((r, m), i) in at {
        let cell = table.cells[i];
        if cell.hidden && cell.published {
            if let Some(map) = rows[r].as_object_mut() {
                map.insert(m.to_owned(), Value::Null);
            }
        }
    }
    hidden
}

/// Where each (row, figure) is in the table.
type Layout = std::collections::BTreeMap<(usize, &'static str), usize>;

/// The answer as cells, with every identity between them that the report's SQL makes true.
fn lay_out(rows: &[Value], def: &ReportDef, period_start: NaiveDate) -> (domain::disclosure::Table, Layout) {
    use domain::disclosure::{Equation, Relation, Table};
    use std::collections::HashMap;
    // Published figures: counts, money and ratios; not the (public) programme rates.
    let figures: Vec<&'static str> = def.figures().into_iter().filter(|m| !def.rated.iter().any(|r| r.1 == *m)).collect();
    let is_ratio = |m: &str| def.ratios.iter().any(|(r, _)| *r == m);
    let is_count = |m: &str| !m.ends_with("_taka") && !is_ratio(m);
    let mut table = Table::default();
    let mut at = Layout::new();
    for (r, row) in rows.iter().enumerate() {
        for &m in &figures {
            if let Some(v) = row.get(m).and_then(Value::as_i64) {
                at.insert((r, m), table.add(v, is_count(m)));
            }
        }
        for &(name, total, parts) in def.remainders {
            let Some(&t) = at.get(&(r, total)) else { continue };
            let Some(parts) = parts.iter().map(|p| at.get(&(r, *p)).copied()).collect::<Option<Vec<usize>>>() else { continue };
            let rest = table.cells[t].value - parts.iter().map(|&p| table.cells[p].value).sum::<i64>();
            let i = table.add_unpublished(rest, is_count(name));
            at.insert((r, name), i);
            table.relations.push(Relation { total: t, parts: parts.into_iter().chain([i]).collect() });
        }
        for &(money, count) in def.money_of {
            if let (Some(&a), Some(&b)) = (at.get(&(r, money)), at.get(&(r, count))) {
                table.ties.push(vec![a, b]);
            }
        }
        for &(ratio, sources) in def.ratios {
            if let Some(&x) = at.get(&(r, ratio)) {
                table.ties.push([x].into_iter().chain(sources.iter().filter_map(|s| at.get(&(r, *s)).copied())).collect());
            }
        }
        for &(total, parts) in def.row_sums {
            if let Some(&t) = at.get(&(r, total)) {
                let parts = parts.iter().filter_map(|p| at.get(&(r, *p)).copied()).collect();
                table.relations.push(Relation { total: t, parts });
            }
        }
        for &(money, rate, count) in def.rated {
            if let (Some(&a), Some(rate), Some(&c)) =
                (at.get(&(r, money)), row.get(rate).and_then(Value::as_i64), at.get(&(r, count)))
            {
                table.equations.push(Equation { terms: vec![(a, 1), (c, -rate)] });
            }
        }
    }
    let known = |row: &Value, key: &str| row.get(key).is_some_and(|v| !v.is_null());
    let values = |row: &Value, keys: &[&str]| {
        keys.iter().map(|k| row.get(*k).map(Value::to_string).unwrap_or_default()).collect::<Vec<_>>()
    };
    for rollup in def.rollups {
        let at_level = |row: &Value, level: &[&str]| def.keys.iter().all(|k| known(row, k) == level.contains(k));
        let mut parts_of: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        for (r, row) in rows.iter().enumerate().filter(|(_, row)| at_level(row, rollup.parts)) {
            parts_of.entry(values(row, rollup.total)).or_default().push(r);
        }
        for (t, row) in rows.iter().enumerate().filter(|(_, row)| at_level(row, rollup.total)) {
            let members = parts_of.get(&values(row, rollup.total)).map(Vec::as_slice).unwrap_or_default();
            for &m in figures.iter().filter(|m| !is_ratio(m)) {
                let Some(&total) = at.get(&(t, m)) else { continue };
                let parts: Vec<usize> = members.iter().filter_map(|r| at.get(&(*r, m)).copied()).collect();
                if rollup.distinct.contains(&m) && parts.iter().filter(|&&p| table.cells[p].value != 0).count() > 1 {
                    continue;
                }
                table.relations.push(Relation { total, parts });
            }
        }
    }
    if let Some(flow) = &def.stock_flow {
        let first_month = period_start.with_day(1).unwrap_or(period_start);
        let month_of = |row: &Value| row.get(flow.month).and_then(Value::as_str).and_then(|m| m.parse::<NaiveDate>().ok());
        let mut row_of: HashMap<(Vec<String>, NaiveDate), usize> = HashMap::new();
        for (r, row) in rows.iter().enumerate() {
            if let Some(month) = month_of(row) {
                row_of.insert((values(row, flow.series), month), r);
            }
        }
        for (r, row) in rows.iter().enumerate() {
            let Some(month) = month_of(row) else { continue };
            let (Some(&stock), Some(&inflow), Some(&outflow)) =
                (at.get(&(r, flow.stock)), at.get(&(r, flow.inflow)), at.get(&(r, flow.outflow)))
            else {
                continue;
            };
            let mut terms = vec![(stock, 1), (inflow, -1), (outflow, 1)];
            let before = month.checked_sub_months(Months::new(1)).and_then(|m| row_of.get(&(values(row, flow.series), m)));
            match before.map(|&p| at.get(&(p, flow.stock))) {
                Some(Some(&last)) => terms.push((last, -1)),
                Some(None) => continue,
                None if month > first_month => {}
                None => continue,
            }
            table.equations.push(Equation { terms });
        }
    }
    (table, at)
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
        let mut rows = (def.source.run)(conn, &f)?;
        let suppressed = if q.suppress_small_cells.unwrap_or(false) { suppress(&mut rows, def, f.from) } else { 0 };
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
            columns: def.dimensions.iter().copied().chain(def.figures()).map(String::from).collect(),
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

/// Every report's suppression against what a reader can work out. Each model below makes
/// random answers shaped as that report's SQL makes them (its grouping sets, which rows exist,
/// many small counts), and writes each figure as a sum over unknowns (atoms: the finest
/// groups the SQL adds up, and for a figure counting each person once, the people grouped by
/// which rows they are in). The models are written from the SQL, not from the `ReportDef`
/// declarations, so a wrong declaration fails here. A hidden figure is recoverable when its
/// sum is a rational combination of the visible ones' sums.
#[cfg(test)]
mod suppression_tests {
    use super::{suppress, REPORTS, SMALL_CELL};
    use chrono::NaiveDate;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde_json::{json, Value};

    /// A figure as a sum of atoms with coefficients.
    type Form = Vec<(usize, i128)>;

    fn sum(forms: &[&Form]) -> Form {
        forms.iter().flat_map(|f| f.iter().copied()).collect()
    }

    fn times(f: &Form, k: i128) -> Form {
        f.iter().map(|&(a, c)| (a, c * k)).collect()
    }

    /// A generated answer: the rows as the SQL returns them, and what each figure adds up.
    #[derive(Default)]
    struct Answer {
        atoms: Vec<i64>,
        rows: Vec<Value>,
        forms: Vec<(usize, &'static str, Form)>,
        /// Figures not shown that must not be recoverable when a small count (or the money
        /// of the small count given).
        secrets: Vec<(&'static str, Form, Option<Form>)>,
    }

    impl Answer {
        fn atom(&mut self, value: i64) -> Form {
            self.atoms.push(value);
            vec![(self.atoms.len() - 1, 1)]
        }

        fn value(&self, f: &Form) -> i64 {
            let v: i128 = f.iter().map(|&(a, c)| c * i128::from(self.atoms[a])).sum();
            i64::try_from(v).unwrap()
        }

        fn row(&mut self, mut labels: Value, figures: Vec<(&'static str, Form)>) -> Vec<Form> {
            let r = self.rows.len();
            let mut forms = vec![];
            for (name, form) in figures {
                labels[name] = json!(self.value(&form));
                forms.push(form.clone());
                self.forms.push((r, name, form));
            }
            self.rows.push(labels);
            forms
        }

        fn secret(&mut self, what: &'static str, form: Form, money_of: Option<Form>) {
            self.secrets.push((what, form, money_of));
        }
    }

    struct Model {
        answer: Answer,
        from: NaiveDate,
        /// Counts of people (or things) in this answer: hidden when from 1 to 4.
        counts: &'static [&'static str],
        /// Money hidden whenever the count it belongs to is.
        money_of: &'static [(&'static str, &'static str)],
    }

    /// Mostly small: zeros, counts from 1 to 4, some larger.
    fn count(rng: &mut StdRng) -> i64 {
        match rng.gen_range(0..10) {
            0..=2 => 0,
            3..=6 => rng.gen_range(1..5),
            _ => rng.gen_range(5..40),
        }
    }

    fn money(rng: &mut StdRng, n: i64) -> i64 {
        n * rng.gen_range(100..2000)
    }

    /// The non-empty subsets of `0..n`, as bit sets.
    fn subsets(n: usize) -> impl Iterator<Item = usize> {
        1..(1usize << n)
    }

    fn month(k: usize) -> String {
        format!("2026-{:02}-01", 7 + k)
    }

    fn start() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
    }

    /// Adds each column of `units` (rows of forms, in the order of `names`) into one row.
    fn column_sums(names: &[&'static str], units: &[Vec<Form>]) -> Vec<(&'static str, Form)> {
        names.iter().enumerate().map(|(k, name)| (*name, sum(&units.iter().map(|u| &u[k]).collect::<Vec<_>>()))).collect()
    }

    /// Figures counting each person once: people are grouped by the set of `parts` rows they
    /// are in (an atom per set, mostly zero); a part counts the groups it is in, the total all.
    fn distinct(a: &mut Answer, rng: &mut StdRng, parts: usize) -> (Vec<Form>, Form) {
        let mut each = vec![vec![]; parts];
        let mut all = vec![];
        for set in subsets(parts) {
            let n = if rng.gen_bool(0.5) { 0 } else { count(rng) };
            let atom = a.atom(n);
            for (p, forms) in each.iter_mut().enumerate() {
                if set & (1 << p) != 0 {
                    forms.extend(atom.iter().copied());
                }
            }
            all.extend(atom);
        }
        (each, all)
    }

    fn model(name: &str, rng: &mut StdRng) -> Option<Model> {
        let mut a = Answer::default();
        let from = start();
        let (counts, money_of): (&'static [&'static str], &'static [(&'static str, &'static str)]) = match name {
            "safe_home_performance" => {
                const NAMES: [&str; 11] = [
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
                ];
                let mut units = vec![];
                for h in 0..rng.gen_range(1..=4) {
                    let mut figures = vec![];
                    let mut last = 0;
                    for name in NAMES {
                        let v = if name == "equipment_value_taka" { money(rng, last) } else { count(rng) };
                        last = v;
                        figures.push((name, a.atom(v)));
                    }
                    let labels = json!({"facility_id": format!("h{h}"), "facility_name_en": "Home", "facility_name_bn": "হোম"});
                    units.push(a.row(labels, figures));
                }
                a.row(
                    json!({"facility_id": null, "facility_name_en": null, "facility_name_bn": null}),
                    column_sums(&NAMES, &units),
                );
                (
                    &[
                        "residents_served",
                        "legal_aid",
                        "reintegrated",
                        "equipment_support",
                        "safe_deliveries",
                        "public_examinations",
                        "repatriations_in_process",
                        "repatriations_done",
                        "follow_ups_due",
                        "follow_ups_done",
                    ],
                    &[("equipment_value_taka", "equipment_support")],
                )
            }
            "reintegrated_children" => {
                // Children by the set of their risk categories (none counts as "other") and
                // sex; a category's row counts those whose set holds it, the total row all.
                let categories = rng.gen_range(1..=3);
                let sets: Vec<usize> = subsets(categories).collect();
                let by_set: Vec<[i64; 3]> =
                    sets.iter().map(|_| if rng.gen_bool(0.5) { [0; 3] } else { [count(rng), count(rng), count(rng)] }).collect();
                // A category has a row when some child has it; sets holding one without a row hold no one.
                let present: Vec<usize> = (0..categories)
                    .filter(|c| sets.iter().zip(&by_set).any(|(s, n)| s & (1 << c) != 0 && n.iter().sum::<i64>() > 0))
                    .collect();
                let mut atoms: Vec<(usize, [Form; 3])> = vec![];
                for (s, n) in sets.iter().zip(&by_set) {
                    if (0..categories).all(|c| s & (1 << c) == 0 || present.contains(&c)) {
                        atoms.push((*s, [a.atom(n[0]), a.atom(n[1]), a.atom(n[2])]));
                    }
                }
                let row_of = |a: &mut Answer, labels: Value, holds: &dyn Fn(usize) -> bool| {
                    let of = |sex: usize| sum(&atoms.iter().filter(|(s, _)| holds(*s)).map(|(_, f)| &f[sex]).collect::<Vec<_>>());
                    let (boys, girls, hijra) = (of(0), of(1), of(2));
                    let total = sum(&[&boys, &girls, &hijra]);
                    a.row(labels, vec![("boys", boys), ("girls", girls), ("hijra", hijra), ("total", total)]);
                };
                for &c in &present {
                    row_of(&mut a, json!({"category": format!("c{c}"), "category_en": "C", "category_bn": "গ"}), &|s| {
                        s & (1 << c) != 0
                    });
                }
                row_of(&mut a, json!({"category": null, "category_en": "Total", "category_bn": "মোট"}), &|_| true);
                (&["boys", "girls", "hijra", "total"], &[])
            }
            "case_pipeline" => {
                const NAMES: [&str; 14] = [
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
                ];
                let figures = NAMES.iter().map(|n| (*n, a.atom(count(rng)))).collect();
                a.row(json!({}), figures);
                (&NAMES, &[])
            }
            "centre_totals" => {
                const NAMES: [&str; 4] = ["children_served", "boys", "girls", "reintegrated"];
                let mut units = vec![];
                let mut hijra = vec![];
                for c in 0..rng.gen_range(1..=4) {
                    let (m, f, h) = loop {
                        let n = (count(rng), count(rng), if rng.gen_bool(0.5) { 0 } else { count(rng) });
                        if n.0 + n.1 + n.2 > 0 {
                            break n;
                        }
                    };
                    let (boys, girls, hijra_here) = (a.atom(m), a.atom(f), a.atom(h));
                    let reintegrated = a.atom(rng.gen_range(0..=m + f + h));
                    let served = sum(&[&boys, &girls, &hijra_here]);
                    let labels =
                        json!({"facility_id": format!("c{c}"), "facility_name_en": "Centre", "facility_name_bn": "কেন্দ্র"});
                    units.push(a.row(
                        labels,
                        vec![("children_served", served), ("boys", boys), ("girls", girls), ("reintegrated", reintegrated)],
                    ));
                    hijra.push(hijra_here);
                }
                a.row(
                    json!({"facility_id": null, "facility_name_en": null, "facility_name_bn": null}),
                    column_sums(&NAMES, &units),
                );
                let all = sum(&hijra.iter().collect::<Vec<_>>());
                for h in hijra.into_iter().chain([all]) {
                    a.secret("hijra children", h, None);
                }
                (&["children_served", "boys", "girls", "reintegrated"], &[])
            }
            "allowance_beneficiaries" => {
                // Beneficiaries by upazila, programme, sex and level; each level at its rate.
                let programmes: [&[i64]; 2] = [&[6], &[8, 11]];
                for (p, rates) in programmes.iter().enumerate() {
                    let mut units = vec![];
                    let mut rates_used = vec![];
                    for u in 1..=rng.gen_range(1..=3) {
                        for sex in ["female", "male", "hijra"] {
                            let levels: Vec<i64> = rates.iter().map(|_| if rng.gen_bool(0.4) { 0 } else { count(rng) }).collect();
                            if levels.iter().all(|n| *n == 0) {
                                continue;
                            }
                            let used: Vec<i64> = rates.iter().zip(&levels).filter(|(_, n)| **n > 0).map(|(r, _)| *r).collect();
                            let level_forms: Vec<Form> = levels.iter().filter(|n| **n > 0).map(|n| a.atom(*n)).collect();
                            let beneficiaries = sum(&level_forms.iter().collect::<Vec<_>>());
                            let amount = level_forms.iter().zip(&used).flat_map(|(f, r)| times(f, i128::from(*r))).collect();
                            let rate = if used.len() == 1 { json!(used[0]) } else { Value::Null };
                            let labels =
                                json!({"upazila_id": u, "programme": format!("p{p}"), "sex": sex, "monthly_rate_taka": rate});
                            units.push(a.row(labels, vec![("beneficiaries", beneficiaries), ("monthly_amount_taka", amount)]));
                            rates_used.extend(used);
                        }
                    }
                    if units.is_empty() {
                        continue;
                    }
                    rates_used.sort_unstable();
                    rates_used.dedup();
                    let rate = if rates_used.len() == 1 { json!(rates_used[0]) } else { Value::Null };
                    let labels =
                        json!({"upazila_id": null, "programme": format!("p{p}"), "sex": null, "monthly_rate_taka": rate});
                    a.row(labels, column_sums(&["beneficiaries", "monthly_amount_taka"], &units));
                }
                (&["beneficiaries"], &[("monthly_amount_taka", "beneficiaries")])
            }
            "payment_cycles" => {
                for c in 0..rng.gen_range(1..=4) {
                    // Paid, failed, carried, pending.
                    let n: Vec<i64> = (0..4).map(|_| count(rng)).collect();
                    let counts: Vec<Form> = n.iter().map(|&k| a.atom(k)).collect();
                    let amounts: Vec<Form> =
                        n.iter().map(|&k| money(rng, k)).collect::<Vec<_>>().into_iter().map(|m| a.atom(m)).collect();
                    let labels = json!({"cycle_id": format!("y{c}"), "programme": "old_age", "upazila_id": null,
                        "period_start": "2026-07-01", "period_end": "2026-09-30", "status": "approved"});
                    a.row(
                        labels,
                        vec![
                            ("payments", sum(&counts.iter().collect::<Vec<_>>())),
                            ("amount_taka", sum(&amounts.iter().collect::<Vec<_>>())),
                            ("paid", counts[0].clone()),
                            ("paid_taka", amounts[0].clone()),
                            ("failed", sum(&[&counts[1], &counts[2]])),
                            ("failed_taka", sum(&[&amounts[1], &amounts[2]])),
                        ],
                    );
                    a.secret("pending payments", counts[3].clone(), None);
                    a.secret("pending money", amounts[3].clone(), Some(counts[3].clone()));
                }
                (
                    &["payments", "paid", "failed"],
                    &[("amount_taka", "payments"), ("paid_taka", "paid"), ("failed_taka", "failed")],
                )
            }
            "cct" => {
                let paid = count(rng);
                let figures = vec![
                    ("children_enrolled", a.atom(count(rng))),
                    ("instalments_paid", a.atom(paid)),
                    ("amount_paid_taka", a.atom(money(rng, paid))),
                    ("held_for_breach", a.atom(count(rng))),
                ];
                a.row(json!({}), figures);
                (&["children_enrolled", "instalments_paid", "held_for_breach"], &[("amount_paid_taka", "instalments_paid")])
            }
            "microcredit_funds" => {
                const NAMES: [&str; 7] = [
                    "capital_received_taka",
                    "invested_taka",
                    "reinvested_taka",
                    "outstanding_principal_taka",
                    "principal_recovered_taka",
                    "charge_collected_taka",
                    "written_off_taka",
                ];
                let mut units = vec![];
                let permille =
                    |invested: i64, recovered: i64| if invested == 0 { None } else { Some(recovered * 1000 / invested) };
                let (mut lent, mut back) = (0, 0);
                for f in 0..rng.gen_range(1..=3) {
                    let capital = rng.gen_range(0..100_000);
                    let invested = rng.gen_range(0..=capital);
                    let recovered = rng.gen_range(0..=invested);
                    let reinvested = rng.gen_range(0..=recovered);
                    let written_off = rng.gen_range(0..=(invested + reinvested - recovered));
                    let [c, i, r, p, w] = [capital, invested, reinvested, recovered, written_off].map(|v| a.atom(v));
                    let charge = a.atom(rng.gen_range(0..5000));
                    let outstanding = sum(&[&i, &r, &times(&p, -1), &times(&w, -1)]);
                    let labels = json!({"upazila_id": 1, "fund_id": format!("f{f}"), "programme": "rss", "source_en": "S", "source_bn": "স",
                        "recovery_permille": permille(invested + reinvested, recovered)});
                    units.push(a.row(
                        labels,
                        vec![
                            (NAMES[0], c),
                            (NAMES[1], i),
                            (NAMES[2], r),
                            (NAMES[3], outstanding),
                            (NAMES[4], p),
                            (NAMES[5], charge),
                            (NAMES[6], w),
                        ],
                    ));
                    lent += invested + reinvested;
                    back += recovered;
                }
                let labels = json!({"upazila_id": null, "fund_id": null, "programme": null, "source_en": null, "source_bn": null,
                    "recovery_permille": permille(lent, back)});
                a.row(labels, column_sums(&NAMES, &units));
                (&[], &[])
            }
            "microcredit_borrowers" => {
                const NAMES: [&str; 5] = ["men", "women", "hijra", "borrowers", "amount_taka"];
                let mut programmes = vec![];
                for p in 0..rng.gen_range(1..=3) {
                    let mut tranches = vec![];
                    for t in ["invested", "reinvested"] {
                        let n = [count(rng), count(rng), if rng.gen_bool(0.5) { 0 } else { count(rng) }];
                        if n.iter().all(|k| *k == 0) {
                            continue;
                        }
                        let [men, women, hijra] = n.map(|k| a.atom(k));
                        let borrowers = sum(&[&men, &women, &hijra]);
                        let amount = a.atom(money(rng, n.iter().sum()));
                        let labels = json!({"programme": format!("p{p}"), "tranche": t});
                        tranches.push(a.row(
                            labels,
                            vec![
                                ("men", men),
                                ("women", women),
                                ("hijra", hijra),
                                ("borrowers", borrowers),
                                ("amount_taka", amount),
                            ],
                        ));
                    }
                    if !tranches.is_empty() {
                        programmes
                            .push(a.row(json!({"programme": format!("p{p}"), "tranche": null}), column_sums(&NAMES, &tranches)));
                    }
                }
                a.row(json!({"programme": null, "tranche": null}), column_sums(&NAMES, &programmes));
                (&["men", "women", "hijra", "borrowers"], &[("amount_taka", "borrowers")])
            }
            "microcredit_portfolio_at_risk" => {
                let mut units = vec![];
                for bucket in ["current", "days_1_30", "days_31_60", "days_61_90", "over_90"] {
                    let n = count(rng);
                    let loans = a.atom(n);
                    let outstanding = a.atom(money(rng, n));
                    units.push(
                        a.row(json!({"bucket": bucket}), vec![("loans", loans), ("outstanding_principal_taka", outstanding)]),
                    );
                }
                a.row(json!({"bucket": null}), column_sums(&["loans", "outstanding_principal_taka"], &units));
                (&["loans"], &[("outstanding_principal_taka", "loans")])
            }
            "microcredit_flows" => {
                const NAMES: [&str; 5] =
                    ["loans_disbursed", "disbursed_taka", "repayments", "principal_recovered_taka", "charge_collected_taka"];
                for p in 0..rng.gen_range(1..=2) {
                    let mut months = vec![];
                    for m in 0..3 {
                        let (loans, repayments) = (count(rng), count(rng));
                        if loans + repayments == 0 && rng.gen_bool(0.5) {
                            continue;
                        }
                        let figures = vec![
                            (NAMES[0], a.atom(loans)),
                            (NAMES[1], a.atom(money(rng, loans))),
                            (NAMES[2], a.atom(repayments)),
                            (NAMES[3], a.atom(money(rng, repayments))),
                            (NAMES[4], a.atom(money(rng, repayments) / 10)),
                        ];
                        months.push(a.row(json!({"month": month(m), "programme": format!("p{p}")}), figures));
                    }
                    if !months.is_empty() {
                        a.row(json!({"month": null, "programme": format!("p{p}")}), column_sums(&NAMES, &months));
                    }
                }
                (
                    &["loans_disbursed", "repayments"],
                    &[
                        ("disbursed_taka", "loans_disbursed"),
                        ("principal_recovered_taka", "repayments"),
                        ("charge_collected_taka", "repayments"),
                    ],
                )
            }
            "disability_cards" => {
                const NAMES: [&str; 4] = ["male", "female", "hijra", "cards"];
                let mut units = vec![];
                for u in 1..=rng.gen_range(1..=3) {
                    for kind in ["visual", "physical"] {
                        let n = [count(rng), count(rng), if rng.gen_bool(0.6) { 0 } else { count(rng) }];
                        if n.iter().all(|k| *k == 0) {
                            continue;
                        }
                        let [male, female, hijra] = n.map(|k| a.atom(k));
                        let cards = sum(&[&male, &female, &hijra]);
                        units.push(a.row(
                            json!({"upazila_id": u, "disability_type": kind}),
                            vec![("male", male), ("female", female), ("hijra", hijra), ("cards", cards)],
                        ));
                    }
                }
                a.row(json!({"upazila_id": null, "disability_type": null}), column_sums(&NAMES, &units));
                (&NAMES, &[])
            }
            "voluntary_organisations" => {
                const NAMES: [&str; 6] =
                    ["registered", "active", "suspended", "dissolved", "applications_pending", "registered_in_period"];
                let mut units = vec![];
                for d in 1..=rng.gen_range(1..=4) {
                    let n: Vec<i64> = (0..5).map(|_| count(rng)).collect();
                    if n.iter().all(|k| *k == 0) {
                        continue;
                    }
                    let [active, suspended, dissolved, pending, granted] = [n[0], n[1], n[2], n[3], n[4]].map(|k| a.atom(k));
                    let registered = sum(&[&active, &suspended]);
                    let figures = vec![
                        (NAMES[0], registered),
                        (NAMES[1], active),
                        (NAMES[2], suspended),
                        (NAMES[3], dissolved),
                        (NAMES[4], pending),
                        (NAMES[5], granted),
                    ];
                    units.push(a.row(json!({"district_id": d}), figures));
                }
                a.row(json!({"district_id": null}), column_sums(&NAMES, &units));
                (&NAMES, &[])
            }
            "hospital_aid" => {
                const MONEY: [&str; 6] =
                    ["medicine_taka", "tests_taka", "devices_taka", "burn_treatment_taka", "cash_taka", "other_taka"];
                let mut cells = vec![];
                for f in 0..rng.gen_range(1..=2) {
                    for m in 0..rng.gen_range(1..=2) {
                        cells.push((f, m));
                    }
                }
                // Patients by the set of hospital-months they were helped in.
                let (patients, everyone) = distinct(&mut a, rng, cells.len());
                let mut units = vec![];
                for (k, (f, m)) in cells.iter().enumerate() {
                    let n = a.value(&patients[k]);
                    let items = a.atom(count(rng));
                    let kinds: Vec<Form> = MONEY
                        .iter()
                        .map(|_| if rng.gen_bool(0.5) { 0 } else { money(rng, n.max(1)) })
                        .collect::<Vec<_>>()
                        .into_iter()
                        .map(|v| a.atom(v))
                        .collect();
                    let amount = sum(&kinds.iter().collect::<Vec<_>>());
                    let mut figures = vec![("patients", patients[k].clone()), ("aid_items", items)];
                    figures.extend(MONEY.iter().copied().zip(kinds));
                    figures.push(("amount_taka", amount));
                    let labels = json!({"facility_id": format!("h{f}"), "facility_name_en": "H", "facility_name_bn": "হ", "month": month(*m)});
                    units.push(a.row(labels, figures));
                }
                let mut names = vec!["patients", "aid_items"];
                names.extend(MONEY);
                names.push("amount_taka");
                let mut total = column_sums(&names, &units);
                total[0].1 = everyone;
                a.row(json!({"facility_id": null, "facility_name_en": null, "facility_name_bn": null, "month": null}), total);
                (
                    &["patients", "aid_items"],
                    &[
                        ("amount_taka", "patients"),
                        ("medicine_taka", "patients"),
                        ("tests_taka", "patients"),
                        ("devices_taka", "patients"),
                        ("burn_treatment_taka", "patients"),
                        ("cash_taka", "patients"),
                        ("other_taka", "patients"),
                    ],
                )
            }
            "institution_residents" => {
                // By facility, sex and month: admissions and departures; residents at a month's
                // end are all admissions up to it less all departures, those before the period
                // (unknown) included; a facility's rows begin with its first month that has any.
                let months = rng.gen_range(1..=3);
                for f in 0..rng.gen_range(1..=2) {
                    let first = rng.gen_range(0..months);
                    let mut stock: Vec<Form> = (0..3).map(|_| if first == 0 { a.atom(count(rng)) } else { vec![] }).collect();
                    let mut held: Vec<i64> = stock.iter().map(|s| a.value(s)).collect();
                    for m in first..months {
                        let mut admitted = vec![];
                        let mut departed = vec![];
                        for sex in 0..3 {
                            let (i, o) = (count(rng) / 2, rng.gen_range(0..=held[sex]));
                            held[sex] += i - o;
                            let (i, o) = (a.atom(i), a.atom(o));
                            stock[sex] = sum(&[&stock[sex], &i, &times(&o, -1)]);
                            admitted.push(i);
                            departed.push(o);
                        }
                        let labels = json!({"facility_id": format!("i{f}"), "facility_name_en": "I", "facility_name_bn": "প্র", "facility_type": "home", "month": month(m)});
                        let figures = vec![
                            ("female", stock[0].clone()),
                            ("male", stock[1].clone()),
                            ("hijra", stock[2].clone()),
                            ("residents", sum(&stock.iter().collect::<Vec<_>>())),
                            ("admitted", sum(&admitted.iter().collect::<Vec<_>>())),
                            ("departed", sum(&departed.iter().collect::<Vec<_>>())),
                        ];
                        a.row(labels, figures);
                    }
                }
                (&["female", "male", "hijra", "residents", "admitted", "departed"], &[])
            }
            "capitation_grants" => {
                let rate = if rng.gen_bool(0.8) { Some(rng.gen_range(5..12)) } else { None };
                let mut units = vec![];
                let mut presents = vec![];
                for o in 0..rng.gen_range(1..=3) {
                    let (present, absent, paid) = (count(rng), count(rng) / 2, count(rng));
                    let [allotted, present, absent, payments] = [count(rng) + present, present, absent, paid].map(|k| a.atom(k));
                    let amount = a.atom(money(rng, paid));
                    let grant = rate.map(|r| times(&present, r)).unwrap_or_default();
                    let labels = json!({"organisation_id": format!("o{o}"), "organisation_name_en": "O", "organisation_name_bn": "ও", "monthly_rate_taka": rate});
                    let figures = vec![
                        ("allotted", allotted),
                        ("listed", sum(&[&present, &absent])),
                        ("absent", absent),
                        ("monthly_grant_taka", grant),
                        ("payments", payments),
                        ("amount_taka", amount),
                    ];
                    units.push(a.row(labels, figures));
                    presents.push(present);
                }
                let labels = json!({"organisation_id": null, "organisation_name_en": null, "organisation_name_bn": null, "monthly_rate_taka": rate});
                a.row(
                    labels,
                    column_sums(&["allotted", "listed", "absent", "monthly_grant_taka", "payments", "amount_taka"], &units),
                );
                let all = sum(&presents.iter().collect::<Vec<_>>());
                for p in presents.into_iter().chain([all]) {
                    a.secret("orphans present", p, None);
                }
                (&["allotted", "listed", "absent", "payments"], &[("monthly_grant_taka", "listed"), ("amount_taka", "payments")])
            }
            "referrals_by_provider" => {
                // Referrals by district, service and provider; a group has a row when it has
                // referrals, each district and service its subtotal, and the total always.
                let mut subtotals = vec![];
                for d in 1..=rng.gen_range(1..=3) {
                    for service in ["health", "legal_aid"] {
                        let mut parts = vec![];
                        for p in ["e1", "e2", "other"] {
                            let n = count(rng);
                            if n == 0 {
                                continue;
                            }
                            let labels = json!({"district_id": d, "service": service, "provider": p, "provider_name_en": "P", "provider_name_bn": "প"});
                            let referrals = a.atom(n);
                            parts.push(a.row(labels, vec![("referrals", referrals)]));
                        }
                        if !parts.is_empty() {
                            let labels = json!({"district_id": d, "service": service, "provider": null, "provider_name_en": null, "provider_name_bn": null});
                            subtotals.push(a.row(labels, column_sums(&["referrals"], &parts)));
                        }
                    }
                }
                let labels = json!({"district_id": null, "service": null, "provider": null, "provider_name_en": null, "provider_name_bn": null});
                a.row(labels, column_sums(&["referrals"], &subtotals));
                (&["referrals"], &[])
            }
            "helpline_contacts" => {
                const NAMES: [&str; 7] = [
                    "contacts",
                    "information",
                    "counselling",
                    "referral",
                    "mobile_team_sent",
                    "emergency_response",
                    "case_opened",
                ];
                // Per channel, contacts by the set of their categories (each has one or more);
                // each measure its own atoms. A category has a row when some contact has it.
                let mut channels = vec![];
                for ch in 0..rng.gen_range(1..=3) {
                    let categories = rng.gen_range(1..=3);
                    let by_set: Vec<(usize, [i64; 7])> = subsets(categories)
                        .map(|s| (s, if rng.gen_bool(0.5) { [0; 7] } else { [(); 7].map(|_| count(rng)) }))
                        .map(|(s, mut n)| {
                            n[0] = n.iter().copied().max().unwrap_or(0);
                            (s, n)
                        })
                        .collect();
                    let present: Vec<usize> =
                        (0..categories).filter(|c| by_set.iter().any(|(s, n)| s & (1 << c) != 0 && n[0] > 0)).collect();
                    if present.is_empty() {
                        continue;
                    }
                    let atoms: Vec<(usize, Vec<Form>)> = by_set
                        .iter()
                        .filter(|(s, _)| (0..categories).all(|c| s & (1 << c) == 0 || present.contains(&c)))
                        .map(|(s, n)| (*s, n.iter().map(|k| a.atom(*k)).collect()))
                        .collect();
                    let of = |holds: &dyn Fn(usize) -> bool| -> Vec<(&'static str, Form)> {
                        NAMES
                            .iter()
                            .enumerate()
                            .map(|(k, name)| {
                                (*name, sum(&atoms.iter().filter(|(s, _)| holds(*s)).map(|(_, f)| &f[k]).collect::<Vec<_>>()))
                            })
                            .collect()
                    };
                    for &c in &present {
                        a.row(json!({"channel": format!("ch{ch}"), "category": format!("c{c}")}), of(&|s| s & (1 << c) != 0));
                    }
                    channels.push(a.row(json!({"channel": format!("ch{ch}"), "category": null}), of(&|_| true)));
                }
                a.row(json!({"channel": null, "category": null}), column_sums(&NAMES, &channels));
                (&NAMES, &[])
            }
            "service_point_children" => {
                const NAMES: [&str; 5] = ["days", "girls", "boys", "hijra", "children"];
                let mut units = vec![];
                for s in 0..rng.gen_range(1..=4) {
                    let days = a.atom(rng.gen_range(1..8));
                    let [girls, boys, hijra] =
                        [count(rng), count(rng), if rng.gen_bool(0.6) { 0 } else { count(rng) }].map(|k| a.atom(k));
                    let children = sum(&[&girls, &boys, &hijra]);
                    let labels = json!({"facility_id": format!("s{s}"), "facility_name_en": "S", "facility_name_bn": "স", "facility_type": "drop_in_centre"});
                    units.push(a.row(
                        labels,
                        vec![("days", days), ("girls", girls), ("boys", boys), ("hijra", hijra), ("children", children)],
                    ));
                }
                a.row(
                    json!({"facility_id": null, "facility_name_en": null, "facility_name_bn": null, "facility_type": null}),
                    column_sums(&NAMES, &units),
                );
                (&NAMES, &[])
            }
            _ => return None,
        };
        Some(Model { answer: a, from, counts, money_of })
    }

    /// Forms in echelon form over the rationals (fraction-free integer elimination; an
    /// overflow fails the test rather than answering wrongly).
    struct Span {
        width: usize,
        basis: Vec<(usize, Vec<i128>)>,
    }

    impl Span {
        fn dense(&self, f: &Form) -> Vec<i128> {
            let mut v = vec![0; self.width];
            for &(a, c) in f {
                v[a] += c;
            }
            v
        }

        fn reduce(&self, v: &mut [i128]) {
            for (col, b) in &self.basis {
                if v[*col] != 0 {
                    let (x, y) = (b[*col], v[*col]);
                    for (vi, bi) in v.iter_mut().zip(b) {
                        *vi = vi
                            .checked_mul(x)
                            .and_then(|p| bi.checked_mul(y).and_then(|q| p.checked_sub(q)))
                            .expect("the checker overflowed");
                    }
                    let g = v.iter().fold(0, |g, &e| gcd(g, e));
                    if g > 1 {
                        v.iter_mut().for_each(|e| *e /= g);
                    }
                }
            }
        }

        fn insert(&mut self, f: &Form) {
            let mut v = self.dense(f);
            self.reduce(&mut v);
            if let Some(col) = v.iter().position(|&e| e != 0) {
                self.basis.push((col, v));
            }
        }

        /// Whether a figure with this form can be worked out (a constant, zero, tells nothing).
        fn gives_away(&self, f: &Form) -> bool {
            let mut v = self.dense(f);
            if v.iter().all(|&e| e == 0) {
                return false;
            }
            self.reduce(&mut v);
            v.iter().all(|&e| e == 0)
        }
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 {
            a.abs()
        } else {
            gcd(b, a % b)
        }
    }

    /// What is wrong with the suppressed answer `shown`, if anything.
    fn faults(m: &Model, shown: &[Value]) -> Vec<String> {
        let a = &m.answer;
        let hidden = |r: usize, col: &str| shown[r][col].is_null();
        let mut span = Span { width: a.atoms.len(), basis: vec![] };
        for (r, col, form) in &a.forms {
            if !hidden(*r, col) {
                span.insert(form);
            }
        }
        let mut faults = vec![];
        for (r, col, form) in &a.forms {
            let value = a.value(form);
            if m.counts.contains(col) && (1..SMALL_CELL).contains(&value) && !hidden(*r, col) {
                faults.push(format!("(a) row {r} shows {col} = {value}"));
            }
            if hidden(*r, col) && span.gives_away(form) {
                faults.push(format!("(c) row {r} {col} = {value} is hidden but can be worked out"));
            }
        }
        for (r, row) in a.rows.iter().enumerate() {
            for (money, count) in m.money_of {
                if row[count].is_i64() && hidden(r, count) && row[money].is_i64() && !hidden(r, money) {
                    faults.push(format!("(b) row {r} hides {count} but shows {money}"));
                }
            }
        }
        for (what, form, money_of) in &a.secrets {
            let value = a.value(form);
            if (1..SMALL_CELL).contains(&a.value(money_of.as_ref().unwrap_or(form))) && span.gives_away(form) {
                faults.push(format!("(d) {what} = {value} (not shown) can be worked out"));
            }
        }
        faults
    }

    fn check(name: &str, cases: u64) {
        let def = REPORTS.iter().find(|d| d.name == name).unwrap();
        for seed in 0..cases {
            let mut rng = StdRng::seed_from_u64(seed);
            let m = model(name, &mut rng).unwrap();
            let mut shown = m.answer.rows.clone();
            suppress(&mut shown, def, m.from);
            let faults = faults(&m, &shown);
            assert!(
                faults.is_empty(),
                "{name}, seed {seed}: {faults:#?}\nbefore: {:#}\nafter: {:#}",
                json!(m.answer.rows),
                json!(shown)
            );
        }
    }

    /// Two answers of one report that differ by one filter: a district's allowance
    /// beneficiaries, and one of its upazilas' (the same rows for that upazila, and programme
    /// totals over them). Each is suppressed on its own, so a reader holding both may subtract
    /// across them: the upazila's programme total, less its rows that the district's answer
    /// shows, gives back a row both hide. Suppressing consistently across answers needs the
    /// parent's pattern when answering for the child; not done, so this documents the gap.
    #[test]
    #[ignore = "known gap: suppression is per answer; an area and its parent together can leak"]
    fn an_area_and_its_parent_together_give_nothing_away() {
        let def = REPORTS.iter().find(|d| d.name == "allowance_beneficiaries").unwrap();
        let mut leaks = vec![];
        for seed in 0..400 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut m = model(def.name, &mut rng).unwrap();
            // The upazila's answer: its rows, and each programme's total over them.
            let parent_rows = m.answer.rows.len();
            let mine: Vec<usize> = (0..parent_rows).filter(|&r| m.answer.rows[r]["upazila_id"] == 1).collect();
            for programme in ["p0", "p1"] {
                let rows: Vec<usize> = mine.iter().copied().filter(|&r| m.answer.rows[r]["programme"] == programme).collect();
                if rows.is_empty() {
                    continue;
                }
                // One rate when every row shows the same one (a row without one mixes levels).
                let rates: Vec<&Value> = rows.iter().map(|&r| &m.answer.rows[r]["monthly_rate_taka"]).collect();
                let rate = if rates.iter().all(|r| *r == rates[0] && !r.is_null()) { rates[0].clone() } else { Value::Null };
                let column = |col: &str| {
                    let forms: Vec<&Form> =
                        m.answer.forms.iter().filter(|(r, c, _)| rows.contains(r) && *c == col).map(|(_, _, f)| f).collect();
                    sum(&forms)
                };
                let figures =
                    vec![("beneficiaries", column("beneficiaries")), ("monthly_amount_taka", column("monthly_amount_taka"))];
                let labels = json!({"upazila_id": null, "programme": programme, "sex": null, "monthly_rate_taka": rate});
                m.answer.row(labels, figures);
            }
            let mut child: Vec<Value> =
                mine.iter().map(|&r| m.answer.rows[r].clone()).chain(m.answer.rows[parent_rows..].iter().cloned()).collect();
            let mut parent: Vec<Value> = m.answer.rows[..parent_rows].to_vec();
            suppress(&mut parent, def, m.from);
            suppress(&mut child, def, m.from);
            // Each generated row as the reader sees it: hidden if either answer hides it where it appears.
            let index_in_child =
                |r: usize| mine.iter().position(|&x| x == r).or((r >= parent_rows).then(|| mine.len() + r - parent_rows));
            let mut span = Span { width: m.answer.atoms.len(), basis: vec![] };
            for (r, col, form) in &m.answer.forms {
                let in_parent = (*r < parent_rows).then(|| &parent[*r]);
                let in_child = index_in_child(*r).map(|k| &child[k]);
                if in_parent.into_iter().chain(in_child).any(|row| !row[*col].is_null()) {
                    span.insert(form);
                }
            }
            for (r, col, form) in &m.answer.forms {
                let in_parent = (*r < parent_rows).then(|| &parent[*r]);
                let in_child = index_in_child(*r).map(|k| &child[k]);
                if in_parent.into_iter().chain(in_child).all(|row| row[*col].is_null()) && span.gives_away(form) {
                    leaks.push(format!("seed {seed}: row {r} {col} = {}", m.answer.value(form)));
                }
            }
        }
        assert!(leaks.is_empty(), "{} leaks across the two answers, e.g. {:#?}", leaks.len(), &leaks[..leaks.len().min(5)]);
    }

    macro_rules! every_report {
        ($($name:ident),* $(,)?) => {
            $(
                #[test]
                fn $name() {
                    check(stringify!($name), 1000);
                }
            )*

            #[test]
            fn every_report_in_the_catalogue_is_modelled() {
                let modelled = [$(stringify!($name)),*];
                for def in REPORTS {
                    assert!(modelled.contains(&def.name), "{} has no model here", def.name);
                    assert!(model(def.name, &mut StdRng::seed_from_u64(0)).is_some());
                }
            }
        };
    }

    every_report!(
        safe_home_performance,
        reintegrated_children,
        case_pipeline,
        centre_totals,
        allowance_beneficiaries,
        payment_cycles,
        cct,
        microcredit_funds,
        microcredit_borrowers,
        microcredit_portfolio_at_risk,
        microcredit_flows,
        disability_cards,
        voluntary_organisations,
        hospital_aid,
        institution_residents,
        capitation_grants,
        helpline_contacts,
        service_point_children,
        referrals_by_provider,
    );
}

#[cfg(test)]
mod columns_check {
    use super::*;

    /// Every name a report's declaration uses is a column of its row type: a field renamed in
    /// the SQL's row fails here, not silently in suppression.
    #[test]
    fn every_declared_name_is_a_column_of_the_row_type() {
        for def in REPORTS {
            // (A remainder is not published but is named: what a total holds beyond its parts.)
            let columns: Vec<&str> = def.columns().into_iter().chain(def.remainders.iter().map(|r| r.0)).collect();
            let mut named: Vec<&str> = def.dimensions.iter().chain(def.keys).copied().collect();
            for r in def.rollups {
                named.extend(r.total.iter().chain(r.parts).chain(r.distinct));
            }
            for (t, parts) in def.row_sums {
                named.push(t);
                named.extend(*parts);
            }
            for (_, t, parts) in def.remainders {
                named.push(t);
                named.extend(*parts);
            }
            for (a, b, c) in def.rated {
                named.extend([*a, *b, *c]);
            }
            for (r, from) in def.ratios {
                named.push(r);
                named.extend(*from);
            }
            for (a, b) in def.money_of {
                named.extend([*a, *b]);
            }
            if let Some(sf) = &def.stock_flow {
                named.extend(sf.series.iter().copied().chain([sf.month, sf.stock, sf.inflow, sf.outflow]));
            }
            for n in named {
                assert!(columns.contains(&n), "{}: {n} is not a column of its row", def.name);
            }
            assert!(!def.figures().is_empty(), "{} has figures", def.name);
            assert!(def.dimensions.iter().all(|d| columns.contains(d)), "{}", def.name);
        }
    }
}
