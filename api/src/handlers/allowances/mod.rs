//! Allowance enrolment: quotas, applications (checked on submission, verified by the union
//! committee, approved by the upazila committee within the quota or waitlisted),
//! beneficiaries (payment account, suspension, exit, replacement from the waiting list).

pub mod applications;
pub mod beneficiaries;
pub mod payment_history;
pub mod payroll;
pub mod quotas;

use domain::access::Subject;
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};

pub(crate) fn area(division: i32, district: i32, upazila: i32) -> Subject {
    Subject::Area(AreaPath::upazila(DivisionId(division), DistrictId(district), UpazilaId(upazila)))
}
