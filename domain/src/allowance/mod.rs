//! Social allowances: programmes as versioned data, and an eligibility engine that explains
//! itself. A new programme is data (criteria, rates, exclusivity), not code.

pub mod eligibility;
pub mod enrolment;
pub mod history;
pub mod payroll;
pub mod programme;
pub mod seeds;

pub use eligibility::{evaluate, Evaluation, Facts, Verdict};
pub use programme::*;
