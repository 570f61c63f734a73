//! Sheba's storage: PostgreSQL through diesel 2. Repository functions take
//! `&mut PgConnection` so that a handler composes them inside one transaction; none opens a
//! connection of its own. The embedded cluster (`cluster`) is the default database.

/// Keeps a boxed query on `$table` within `$scope`: an area scope to its area's rows, a
/// facility scope to the facility's rows. `None` for a partner scope, which holds none of
/// these records (the caller answers with an empty page). For tables that carry
/// `division_id`, `district_id`, `upazila_id` and `facility_id`.
macro_rules! within_scope {
    ($q:expr, $scope:expr, $table:ident) => {
        match $scope {
            domain::access::Scope::National => Some($q),
            domain::access::Scope::Division(d) => Some($q.filter($table::division_id.eq(d.0))),
            domain::access::Scope::District(d) => Some($q.filter($table::district_id.eq(d.0))),
            domain::access::Scope::Upazila(u) => Some($q.filter($table::upazila_id.eq(u.0))),
            domain::access::Scope::Facility(f) => Some($q.filter($table::facility_id.eq(f.0))),
            domain::access::Scope::Partner(_) => None,
        }
    };
}

/// The first 80 bits of UUIDv7s made by a counter (RFC 9562, method 1): the statement's
/// millisecond and 24 random bits, once; append the row's number as 12 hex digits
/// (`(prefix || lpad(to_hex(n), 12, '0'))::uuid`). A sixth of the cost of random bytes per id,
/// and the ids come in the order the rows are numbered, which is the order the bulk writes
/// (payroll, import) insert them in: their primary keys grow at one end.
pub(crate) const COUNTER_UUID_PREFIX: &str = "(lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') \
     || '7' || lpad(to_hex((random() * 4095)::int), 3, '0') \
     || to_hex(8 + (random() * 3)::int) || lpad(to_hex((random() * 4095)::int), 3, '0'))";

pub mod audit;
pub mod capitation;
pub mod cases;
pub mod cluster;
pub mod columns;
pub mod contacts;
pub(crate) mod copy_binary;
pub mod db;
pub mod directory;
pub mod disability;
pub mod documents;
pub mod enrolment;
pub mod facilities;
pub mod geo;
pub mod hospital;
pub mod households;
pub mod idempotency;
pub mod imports;
pub mod institutions;
pub mod jobs;
pub mod login_failures;
pub mod microcredit;
pub mod page;
pub mod payments;
pub mod persons;
pub mod pg_settings;
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
