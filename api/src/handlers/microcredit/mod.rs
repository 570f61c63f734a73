//! Microcredit: revolving funds and their ledger, work groups, loan applications, the
//! committee's decisions, disbursement, repayments (one at a time or a collection file) and
//! write-offs. The rules are the domain's (`domain::microcredit`); every write is one
//! transaction with its audit row.

pub mod funds;
pub mod groups;
pub mod loans;
pub mod repayments;

use domain::access::Subject;
use domain::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};
use persistence::microcredit::Area;
use persistence::PgConnection;

use crate::problem::ApiError;

/// The access subject of a record held by an office.
pub(crate) fn office(division: i32, district: i32, upazila: i32) -> Subject {
    Subject::Area(AreaPath::upazila(DivisionId(division), DistrictId(district), UpazilaId(upazila)))
}

/// An upazila's whole area, or a field error naming `field`.
pub(crate) fn upazila_area(conn: &mut PgConnection, upazila: i32, field: &str) -> Result<Area, ApiError> {
    let path = persistence::geo::upazila_path(conn, UpazilaId(upazila))?
        .ok_or_else(|| ApiError::field_coded(field, "not_found", "no such upazila"))?;
    let district = path.district.ok_or_else(|| ApiError::internal("an upazila without a district"))?;
    Ok(Area { division_id: path.division.0, district_id: district.0, upazila_id: upazila })
}

pub(crate) fn area_subject(a: Area) -> Subject {
    office(a.division_id, a.district_id, a.upazila_id)
}

/// Today in Dhaka.
pub(crate) fn today() -> chrono::NaiveDate {
    domain::time::dhaka_date(chrono::Utc::now())
}
