//! Sheba's domain: the rules of social services case and allowance management as pure Rust.
//!
//! Nothing here does I/O or reads the clock: callers pass the time in, so every rule is a plain
//! function that unit and property tests can drive. The test command checks (`cargo tree`) that
//! this crate never depends on diesel, actix, tokio or a PostgreSQL driver.
//!
//! Parsers here take what people type and files providers send, so they must refuse, never
//! panic: no byte-index slicing of text (a byte inside `é` panics, issue 30), and outside
//! tests no indexing that a short input could put out of range (slice patterns, `get`).
#![deny(clippy::string_slice)]
#![deny(clippy::indexing_slicing)]

pub mod access;
pub mod allowance;
pub mod capitation;
pub mod case;
mod code_list;
pub mod contact;
pub mod csv_lines;
pub mod digits;
pub mod directory;
pub mod disability;
pub mod disclosure;
pub mod document;
pub mod facility;
pub mod geo;
pub mod hospital;
pub mod household;
pub mod id;
pub mod institution;
pub mod job;
pub mod label;
pub mod login_throttle;
pub mod microcredit;
pub mod person;
pub mod probation;
pub mod rule;
pub mod time;
pub mod user;
pub mod voluntary;

pub use label::Label;
