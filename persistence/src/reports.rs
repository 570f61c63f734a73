//! Aggregate reports, computed in SQL over the case aggregates and the allowance tables.
//! Only counts and sums leave here: no names, no identifiers.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text, Uuid as SqlUuid};
use domain::id::{FacilityId, LoanFundId, PaymentCycleId, VoluntaryOrganisationId};
use domain::time::WholePeriod;
use uuid::Uuid;

use crate::columns::OptionalId;

/// Filters every report accepts: the period and the area (and, for case reports, a facility).
#[derive(Debug, Clone)]
pub struct ReportFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub division_id: Option<i32>,
    pub district_id: Option<i32>,
    pub upazila_id: Option<i32>,
    pub facility_id: Option<FacilityId>,
}

/// The area and facility condition on a table aliased `c` with division/district/upazila ids
/// and (for cases) managing/residence facility columns; binds are :division_id..:facility_id.
const CASE_AREA: &str =
    "(:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
    AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id)
    AND (:facility_id::uuid IS NULL OR c.managing_facility_id = :facility_id OR c.residence_facility_id = :facility_id)";

/// A value for a named parameter of a report statement.
#[derive(Debug, Clone, Copy)]
enum Param<'a> {
    Date(NaiveDate),
    Int(Option<i32>),
    Uuid(Option<Uuid>),
    Text(&'a str),
}

/// The statement with its named parameters (`:from`, `:to`, `:division_id`, `:district_id`,
/// `:upazila_id`, `:facility_id`, and any in `extra`) turned into `$n` in order of first use,
/// and only those bound: no positional arithmetic, no predicates to use up binds. (`::` casts
/// are not names.)
fn statement<'a>(sql: &str, f: &ReportFilter, extra: &[(&str, Param<'a>)]) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    let mut params: Vec<(&str, Param<'a>)> = vec![
        ("from", Param::Date(f.from)),
        ("to", Param::Date(f.to)),
        ("division_id", Param::Int(f.division_id)),
        ("district_id", Param::Int(f.district_id)),
        ("upazila_id", Param::Int(f.upazila_id)),
        ("facility_id", Param::Uuid(f.facility_id.map(Uuid::from))),
    ];
    params.extend_from_slice(extra);
    let (text, order) = number_names(sql, &params.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    let mut q = diesel::sql_query(text).into_boxed();
    for name in order {
        let Some((_, value)) = params.iter().find(|(n, _)| *n == name) else { continue };
        q = match *value {
            Param::Date(d) => q.bind::<Date, _>(d),
            Param::Int(i) => q.bind::<Nullable<Integer>, _>(i),
            Param::Uuid(u) => q.bind::<Nullable<SqlUuid>, _>(u),
            Param::Text(t) => q.bind::<Text, _>(t.to_owned()),
        };
    }
    q
}

/// Replaces each `:name` of `names` with `$n` (the same name, the same number); returns the
/// text and the names in bind order.
fn number_names<'n>(sql: &str, names: &[&'n str]) -> (String, Vec<&'n str>) {
    let mut out = String::with_capacity(sql.len());
    let mut order: Vec<&'n str> = vec![];
    let mut rest = sql;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let ident: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let is_cast = out.ends_with(':') || after.starts_with(':');
        match names.iter().find(|n| **n == ident).filter(|_| !is_cast) {
            Some(name) => {
                let n = order.iter().position(|o| o == name).unwrap_or_else(|| {
                    order.push(name);
                    order.len() - 1
                });
                out.push_str(&format!("${}", n + 1));
                rest = &after[ident.len()..];
            }
            None => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, order)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct SafeHomeRow {
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<FacilityId>)]
    pub facility_id: Option<FacilityId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_bn: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub residents_served: i64,
    #[diesel(sql_type = BigInt)]
    pub legal_aid: i64,
    #[diesel(sql_type = BigInt)]
    pub reintegrated: i64,
    #[diesel(sql_type = BigInt)]
    pub equipment_support: i64,
    #[diesel(sql_type = BigInt)]
    pub equipment_value_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub safe_deliveries: i64,
    #[diesel(sql_type = BigInt)]
    pub public_examinations: i64,
    #[diesel(sql_type = BigInt)]
    pub repatriations_in_process: i64,
    #[diesel(sql_type = BigInt)]
    pub repatriations_done: i64,
    #[diesel(sql_type = BigInt)]
    pub follow_ups_due: i64,
    #[diesel(sql_type = BigInt)]
    pub follow_ups_done: i64,
}

/// Safe-home performance per home, and a total row (`facility_id` null).
pub fn safe_home_performance(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<SafeHomeRow>> {
    let sql = format!(
        r#"
        WITH c AS (SELECT * FROM cases c WHERE c.kind = 'safe_home' AND {CASE_AREA}),
        per_case AS (
            SELECT c.managing_facility_id AS facility_id,
                   ((c.state->'placement'->>'admitted_on')::date <= :to
                     AND coalesce((c.state->'placement'->>'left_on')::date, :to) >= :from) AS served,
                   EXISTS (SELECT 1 FROM jsonb_array_elements(c.state->'services') s
                            WHERE s->>'service' = 'legal_aid' AND (s->>'given_on')::date BETWEEN :from AND :to) AS legal_aid,
                   coalesce((c.state->'reintegration'->>'completed_on')::date BETWEEN :from AND :to, false) AS reintegrated,
                   (SELECT count(*) FROM jsonb_array_elements(c.state->'services') s
                     WHERE s->>'service' = 'equipment_support' AND (s->>'given_on')::date BETWEEN :from AND :to)
                 + CASE WHEN (c.state->'reintegration'->>'completed_on')::date BETWEEN :from AND :to
                        THEN jsonb_array_length(c.state->'reintegration'->'support_items') ELSE 0 END AS equipment,
                   coalesce((SELECT sum((s->>'value_taka')::bigint) FROM jsonb_array_elements(c.state->'services') s
                     WHERE s->>'service' = 'equipment_support' AND (s->>'given_on')::date BETWEEN :from AND :to), 0)
                 + CASE WHEN (c.state->'reintegration'->>'completed_on')::date BETWEEN :from AND :to
                        THEN coalesce((SELECT sum((i->>'value_taka')::bigint) FROM jsonb_array_elements(c.state->'reintegration'->'support_items') i), 0)
                        ELSE 0 END AS equipment_value,
                   (SELECT count(*) FROM jsonb_array_elements(c.state->'services') s
                     WHERE s->>'service' = 'safe_delivery' AND (s->>'given_on')::date BETWEEN :from AND :to) AS safe_deliveries,
                   (SELECT count(*) FROM jsonb_array_elements(c.state->'services') s
                     WHERE s->>'service' = 'public_examination' AND (s->>'given_on')::date BETWEEN :from AND :to) AS public_examinations,
                   (c.state->'reintegration'->>'destination' = 'repatriation' AND c.state->'reintegration'->>'completed_on' IS NULL
                     AND c.status = 'reintegration') AS repatriation_in_process,
                   (c.state->'reintegration'->>'destination' = 'repatriation'
                     AND coalesce((c.state->'reintegration'->>'completed_on')::date BETWEEN :from AND :to, false)) AS repatriated,
                   (SELECT count(*) FROM jsonb_array_elements(c.state->'follow_ups') x
                     WHERE (x->>'due_on')::date BETWEEN :from AND :to AND NOT (x->>'cancelled')::boolean) AS follow_ups_due,
                   (SELECT count(*) FROM jsonb_array_elements(c.state->'follow_ups') x
                     WHERE (x->>'done_on')::date BETWEEN :from AND :to) AS follow_ups_done
              FROM c)
        SELECT p.facility_id, fa.name_en AS facility_name_en, fa.name_bn AS facility_name_bn,
               count(*) FILTER (WHERE served) AS residents_served,
               count(*) FILTER (WHERE legal_aid) AS legal_aid,
               count(*) FILTER (WHERE reintegrated) AS reintegrated,
               coalesce(sum(equipment), 0)::bigint AS equipment_support,
               coalesce(sum(equipment_value), 0)::bigint AS equipment_value_taka,
               coalesce(sum(safe_deliveries), 0)::bigint AS safe_deliveries,
               coalesce(sum(public_examinations), 0)::bigint AS public_examinations,
               count(*) FILTER (WHERE repatriation_in_process) AS repatriations_in_process,
               count(*) FILTER (WHERE repatriated) AS repatriations_done,
               coalesce(sum(follow_ups_due), 0)::bigint AS follow_ups_due,
               coalesce(sum(follow_ups_done), 0)::bigint AS follow_ups_done
          FROM per_case p LEFT JOIN facilities fa ON fa.id = p.facility_id
         GROUP BY GROUPING SETS ((p.facility_id, fa.name_en, fa.name_bn), ())
         ORDER BY p.facility_id NULLS LAST
        "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CategorySexRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub boys: i64,
    #[diesel(sql_type = BigInt)]
    pub girls: i64,
    #[diesel(sql_type = BigInt)]
    pub hijra: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// Children reintegrated in the period, by risk category and sex (a child counts once per
/// category), with a total row (`category` null) counting each child once. Children are
/// grouped by their set of categories and sex first, so the categories are spread over a
/// few dozen groups, not over every child.
pub fn reintegrated_children(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<CategorySexRow>> {
    let sql = format!(
        r#"
        WITH done AS (SELECT c.sex, c.risk_categories, count(*) AS n FROM case_reintegrations c
                       WHERE c.kind = 'child_protection' AND c.completed_on BETWEEN :from AND :to
                         AND (c.previous_on IS NULL OR c.previous_on < :from) AND {CASE_AREA}
                       GROUP BY 1, 2),
        by_cat AS (SELECT unnest(CASE WHEN cardinality(risk_categories) = 0 THEN ARRAY['other'] ELSE risk_categories END) AS category,
                          sex, n FROM done)
        SELECT category, coalesce(sum(n) FILTER (WHERE sex = 'male'), 0)::bigint AS boys,
               coalesce(sum(n) FILTER (WHERE sex = 'female'), 0)::bigint AS girls,
               coalesce(sum(n) FILTER (WHERE sex = 'hijra'), 0)::bigint AS hijra, sum(n)::bigint AS total
          FROM by_cat GROUP BY category
        UNION ALL
        SELECT NULL, coalesce(sum(n) FILTER (WHERE sex = 'male'), 0)::bigint, coalesce(sum(n) FILTER (WHERE sex = 'female'), 0)::bigint,
               coalesce(sum(n) FILTER (WHERE sex = 'hijra'), 0)::bigint, coalesce(sum(n), 0)::bigint FROM done
        ORDER BY 1 NULLS LAST
        "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct PipelineRow {
    #[diesel(sql_type = BigInt)]
    pub intakes: i64,
    #[diesel(sql_type = BigInt)]
    pub risk_assessments: i64,
    #[diesel(sql_type = BigInt)]
    pub detailed_assessments: i64,
    #[diesel(sql_type = BigInt)]
    pub case_plans: i64,
    #[diesel(sql_type = BigInt)]
    pub counselling: i64,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
    #[diesel(sql_type = BigInt)]
    pub reintegrations: i64,
    #[diesel(sql_type = BigInt)]
    pub financial_support: i64,
    #[diesel(sql_type = BigInt)]
    pub case_conferences: i64,
    #[diesel(sql_type = BigInt)]
    pub case_conference_meetings: i64,
    #[diesel(sql_type = BigInt)]
    pub birth_registrations: i64,
    #[diesel(sql_type = BigInt)]
    pub cct_support: i64,
    #[diesel(sql_type = BigInt)]
    pub child_marriages_stopped: i64,
    #[diesel(sql_type = BigInt)]
    pub institution_admissions: i64,
}

/// The child-protection pipeline (the steps a CSPB office reports): how many cases took each step in the period (a
/// step counts once per case). `cells`: the period is that whole month or fiscal year (or
/// that period to date), so the maintained cells answer; otherwise the steps are counted.
pub fn case_pipeline(conn: &mut PgConnection, f: &ReportFilter, cells: Option<WholePeriod>) -> QueryResult<PipelineRow> {
    const MEASURES: &str = "
        coalesce(sum(n) FILTER (WHERE step = 'intakes'), 0)::bigint AS intakes,
        coalesce(sum(n) FILTER (WHERE step = 'risk_assessments'), 0)::bigint AS risk_assessments,
        coalesce(sum(n) FILTER (WHERE step = 'detailed_assessments'), 0)::bigint AS detailed_assessments,
        coalesce(sum(n) FILTER (WHERE step = 'case_plans'), 0)::bigint AS case_plans,
        coalesce(sum(n) FILTER (WHERE step = 'counselling'), 0)::bigint AS counselling,
        coalesce(sum(n) FILTER (WHERE step = 'referrals'), 0)::bigint AS referrals,
        coalesce(sum(n) FILTER (WHERE step = 'reintegrations'), 0)::bigint AS reintegrations,
        coalesce(sum(n) FILTER (WHERE step = 'financial_support'), 0)::bigint AS financial_support,
        coalesce(sum(n) FILTER (WHERE step = 'case_conferences'), 0)::bigint AS case_conferences,
        coalesce(sum(n) FILTER (WHERE step = 'birth_registrations'), 0)::bigint AS birth_registrations,
        coalesce(sum(n) FILTER (WHERE step = 'cct_support'), 0)::bigint AS cct_support,
        coalesce(sum(n) FILTER (WHERE step = 'child_marriages_stopped'), 0)::bigint AS child_marriages_stopped,
        coalesce(sum(n) FILTER (WHERE step = 'institution_admissions'), 0)::bigint AS institution_admissions,
        -- A meeting is the conferences one office (its upazila, or its centre) held on one
        -- day: a monthly case conference discusses many cases.
        (SELECT count(DISTINCT (m.upazila_id, coalesce(m.managing_facility_id::text, ''), m.on_date)) FROM case_steps m
          WHERE m.kind = 'child_protection' AND m.step = 'case_conferences' AND m.on_date BETWEEN :from AND :to
            AND (:division_id::int IS NULL OR m.division_id = :division_id) AND (:district_id::int IS NULL OR m.district_id = :district_id)
            AND (:upazila_id::int IS NULL OR m.upazila_id = :upazila_id)
            AND (:facility_id::uuid IS NULL OR m.managing_facility_id = :facility_id OR m.residence_facility_id = :facility_id)
        ) AS case_conference_meetings";
    match cells {
        Some(grain) if f.facility_id.is_none() => {
            let sql = format!(
                "SELECT {MEASURES} FROM (
                   SELECT step, cases AS n FROM case_step_cells c
                    WHERE c.grain = :grain AND c.period_start = :from AND c.kind = 'child_protection'
                      AND (:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
                      AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id) AND :facility_id::uuid IS NULL) x"
            );
            let grain = match grain {
                WholePeriod::Month => "month",
                WholePeriod::FiscalYear => "fiscal_year",
            };
            statement(&sql, f, &[("grain", Param::Text(grain))]).get_result(conn)
        }
        _ => {
            let sql = format!(
                "SELECT {MEASURES} FROM (
                   SELECT step, count(*) AS n FROM case_steps c
                    WHERE c.kind = 'child_protection' AND c.on_date BETWEEN :from AND :to
                      AND (c.previous_on IS NULL OR c.previous_on < :from)
                      AND (:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
                      AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id)
                      AND (:facility_id::uuid IS NULL OR c.managing_facility_id = :facility_id OR c.residence_facility_id = :facility_id)
                    GROUP BY step) x"
            );
            statement(&sql, f, &[]).get_result(conn)
        }
    }
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct BeneficiaryAggRow {
    #[diesel(sql_type = Nullable<Integer>)]
    pub upazila_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub programme: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub sex: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub beneficiaries: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub monthly_rate_taka: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub monthly_amount_taka: i64,
}

/// Active beneficiaries on `to` by upazila, programme and sex, with the monthly rate in force
/// and the monthly total; a total row per programme (`upazila_id` and `sex` null). Reads the
/// maintained cells of `beneficiary_counts` (one per area, programme, level, sex and start
/// month), not the beneficiaries.
pub fn beneficiaries_by_area(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<BeneficiaryAggRow>> {
    // The rate in force on `to` is looked up once per programme and level, then joined.
    let sql = r#"
        WITH rate AS (
            SELECT DISTINCT ON (programme_code, level) programme_code, level, monthly_taka
              FROM programme_rates
             WHERE fiscal_year <= extract(year FROM fiscal_year_start(:to::date))::int
             ORDER BY programme_code, level, fiscal_year DESC),
        b AS (
            SELECT c.upazila_id, c.programme_code, c.sex, r.monthly_taka AS rate, c.active AS n
              FROM beneficiary_counts c
              LEFT JOIN rate r ON r.programme_code = c.programme_code AND r.level = c.level
             WHERE c.active <> 0 AND c.start_month <= :to
               AND (:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
               AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id)),
        -- Start months folded first (a hash aggregate), so the grouping sets sort a few
        -- thousand rows, not every cell.
        folded AS (SELECT upazila_id, programme_code, sex, rate, sum(n) AS n FROM b GROUP BY 1, 2, 3, 4)
        SELECT upazila_id, programme_code AS programme, sex, sum(n)::bigint AS beneficiaries,
               CASE WHEN count(DISTINCT rate) = 1 THEN min(rate) END AS monthly_rate_taka,
               coalesce(sum(rate * n), 0)::bigint AS monthly_amount_taka
          FROM folded GROUP BY GROUPING SETS ((upazila_id, programme_code, sex), (programme_code))
         ORDER BY programme_code, upazila_id NULLS LAST, sex
    "#;
    statement(sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CycleAggRow {
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub cycle_id: PaymentCycleId,
    #[diesel(sql_type = Text)]
    pub programme: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub upazila_id: Option<i32>,
    #[diesel(sql_type = Date)]
    pub period_start: NaiveDate,
    #[diesel(sql_type = Date)]
    pub period_end: NaiveDate,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = BigInt)]
    pub payments: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub paid: i64,
    #[diesel(sql_type = BigInt)]
    pub paid_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub failed: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_taka: i64,
}

/// Payment cycles whose period overlaps the report period, with paid and failed amounts
/// (payments counted in the report's area).
pub fn payment_cycles(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<CycleAggRow>> {
    // From the maintained cells of `payment_counts` (per cycle, area and status).
    let sql = r#"
        SELECT pc.id AS cycle_id, pc.programme_code AS programme, pc.upazila_id, pc.period_start, pc.period_end, pc.status,
               coalesce(sum(p.payments), 0)::bigint AS payments, coalesce(sum(p.amount_taka), 0)::bigint AS amount_taka,
               coalesce(sum(p.payments) FILTER (WHERE p.status = 'paid'), 0)::bigint AS paid,
               coalesce(sum(p.amount_taka) FILTER (WHERE p.status = 'paid'), 0)::bigint AS paid_taka,
               coalesce(sum(p.payments) FILTER (WHERE p.status IN ('failed', 'carried')), 0)::bigint AS failed,
               coalesce(sum(p.amount_taka) FILTER (WHERE p.status IN ('failed', 'carried')), 0)::bigint AS failed_taka
          FROM payment_cycles pc
          LEFT JOIN payment_counts p ON p.cycle_id = pc.id AND p.payments <> 0
               AND (:division_id::int IS NULL OR p.division_id = :division_id) AND (:district_id::int IS NULL OR p.district_id = :district_id)
               AND (:upazila_id::int IS NULL OR p.upazila_id = :upazila_id)
         WHERE pc.period_start <= :to AND pc.period_end >= :from
         GROUP BY pc.id ORDER BY pc.period_start, pc.programme_code, pc.id
    "#;
    statement(sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CctRow {
    #[diesel(sql_type = BigInt)]
    pub children_enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub instalments_paid: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_paid_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub held_for_breach: i64,
}

/// The conditional cash transfer: children enrolled (active on `to`), instalments paid in the
/// period, and children whose payment is held for an unreviewed breach.
pub fn cct(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<CctRow> {
    // Enrolment and instalments from the maintained cells; held payments from the (small)
    // partial index of unreviewed breaches.
    let sql = r#"
        SELECT (SELECT coalesce(sum(c.active), 0)::bigint FROM beneficiary_counts c
                 WHERE c.programme_code = 'cct' AND c.start_month <= :to
                   AND (:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
                   AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id)) AS children_enrolled,
               (SELECT coalesce(sum(p.payments), 0)::bigint FROM paid_by_day p
                 WHERE p.programme_code = 'cct' AND p.settled_on BETWEEN :from AND :to
                   AND (:division_id::int IS NULL OR p.division_id = :division_id) AND (:district_id::int IS NULL OR p.district_id = :district_id)
                   AND (:upazila_id::int IS NULL OR p.upazila_id = :upazila_id)) AS instalments_paid,
               (SELECT coalesce(sum(p.amount_taka), 0)::bigint FROM paid_by_day p
                 WHERE p.programme_code = 'cct' AND p.settled_on BETWEEN :from AND :to
                   AND (:division_id::int IS NULL OR p.division_id = :division_id) AND (:district_id::int IS NULL OR p.district_id = :district_id)
                   AND (:upazila_id::int IS NULL OR p.upazila_id = :upazila_id)) AS amount_paid_taka,
               (SELECT count(DISTINCT k.beneficiary_id) FROM cct_compliance k JOIN beneficiaries b ON b.id = k.beneficiary_id
                 WHERE k.breach AND k.reviewed_at IS NULL AND b.programme_code = 'cct'
                   AND (:division_id::int IS NULL OR b.division_id = :division_id) AND (:district_id::int IS NULL OR b.district_id = :district_id)
                   AND (:upazila_id::int IS NULL OR b.upazila_id = :upazila_id)) AS held_for_breach
    "#;
    statement(sql, f, &[]).get_result(conn)
}

/// The freshest change the reports can reflect: now, since they read the tables, and the
/// maintained cells that change in the same transaction as them.
/// When the figures are from: now on the primary; on a streaming replica, the time of the
/// last transaction it has replayed (what it holds is the primary as of then).
pub fn as_of(conn: &mut PgConnection) -> QueryResult<chrono::DateTime<chrono::Utc>> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
        "CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_xact_replay_timestamp(), now()) ELSE now() END",
    ))
    .get_result(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CentreRow {
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<FacilityId>)]
    pub facility_id: Option<FacilityId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_bn: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub children_served: i64,
    #[diesel(sql_type = BigInt)]
    pub boys: i64,
    #[diesel(sql_type = BigInt)]
    pub girls: i64,
    #[diesel(sql_type = BigInt)]
    pub reintegrated: i64,
}

/// Children placed in centres (SRTRCCR and other child facilities) during the period, per
/// centre and in total: served, boys, girls, reintegrated.
pub fn centre_totals(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<CentreRow>> {
    let sql = format!(
        r#"
        WITH served AS (SELECT c.facility_id, c.sex, coalesce(c.reintegrated_on BETWEEN :from AND :to, false) AS reintegrated
                          FROM case_placements c
                         WHERE c.kind = 'child_protection' AND c.ends_on >= :from AND c.admitted_on <= :to AND {CASE_AREA})
        SELECT s.facility_id, fa.name_en AS facility_name_en, fa.name_bn AS facility_name_bn,
               count(*) AS children_served, count(*) FILTER (WHERE s.sex = 'male') AS boys,
               count(*) FILTER (WHERE s.sex = 'female') AS girls, count(*) FILTER (WHERE s.reintegrated) AS reintegrated
          FROM served s LEFT JOIN facilities fa ON fa.id = s.facility_id
         GROUP BY GROUPING SETS ((s.facility_id, fa.name_en, fa.name_bn), ())
         ORDER BY s.facility_id NULLS LAST
        "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[cfg(test)]
mod named_tests {
    use super::number_names;

    #[test]
    fn names_become_numbers_in_order_of_first_use_and_casts_stay() {
        let (sql, order) =
            number_names("a = :to AND b::int = :from AND c = :to::date AND d = :other", &["from", "to", "other_unused"]);
        assert_eq!(sql, "a = $1 AND b::int = $2 AND c = $1::date AND d = :other");
        assert_eq!(order, ["to", "from"]);
    }
}

/// The area condition on a table aliased `c` with division, district and upazila columns.
const AREA: &str =
    "(:division_id::int IS NULL OR c.division_id = :division_id) AND (:district_id::int IS NULL OR c.district_id = :district_id)
    AND (:upazila_id::int IS NULL OR c.upazila_id = :upazila_id)";

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct FundPositionRow {
    #[diesel(sql_type = Nullable<Integer>)]
    pub upazila_id: Option<i32>,
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<LoanFundId>)]
    pub fund_id: Option<LoanFundId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub programme: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub source_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub source_bn: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub capital_received_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub invested_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub reinvested_taka: i64,
    /// Principal lent and not yet recovered or written off (no service charge).
    #[diesel(sql_type = BigInt)]
    pub outstanding_principal_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub principal_recovered_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub charge_collected_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub written_off_taka: i64,
    /// Principal recovered per thousand taka lent.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub recovery_permille: Option<i64>,
}

/// The position of each fund at the end of the period (`to`), and the total: its running
/// totals less the ledger entries dated after that day (few, for a recent day; the index on
/// the entries' dates finds them). A fund that did not exist yet is left out; an office with
/// no fund answers only the total, of zeros.
pub fn microcredit_funds(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<FundPositionRow>> {
    let sql = format!(
        r#"
        WITH later AS (
            SELECT e.fund_id,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'capital_received'), 0) AS capital_received,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'invested'), 0) AS invested,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'reinvested'), 0) AS reinvested,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'principal_recovered'), 0) AS principal_recovered,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'charge_collected'), 0) AS charge_collected,
                   coalesce(sum(e.amount) FILTER (WHERE e.kind = 'written_off'), 0) AS written_off
              FROM fund_entries e JOIN loan_funds c ON c.id = e.fund_id
             WHERE e.on_date > :to AND {AREA}
             GROUP BY e.fund_id),
        pos AS (
            SELECT c.upazila_id, c.id, c.programme, c.source_en, c.source_bn,
                   c.capital_received - coalesce(l.capital_received, 0) AS capital_received,
                   c.invested - coalesce(l.invested, 0) AS invested,
                   c.reinvested - coalesce(l.reinvested, 0) AS reinvested,
                   c.principal_recovered - coalesce(l.principal_recovered, 0) AS principal_recovered,
                   c.charge_collected - coalesce(l.charge_collected, 0) AS charge_collected,
                   c.written_off - coalesce(l.written_off, 0) AS written_off
              FROM loan_funds c LEFT JOIN later l ON l.fund_id = c.id
             WHERE {AREA}
               AND ((c.created_at AT TIME ZONE 'Asia/Dhaka')::date <= :to
                    OR EXISTS (SELECT 1 FROM fund_entries e WHERE e.fund_id = c.id AND e.on_date <= :to)))
        SELECT c.upazila_id, c.id AS fund_id, c.programme, c.source_en, c.source_bn,
               coalesce(sum(capital_received), 0)::bigint AS capital_received_taka,
               coalesce(sum(invested), 0)::bigint AS invested_taka,
               coalesce(sum(reinvested), 0)::bigint AS reinvested_taka,
               coalesce(sum(invested + reinvested - principal_recovered - written_off), 0)::bigint AS outstanding_principal_taka,
               coalesce(sum(principal_recovered), 0)::bigint AS principal_recovered_taka,
               coalesce(sum(charge_collected), 0)::bigint AS charge_collected_taka,
               coalesce(sum(written_off), 0)::bigint AS written_off_taka,
               (sum(principal_recovered) * 1000 / nullif(sum(invested + reinvested), 0))::bigint AS recovery_permille
          FROM pos c
         GROUP BY GROUPING SETS ((c.upazila_id, c.id, c.programme, c.source_en, c.source_bn), ())
         ORDER BY c.upazila_id NULLS LAST, c.programme, c.source_en
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct BorrowerRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub programme: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub tranche: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub men: i64,
    #[diesel(sql_type = BigInt)]
    pub women: i64,
    #[diesel(sql_type = BigInt)]
    pub hijra: i64,
    #[diesel(sql_type = BigInt)]
    pub borrowers: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
}

/// Loans disbursed in the period by programme, tranche (invested from capital or re-invested
/// from recoveries) and sex, with the amounts lent; totals per programme and overall.
pub fn microcredit_borrowers(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<BorrowerRow>> {
    let sql = format!(
        r#"
        SELECT c.programme, c.tranche,
               coalesce(sum(c.loans) FILTER (WHERE c.sex = 'male'), 0)::bigint AS men,
               coalesce(sum(c.loans) FILTER (WHERE c.sex = 'female'), 0)::bigint AS women,
               coalesce(sum(c.loans) FILTER (WHERE c.sex = 'hijra'), 0)::bigint AS hijra,
               coalesce(sum(c.loans), 0)::bigint AS borrowers,
               coalesce(sum(c.principal), 0)::bigint AS amount_taka
          FROM loan_cells c
         WHERE c.loans <> 0 AND c.disbursed_month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA}
         GROUP BY GROUPING SETS ((c.programme, c.tranche), (c.programme), ())
         ORDER BY c.programme NULLS LAST, c.tranche NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct ParRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub bucket: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub loans: i64,
    /// Principal not yet recovered (no service charge).
    #[diesel(sql_type = BigInt)]
    pub outstanding_principal_taka: i64,
}

/// Active loans on `to` by days past due of their oldest unpaid instalment, with their
/// outstanding principal. Every bucket is listed, and the total. For today (or later) a pass
/// over the due-date cells, not over the loans; for a past day the loans as they stood then:
/// disbursed by that day, neither repaid nor written off by it, and only the repayments made
/// by it (each instalment's share from the repayment's own allocation).
pub fn microcredit_par(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<ParRow>> {
    let sql = format!(
        r#"
        WITH today AS (SELECT (now() AT TIME ZONE 'Asia/Dhaka')::date AS d),
        current_cells AS (
            SELECT c.oldest_due_on, c.loans, c.outstanding
              FROM loan_due_cells c
             WHERE :to::date >= (SELECT d FROM today) AND c.loans <> 0 AND {AREA}),
        active_then AS (
            SELECT c.id, c.principal
              FROM loans c
             WHERE :to::date < (SELECT d FROM today)
               AND c.disbursed_on <= :to AND (c.closed_on IS NULL OR c.closed_on > :to)
               AND NOT EXISTS (SELECT 1 FROM loan_write_offs w
                                WHERE w.loan_id = c.id AND w.approved AND w.decided_on <= :to)
               AND {AREA}),
        paid_then AS (
            SELECT r.loan_id, (a.item ->> 'no')::int AS no,
                   sum((a.item ->> 'principal')::bigint) AS principal, sum((a.item ->> 'charge')::bigint) AS charge
              FROM active_then x JOIN loan_repayments r ON r.loan_id = x.id
                   CROSS JOIN LATERAL jsonb_array_elements(r.allocations) AS a(item)
             WHERE r.paid_on <= :to
             GROUP BY 1, 2),
        past_loans AS (
            SELECT (SELECT min(i.due_on)
                      FROM loan_instalments i LEFT JOIN paid_then p ON p.loan_id = i.loan_id AND p.no = i.no
                     WHERE i.loan_id = x.id
                       AND i.principal + i.charge > coalesce(p.principal, 0) + coalesce(p.charge, 0)) AS oldest_due_on,
                   1 AS loans,
                   x.principal - coalesce((SELECT sum(p.principal) FROM paid_then p WHERE p.loan_id = x.id), 0) AS outstanding
              FROM active_then x),
        due AS (
            SELECT oldest_due_on, loans, outstanding FROM current_cells
            UNION ALL
            SELECT oldest_due_on, loans, outstanding FROM past_loans WHERE oldest_due_on IS NOT NULL),
        aged AS (
            SELECT CASE WHEN :to::date - d.oldest_due_on <= 0 THEN 'current'
                        WHEN :to::date - d.oldest_due_on <= 30 THEN 'days_1_30'
                        WHEN :to::date - d.oldest_due_on <= 60 THEN 'days_31_60'
                        WHEN :to::date - d.oldest_due_on <= 90 THEN 'days_61_90'
                        ELSE 'over_90' END AS bucket, d.loans, d.outstanding
              FROM due d),
        buckets(bucket, ord) AS (VALUES ('current', 1), ('days_1_30', 2), ('days_31_60', 3), ('days_61_90', 4), ('over_90', 5))
        SELECT b.bucket, coalesce(sum(a.loans), 0)::bigint AS loans,
               coalesce(sum(a.outstanding), 0)::bigint AS outstanding_principal_taka
          FROM buckets b LEFT JOIN aged a ON a.bucket = b.bucket
         GROUP BY GROUPING SETS ((b.bucket, b.ord), ())
         ORDER BY min(b.ord) NULLS LAST, b.bucket NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct FlowRow {
    #[diesel(sql_type = Nullable<Date>)]
    pub month: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub programme: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub loans_disbursed: i64,
    #[diesel(sql_type = BigInt)]
    pub disbursed_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub repayments: i64,
    #[diesel(sql_type = BigInt)]
    pub principal_recovered_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub charge_collected_taka: i64,
}

/// Disbursements and recoveries by month and programme, with totals per programme.
pub fn microcredit_flows(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<FlowRow>> {
    let sql = format!(
        r#"
        WITH d AS (
            SELECT c.disbursed_month AS month, c.programme, sum(c.loans) AS loans, sum(c.principal) AS amount
              FROM loan_cells c
             WHERE c.loans <> 0 AND c.disbursed_month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA}
             GROUP BY 1, 2),
        r AS (
            SELECT c.paid_month AS month, c.programme, sum(c.repayments) AS n, sum(c.principal) AS principal, sum(c.charge) AS charge
              FROM recovery_cells c
             WHERE c.paid_month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA}
             GROUP BY 1, 2),
        m AS (
            SELECT coalesce(d.month, r.month) AS month, coalesce(d.programme, r.programme) AS programme,
                   coalesce(d.loans, 0) AS loans, coalesce(d.amount, 0) AS amount, coalesce(r.n, 0) AS n,
                   coalesce(r.principal, 0) AS principal, coalesce(r.charge, 0) AS charge
              FROM d FULL JOIN r ON r.month = d.month AND r.programme = d.programme)
        SELECT month, programme, sum(loans)::bigint AS loans_disbursed, sum(amount)::bigint AS disbursed_taka,
               sum(n)::bigint AS repayments, sum(principal)::bigint AS principal_recovered_taka, sum(charge)::bigint AS charge_collected_taka
          FROM m GROUP BY GROUPING SETS ((programme, month), (programme))
         ORDER BY programme, month NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CardRow {
    #[diesel(sql_type = Nullable<Integer>)]
    pub upazila_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub disability_type: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub male: i64,
    #[diesel(sql_type = BigInt)]
    pub female: i64,
    #[diesel(sql_type = BigInt)]
    pub hijra: i64,
    #[diesel(sql_type = BigInt)]
    pub cards: i64,
}

/// Disability identity cards printed in the period by area and type, by sex; with the total.
pub fn disability_cards(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<CardRow>> {
    let sql = format!(
        r#"
        SELECT c.upazila_id, c.disability_type,
               coalesce(sum(c.cards) FILTER (WHERE c.sex = 'male'), 0)::bigint AS male,
               coalesce(sum(c.cards) FILTER (WHERE c.sex = 'female'), 0)::bigint AS female,
               coalesce(sum(c.cards) FILTER (WHERE c.sex = 'hijra'), 0)::bigint AS hijra,
               coalesce(sum(c.cards), 0)::bigint AS cards
          FROM disability_card_cells c
         WHERE c.cards <> 0 AND c.printed_month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA}
         GROUP BY GROUPING SETS ((c.upazila_id, c.disability_type), ())
         ORDER BY c.upazila_id NULLS LAST, c.disability_type
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct ContactCountRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub channel: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub contacts: i64,
    #[diesel(sql_type = BigInt)]
    pub information: i64,
    #[diesel(sql_type = BigInt)]
    pub counselling: i64,
    #[diesel(sql_type = BigInt)]
    pub referral: i64,
    #[diesel(sql_type = BigInt)]
    pub mobile_team_sent: i64,
    #[diesel(sql_type = BigInt)]
    pub emergency_response: i64,
    #[diesel(sql_type = BigInt)]
    pub case_opened: i64,
}

/// Helpline and outreach contacts on the days they came in, by channel and category, with
/// what was done. A contact about two things counts under each category; the rows with no
/// category count each contact once (per channel, and overall).
pub fn helpline_contacts(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<ContactCountRow>> {
    let sql = format!(
        r#"
        SELECT c.channel, k.category, count(DISTINCT c.id) AS contacts,
               count(DISTINCT c.id) FILTER (WHERE 'information' = ANY (c.actions)) AS information,
               count(DISTINCT c.id) FILTER (WHERE 'counselling' = ANY (c.actions)) AS counselling,
               count(DISTINCT c.id) FILTER (WHERE 'referral' = ANY (c.actions)) AS referral,
               count(DISTINCT c.id) FILTER (WHERE 'mobile_team_sent' = ANY (c.actions)) AS mobile_team_sent,
               count(DISTINCT c.id) FILTER (WHERE 'emergency_response' = ANY (c.actions)) AS emergency_response,
               count(DISTINCT c.id) FILTER (WHERE 'case_opened' = ANY (c.actions)) AS case_opened
          FROM contacts c CROSS JOIN LATERAL unnest(c.categories) AS k(category)
         WHERE c.contacted_on BETWEEN :from AND :to AND {AREA}
         GROUP BY GROUPING SETS ((c.channel, k.category), (c.channel), ())
         ORDER BY c.channel NULLS LAST, k.category NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct ServicePointRow {
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<FacilityId>)]
    pub facility_id: Option<FacilityId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_bn: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_type: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub days: i64,
    #[diesel(sql_type = BigInt)]
    pub girls: i64,
    #[diesel(sql_type = BigInt)]
    pub boys: i64,
    #[diesel(sql_type = BigInt)]
    pub hijra: i64,
    #[diesel(sql_type = BigInt)]
    pub children: i64,
}

/// Children served at each service point in the period (a child counts on each day served),
/// by sex, with the days reported; and the total.
pub fn service_point_children(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<ServicePointRow>> {
    let sql = format!(
        r#"
        SELECT c.id AS facility_id, CASE WHEN GROUPING(c.id) = 0 THEN min(c.name_en) END AS facility_name_en,
               CASE WHEN GROUPING(c.id) = 0 THEN min(c.name_bn) END AS facility_name_bn,
               CASE WHEN GROUPING(c.id) = 0 THEN min(c.facility_type) END AS facility_type, count(*) AS days,
               coalesce(sum(d.girls), 0)::bigint AS girls, coalesce(sum(d.boys), 0)::bigint AS boys,
               coalesce(sum(d.hijra), 0)::bigint AS hijra, coalesce(sum(d.girls + d.boys + d.hijra), 0)::bigint AS children
          FROM service_point_days d JOIN facilities c ON c.id = d.facility_id
         WHERE d.served_on BETWEEN :from AND :to AND {AREA} AND (:facility_id::uuid IS NULL OR c.id = :facility_id)
         GROUP BY GROUPING SETS ((c.id), ())
         ORDER BY GROUPING(c.id), min(c.name_en), c.id
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct RegistryRow {
    #[diesel(sql_type = Nullable<Integer>)]
    pub district_id: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub registered: i64,
    #[diesel(sql_type = BigInt)]
    pub active: i64,
    #[diesel(sql_type = BigInt)]
    pub suspended: i64,
    #[diesel(sql_type = BigInt)]
    pub dissolved: i64,
    #[diesel(sql_type = BigInt)]
    pub applications_pending: i64,
    #[diesel(sql_type = BigInt)]
    pub registered_in_period: i64,
}

/// The register of voluntary organisations by district as it stood on `to` (from the
/// maintained cells: each status's changes summed up to that day), with the registrations
/// granted in the period; and the total.
pub fn voluntary_registry(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<RegistryRow>> {
    let sql = format!(
        r#"
        WITH standing AS (
            SELECT c.district_id, c.status, sum(c.organisations) AS n
              FROM voluntary_status_cells c
             WHERE c.on_date <= :to AND {AREA}
             GROUP BY 1, 2),
        granted AS (
            SELECT e.district_id, count(*) AS n FROM voluntary_organisation_events e
             WHERE e.action = 'approve' AND e.on_date BETWEEN :from AND :to
               AND (:division_id::int IS NULL OR e.division_id = :division_id) AND (:district_id::int IS NULL OR e.district_id = :district_id)
               AND (:upazila_id::int IS NULL OR e.upazila_id = :upazila_id)
             GROUP BY 1),
        rows AS (
            SELECT district_id,
                   coalesce(sum(n) FILTER (WHERE status IN ('registered', 'suspended')), 0) AS registered,
                   coalesce(sum(n) FILTER (WHERE status = 'registered'), 0) AS active,
                   coalesce(sum(n) FILTER (WHERE status = 'suspended'), 0) AS suspended,
                   coalesce(sum(n) FILTER (WHERE status = 'dissolved'), 0) AS dissolved,
                   coalesce(sum(n) FILTER (WHERE status = 'applied'), 0) AS applications_pending
              FROM standing GROUP BY 1),
        joined AS (
            SELECT coalesce(r.district_id, g.district_id) AS district_id, coalesce(r.registered, 0) AS registered,
                   coalesce(r.active, 0) AS active, coalesce(r.suspended, 0) AS suspended, coalesce(r.dissolved, 0) AS dissolved,
                   coalesce(r.applications_pending, 0) AS applications_pending, coalesce(g.n, 0) AS registered_in_period
              FROM rows r FULL JOIN granted g ON g.district_id = r.district_id)
        SELECT district_id, sum(registered)::bigint AS registered, sum(active)::bigint AS active, sum(suspended)::bigint AS suspended,
               sum(dissolved)::bigint AS dissolved, sum(applications_pending)::bigint AS applications_pending,
               sum(registered_in_period)::bigint AS registered_in_period
          FROM joined
         WHERE registered + dissolved + applications_pending + registered_in_period <> 0
         GROUP BY GROUPING SETS ((district_id), ())
         ORDER BY district_id NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct HospitalAidRow {
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<FacilityId>)]
    pub facility_id: Option<FacilityId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_bn: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    pub month: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub patients: i64,
    #[diesel(sql_type = BigInt)]
    pub aid_items: i64,
    #[diesel(sql_type = BigInt)]
    pub medicine_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub tests_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub burn_treatment_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub cash_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub other_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
}

/// Patients helped and money spent by hospital and month, from the maintained cells (money
/// by kind; each patient once per hospital and month); a total row per hospital over the
/// period is not given (a patient helped in two months is one patient), only the grand
/// total of money and items (`facility_id` and `month` null) with the distinct patients.
pub fn hospital_aid(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<HospitalAidRow>> {
    let sql = format!(
        r#"
        WITH money AS (
            SELECT c.facility_id, c.month,
                   sum(c.items) AS items,
                   sum(c.amount_taka) FILTER (WHERE c.kind = 'medicine') AS medicine,
                   sum(c.amount_taka) FILTER (WHERE c.kind = 'diagnostic_test') AS tests,
                   sum(c.amount_taka) FILTER (WHERE c.kind = 'assistive_device') AS devices,
                   sum(c.amount_taka) FILTER (WHERE c.kind = 'burn_treatment') AS burns,
                   sum(c.amount_taka) FILTER (WHERE c.kind = 'cash') AS cash,
                   sum(c.amount_taka) FILTER (WHERE c.kind NOT IN ('medicine', 'diagnostic_test', 'assistive_device', 'burn_treatment', 'cash')) AS other,
                   sum(c.amount_taka) AS amount
              FROM hospital_aid_cells c
             WHERE c.month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA}
               AND (:facility_id::uuid IS NULL OR c.facility_id = :facility_id)
             GROUP BY GROUPING SETS ((c.facility_id, c.month), ())),
        helped AS (
            SELECT m.facility_id, m.month, count(*) AS n FROM hospital_patient_months m
             WHERE m.month BETWEEN date_trunc('month', :from::date) AND :to
               AND m.facility_id IN (SELECT c.facility_id FROM hospital_aid_cells c
                                      WHERE c.month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA})
               AND (:facility_id::uuid IS NULL OR m.facility_id = :facility_id)
             GROUP BY 1, 2),
        everyone AS (
            SELECT count(DISTINCT m.patient_id) AS n FROM hospital_patient_months m
             WHERE m.month BETWEEN date_trunc('month', :from::date) AND :to
               AND m.facility_id IN (SELECT c.facility_id FROM hospital_aid_cells c
                                      WHERE c.month BETWEEN date_trunc('month', :from::date) AND :to AND {AREA})
               AND (:facility_id::uuid IS NULL OR m.facility_id = :facility_id))
        SELECT x.facility_id, fa.name_en AS facility_name_en, fa.name_bn AS facility_name_bn, x.month,
               CASE WHEN x.facility_id IS NULL THEN (SELECT n FROM everyone) ELSE coalesce(h.n, 0) END::bigint AS patients,
               coalesce(x.items, 0)::bigint AS aid_items, coalesce(x.medicine, 0)::bigint AS medicine_taka,
               coalesce(x.tests, 0)::bigint AS tests_taka, coalesce(x.devices, 0)::bigint AS devices_taka,
               coalesce(x.burns, 0)::bigint AS burn_treatment_taka, coalesce(x.cash, 0)::bigint AS cash_taka,
               coalesce(x.other, 0)::bigint AS other_taka, coalesce(x.amount, 0)::bigint AS amount_taka
          FROM money x
          LEFT JOIN helped h ON h.facility_id = x.facility_id AND h.month = x.month
          LEFT JOIN facilities fa ON fa.id = x.facility_id
         ORDER BY x.facility_id IS NULL, fa.name_en, x.facility_id, x.month
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct ResidentsRow {
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub facility_id: FacilityId,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_name_bn: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facility_type: Option<String>,
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub female: i64,
    #[diesel(sql_type = BigInt)]
    pub male: i64,
    #[diesel(sql_type = BigInt)]
    pub hijra: i64,
    #[diesel(sql_type = BigInt)]
    pub residents: i64,
    #[diesel(sql_type = BigInt)]
    pub admitted: i64,
    #[diesel(sql_type = BigInt)]
    pub departed: i64,
}

/// Residents of each institution by sex at the end of each month of the period (admissions
/// up to the month less departures up to it, from the maintained cells), with the month's
/// admissions and departures.
pub fn institution_residents(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<ResidentsRow>> {
    let sql = format!(
        r#"
        WITH months AS (
            SELECT m::date AS month FROM generate_series(date_trunc('month', :from::date), :to::date, interval '1 month') m),
        cells AS (
            SELECT c.facility_id, c.sex, c.month, c.admitted, c.departed FROM institution_stay_cells c
             WHERE c.month <= :to AND {AREA} AND (:facility_id::uuid IS NULL OR c.facility_id = :facility_id)),
        grid AS (SELECT x.facility_id, mo.month FROM (SELECT DISTINCT facility_id FROM cells) x CROSS JOIN months mo)
        SELECT g.facility_id, min(fa.name_en) AS facility_name_en, min(fa.name_bn) AS facility_name_bn,
               min(fa.facility_type) AS facility_type, g.month,
               coalesce(sum(c.admitted - c.departed) FILTER (WHERE c.sex = 'female'), 0)::bigint AS female,
               coalesce(sum(c.admitted - c.departed) FILTER (WHERE c.sex = 'male'), 0)::bigint AS male,
               coalesce(sum(c.admitted - c.departed) FILTER (WHERE c.sex = 'hijra'), 0)::bigint AS hijra,
               coalesce(sum(c.admitted - c.departed), 0)::bigint AS residents,
               coalesce(sum(c.admitted) FILTER (WHERE c.month = g.month), 0)::bigint AS admitted,
               coalesce(sum(c.departed) FILTER (WHERE c.month = g.month), 0)::bigint AS departed
          FROM grid g
          JOIN cells c ON c.facility_id = g.facility_id AND c.month <= g.month
          JOIN facilities fa ON fa.id = g.facility_id
         GROUP BY g.facility_id, g.month
         ORDER BY min(fa.name_en), g.facility_id, g.month
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct CapitationRow {
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<VoluntaryOrganisationId>)]
    pub organisation_id: Option<VoluntaryOrganisationId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub organisation_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub organisation_name_bn: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub allotted: i64,
    #[diesel(sql_type = BigInt)]
    pub listed: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub monthly_rate_taka: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub monthly_grant_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub payments: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
}

/// Capitation grants by orphanage: the allotment of the fiscal year of `to`, the orphans
/// listed on or before `to` (and within the age limit on `to`) and absent now, the monthly grant for those present at the rate in force on `to`,
/// and the payments generated for periods beginning in the period (carried ones once); with
/// the total.
pub fn capitation_grants(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<CapitationRow>> {
    let sql = format!(
        r#"
        WITH fy AS (SELECT extract(year FROM fiscal_year_start(:to::date))::int AS y),
        orgs AS (
            SELECT c.id, c.name_en, c.name_bn FROM voluntary_organisations c
             WHERE {AREA} AND EXISTS (SELECT 1 FROM capitation_allotments a WHERE a.organisation_id = c.id)),
        rate AS (
            SELECT r.monthly_taka FROM programme_rates r, fy
             WHERE r.programme_code = 'orphanage_capitation' AND r.level = '' AND r.fiscal_year <= fy.y
             ORDER BY r.fiscal_year DESC LIMIT 1),
        age_limit AS (
            SELECT (definition ->> 'pay_until_age')::int AS years FROM programme_versions
             WHERE code = 'orphanage_capitation' ORDER BY effective_from DESC LIMIT 1),
        -- Listed on or before `to` (a dated read); an orphan past the grant's age limit on `to`
        -- is no longer counted as listed.
        listed AS (
            SELECT o.organisation_id, count(*) AS listed, count(*) FILTER (WHERE o.absent_since IS NOT NULL) AS absent
              FROM capitation_orphans o JOIN beneficiaries b ON b.id = o.beneficiary_id AND b.status = 'active'
              JOIN persons per ON per.id = b.person_id
             WHERE o.organisation_id IN (SELECT id FROM orgs) AND o.listed_on <= :to
               AND ((SELECT years FROM age_limit) IS NULL
                    OR :to::date < per.date_of_birth + make_interval(years => (SELECT years FROM age_limit)))
             GROUP BY 1),
        paid AS (
            SELECT o.organisation_id, count(*) AS payments, sum(p.amount_taka) AS amount
              FROM capitation_orphans o JOIN payments p ON p.beneficiary_id = o.beneficiary_id
             WHERE o.organisation_id IN (SELECT id FROM orgs) AND p.programme_code = 'orphanage_capitation'
               AND p.period_start BETWEEN :from AND :to AND p.status <> 'carried'
             GROUP BY 1),
        rows AS (
            SELECT g.id, g.name_en, g.name_bn, coalesce(a.orphans, 0) AS allotted, coalesce(l.listed, 0) AS listed,
                   coalesce(l.absent, 0) AS absent, coalesce(pd.payments, 0) AS payments, coalesce(pd.amount, 0) AS amount
              FROM orgs g
              LEFT JOIN capitation_allotments a ON a.organisation_id = g.id AND a.fiscal_year = (SELECT y FROM fy)
              LEFT JOIN listed l ON l.organisation_id = g.id
              LEFT JOIN paid pd ON pd.organisation_id = g.id)
        SELECT id AS organisation_id,
               CASE WHEN GROUPING(id) = 0 THEN min(name_en) END AS organisation_name_en,
               CASE WHEN GROUPING(id) = 0 THEN min(name_bn) END AS organisation_name_bn,
               sum(allotted)::bigint AS allotted, sum(listed)::bigint AS listed, sum(absent)::bigint AS absent,
               (SELECT monthly_taka FROM rate)::bigint AS monthly_rate_taka,
               coalesce((sum(listed) - sum(absent)) * (SELECT monthly_taka FROM rate), 0)::bigint AS monthly_grant_taka,
               sum(payments)::bigint AS payments, sum(amount)::bigint AS amount_taka
          FROM rows
         GROUP BY GROUPING SETS ((id), ())
         ORDER BY GROUPING(id), min(name_en), id
    "#
    );
    statement(&sql, f, &[]).load(conn)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct ReferralsByProviderRow {
    #[diesel(sql_type = Nullable<Integer>)]
    pub district_id: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub service: Option<String>,
    /// The directory entry's id, or `other` for providers named only in text.
    #[diesel(sql_type = Nullable<Text>)]
    pub provider: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub provider_name_en: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub provider_name_bn: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub referrals: i64,
}

/// Referrals made in the period (on the day of the referral, where the case was held that
/// day) by district, service and directory entry (providers named only in text together as
/// `other`); with each district and service's total and the grand total.
pub fn referrals_by_provider(conn: &mut PgConnection, f: &ReportFilter) -> QueryResult<Vec<ReferralsByProviderRow>> {
    let sql = format!(
        r#"
        SELECT c.district_id, c.service, coalesce(c.directory_entry_id::text, 'other') AS provider,
               CASE WHEN GROUPING(coalesce(c.directory_entry_id::text, 'other')) = 0 THEN min(e.name_en) END AS provider_name_en,
               CASE WHEN GROUPING(coalesce(c.directory_entry_id::text, 'other')) = 0 THEN min(e.name_bn) END AS provider_name_bn,
               count(*) AS referrals
          FROM case_referrals c LEFT JOIN directory_entries e ON e.id = c.directory_entry_id
         WHERE c.referred_on BETWEEN :from AND :to AND {CASE_AREA}
         GROUP BY GROUPING SETS ((c.district_id, c.service, coalesce(c.directory_entry_id::text, 'other')), (c.district_id, c.service), ())
         ORDER BY c.district_id NULLS LAST, c.service NULLS LAST, 3 NULLS LAST
    "#
    );
    statement(&sql, f, &[]).load(conn)
}
