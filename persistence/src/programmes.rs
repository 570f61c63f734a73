//! Programme versions, stored as data.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::allowance::ProgrammeVersion;
use uuid::Uuid;

use crate::schema::programme_versions;

/// Inserts the shipped programme versions that are not there yet (matched by code and start
/// date); returns how many were added. Safe to run at every start.
pub fn seed(conn: &mut PgConnection, versions: &[ProgrammeVersion]) -> QueryResult<usize> {
    let mut added = 0;
    for v in versions {
        let definition = serde_json::to_value(v).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        added += diesel::insert_into(programme_versions::table)
            .values((
                programme_versions::id.eq(Uuid::now_v7()),
                programme_versions::code.eq(&v.code),
                programme_versions::effective_from.eq(v.effective_from),
                programme_versions::effective_to.eq(v.effective_to),
                programme_versions::name_en.eq(&v.name_en),
                programme_versions::name_bn.eq(&v.name_bn),
                programme_versions::department.eq(&v.department),
                programme_versions::definition.eq(definition),
            ))
            .on_conflict((programme_versions::code, programme_versions::effective_from))
            .do_nothing()
            .execute(conn)?;
    }
    sync_rates(conn)?;
    Ok(added)
}

/// Rewrites `programme_rates` from the stored versions (the latest version's rate wins for a
/// fiscal year), so payroll SQL can join on it.
pub fn sync_rates(conn: &mut PgConnection) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Integer, Text};
    for v in all(conn)? {
        for r in &v.rates {
            diesel::sql_query(
                "INSERT INTO programme_rates (programme_code, fiscal_year, level, monthly_taka) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (programme_code, fiscal_year, level) DO UPDATE SET monthly_taka = EXCLUDED.monthly_taka",
            )
            .bind::<Text, _>(&v.code)
            .bind::<Integer, _>(r.fiscal_year.0)
            .bind::<Text, _>(r.level.map(|l| l.code()).unwrap_or(""))
            .bind::<BigInt, _>(r.monthly_taka)
            .execute(conn)?;
        }
    }
    Ok(())
}

/// The versions in force on `date`, by code.
pub fn in_force(conn: &mut PgConnection, date: NaiveDate) -> QueryResult<Vec<ProgrammeVersion>> {
    let rows: Vec<serde_json::Value> = programme_versions::table
        .filter(programme_versions::effective_from.le(date))
        .filter(programme_versions::effective_to.is_null().or(programme_versions::effective_to.ge(date)))
        .order(programme_versions::code)
        .select(programme_versions::definition)
        .load(conn)?;
    rows.into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))))
        .collect()
}

/// Every version of every programme, by code then start date.
pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<ProgrammeVersion>> {
    let rows: Vec<serde_json::Value> = programme_versions::table
        .order((programme_versions::code, programme_versions::effective_from))
        .select(programme_versions::definition)
        .load(conn)?;
    rows.into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))))
        .collect()
}
