//! Work shared by the handlers, the job worker and the command line: none of it knows HTTP.

pub mod imports;
pub mod payroll;
