//! Reproducible synthetic data over the real geography, for benchmarks: beneficiaries of the
//! DSS programmes with a realistic age, sex and programme mix, and child-protection cases.
//! Generated set-based inside PostgreSQL (`generate_series` with a seeded `random()`), so
//! millions of rows take minutes. Every synthetic row is marked by its author (`created_by`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Uuid as SqlUuid};
use uuid::Uuid;

/// The account synthetic rows are attributed to.
pub const SYNTHETIC_AUTHOR: Uuid = Uuid::from_u128(0x5ee0_0000_0000_7000_8000_0000_0000_0001);

#[derive(Debug, Clone, Default)]
pub struct SyntheticCounts {
    pub beneficiaries: usize,
    pub cases: usize,
}

const EN_NAMES: &str =
    "ARRAY['Rahima','Karim','Amena','Jahanara','Salma','Abdul','Rashid','Fatema','Nasrin','Kamal','Shirin','Hasan',\
    'Rokeya','Selim','Parvin','Mizan','Shahana','Jamal','Taslima','Babul']";
const BN_NAMES: &str = "ARRAY['রহিমা','করিম','আমেনা','জাহানারা','সালমা','আব্দুল','রশিদ','ফাতেমা','নাসরিন','কামাল','শিরিন','হাসান',\
    'রোকেয়া','সেলিম','পারভীন','মিজান','শাহানা','জামাল','তাসলিমা','বাবুল']";

/// Rows generated per transaction. Chunks are the unit of parallel work, and each has its own
/// random seed, so the data depends on the seed and the counts, not on how many workers ran.
pub const CHUNK: i64 = 250_000;

/// One piece of a synthetic load: beneficiaries or cases numbered `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub index: u32,
    pub cases: bool,
    pub first: i64,
    pub last: i64,
    /// Where synthetic national ids start (above any person already on record).
    pub nid_base: i64,
    pub seed: u32,
}

impl Chunk {
    pub fn len(&self) -> i64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 0
    }
}

/// Splits a load into chunks (beneficiaries first, then cases).
pub fn plan(conn: &mut PgConnection, beneficiaries: i64, cases: i64, seed: u32) -> QueryResult<Vec<Chunk>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let nid_base = diesel::sql_query("SELECT count(*) AS n FROM persons").get_result::<Count>(conn)?.n;
    if cases > 0 {
        ensure_centres(conn)?;
    }
    let mut chunks = vec![];
    for (total, is_cases) in [(beneficiaries, false), (cases, true)] {
        let mut first = 1;
        while first <= total {
            let last = (first + CHUNK - 1).min(total);
            let index = chunks.len() as u32;
            chunks.push(Chunk { index, cases: is_cases, first, last, nid_base, seed });
            first = last + 1;
        }
    }
    Ok(chunks)
}

/// Adds `beneficiaries` allowance beneficiaries and `cases` child-protection cases, the same
/// for the same `seed` (dates are anchored at 1 July 2026, not today), one chunk after the
/// other on this connection. Needs migrations and programme seeds applied.
pub fn seed(
    conn: &mut PgConnection,
    beneficiaries: i64,
    cases: i64,
    seed: u32,
    progress: &mut dyn FnMut(&str),
) -> QueryResult<SyntheticCounts> {
    let mut counts = SyntheticCounts::default();
    for chunk in plan(conn, beneficiaries, cases, seed)? {
        let n = seed_chunk(conn, &chunk)?;
        if chunk.cases {
            counts.cases += n;
        } else {
            counts.beneficiaries += n;
        }
        progress(&format!("chunk {} written", chunk.index + 1));
    }
    Ok(counts)
}

/// Writes one chunk in its own transaction; returns the rows added.
pub fn seed_chunk(conn: &mut PgConnection, chunk: &Chunk) -> QueryResult<usize> {
    let (first, last) = (chunk.first, chunk.last);
    conn.transaction(|conn| {
        diesel::sql_query("SET LOCAL max_parallel_workers_per_gather = 0").execute(conn)?;
        let chunk_seed = (u64::from(chunk.seed) * 7919 + u64::from(chunk.index)) % 1_000_000;
        diesel::sql_query("SELECT setseed($1)").bind::<Double, _>(chunk_seed as f64 / 1_000_000.0).execute(conn)?;
        diesel::sql_query(
            "CREATE TEMP TABLE synth_unions ON COMMIT DROP AS
             SELECT (row_number() OVER (ORDER BY un.id) - 1)::int AS k, un.id AS union_id, un.upazila_id, up.district_id, d.division_id
               FROM unions un JOIN upazilas up ON up.id = un.upazila_id JOIN districts d ON d.id = up.district_id",
        )
        .execute(conn)?;
        if chunk.cases {
            return seed_cases(conn, first, last);
        }
        diesel::sql_query(format!(
            "CREATE TEMP TABLE synth ON COMMIT DROP AS
             SELECT s.g, uuid_v7() AS person_id, uuid_v7() AS application_id, uuid_v7() AS beneficiary_id, s.programme,
                    CASE WHEN s.programme = 'widow' THEN 'female'
                         WHEN s.programme = 'hijra_allowance' THEN 'hijra'
                         WHEN s.r_sex < 0.55 THEN 'female' ELSE 'male' END AS sex,
                    (DATE '2026-07-01' - make_interval(years => (CASE s.programme WHEN 'old_age' THEN 65 WHEN 'widow' THEN 25
                                                                  WHEN 'disability' THEN 7 ELSE 50 END)
                                                            + floor(s.r_age * 25)::int, days => floor(s.r_day * 365)::int))::date AS date_of_birth,
                    ({EN_NAMES})[1 + floor(s.r_name * 20)::int] || ' ' || s.g AS name_en,
                    ({BN_NAMES})[1 + floor(s.r_name * 20)::int] AS name_bn,
                    (1000000000 + $2 + s.g)::text AS nid,
                    '01' || (3 + floor(s.r_day * 7)::int)::text || lpad((s.g % 100000000)::text, 8, '0') AS account,
                    CASE WHEN s.r_sex < 0.5 THEN 'bkash' WHEN s.r_sex < 0.8 THEN 'nagad' ELSE 'upay' END AS provider,
                    u.union_id, u.upazila_id, u.district_id, u.division_id,
                    make_date(2024 + floor(s.r_day * 2)::int, 1 + floor(s.r_age * 12)::int, 1) AS start_month
               FROM (SELECT g, random() AS r_sex, random() AS r_age, random() AS r_day, random() AS r_name,
                            floor(random() * (SELECT count(*) FROM synth_unions))::int AS k,
                            CASE WHEN random() < 0.55 THEN 'old_age' WHEN random() < 0.6 THEN 'widow'
                                 WHEN random() < 0.75 THEN 'disability' WHEN random() < 0.5 THEN 'bede_allowance'
                                 ELSE 'hijra_allowance' END AS programme
                       FROM generate_series($1, $3) g) s
               JOIN synth_unions u ON u.k = s.k"
        ))
        .bind::<BigInt, _>(first)
        .bind::<BigInt, _>(chunk.nid_base)
        .bind::<BigInt, _>(last)
        .execute(conn)?;
        let author = SYNTHETIC_AUTHOR;
        diesel::sql_query(
            "INSERT INTO persons (id, name_en, name_bn, sex, date_of_birth, nid, division_id, district_id, upazila_id, union_id, created_by)
             SELECT person_id, name_en, name_bn, sex, date_of_birth, nid, division_id, district_id, upazila_id, union_id, $1 FROM synth",
        )
        .bind::<SqlUuid, _>(author)
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO applications (id, programme_code, person_id, division_id, district_id, upazila_id, status, facts, verdict,
                                       submitted_on, decided_by, decided_on, note, created_by)
             SELECT application_id, programme, person_id, division_id, district_id, upazila_id, 'approved', '{}', 'needs_verification',
                    start_month, $1, start_month, 'synthetic', $1 FROM synth",
        )
        .bind::<SqlUuid, _>(author)
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO beneficiaries (id, person_id, programme_code, exclusivity_group, application_id, division_id, district_id,
                                        upazila_id, sex, status, start_month, payment_provider, account_number)
             SELECT beneficiary_id, person_id, programme, 'government_allowance', application_id, division_id, district_id,
                    upazila_id, sex, 'active', start_month, provider, account FROM synth",
        )
        .execute(conn)?;
        Ok(last as usize - first as usize + 1)
    })
}

/// One shelter and rehabilitation centre (SRTRCCR) per division, where synthetic children are
/// placed. Fixed ids, so every worker and every run names the same centres.
fn ensure_centres(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO facilities (id, name_en, name_bn, facility_type, division_id, district_id, upazila_id,
                                 capacity_female, capacity_male, capacity_hijra)
         SELECT md5('sheba-synthetic-centre-' || dv.id)::uuid, 'Synthetic centre, ' || dv.name_en, 'কৃত্রিম কেন্দ্র, ' || dv.name_bn,
                'srtrccr_centre', dv.id, up.district_id, up.id, 100, 100, 10
           FROM divisions dv
           JOIN LATERAL (SELECT u.id, u.district_id FROM upazilas u JOIN districts d ON d.id = u.district_id
                          WHERE d.division_id = dv.id ORDER BY u.id LIMIT 1) up ON true
         ON CONFLICT (id) DO NOTHING",
    )
    .execute(conn)
}

/// Child-protection cases opened over five fiscal years (July 2021 to June 2026) with their
/// timelines: intake, risk assessment, for about a third a placement in their division's
/// centre, for most a reintegration in the family, and closure for the older ones. So the
/// case reports have history to skip: a period's reintegrations and placements are a
/// fraction of all cases.
fn seed_cases(conn: &mut PgConnection, first: i64, last: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "CREATE TEMP TABLE synth_kids ON COMMIT DROP AS
         SELECT x.*, CASE WHEN closed_on IS NOT NULL THEN 'closed' WHEN completed_on IS NOT NULL THEN 'follow_up'
                          ELSE 'risk_assessment' END AS status,
                CASE WHEN placed THEN coalesce(completed_on, closed_on) END AS left_on
           FROM (
         SELECT k.*, u.union_id, u.upazila_id, u.district_id, u.division_id,
                md5('sheba-synthetic-centre-' || u.division_id)::uuid AS centre_id,
                CASE WHEN k.placed THEN k.opened_on + 2 END AS admitted_on,
                CASE WHEN k.completed_on IS NOT NULL AND k.completed_on < DATE '2026-01-01' THEN k.completed_on + 180
                     WHEN k.completed_on IS NULL AND k.opened_on < DATE '2024-07-01' THEN k.opened_on + 730 END AS closed_on
           FROM (SELECT s.*, CASE WHEN s.r_re < 0.6 AND s.opened_on + 30 + floor(s.r_len * 335)::int < DATE '2026-07-01'
                                  THEN s.opened_on + 30 + floor(s.r_len * 335)::int END AS completed_on
                   FROM (SELECT uuid_v7() AS person_id, uuid_v7() AS case_id, uuid_v7() AS guardian_id, g,
                                CASE WHEN random() < 0.6 THEN 'male' ELSE 'female' END AS sex,
                                (DATE '2026-07-01' - make_interval(years => 6 + floor(random() * 11)::int))::date AS dob,
                                floor(random() * (SELECT count(*) FROM synth_unions))::int AS k,
                                DATE '2021-07-01' + floor(random() * 1826)::int AS opened_on,
                                random() < 0.35 AS placed, random() AS r_re, random() AS r_len,
                                (ARRAY['street_child','child_labour','orphan_both_parents','domestic_work','trafficking','abuse',
                                       'child_marriage','neglected','separated','disability'])[1 + floor(random() * 10)::int] AS category
                           FROM generate_series($1, $2) g) s) k
           JOIN synth_unions u ON u.k = k.k) x",
    )
    .bind::<BigInt, _>(first)
    .bind::<BigInt, _>(last)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO persons (id, name_en, sex, date_of_birth, division_id, district_id, upazila_id, union_id, created_by)
         SELECT person_id, 'Child ' || g, sex, dob, division_id, district_id, upazila_id, union_id, $1 FROM synth_kids
         UNION ALL
         SELECT guardian_id, 'Guardian of child ' || g, 'female', dob - interval '25 years', division_id, district_id, upazila_id,
                union_id, $1
           FROM synth_kids WHERE completed_on IS NOT NULL",
    )
    .bind::<SqlUuid, _>(SYNTHETIC_AUTHOR)
    .execute(conn)?;
    let n = diesel::sql_query(
        "INSERT INTO cases (id, case_number, kind, status, person_id, residence_facility_id, division_id, district_id, upazila_id,
                            sex, date_of_birth, risk_level, risk_categories, opened_on, closed_on, ages_out_on, state, created_by)
         SELECT case_id, 'CP-SYN-' || lpad(nextval('case_number_seq')::text, 9, '0'), 'child_protection', status, person_id,
                CASE WHEN placed AND left_on IS NULL THEN centre_id END,
                division_id, district_id, upazila_id, sex, dob, 'medium', ARRAY[category], opened_on, closed_on,
                (dob + interval '18 years')::date,
                jsonb_build_object('kind', 'child_protection', 'status', status, 'opened_on', opened_on,
                    'subject', jsonb_build_object('person_id', person_id, 'sex', sex, 'date_of_birth', dob, 'foreign_national', false),
                    'court_order', null, 'release_order', null,
                    'placement', CASE WHEN placed THEN jsonb_build_object('facility_id', centre_id, 'admitted_on', admitted_on,
                        'stay_until', null, 'health_check', 'checked on admission', 'belongings', '[]'::jsonb, 'left_on', left_on) END,
                    'risk', jsonb_build_object('level', 'medium', 'categories', jsonb_build_array(category),
                                               'assessed_on', opened_on + 1, 'summary', ''),
                    'detailed_assessment', null, 'case_plan', null, 'alleged_perpetrators', '[]'::jsonb, 'services', '[]'::jsonb,
                    'referrals', '[]'::jsonb, 'conferences', '[]'::jsonb, 'consents', '[]'::jsonb, 'notes', '[]'::jsonb,
                    'reintegration', CASE WHEN completed_on IS NOT NULL THEN jsonb_build_object('destination', 'family',
                        'guardian', jsonb_build_object('person_id', guardian_id, 'relationship', 'mother', 'has_identifier', false),
                        'support_items', '[]'::jsonb, 'started_on', completed_on - 14,
                        'guardian_assessment', jsonb_build_object('outcome', 'safe', 'assessed_on', completed_on - 7, 'notes', ''),
                        'child_views', 'wants to go home', 'repatriation_clearance', null, 'completed_on', completed_on) END,
                    'past_reintegrations', '[]'::jsonb, 'follow_ups', '[]'::jsonb, 'approvals', '[]'::jsonb,
                    'reopenings', '[]'::jsonb, 'exit', null, 'closed_on', closed_on),
                $1
           FROM synth_kids",
    )
    .bind::<SqlUuid, _>(SYNTHETIC_AUTHOR)
    .execute(conn)?;
    // The timeline the pipeline report counts, one event per step taken.
    diesel::sql_query(
        "INSERT INTO case_events (id, case_id, occurred_at, actor_id, actor_label, action, status_before, status_after, data, district_id)
         SELECT uuid_v7(), case_id, (day + at) AT TIME ZONE 'Asia/Dhaka', $1, 'synthetic', action, status_before, status_after, data,
                district_id
           FROM synth_kids k
          CROSS JOIN LATERAL (VALUES
                (k.opened_on, time '10:00', 'open_case', NULL, 'intake', '{}'::jsonb),
                (k.opened_on + 1, time '11:00', 'record_risk_assessment', 'intake', 'risk_assessment',
                 jsonb_build_object('level', 'medium', 'categories', jsonb_build_array(k.category))),
                (k.admitted_on, time '12:00', 'place_in_facility', 'risk_assessment', 'risk_assessment',
                 jsonb_build_object('facility_id', k.centre_id, 'admitted_on', k.admitted_on)),
                (k.completed_on - 14, time '10:00', 'start_reintegration', 'risk_assessment', 'reintegration',
                 jsonb_build_object('destination', 'family')),
                (k.completed_on, time '15:00', 'complete_reintegration', 'reintegration', 'follow_up',
                 jsonb_build_object('completed_on', k.completed_on)),
                (k.closed_on, time '16:00', 'decide_approval', CASE WHEN k.completed_on IS NULL THEN 'risk_assessment' ELSE 'follow_up' END,
                 'closed', jsonb_build_object('kind', 'closure', 'decision', 'approved'))
          ) e(day, at, action, status_before, status_after, data)
          WHERE e.day IS NOT NULL",
    )
    .bind::<SqlUuid, _>(SYNTHETIC_AUTHOR)
    .execute(conn)?;
    Ok(n)
}
