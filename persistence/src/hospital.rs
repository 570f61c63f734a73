//! Hospital social services: patients' requests, assessments and aid.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use domain::access::Scope;
use domain::hospital::{AidKind, PatientStatus};
use domain::id::{FacilityId, HospitalAidId, HospitalPatientId, LoanId, PersonId, UserId};

use crate::columns::OptionalId;
use crate::page::Page;
use crate::schema::{hospital_aid, hospital_patients};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hospital_patients)]
pub struct PatientRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: HospitalPatientId,
    #[diesel(deserialize_as = Uuid)]
    pub facility_id: FacilityId,
    #[diesel(deserialize_as = Uuid)]
    pub person_id: PersonId,
    pub division_id: i32,
    pub district_id: i32,
    pub upazila_id: i32,
    pub requested_on: NaiveDate,
    pub ailment: String,
    pub ward: Option<String>,
    pub burn_victim: bool,
    #[diesel(deserialize_as = String)]
    pub status: PatientStatus,
    pub assessed_on: Option<NaiveDate>,
    pub assessed_by: Option<String>,
    pub household_income_taka: Option<i64>,
    pub assessment_notes: Option<String>,
    pub aid_taka: i64,
    pub closed_on: Option<NaiveDate>,
    pub rehabilitation_referred_on: Option<NaiveDate>,
    pub version: i32,
    #[diesel(deserialize_as = OptionalId<UserId>)]
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewPatient<'a> {
    pub facility: &'a crate::facilities::FacilityRow,
    pub person_id: PersonId,
    pub requested_on: NaiveDate,
    pub ailment: &'a str,
    pub ward: Option<&'a str>,
    pub burn_victim: bool,
    pub by: UserId,
}

pub fn insert(conn: &mut PgConnection, p: &NewPatient<'_>) -> QueryResult<PatientRow> {
    diesel::insert_into(hospital_patients::table)
        .values((
            hospital_patients::id.eq(Uuid::now_v7()),
            hospital_patients::facility_id.eq(p.facility.id.0),
            hospital_patients::person_id.eq(p.person_id.0),
            hospital_patients::division_id.eq(p.facility.division_id),
            hospital_patients::district_id.eq(p.facility.district_id),
            hospital_patients::upazila_id.eq(p.facility.upazila_id),
            hospital_patients::requested_on.eq(p.requested_on),
            hospital_patients::ailment.eq(p.ailment),
            hospital_patients::ward.eq(p.ward),
            hospital_patients::burn_victim.eq(p.burn_victim),
            hospital_patients::status.eq(PatientStatus::Requested.code()),
            hospital_patients::created_by.eq(p.by.0),
        ))
        .returning(PatientRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: HospitalPatientId) -> QueryResult<Option<PatientRow>> {
    hospital_patients::table.find(id.0).select(PatientRow::as_select()).first(conn).optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: HospitalPatientId) -> QueryResult<Option<PatientRow>> {
    hospital_patients::table.find(id.0).select(PatientRow::as_select()).for_update().first(conn).optional()
}

pub struct Assessment<'a> {
    pub on: NaiveDate,
    pub by: &'a str,
    pub eligible: bool,
    pub household_income_taka: Option<i64>,
    pub notes: Option<&'a str>,
}

pub fn assess(conn: &mut PgConnection, id: HospitalPatientId, a: &Assessment<'_>) -> QueryResult<PatientRow> {
    let status = if a.eligible { PatientStatus::Eligible } else { PatientStatus::Declined };
    diesel::update(hospital_patients::table.find(id.0))
        .set((
            hospital_patients::status.eq(status.code()),
            hospital_patients::assessed_on.eq(a.on),
            hospital_patients::assessed_by.eq(a.by),
            hospital_patients::household_income_taka.eq(a.household_income_taka),
            hospital_patients::assessment_notes.eq(a.notes),
            hospital_patients::version.eq(hospital_patients::version + 1),
            hospital_patients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PatientRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hospital_aid)]
pub struct AidRow {
    #[diesel(deserialize_as = Uuid)]
    pub id: HospitalAidId,
    pub given_on: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub kind: AidKind,
    pub description: Option<String>,
    pub amount_taka: i64,
}

/// Records the items (one statement) and adds their total to the patient's.
pub fn give_aid(
    conn: &mut PgConnection,
    p: &PatientRow,
    on: NaiveDate,
    items: &[(AidKind, Option<&str>, i64)],
    by: UserId,
) -> QueryResult<PatientRow> {
    let rows: Vec<_> = items
        .iter()
        .map(|(kind, description, amount)| {
            (
                hospital_aid::id.eq(Uuid::now_v7()),
                hospital_aid::patient_id.eq(p.id.0),
                hospital_aid::facility_id.eq(p.facility_id.0),
                hospital_aid::division_id.eq(p.division_id),
                hospital_aid::district_id.eq(p.district_id),
                hospital_aid::upazila_id.eq(p.upazila_id),
                hospital_aid::given_on.eq(on),
                hospital_aid::kind.eq(kind.code()),
                hospital_aid::description.eq(*description),
                hospital_aid::amount_taka.eq(*amount),
                hospital_aid::created_by.eq(by.0),
            )
        })
        .collect();
    diesel::insert_into(hospital_aid::table).values(rows).execute(conn)?;
    let total: i64 = items.iter().map(|i| i.2).sum();
    diesel::update(hospital_patients::table.find(p.id.0))
        .set((
            hospital_patients::aid_taka.eq(hospital_patients::aid_taka + total),
            hospital_patients::version.eq(hospital_patients::version + 1),
            hospital_patients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PatientRow::as_returning())
        .get_result(conn)
}

pub fn aid_of(conn: &mut PgConnection, patient: HospitalPatientId) -> QueryResult<Vec<AidRow>> {
    hospital_aid::table
        .filter(hospital_aid::patient_id.eq(patient.0))
        .order((hospital_aid::given_on, hospital_aid::id))
        .select(AidRow::as_select())
        .load(conn)
}

pub fn close(conn: &mut PgConnection, id: HospitalPatientId, on: NaiveDate) -> QueryResult<PatientRow> {
    diesel::update(hospital_patients::table.find(id.0))
        .set((
            hospital_patients::status.eq(PatientStatus::Closed.code()),
            hospital_patients::closed_on.eq(on),
            hospital_patients::version.eq(hospital_patients::version + 1),
            hospital_patients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PatientRow::as_returning())
        .get_result(conn)
}

pub fn refer_for_rehabilitation(conn: &mut PgConnection, id: HospitalPatientId, on: NaiveDate) -> QueryResult<PatientRow> {
    diesel::update(hospital_patients::table.find(id.0))
        .set((
            hospital_patients::rehabilitation_referred_on.eq(on),
            hospital_patients::version.eq(hospital_patients::version + 1),
            hospital_patients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PatientRow::as_returning())
        .get_result(conn)
}

#[derive(Debug, Clone, Default)]
pub struct PatientFilter {
    pub facility_id: Option<FacilityId>,
    pub person_id: Option<PersonId>,
    pub status: Option<PatientStatus>,
    pub burn_victim: Option<bool>,
}

pub fn list(
    conn: &mut PgConnection,
    scope: Scope,
    f: &PatientFilter,
    after: Option<HospitalPatientId>,
    limit: i64,
) -> QueryResult<Page<PatientRow, HospitalPatientId>> {
    let Some(mut q) = within_scope!(hospital_patients::table.into_boxed(), scope, hospital_patients) else {
        return Ok(Page { rows: vec![], next: None });
    };
    if let Some(a) = after {
        q = q.filter(hospital_patients::id.gt(a.0));
    }
    if let Some(fid) = f.facility_id {
        q = q.filter(hospital_patients::facility_id.eq(fid.0));
    }
    if let Some(p) = f.person_id {
        q = q.filter(hospital_patients::person_id.eq(p.0));
    }
    if let Some(s) = f.status {
        q = q.filter(hospital_patients::status.eq(s.code()));
    }
    if let Some(b) = f.burn_victim {
        q = q.filter(hospital_patients::burn_victim.eq(b));
    }
    let rows = q.order(hospital_patients::id).limit(limit + 1).select(PatientRow::as_select()).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// The person's loans in the burn and disability rehabilitation programme (what a referral led to).
pub fn rehabilitation_loans(conn: &mut PgConnection, person: PersonId) -> QueryResult<Vec<LoanId>> {
    use crate::schema::loans;
    Ok(loans::table
        .filter(loans::person_id.eq(person.0))
        .filter(loans::programme.eq(domain::microcredit::programme::MicrocreditProgramme::BurnDisabilityRehabilitation.code()))
        .order(loans::id)
        .select(loans::id)
        .load::<Uuid>(conn)?
        .into_iter()
        .map(LoanId)
        .collect())
}
