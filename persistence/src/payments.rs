//! Payment cycles and payments: payroll generated set-based in SQL, exports per provider,
//! the provider's results applied, failed payments carried into the next cycle.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use domain::allowance::enrolment::PaymentProvider;
use domain::allowance::payroll::{CycleStatus, PaymentResult};
use domain::id::{BeneficiaryId, PaymentCycleId, PaymentId, UserId};

use crate::columns::{Code, OptionalId};
use crate::page::Page;
use crate::schema::{payment_cycles, payments};
use crate::COUNTER_UUID_PREFIX;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_cycles)]
pub struct CycleRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: PaymentCycleId,
    pub programme_code: String,
    pub upazila_id: Option<i32>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub status: CycleStatus,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub generated_by: Option<UserId>,
    pub generated_at: Option<DateTime<Utc>>,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub approved_by: Option<UserId>,
    pub approved_at: Option<DateTime<Utc>>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Serialises cycle creation for a programme (to the end of the transaction), so that the
/// calendar check and the insert see the same cycles.
pub fn lock_programme_calendar(conn: &mut PgConnection, code: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('payment_cycles:' || $1))").bind::<Text, _>(code).execute(conn)?;
    Ok(())
}

/// The periods of the programme's cycles that overlap `start..=end`.
pub fn overlapping_periods(
    conn: &mut PgConnection,
    code: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> QueryResult<Vec<(NaiveDate, NaiveDate)>> {
    payment_cycles::table
        .filter(payment_cycles::programme_code.eq(code))
        .filter(payment_cycles::period_start.le(end))
        .filter(payment_cycles::period_end.ge(start))
        .select((payment_cycles::period_start, payment_cycles::period_end))
        .distinct()
        .load(conn)
}

pub fn insert_cycle(
    conn: &mut PgConnection,
    code: &str,
    upazila: Option<i32>,
    start: NaiveDate,
    end: NaiveDate,
    by: UserId,
) -> QueryResult<CycleRow> {
    diesel::insert_into(payment_cycles::table)
        .values((
            payment_cycles::id.eq(Uuid::now_v7()),
            payment_cycles::programme_code.eq(code),
            payment_cycles::upazila_id.eq(upazila),
            payment_cycles::period_start.eq(start),
            payment_cycles::period_end.eq(end),
            payment_cycles::status.eq(CycleStatus::Draft.code()),
            payment_cycles::created_by.eq(by.0),
        ))
        .returning(CycleRow::as_returning())
        .get_result(conn)
}

pub fn find_cycle(conn: &mut PgConnection, id: PaymentCycleId) -> QueryResult<Option<CycleRow>> {
    payment_cycles::table.find(id.0).select(CycleRow::as_select()).first(conn).optional()
}

/// Locks the cycle: generation, approval and results for one cycle run one at a time.
pub fn find_cycle_for_update(conn: &mut PgConnection, id: PaymentCycleId) -> QueryResult<Option<CycleRow>> {
    payment_cycles::table.find(id.0).select(CycleRow::as_select()).for_update().first(conn).optional()
}

pub fn set_cycle_status(
    conn: &mut PgConnection,
    id: PaymentCycleId,
    status: CycleStatus,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<CycleRow> {
    let q = diesel::update(payment_cycles::table.find(id.0));
    let bump = (
        payment_cycles::status.eq(status.code()),
        payment_cycles::version.eq(payment_cycles::version + 1),
        payment_cycles::updated_at.eq(now),
    );
    match status {
        CycleStatus::Generated => q
            .set((bump, payment_cycles::generated_by.eq(by.0), payment_cycles::generated_at.eq(now)))
            .returning(CycleRow::as_returning())
            .get_result(conn),
        CycleStatus::Approved => q
            .set((bump, payment_cycles::approved_by.eq(by.0), payment_cycles::approved_at.eq(now)))
            .returning(CycleRow::as_returning())
            .get_result(conn),
        _ => q.set(bump).returning(CycleRow::as_returning()).get_result(conn),
    }
}

pub fn list_cycles(
    conn: &mut PgConnection,
    code: Option<&str>,
    upazila: Option<i32>,
    after: Option<PaymentCycleId>,
    limit: i64,
) -> QueryResult<Page<CycleRow, PaymentCycleId>> {
    let mut q = payment_cycles::table.into_boxed();
    if let Some(c) = code {
        q = q.filter(payment_cycles::programme_code.eq(c));
    }
    if let Some(u) = upazila {
        q = q.filter(payment_cycles::upazila_id.eq(u));
    }
    if let Some(a) = after {
        q = q.filter(payment_cycles::id.gt(a.0));
    }
    let rows = q.order(payment_cycles::id).limit(limit + 1).select(CycleRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Generates the payroll of a draft cycle: every active beneficiary with an account (and no
/// unreviewed compliance breach), paid for each month of the period from their start month
/// (within the programme's duration and age limit) at the rate in force that month (so a
/// period across 1 July uses both years' rates); then every failed, not yet carried payment of
/// earlier cycles of the same programme (and area), carried into this one.
///
/// The first cycle of a programme's period makes that period's partition of `payments`
/// ([`load_partition`]); a later one (another upazila's, or a re-run) inserts into it, where
/// the unique index adds nobody twice (ON CONFLICT DO NOTHING; the programme calendar makes
/// overlapping periods share their start). Returns (new payments, carried payments).
pub fn generate(conn: &mut PgConnection, cycle: &CycleRow) -> QueryResult<(usize, usize)> {
    // One cycle at a time decides whether the period's partition exists.
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('payments:' || $1 || ':' || $2::text))")
        .bind::<Text, _>(&cycle.programme_code)
        .bind::<diesel::sql_types::Date, _>(cycle.period_start)
        .execute(conn)?;
    let partition: Partition = diesel::sql_query(
        "SELECT payments_partition_name($1, $2) AS name,
                to_regclass(quote_ident(payments_partition_name($1, $2))) IS NOT NULL AS made",
    )
    .bind::<Text, _>(&cycle.programme_code)
    .bind::<diesel::sql_types::Date, _>(cycle.period_start)
    .get_result(conn)?;
    let payable = payable_select(conn, cycle)?;
    let standing = standings(conn, cycle)?;
    let fresh = if partition.made {
        let sql = format!(
            "INSERT INTO payments ({PAYMENT_COLUMNS}) {payable}
             ON CONFLICT (beneficiary_id, period_start, programme_code) WHERE carried_from IS NULL DO NOTHING"
        );
        insert_payable(conn, &sql, cycle, &standing)?
    } else {
        load_partition(conn, cycle, &partition.name, &payable, &standing)?
    };
    let carried = diesel::sql_query(
        r#"
        WITH carried AS (
            INSERT INTO payments (cycle_id, beneficiary_id, programme_code, division_id, district_id, upazila_id,
                                  period_start, period_end, months, amount_taka, provider, account_number, carried_from, status)
            SELECT $1, p.beneficiary_id, p.programme_code, p.division_id, p.district_id, p.upazila_id,
                   p.period_start, p.period_end, p.months, p.amount_taka,
                   coalesce(b.payment_provider, p.provider), coalesce(b.account_number, p.account_number), p.id, 'pending'
              FROM payments p
              JOIN payment_cycles pc ON pc.id = p.cycle_id
              JOIN beneficiaries b ON b.id = p.beneficiary_id
             WHERE p.status = 'failed'
               AND p.programme_code = $2
               AND p.period_start < $3
               AND pc.id <> $1
               AND ($4::int IS NULL OR p.upazila_id = $4)
            ON CONFLICT DO NOTHING
            RETURNING carried_from, programme_code, period_start)
        UPDATE payments SET status = 'carried'
         WHERE programme_code = $2 AND (id, programme_code, period_start) IN (SELECT * FROM carried)
        "#,
    )
    .bind::<SqlUuid, _>(cycle.id.0)
    .bind::<Text, _>(&cycle.programme_code)
    .bind::<diesel::sql_types::Date, _>(cycle.period_start)
    .bind::<Nullable<diesel::sql_types::Integer>, _>(cycle.upazila_id)
    .execute(conn)?;
    Ok((fresh, carried))
}

const PAYMENT_COLUMNS: &str = "id, cycle_id, beneficiary_id, programme_code, division_id, district_id, upazila_id, \
     period_start, period_end, months, amount_taka, provider, account_number, status";

#[derive(QueryableByName)]
struct Partition {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    made: bool,
}

/// The days each orphanage is registered (`domain::capitation::standing`, from its timeline),
/// as the arrays the payable SELECT reads as `$2`, `$3`, `$4` (organisation, from, until); none
/// but for the capitation programme.
struct Standings {
    organisations: Vec<Uuid>,
    from: Vec<NaiveDate>,
    until: Vec<Option<NaiveDate>>,
}

fn standings(conn: &mut PgConnection, cycle: &CycleRow) -> QueryResult<Standings> {
    let mut s = Standings { organisations: vec![], from: vec![], until: vec![] };
    if cycle.programme_code != domain::allowance::seeds::ORPHANAGE_CAPITATION {
        return Ok(s);
    }
    for (org, timeline) in crate::capitation::orphanage_timelines(conn)? {
        for span in domain::capitation::standing(&timeline) {
            s.organisations.push(org.0);
            s.from.push(span.from);
            s.until.push(span.until);
        }
    }
    Ok(s)
}

/// Runs `sql` (an INSERT of the payable SELECT) with the cycle as `$1` and the orphanages'
/// standing as `$2`..`$4`.
fn insert_payable(conn: &mut PgConnection, sql: &str, cycle: &CycleRow, s: &Standings) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Date};
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(cycle.id.0)
        .bind::<Array<SqlUuid>, _>(&s.organisations)
        .bind::<Array<Date>, _>(&s.from)
        .bind::<Array<Nullable<Date>>, _>(&s.until)
        .execute(conn)
}

/// The SELECT of a cycle's new payments (`$1` is the cycle; `$2`..`$4` the orphanages'
/// [`Standings`]), in [`PAYMENT_COLUMNS`] order.
fn payable_select(conn: &mut PgConnection, cycle: &CycleRow) -> QueryResult<String> {
    let limits = diesel::sql_query(
        "SELECT (definition ->> 'pay_until_age')::int AS years, (definition ->> 'duration_months')::int AS months
           FROM programme_versions WHERE code = $1 ORDER BY effective_from DESC LIMIT 1",
    )
    .bind::<Text, _>(&cycle.programme_code)
    .get_result::<Limits>(conn)
    .optional()?
    .unwrap_or(Limits { years: None, months: None });
    // What a beneficiary is paid. Without a duration or an age limit it depends only on the
    // first month payable to them (their start month, or the period's first) and their level:
    // a hash join to those few sums. A programme with a fixed duration (CCT: 18 months) or an
    // age limit (capitation: until the 18th birthday) counts each beneficiary's own months.
    // Capitation counts each orphan's own months too: a month is paid for only while the
    // orphanage is registered on its first day (`capitation.orphanage_registered`; an orphan
    // listed nowhere has no orphanage to ask).
    let orphanage = cycle.programme_code == domain::allowance::seeds::ORPHANAGE_CAPITATION;
    let (limit_join, pay) = match (limits.years, limits.months) {
        (None, None) if !orphanage => (
            String::new(),
            "JOIN pay_from pay ON pay.first = greatest(b.start_month, c.period_start)
                   AND pay.level = CASE WHEN (SELECT bool_or(x.level <> '') FROM rate x) THEN coalesce(b.education_level, '') ELSE '' END"
                .to_owned(),
        ),
        (years, months) => {
            let (age_join, age_month) = match years {
                Some(years) => (
                    format!(
                        "JOIN persons per ON per.id = b.person_id \
                         CROSS JOIN LATERAL (SELECT per.date_of_birth + make_interval(years => {years}) AS ends_on) age"
                    ),
                    "AND r.month < age.ends_on",
                ),
                None => (String::new(), ""),
            };
            let duration = months.map_or(String::new(), |m| format!("AND r.month < b.start_month + make_interval(months => {m})"));
            let (orphanage_join, registered) = if orphanage {
                (
                    " LEFT JOIN capitation_orphans co ON co.beneficiary_id = b.id",
                    "AND (co.organisation_id IS NULL OR EXISTS (
                         SELECT 1 FROM standing s
                          WHERE s.organisation_id = co.organisation_id AND s.from_day <= r.month
                            AND (s.until_day IS NULL OR r.month < s.until_day)))",
                )
            } else {
                ("", "")
            };
            (
                format!("{age_join}{orphanage_join}"),
                format!(
                    "CROSS JOIN LATERAL (
                         SELECT count(*)::int AS months, sum(r.monthly_taka)::bigint AS amount
                           FROM rate r
                          WHERE r.month >= b.start_month
                            AND r.level = CASE WHEN (SELECT bool_or(x.level <> '') FROM rate x) THEN coalesce(b.education_level, '') ELSE '' END
                            {duration} {age_month} {registered}) pay"
                ),
            )
        }
    };
    // The programme and the area as constants, not joined from the cycle: the plan then
    // knows how many beneficiaries they select, and reads an upazila's (or a small
    // programme's) through an index instead of every beneficiary in the country.
    let programme = literal(&cycle.programme_code);
    let area = cycle.upazila_id.map_or(String::new(), |u| format!("AND b.upazila_id = {u}"));
    Ok(format!(
        r#"
        WITH c AS (SELECT * FROM payment_cycles WHERE id = $1),
        -- The days each orphanage is registered (capitation only; empty otherwise).
        standing AS (SELECT * FROM unnest($2::uuid[], $3::date[], $4::date[]) AS s(organisation_id, from_day, until_day)),
        -- Each month of the period with its fiscal year, once.
        months AS (SELECT m::date AS month,
                          extract(year FROM m)::int - CASE WHEN extract(month FROM m) < 7 THEN 1 ELSE 0 END AS fy
                     FROM c, generate_series(c.period_start, c.period_end, interval '1 month') AS m),
        -- The rate in force in each of those months, per level, once.
        rate AS (SELECT DISTINCT ON (mo.month, r.level) mo.month, r.level, r.monthly_taka
                   FROM months mo JOIN c ON true
                   JOIN programme_rates r ON r.programme_code = c.programme_code AND r.fiscal_year <= mo.fy
                  ORDER BY mo.month, r.level, r.fiscal_year DESC),
        -- For each month a beneficiary may be first paid for, and each level: the months from
        -- it to the period's end, and what they come to.
        pay_from AS (SELECT f.month AS first, f.level, count(*)::int AS months, sum(r.monthly_taka)::bigint AS amount
                       FROM rate f JOIN rate r ON r.level = f.level AND r.month >= f.month
                      GROUP BY 1, 2),
        -- UUIDv7 ids made by a counter (COUNTER_UUID_PREFIX), in row order, which the primary
        -- key is then built from.
        ids AS (SELECT {COUNTER_UUID_PREFIX} AS prefix)
        SELECT (ids.prefix || lpad(to_hex(row_number() OVER ()), 12, '0'))::uuid, c.id, b.id,
               b.programme_code, b.division_id, b.district_id, b.upazila_id,
               c.period_start, c.period_end, pay.months, pay.amount,
               b.payment_provider, b.account_number, 'pending'
          FROM c
          CROSS JOIN ids
          JOIN beneficiaries b
            ON b.programme_code = {programme}
           {area}
           AND b.status = 'active'
           AND b.account_number IS NOT NULL
          {limit_join}
          {pay}
         WHERE pay.months > 0
           -- A conditional transfer with an unreviewed breach is held, and an orphan absent at
           -- the orphanage's last inspection is not paid for. (NOT IN over a NOT NULL column: a
           -- hashed set probed per beneficiary; NOT EXISTS was planned as a rescan of the held
           -- rows per beneficiary, 4.6 s of an old-age quarter's 10.8 s.)
           AND b.id NOT IN (SELECT k.beneficiary_id FROM cct_compliance k WHERE k.breach AND k.reviewed_at IS NULL)
           AND b.id NOT IN (SELECT o.beneficiary_id FROM capitation_orphans o WHERE o.absent_since IS NOT NULL)
        "#
    ))
}

/// Makes the partition of the cycle's programme and period from its payments: one INSERT ...
/// SELECT into a new table without indexes, its indexes built once (in parallel where the
/// server allows), its report cells counted by one GROUP BY, then ATTACH PARTITION (which
/// checks every row lies in the partition, and takes only a SHARE UPDATE EXCLUSIVE lock on
/// `payments`: other cycles' payments are read and settled meanwhile). The unique indexes
/// built on the full table are the proof that nobody is paid twice in the period.
fn load_partition(
    conn: &mut PgConnection,
    cycle: &CycleRow,
    name: &str,
    payable: &str,
    standing: &Standings,
) -> QueryResult<usize> {
    use diesel::connection::SimpleConnection;
    let table = format!("\"{name}\"");
    conn.batch_execute(&format!(
        "SET LOCAL maintenance_work_mem = '1GB';
         CREATE TABLE {table} (LIKE payments INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
         -- The partial indexes no new payment enters (none is failed or carried yet): made
         -- empty now, each is a predicate tested per row by the INSERT instead of a scan of
         -- the whole table to build it after.
         CREATE UNIQUE INDEX ON {table} (carried_from, programme_code, period_start) WHERE carried_from IS NOT NULL;
         CREATE INDEX ON {table} (programme_code, period_start) WHERE status = 'failed';
         CREATE INDEX ON {table} (cycle_id) WHERE carried_from IS NOT NULL;"
    ))?;
    let n = insert_payable(conn, &format!("INSERT INTO {table} ({PAYMENT_COLUMNS}) {payable}"), cycle, standing)?;
    conn.batch_execute(&format!(
        "ALTER TABLE {table} ADD PRIMARY KEY (id, programme_code, period_start);
         CREATE UNIQUE INDEX ON {table} (beneficiary_id, period_start, programme_code) WHERE carried_from IS NULL;
         CREATE INDEX ON {table} (cycle_id, id);
         ANALYZE {table};"
    ))?;
    // The cells the statement trigger on `payments` keeps for inserted rows (an attached
    // table's rows were never inserted through it). Every row of the new table is this
    // cycle's and pending (the SELECT above writes them so), and an upazila has one district
    // and division (the area key): so one integer to group by, not four columns with a uuid
    // and a text. New payments are pending: no paid-by-day.
    diesel::sql_query(format!(
        "INSERT INTO payment_counts AS t (district_id, cycle_id, upazila_id, status, division_id, payments, amount_taka)
         SELECT min(district_id), $1, upazila_id, 'pending', min(division_id), count(*), sum(amount_taka)
           FROM {table} GROUP BY upazila_id ORDER BY 1, 3
         ON CONFLICT (district_id, cycle_id, upazila_id, status)
         DO UPDATE SET payments = t.payments + EXCLUDED.payments, amount_taka = t.amount_taka + EXCLUDED.amount_taka"
    ))
    .bind::<SqlUuid, _>(cycle.id.0)
    .execute(conn)?;
    diesel::sql_query(format!(
        "ALTER TABLE payments ATTACH PARTITION {table} FOR VALUES FROM ({programme}, {start}) TO ({programme}, {end})",
        programme = literal(&cycle.programme_code),
        start = literal(&cycle.period_start.to_string()),
        end = literal(&(cycle.period_start + chrono::Duration::days(1)).to_string()),
    ))
    .execute(conn)?;
    Ok(n)
}

/// A SQL string literal (DDL takes no bind parameters); the values are programme codes and
/// dates, quoted all the same.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(QueryableByName)]
struct Limits {
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    years: Option<i32>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    months: Option<i32>,
}

/// Counts and amounts of a cycle by payment status.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = BigInt)]
    pub payments: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = BigInt)]
    pub paid: i64,
    #[diesel(sql_type = BigInt)]
    pub paid_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub failed: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub carried_in: i64,
}

/// A cycle's totals, from its report cells (kept exact by the triggers on `payments` and by
/// [`load_partition`]) rather than from its payments, which a national cycle has millions of;
/// only the payments carried into it are counted (a partial index holds just those).
pub fn totals(conn: &mut PgConnection, cycle: PaymentCycleId) -> QueryResult<Totals> {
    diesel::sql_query(
        "SELECT coalesce(sum(payments), 0)::bigint AS payments, coalesce(sum(amount_taka), 0)::bigint AS amount_taka,
                coalesce(sum(payments) FILTER (WHERE status = 'pending'), 0)::bigint AS pending,
                coalesce(sum(payments) FILTER (WHERE status = 'paid'), 0)::bigint AS paid,
                coalesce(sum(amount_taka) FILTER (WHERE status = 'paid'), 0)::bigint AS paid_taka,
                coalesce(sum(payments) FILTER (WHERE status IN ('failed', 'carried')), 0)::bigint AS failed,
                coalesce(sum(amount_taka) FILTER (WHERE status IN ('failed', 'carried')), 0)::bigint AS failed_taka,
                (SELECT count(*) FROM payments WHERE cycle_id = $1 AND carried_from IS NOT NULL) AS carried_in
           FROM payment_counts WHERE cycle_id = $1",
    )
    .bind::<SqlUuid, _>(cycle.0)
    .get_result(conn)
}

/// Beneficiaries of the cycle's programme and area left out for want of a payment account
/// (the status and the missing account written out, so that the partial index that holds just
/// those beneficiaries is used by every plan).
pub fn missing_accounts(conn: &mut PgConnection, cycle: &CycleRow) -> QueryResult<i64> {
    use crate::schema::beneficiaries;
    let mut q = beneficiaries::table
        .filter(beneficiaries::programme_code.eq(&cycle.programme_code))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>("status = 'active' AND account_number IS NULL"))
        .into_boxed();
    if let Some(u) = cycle.upazila_id {
        q = q.filter(beneficiaries::upazila_id.eq(u));
    }
    q.count().get_result(conn)
}

/// A line of a provider's payment file: only what the file holds (a national cycle's file for
/// one provider has millions of lines, all in memory at once while it is written).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payments)]
pub struct ExportLine {
    #[diesel(deserialize_as = Uuid)]
    pub id: PaymentId,
    pub account_number: String,
    pub amount_taka: i64,
}

/// The pending payments of a cycle for one provider, in id order (the export file).
pub fn pending_for_provider(
    conn: &mut PgConnection,
    cycle: PaymentCycleId,
    provider: PaymentProvider,
) -> QueryResult<Vec<ExportLine>> {
    payments::table
        .filter(payments::cycle_id.eq(cycle.0))
        .filter(payments::provider.eq(provider.code()))
        .filter(payments::status.eq("pending"))
        .order(payments::id)
        .select(ExportLine::as_select())
        .load(conn)
}

/// The status of each of `ids` that is a payment of the cycle (the others are missing from
/// the answer). The ids are joined as one array: a provider's file names up to a million.
pub fn statuses_of(conn: &mut PgConnection, cycle: &CycleRow, ids: &[PaymentId]) -> QueryResult<Vec<(PaymentId, String)>> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        status: String,
    }
    let ids: Vec<Uuid> = ids.iter().map(|p| p.0).collect();
    // (The cycle's payments, carried ones included, are all in its programme's partitions.)
    let rows: Vec<Status> = diesel::sql_query(
        "SELECT p.id, p.status FROM payments p JOIN unnest($3::uuid[]) AS r(id) ON r.id = p.id
          WHERE p.programme_code = $1 AND p.cycle_id = $2",
    )
    .bind::<Text, _>(&cycle.programme_code)
    .bind::<SqlUuid, _>(cycle.id.0)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (PaymentId(r.id), r.status)).collect())
}

/// Records the provider's results for pending payments of the cycle in one UPDATE (the report
/// cells' statement triggers then run once for the file, not once a line). Returns how many
/// payments it settled: those of `results` still pending.
pub fn settle(conn: &mut PgConnection, cycle: &CycleRow, results: &[PaymentResult], now: DateTime<Utc>) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Bool, Timestamptz};
    let ids: Vec<Uuid> = results.iter().map(|r| r.payment_id.0).collect();
    let paid: Vec<bool> = results.iter().map(|r| r.paid).collect();
    let reasons: Vec<Option<&str>> = results.iter().map(|r| if r.paid { None } else { r.reason.as_deref() }).collect();
    let references: Vec<Option<&str>> = results.iter().map(|r| r.reference.as_deref()).collect();
    diesel::sql_query(
        "UPDATE payments p
            SET status = CASE WHEN r.paid THEN 'paid' ELSE 'failed' END,
                failure_reason = r.reason, provider_reference = r.reference, settled_at = $7
           FROM unnest($3::uuid[], $4::bool[], $5::text[], $6::text[]) AS r(id, paid, reason, reference)
          WHERE p.programme_code = $1 AND p.cycle_id = $2 AND p.id = r.id AND p.status = 'pending'",
    )
    .bind::<Text, _>(&cycle.programme_code)
    .bind::<SqlUuid, _>(cycle.id.0)
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Bool>, _>(paid)
    .bind::<Array<Nullable<Text>>, _>(reasons)
    .bind::<Array<Nullable<Text>>, _>(references)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::cct_compliance)]
pub struct ComplianceRow {
    #[diesel(deserialize_as = Uuid)]
    pub beneficiary_id: BeneficiaryId,
    pub month: NaiveDate,
    pub school_attendance: bool,
    pub no_child_marriage: bool,
    pub no_child_labour: bool,
    pub breach: bool,
    pub recorded_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
}

/// Records a month's compliance; `Ok(None)` when that month is already recorded.
pub fn record_compliance(
    conn: &mut PgConnection,
    beneficiary: BeneficiaryId,
    month: NaiveDate,
    school_attendance: bool,
    no_child_marriage: bool,
    no_child_labour: bool,
    by: UserId,
) -> QueryResult<Option<ComplianceRow>> {
    use crate::schema::cct_compliance as k;
    diesel::insert_into(k::table)
        .values((
            k::beneficiary_id.eq(beneficiary.0),
            k::month.eq(month),
            k::school_attendance.eq(school_attendance),
            k::no_child_marriage.eq(no_child_marriage),
            k::no_child_labour.eq(no_child_labour),
            k::recorded_by.eq(by.0),
        ))
        .on_conflict_do_nothing()
        .returning(ComplianceRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Marks an unreviewed breach reviewed; the number of rows changed (0: nothing to review).
pub fn review_breach(
    conn: &mut PgConnection,
    beneficiary: BeneficiaryId,
    month: NaiveDate,
    by: UserId,
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    use crate::schema::cct_compliance as k;
    diesel::update(k::table.find((beneficiary.0, month)).filter(k::breach.eq(true)).filter(k::reviewed_at.is_null()))
        .set((k::reviewed_by.eq(by.0), k::reviewed_at.eq(now), k::review_note.eq(note)))
        .execute(conn)
}

pub fn compliance_of(conn: &mut PgConnection, beneficiary: BeneficiaryId) -> QueryResult<Vec<ComplianceRow>> {
    use crate::schema::cct_compliance as k;
    k::table.filter(k::beneficiary_id.eq(beneficiary.0)).order(k::month).select(ComplianceRow::as_select()).load(conn)
}

/// One payment in a beneficiary's history, with its cycle's standing and the payment that
/// carried it on (a failed payment is re-issued in a later cycle as a new payment).
#[derive(Debug, Clone, QueryableByName)]
pub struct HistoryRow {
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub id: PaymentId,
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub cycle_id: PaymentCycleId,
    #[diesel(sql_type = Text, deserialize_as = Code<CycleStatus>)]
    pub cycle_status: CycleStatus,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period_start: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period_end: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub months: i32,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
    #[diesel(sql_type = Text, deserialize_as = Code<PaymentProvider>)]
    pub provider: PaymentProvider,
    #[diesel(sql_type = Text)]
    pub account_number: String,
    #[diesel(sql_type = Text, deserialize_as = Code<domain::allowance::history::PaymentStatus>)]
    pub status: domain::allowance::history::PaymentStatus,
    #[diesel(sql_type = Nullable<Text>)]
    pub failure_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub provider_reference: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub settled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<PaymentId>)]
    pub carried_from: Option<PaymentId>,
    #[diesel(sql_type = Nullable<SqlUuid>, deserialize_as = OptionalId<PaymentId>)]
    pub carried_into: Option<PaymentId>,
}

/// A beneficiary's payments in one programme, newest period first (then newest payment): the
/// periods paid for (each at most once, by the unique index), and every re-issue of a failed
/// one, followed from the original by `carried_from` (same programme and period, so the same
/// partition, by index).
pub fn history(
    conn: &mut PgConnection,
    beneficiary: BeneficiaryId,
    programme: &str,
    after: Option<(NaiveDate, PaymentId)>,
    limit: i64,
) -> QueryResult<Page<HistoryRow, (NaiveDate, PaymentId)>> {
    let (after_start, after_id) = after.map_or((None, None), |(d, id)| (Some(d), Some(id.0)));
    let rows: Vec<HistoryRow> = diesel::sql_query(
        "WITH RECURSIVE mine AS (
             SELECT p.* FROM payments p
              WHERE p.beneficiary_id = $1 AND p.programme_code = $2 AND p.carried_from IS NULL
             UNION ALL
             SELECT c.* FROM payments c
               JOIN mine m ON c.carried_from = m.id AND c.programme_code = m.programme_code
                          AND c.period_start = m.period_start
         )
         SELECT m.id, m.cycle_id, cy.status AS cycle_status, m.period_start, m.period_end, m.months,
                m.amount_taka, m.provider, m.account_number, m.status, m.failure_reason,
                m.provider_reference, m.settled_at, m.carried_from,
                (SELECT n.id FROM payments n
                  WHERE n.carried_from = m.id AND n.programme_code = m.programme_code
                    AND n.period_start = m.period_start) AS carried_into
           FROM mine m
           JOIN payment_cycles cy ON cy.id = m.cycle_id
          WHERE $3::date IS NULL OR (m.period_start, m.id) < ($3, $4)
          ORDER BY m.period_start DESC, m.id DESC
          LIMIT $5",
    )
    .bind::<SqlUuid, _>(beneficiary.0)
    .bind::<Text, _>(programme)
    .bind::<Nullable<diesel::sql_types::Date>, _>(after_start)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<BigInt, _>(limit + 1)
    .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| (r.period_start, r.id)))
}

/// How far a beneficiary's payments reach: the last day of the latest period in a payment,
/// the months in payments (each period once), and the taka of failed payments not yet
/// carried (the next cycle of the programme re-issues them).
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct Coverage {
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    pub covered_until: Option<NaiveDate>,
    #[diesel(sql_type = BigInt)]
    pub months: i64,
    #[diesel(sql_type = BigInt)]
    pub awaiting_carry_over_taka: i64,
    /// The period start of the programme's latest cycle: its calendar.
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    pub calendar_anchor: Option<NaiveDate>,
}

pub fn coverage(conn: &mut PgConnection, beneficiary: BeneficiaryId, programme: &str) -> QueryResult<Coverage> {
    diesel::sql_query(
        "WITH RECURSIVE mine AS (
             SELECT p.id, p.programme_code, p.period_start, p.period_end, p.months, p.amount_taka, p.status, true AS original
               FROM payments p
              WHERE p.beneficiary_id = $1 AND p.programme_code = $2 AND p.carried_from IS NULL
             UNION ALL
             SELECT c.id, c.programme_code, c.period_start, c.period_end, c.months, c.amount_taka, c.status, false
               FROM payments c
               JOIN mine m ON c.carried_from = m.id AND c.programme_code = m.programme_code
                          AND c.period_start = m.period_start
         )
         SELECT max(period_end) AS covered_until,
                coalesce(sum(months) FILTER (WHERE original), 0)::bigint AS months,
                coalesce(sum(amount_taka) FILTER (WHERE status = 'failed'), 0)::bigint AS awaiting_carry_over_taka,
                (SELECT max(c.period_start) FROM payment_cycles c WHERE c.programme_code = $2) AS calendar_anchor
           FROM mine",
    )
    .bind::<SqlUuid, _>(beneficiary.0)
    .bind::<Text, _>(programme)
    .get_result(conn)
}

/// One payment cycle as an orphanage's bank account saw it: its listed orphans' payments.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrphanageCycleRow {
    #[diesel(sql_type = SqlUuid, deserialize_as = Uuid)]
    pub cycle_id: PaymentCycleId,
    #[diesel(sql_type = Text, deserialize_as = Code<CycleStatus>)]
    pub cycle_status: CycleStatus,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period_start: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub period_end: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub payments: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub paid: i64,
    #[diesel(sql_type = BigInt)]
    pub paid_taka: i64,
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = BigInt)]
    pub failed: i64,
    #[diesel(sql_type = BigInt)]
    pub failed_taka: i64,
}

/// The capitation payments of the orphans listed at an orphanage, by cycle, newest period
/// first (then by cycle id).
pub fn orphanage_history(
    conn: &mut PgConnection,
    org: domain::id::VoluntaryOrganisationId,
    after: Option<(NaiveDate, PaymentCycleId)>,
    limit: i64,
) -> QueryResult<Page<OrphanageCycleRow, (NaiveDate, PaymentCycleId)>> {
    let (after_start, after_id) = after.map_or((None, None), |(d, id)| (Some(d), Some(id.0)));
    let rows: Vec<OrphanageCycleRow> = diesel::sql_query(
        "SELECT p.cycle_id, cy.status AS cycle_status, p.period_start, p.period_end,
                count(*)::bigint AS payments, sum(p.amount_taka)::bigint AS amount_taka,
                count(*) FILTER (WHERE p.status = 'paid')::bigint AS paid,
                coalesce(sum(p.amount_taka) FILTER (WHERE p.status = 'paid'), 0)::bigint AS paid_taka,
                count(*) FILTER (WHERE p.status = 'pending')::bigint AS pending,
                count(*) FILTER (WHERE p.status IN ('failed', 'carried'))::bigint AS failed,
                coalesce(sum(p.amount_taka) FILTER (WHERE p.status IN ('failed', 'carried')), 0)::bigint AS failed_taka
           FROM capitation_orphans o
           JOIN payments p ON p.beneficiary_id = o.beneficiary_id AND p.programme_code = $2
           JOIN payment_cycles cy ON cy.id = p.cycle_id
          WHERE o.organisation_id = $1
          GROUP BY p.cycle_id, cy.status, p.period_start, p.period_end
         HAVING $3::date IS NULL OR (p.period_start, p.cycle_id) < ($3, $4)
          ORDER BY p.period_start DESC, p.cycle_id DESC
          LIMIT $5",
    )
    .bind::<SqlUuid, _>(org.0)
    .bind::<Text, _>(domain::allowance::seeds::ORPHANAGE_CAPITATION)
    .bind::<Nullable<diesel::sql_types::Date>, _>(after_start)
    .bind::<Nullable<SqlUuid>, _>(after_id)
    .bind::<BigInt, _>(limit + 1)
    .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| (r.period_start, r.cycle_id)))
}

/// What the next capitation period needs about each orphan listed at an orphanage.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrphanDueRow {
    #[diesel(sql_type = Text, deserialize_as = Code<domain::allowance::enrolment::BeneficiaryStatus>)]
    pub status: domain::allowance::enrolment::BeneficiaryStatus,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub start_month: NaiveDate,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    pub end_month: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub date_of_birth: NaiveDate,
    /// Absent at the last inspection: not paid for until found present.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub absent: bool,
    #[diesel(sql_type = Nullable<diesel::sql_types::Date>)]
    pub covered_until: Option<NaiveDate>,
}

/// The period start of a programme's latest cycle: its calendar.
pub fn calendar_anchor(conn: &mut PgConnection, programme: &str) -> QueryResult<Option<NaiveDate>> {
    payment_cycles::table
        .filter(payment_cycles::programme_code.eq(programme))
        .select(diesel::dsl::max(payment_cycles::period_start))
        .get_result(conn)
}

pub fn orphans_due(conn: &mut PgConnection, org: domain::id::VoluntaryOrganisationId) -> QueryResult<Vec<OrphanDueRow>> {
    diesel::sql_query(
        "SELECT b.status, b.start_month, b.end_month, pe.date_of_birth, o.absent_since IS NOT NULL AS absent,
                (SELECT max(p.period_end) FROM payments p
                  WHERE p.beneficiary_id = b.id AND p.programme_code = b.programme_code
                    AND p.carried_from IS NULL) AS covered_until
           FROM capitation_orphans o
           JOIN beneficiaries b ON b.id = o.beneficiary_id
           JOIN persons pe ON pe.id = b.person_id
          WHERE o.organisation_id = $1",
    )
    .bind::<SqlUuid, _>(org.0)
    .load(conn)
}
