//! Sheba's storage: PostgreSQL through diesel 2. Repository functions take
//! `&mut PgConnection` so that a handler composes them inside one transaction; none opens a
//! connection of its own. The embedded cluster (`cluster`) is the default database.

pub mod audit;
pub mod capitation;
pub mod cases;
pub mod cluster;
pub mod columns;
pub mod contacts;
pub mod db;
pub mod disability;
pub mod enrolment;
pub mod facilities;
pub mod geo;
pub mod hospital;
pub mod idempotency;
pub mod imports;
pub mod institutions;
pub mod jobs;
pub mod login_failures;
pub mod microcredit;
pub mod page;
pub mod payments;
pub mod persons;
pub mod programmes;
pub mod refresh_tokens;
pub mod reports;
pub mod schema;
pub mod supervision;
pub mod synthetic;
pub mod users;
pub mod voluntary;

pub use diesel::result::Error as DbError;
pub use diesel::PgConnection;
