//! The black-box test harness. One private PostgreSQL cluster per test process (started once,
//! from the machine's server binaries, as the embedded default does), a migrated template
//! database, and for each test its own database copied from the template and its own real
//! HTTP server on a free port. Tests talk to it over HTTP only, except where a test must
//! look at the database itself (the audit table's trigger, migrations).

pub mod process;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::Duration;

use actix_web::web;
use api::auth::tokens::TokenService;
use api::AppState;
use diesel::{Connection, PgConnection, RunQueryDsl};
use domain::login_throttle::ThrottlePolicy;
use persistence::cluster::{ClusterConfig, EmbeddedCluster};
use serde_json::{json, Value};

/// The signing key of every test server, so tests can forge tokens with the right key.
pub const TEST_SIGNING_KEY: &[u8] = TEST_SIGNING_KEY_TEXT.as_bytes();
/// The same key as text, for a `sheba` process (`SHEBA_JWT_SECRET`) that accepts the tests' tokens.
pub const TEST_SIGNING_KEY_TEXT: &str = "test-signing-key-0123456789abcdef-not-a-secret";
/// Password of the bootstrap administrator and of users made by [`TestApp::user`].
pub const PASSWORD: &str = "correct horse battery staple";
/// Body limit of test servers (small, so the 413 test sends little).
pub const TEST_BODY_LIMIT: usize = 16 * 1024;

struct Cluster {
    template_url: String,
    admin_url: String,
    base_url: String,
    data_dir: PathBuf,
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        remove_stale_clusters();
        let data_dir = std::env::temp_dir().join(format!("sheba-test-{}", std::process::id()));
        let (tx, rx) = mpsc::channel();
        let dir = data_dir.clone();
        // The cluster is started from a thread that never ends: PostgreSQL is told to stop when
        // the thread that started it exits, which for this thread is when the process does.
        std::thread::Builder::new()
            .name("test-postgres".into())
            .spawn(move || {
                let result = EmbeddedCluster::ensure(&ClusterConfig {
                    data_dir: dir,
                    port: None,
                    bin_dir: std::env::var_os("SHEBA_PG_BIN_DIR").map(PathBuf::from),
                    database: "sheba_template".into(),
                    wal_archive: None,
                });
                match result {
                    Ok(c) => {
                        tx.send(Ok((c.database_url().to_owned(), c.admin_url().to_owned(), c.url_for("")))).unwrap();
                        let _keep = c;
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(e) => tx.send(Err(e.to_string())).unwrap(),
                }
            })
            .expect("spawn the cluster thread");
        let (template_url, admin_url, base_url) = rx.recv().expect("cluster thread").expect("start the test PostgreSQL cluster");
        let mut conn = PgConnection::establish(&template_url).expect("connect to the template");
        persistence::db::prepare(&mut conn).expect("migrate the template");
        drop(conn);
        Cluster { template_url, admin_url, base_url, data_dir }
    })
}

/// Deletes clusters left by earlier test processes that have exited.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("sheba-test-").and_then(|p| p.parse::<i32>().ok()) {
            // SAFETY: signal 0 only checks existence.
            let alive = unsafe { libc::kill(pid, 0) } == 0;
            if !alive {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// A fresh, migrated database of its own, returned as a URL.
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let c = cluster();
    let name = format!("t_{}", N.fetch_add(1, Ordering::SeqCst));
    let mut admin = PgConnection::establish(&c.admin_url).expect("connect to the cluster");
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE sheba_template")).execute(&mut admin).expect("copy the template");
    format!("{}{name}", c.base_url)
}

/// An empty database (not from the template), for migration tests.
pub fn empty_database(name: &str) -> String {
    let c = cluster();
    let mut admin = PgConnection::establish(&c.admin_url).expect("connect to the cluster");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
    format!("{}{name}", c.base_url)
}

/// The template database's URL (read-only use).
pub fn template_url() -> &'static str {
    &cluster().template_url
}

/// Where the test cluster keeps its files.
pub fn cluster_dir() -> &'static PathBuf {
    &cluster().data_dir
}

/// An HTTP response, read whole.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub text: String,
    pub json: Value,
    /// The body as sent (`text` is empty for a body that is not UTF-8).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts an RFC 9457 problem with this status and code, carrying the request id.
    #[track_caller]
    /// A refusal by a named domain rule: its code, its `rule` and a Bangla title.
    pub fn expect_rule(self, status: u16, rule: &str) -> Self {
        let r = self.expect_problem(status, &rule.replace(['.', '_'], "-"));
        assert_eq!(r.json["rule"], rule, "{}", r.text);
        r
    }

    pub fn expect_problem(self, status: u16, code: &str) -> Self {
        let r = self.expect(status);
        assert_eq!(r.header("content-type"), Some("application/problem+json"), "{}", r.text);
        assert_eq!(r.json["status"], status, "{}", r.text);
        assert_eq!(r.json["code"], code, "{}", r.text);
        assert_eq!(r.json["type"], format!("https://sheba.example/problems/{}", code.replace('_', "-")));
        assert!(r.json["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r.json["title_bn"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(r.json["detail"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(r.json["request_id"].as_str(), r.header("x-request-id"), "problem carries the request id");
        r
    }
}

/// One test's server and database.
pub struct TestApp {
    pub base: String,
    pub database_url: String,
    agent: ureq::Agent,
    handle: actix_web::dev::ServerHandle,
    admin_token: OnceLock<String>,
    jobs: api::jobs::JobRunner,
    /// The directory of this server's document store (removed with the app).
    documents: tempfile::TempDir,
}

/// The document key of every test server.
pub const TEST_DOCUMENT_KEY: [u8; 32] = [0x5a; 32];

/// The lease of a test server's jobs: short, so that a test of a worker that died is quick.
pub const TEST_JOB_LEASE_SECONDS: i32 = 3;

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the returned future only waits for it.
        drop(self.handle.stop(false));
        self.jobs.stop();
    }
}

/// A request to send: method, path, optional bearer token, headers and body.
pub struct Req<'a> {
    agent: &'a ureq::Agent,
    base: &'a str,
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl<'a> Req<'a> {
    /// A request to the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(agent: &'a ureq::Agent, base: &'a str, method: &'static str, path: &str) -> Self {
        Req { agent, base, method, path: path.to_owned(), headers: vec![], body: None }
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.headers.push(("Authorization".into(), format!("Bearer {token}")));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.headers.push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// A raw body with no content type set.
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn send(self) -> Resp {
        let mut r = self.agent.request(self.method, &format!("{}{}", self.base, self.path));
        for (k, v) in &self.headers {
            r = r.set(k, v);
        }
        let result = match self.body {
            Some(b) => r.send_bytes(&b),
            None => r.call(),
        };
        let resp = match result {
            Ok(resp) => resp,
            Err(ureq::Error::Status(_, resp)) => resp,
            Err(e) => panic!("{} {} failed: {e}", self.method, self.path),
        };
        let status = resp.status();
        let headers = resp
            .headers_names()
            .into_iter()
            .filter_map(|n| resp.header(&n).map(|v| (n.to_ascii_lowercase(), v.to_owned())))
            .collect();
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes);
        let text = String::from_utf8(bytes.clone()).unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, text, json, bytes }
    }
}

/// Tokens from a successful grant.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
}

impl TestApp {
    /// A server on its own fresh database, with a national system administrator `admin`.
    pub fn new() -> TestApp {
        let database_url = fresh_database();
        Self::on_database(database_url)
    }

    pub fn on_database(database_url: String) -> TestApp {
        let app = Self::on_database_without_admin(database_url);
        app.bootstrap_user("admin", "system_admin", "national", "person");
        app
    }

    /// A server on `database_url` with no accounts made.
    pub fn on_database_without_admin(database_url: String) -> TestApp {
        Self::with_acquire_timeout(database_url, Duration::from_secs(5))
    }

    /// A server whose requests wait at most `acquire_timeout` for a database connection.
    pub fn with_acquire_timeout(database_url: String, acquire_timeout: Duration) -> TestApp {
        Self::start(database_url, acquire_timeout, api::cors::AllowedOrigins::default(), api::documents::DEFAULT_MAX_BYTES)
    }

    /// A server whose documents may be at most `max_bytes` long.
    pub fn with_document_limit(max_bytes: u64) -> TestApp {
        let app = Self::start(fresh_database(), Duration::from_secs(5), api::cors::AllowedOrigins::default(), max_bytes);
        app.bootstrap_user("admin", "system_admin", "national", "person");
        app
    }

    /// Where this server keeps documents' objects.
    pub fn document_dir(&self) -> &std::path::Path {
        self.documents.path()
    }

    /// A server (with the bootstrap administrator) whose API browser front ends on these
    /// origins may call (`SHEBA_CORS_ORIGINS`).
    pub fn with_cors_origins(origins: &str) -> TestApp {
        let origins = api::cors::AllowedOrigins::parse(origins).expect("valid origins");
        let app = Self::start(fresh_database(), Duration::from_secs(5), origins, api::documents::DEFAULT_MAX_BYTES);
        app.bootstrap_user("admin", "system_admin", "national", "person");
        app
    }

    fn start(
        database_url: String,
        acquire_timeout: Duration,
        cors_origins: api::cors::AllowedOrigins,
        document_max_bytes: u64,
    ) -> TestApp {
        let documents = tempfile::tempdir().expect("a document directory");
        let state = web::Data::new(AppState {
            documents: api::documents::DocumentStore::local(documents.path(), TEST_DOCUMENT_KEY, document_max_bytes)
                .expect("the document store"),
            replica: None,
            pool: persistence::db::pool(&database_url, 4, acquire_timeout),
            tokens: TokenService::new(TEST_SIGNING_KEY, chrono::Duration::minutes(15), chrono::Duration::days(14)),
            throttle: ThrottlePolicy::default(),
            body_limit: TEST_BODY_LIMIT,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            case_settings: Default::default(),
            // (Empty for the tests of a server whose database is down or not migrated.)
            geography: api::geo_cache::GeoCache::new(
                PgConnection::establish(&database_url)
                    .ok()
                    .and_then(|mut c| persistence::geo::Geography::load(&mut c).ok())
                    .unwrap_or_default(),
            ),
            jobs: api::jobs::JobRunner::new(persistence::db::pool(&database_url, 7, acquire_timeout), 2, TEST_JOB_LEASE_SECONDS),
            cors_origins,
            cluster: None,
        });
        let jobs = state.jobs.clone();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = api::server(state, listener, 1).expect("server");
                tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = rx.recv().expect("server handle");
        let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(60)).build();
        TestApp { base, database_url, agent, handle, admin_token: OnceLock::new(), jobs, documents }
    }

    /// Creates an account directly, as `sheba user create` does.
    pub fn bootstrap_user(&self, username: &str, role: &str, scope: &str, kind: &str) -> uuid::Uuid {
        use api::accounts::{self, AccountInput, NewAccount};
        let account =
            NewAccount::parse(&AccountInput { username, display_name: None, kind: Some(kind), role, scope, password: PASSWORD })
                .expect("valid account");
        let mut conn = self.db();
        let actor = persistence::audit::AuditActor { id: None, label: "test".into() };
        conn.transaction(|conn| {
            let placed = accounts::place_scope(conn, account.scope)?;
            accounts::create(conn, &actor, None, &account, &placed)
        })
        .expect("create account")
        .id
        .0
    }

    /// Asserts that the maintained report aggregates hold exactly what grouping the base
    /// tables gives now (both ways: no cell missing, none extra, none different).
    #[track_caller]
    pub fn assert_report_aggregates_exact(&self) {
        let checks = [
            (
                "beneficiary_counts",
                "SELECT district_id, upazila_id, programme_code, level, sex, start_month, division_id, active
                   FROM beneficiary_counts WHERE active <> 0",
                "SELECT district_id, upazila_id, programme_code, coalesce(education_level, ''), sex, start_month, min(division_id), count(*)
                   FROM beneficiaries WHERE status = 'active' GROUP BY 1, 2, 3, 4, 5, 6",
            ),
            (
                "payment_counts",
                "SELECT district_id, cycle_id, upazila_id, status, division_id, payments, amount_taka
                   FROM payment_counts WHERE payments <> 0 OR amount_taka <> 0",
                "SELECT district_id, cycle_id, upazila_id, status, min(division_id), count(*), sum(amount_taka)
                   FROM payments GROUP BY 1, 2, 3, 4",
            ),
            (
                "paid_by_day",
                "SELECT district_id, upazila_id, programme_code, settled_on, division_id, payments, amount_taka
                   FROM paid_by_day WHERE payments <> 0 OR amount_taka <> 0",
                "SELECT district_id, upazila_id, programme_code, (settled_at AT TIME ZONE 'Asia/Dhaka')::date, min(division_id),
                        count(*), sum(amount_taka)
                   FROM payments WHERE status = 'paid' AND settled_at IS NOT NULL GROUP BY 1, 2, 3, 4",
            ),
            (
                "case_steps",
                "SELECT case_id, step, on_date, previous_on FROM case_steps",
                "SELECT case_id, step, on_date, lag(on_date) OVER (PARTITION BY case_id, step ORDER BY on_date)
                   FROM (SELECT DISTINCT case_id, pipeline_step(action, data) AS step, step_day(action, data, occurred_at) AS on_date
                           FROM case_events WHERE pipeline_step(action, data) IS NOT NULL) d",
            ),
            (
                "case_reintegrations",
                "SELECT case_id, completed_on, previous_on, kind, sex, risk_categories, division_id, district_id, upazila_id,
                        managing_facility_id, residence_facility_id FROM case_reintegrations",
                // (Where the case was held on the day: `case_holding_on`.)
                "SELECT id, d, lag(d) OVER (PARTITION BY id ORDER BY d), kind, sex, risk_categories,
                        coalesce(h.division_id, x.division_id), coalesce(h.district_id, x.district_id),
                        coalesce(h.upazila_id, x.upazila_id),
                        CASE WHEN h.upazila_id IS NULL THEN x.managing_facility_id ELSE h.managing_facility_id END,
                        residence_facility_id
                   FROM (SELECT DISTINCT c.*, (j #>> '{}')::date AS d
                           FROM cases c, jsonb_path_query(c.state, '$.reintegration.completed_on ? (@ != null)') j
                         UNION
                         SELECT c.*, (j #>> '{}')::date
                           FROM cases c, jsonb_path_query(c.state, '$.past_reintegrations[*].completed_on ? (@ != null)') j) x
                   LEFT JOIN LATERAL case_holding_on(x.id, x.d) h ON true",
            ),
            (
                "case_placements",
                "SELECT case_id, facility_id, admitted_on, left_on, ends_on, reintegrated_on, kind, sex, division_id, district_id,
                        upazila_id, managing_facility_id, residence_facility_id FROM case_placements",
                "SELECT id, p.facility_id, p.admitted_on, p.left_on, coalesce(p.left_on, '9999-12-31'),
                        (state #>> '{reintegration,completed_on}')::date, kind, sex, coalesce(h.division_id, c.division_id),
                        coalesce(h.district_id, c.district_id), coalesce(h.upazila_id, c.upazila_id),
                        CASE WHEN h.upazila_id IS NULL THEN c.managing_facility_id ELSE h.managing_facility_id END,
                        residence_facility_id
                   FROM cases c CROSS JOIN jsonb_to_record(state->'placement') AS p(facility_id uuid, admitted_on date, left_on date)
                   LEFT JOIN LATERAL case_holding_on(c.id, p.admitted_on) h ON true
                  WHERE state->'placement' <> 'null'",
            ),
            (
                "case_step_cells",
                "SELECT grain, period_start, kind, step, district_id, upazila_id, cases FROM case_step_cells WHERE cases <> 0",
                "SELECT 'month', date_trunc('month', on_date)::date, kind, step, district_id, upazila_id, count(DISTINCT case_id)
                   FROM case_steps GROUP BY 1, 2, 3, 4, 5, 6
                 UNION ALL
                 SELECT 'fiscal_year', fiscal_year_start(on_date), kind, step, district_id, upazila_id, count(DISTINCT case_id)
                   FROM case_steps GROUP BY 1, 2, 3, 4, 5, 6",
            ),
            (
                "loan_cells",
                "SELECT district_id, upazila_id, programme, tranche, sex, disbursed_month, division_id, loans, principal, from_capital, from_recoveries
                   FROM loan_cells WHERE loans <> 0 OR principal <> 0",
                "SELECT district_id, upazila_id, programme, CASE WHEN from_recoveries > from_capital THEN 'reinvested' ELSE 'invested' END,
                        sex, date_trunc('month', disbursed_on)::date, min(division_id), count(*), sum(principal), sum(from_capital), sum(from_recoveries)
                   FROM loans WHERE disbursed_on IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6",
            ),
            (
                "loan_due_cells",
                "SELECT district_id, upazila_id, programme, oldest_due_on, division_id, loans, outstanding
                   FROM loan_due_cells WHERE loans <> 0 OR outstanding <> 0",
                "SELECT district_id, upazila_id, programme, oldest_due_on, min(division_id), count(*), sum(principal - principal_repaid - written_off)
                   FROM loans WHERE status = 'active' AND oldest_due_on IS NOT NULL GROUP BY 1, 2, 3, 4",
            ),
            (
                "recovery_cells",
                "SELECT district_id, upazila_id, programme, paid_month, division_id, repayments, principal, charge FROM recovery_cells",
                "SELECT district_id, upazila_id, programme, date_trunc('month', paid_on)::date, min(division_id), count(*), sum(principal), sum(charge)
                   FROM loan_repayments GROUP BY 1, 2, 3, 4",
            ),
            (
                "loan_funds",
                "SELECT id, capital_received, invested, reinvested, principal_recovered, charge_collected, written_off FROM loan_funds",
                "SELECT f.id, coalesce(sum(e.amount) FILTER (WHERE e.kind = 'capital_received'), 0),
                        coalesce(sum(e.amount) FILTER (WHERE e.kind = 'invested'), 0), coalesce(sum(e.amount) FILTER (WHERE e.kind = 'reinvested'), 0),
                        coalesce(sum(e.amount) FILTER (WHERE e.kind = 'principal_recovered'), 0),
                        coalesce(sum(e.amount) FILTER (WHERE e.kind = 'charge_collected'), 0), coalesce(sum(e.amount) FILTER (WHERE e.kind = 'written_off'), 0)
                   FROM loan_funds f LEFT JOIN fund_entries e ON e.fund_id = f.id GROUP BY f.id",
            ),
            (
                "loans",
                "SELECT id, principal_repaid, charge_repaid FROM loans WHERE disbursed_on IS NOT NULL",
                "SELECT l.id, coalesce(sum(i.paid_principal), 0), coalesce(sum(i.paid_charge), 0)
                   FROM loans l JOIN loan_instalments i ON i.loan_id = l.id GROUP BY l.id",
            ),
            (
                "disability_card_cells",
                "SELECT district_id, upazila_id, disability_type, sex, printed_month, division_id, cards FROM disability_card_cells WHERE cards <> 0",
                "SELECT district_id, upazila_id, disability_type, sex, date_trunc('month', card_printed_on)::date, min(division_id), count(*)
                   FROM disability_records WHERE card_printed_on IS NOT NULL GROUP BY 1, 2, 3, 4, 5",
            ),
            (
                // Summed over every day: each organisation stands in its present status once.
                "voluntary_status_cells",
                "SELECT district_id, upazila_id, status, min(division_id), sum(organisations)::bigint FROM voluntary_status_cells
                  GROUP BY 1, 2, 3 HAVING sum(organisations) <> 0",
                "SELECT district_id, upazila_id, status, min(division_id), count(*) FROM voluntary_organisations GROUP BY 1, 2, 3",
            ),
            (
                "hospital_aid_cells",
                "SELECT facility_id, month, kind, division_id, district_id, upazila_id, items, amount_taka FROM hospital_aid_cells",
                "SELECT facility_id, date_trunc('month', given_on)::date, kind, min(division_id), min(district_id), min(upazila_id),
                        count(*), sum(amount_taka)
                   FROM hospital_aid GROUP BY 1, 2, 3",
            ),
            (
                "hospital_patient_months",
                "SELECT facility_id, month, patient_id FROM hospital_patient_months",
                "SELECT DISTINCT facility_id, date_trunc('month', given_on)::date, patient_id FROM hospital_aid",
            ),
            (
                "institution_stay_cells",
                "SELECT facility_id, sex, month, division_id, district_id, upazila_id, admitted, departed FROM institution_stay_cells
                  WHERE admitted <> 0 OR departed <> 0",
                "SELECT facility_id, sex, month, min(division_id), min(district_id), min(upazila_id), sum(a), sum(d) FROM (
                     SELECT facility_id, sex, date_trunc('month', admitted_on)::date AS month, division_id, district_id, upazila_id, 1 AS a, 0 AS d
                       FROM institution_stays
                     UNION ALL
                     SELECT facility_id, sex, date_trunc('month', left_on)::date, division_id, district_id, upazila_id, 0, 1
                       FROM institution_stays WHERE left_on IS NOT NULL) x GROUP BY 1, 2, 3",
            ),
        ];
        #[derive(diesel::QueryableByName)]
        struct Diff {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            missing: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            extra: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            cells: i64,
        }
        let mut conn = self.db();
        for (table, maintained, recomputed) in checks {
            let d: Diff = diesel::sql_query(format!(
                "SELECT (SELECT count(*) FROM (SELECT * FROM ({recomputed}) r EXCEPT SELECT * FROM ({maintained}) m) x) AS missing,
                        (SELECT count(*) FROM (SELECT * FROM ({maintained}) m EXCEPT SELECT * FROM ({recomputed}) r) x) AS extra,
                        (SELECT count(*) FROM ({maintained}) x) AS cells"
            ))
            .get_result(&mut conn)
            .expect("compare the aggregates");
            assert_eq!((d.missing, d.extra), (0, 0), "{table} differs from its base table ({} cells)", d.cells);
        }
    }

    /// Stops this server's job workers (jobs then stay queued, or are taken by another server).
    pub fn stop_jobs(&self) {
        self.jobs.stop();
    }

    /// A direct connection to this test's database.
    pub fn db(&self) -> PgConnection {
        PgConnection::establish(&self.database_url).expect("connect to the test database")
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req("GET", path)
    }

    pub fn post(&self, path: &str) -> Req<'_> {
        self.req("POST", path)
    }

    pub fn req(&self, method: &'static str, path: &str) -> Req<'_> {
        Req::new(&self.agent, &self.base, method, path)
    }

    /// Signs in with a password.
    pub fn sign_in(&self, username: &str, password: &str) -> Resp {
        self.post("/api/v1/auth/token")
            .json(&json!({"grant_type": "password", "username": username, "password": password}))
            .send()
    }

    #[track_caller]
    pub fn tokens(&self, username: &str) -> Tokens {
        let r = self.sign_in(username, PASSWORD).expect(200);
        Tokens {
            access: r.json["access_token"].as_str().unwrap().to_owned(),
            refresh: r.json["refresh_token"].as_str().map(str::to_owned),
        }
    }

    /// An access token of the bootstrap administrator.
    pub fn admin(&self) -> String {
        self.admin_token.get_or_init(|| self.tokens("admin").access).clone()
    }

    /// Creates an account through the API (as `admin`) and returns its id and an access token.
    #[track_caller]
    pub fn user(&self, username: &str, role: &str, scope: &str) -> (String, String) {
        let kind = if role == "integrator" { "service" } else { "person" };
        let r = self
            .post("/api/v1/users")
            .bearer(&self.admin())
            .json(&json!({"username": username, "role": role, "scope": scope, "password": PASSWORD, "kind": kind}))
            .send()
            .expect(201);
        let id = r.json["id"].as_str().unwrap().to_owned();
        let token = if kind == "service" {
            self.post("/api/v1/auth/token")
                .json(&json!({"grant_type": "client_credentials", "client_id": username, "client_secret": PASSWORD}))
                .send()
                .expect(200)
                .json["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            self.tokens(username).access
        };
        (id, token)
    }

    /// Records a person through the API (`201` expected) and returns their id.
    #[track_caller]
    pub fn person(&self, token: &str, body: &Value) -> String {
        self.post("/api/v1/persons").bearer(token).json(body).send().expect(201).json["person"]["id"].as_str().unwrap().to_owned()
    }

    /// Reads every page of a list, following `next_cursor`.
    #[track_caller]
    pub fn all_pages(&self, path: &str, token: Option<&str>) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        let sep = if path.contains('?') { '&' } else { '?' };
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
                None => format!("{path}{sep}limit=200"),
            };
            let mut req = self.get(&url);
            if let Some(t) = token {
                req = req.bearer(t);
            }
            let r = req.send().expect(200);
            out.extend(r.json["data"].as_array().unwrap().iter().cloned());
            match r.json["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}

/// The workspace root (for committed files such as the contract and the CSVs).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}
