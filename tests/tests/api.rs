//! Black-box tests over HTTP against a real server and a real PostgreSQL. Each test gets its
//! own database and server (see `sheba_tests::TestApp`).

mod api {
    mod allowances;
    mod audit;
    mod audit_chain;
    mod auth;
    mod authz_matrix;
    mod backup;
    mod capitation;
    mod case_holders;
    mod cases;
    mod contacts;
    mod contract;
    mod cors;
    mod directory;
    mod disability;
    mod documents;
    mod eligibility;
    mod embedded;
    mod embedded_restart;
    mod errors;
    mod geo;
    mod health;
    mod hospital;
    mod households;
    mod idempotency;
    mod imports;
    mod institutions;
    mod jobs;
    mod logs;
    mod microcredit;
    mod migrations;
    mod oauth2;
    mod payment_history;
    mod payroll;
    mod persons;
    mod pitr;
    mod plausibility;
    mod prepared_imports;
    mod replica;
    mod reports;
    mod servers;
    mod supervision;
    mod synthetic;
    mod urban_areas;
    mod users;
    mod voluntary;
}
