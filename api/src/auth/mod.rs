//! Authentication (who is calling: passwords, tokens) and the single authorization point
//! (`policy::require`).

pub mod password;
pub mod policy;
pub mod principal;
pub mod tokens;
