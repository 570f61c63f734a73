//! Nullable columns read into domain types. Rows carry typed ids and code-list enums, not
//! `Uuid` and `String`: a non-null column converts with `#[diesel(deserialize_as = Uuid)]` or
//! `= String` (the domain's `From<Uuid>` and checked `TryFrom<String>`); a nullable one goes
//! through these wrappers, since `Option<FacilityId>` cannot implement a conversion itself.
//! An insertable writes an optional typed id the same way:
//! `#[diesel(serialize_as = OptionalId<UserId>)]` (`None` is NULL).

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Nullable, Text};

/// A nullable UUID column read (or written) as an optional typed id.
#[derive(Debug, FromSqlRow)]
pub struct OptionalId<T>(Option<T>);

impl<T> From<Option<T>> for OptionalId<T> {
    fn from(value: Option<T>) -> Self {
        OptionalId(value)
    }
}

impl<T: Into<uuid::Uuid>> AsExpression<Nullable<diesel::sql_types::Uuid>> for OptionalId<T> {
    type Expression = <Option<uuid::Uuid> as AsExpression<Nullable<diesel::sql_types::Uuid>>>::Expression;

    fn as_expression(self) -> Self::Expression {
        AsExpression::<Nullable<diesel::sql_types::Uuid>>::as_expression(self.0.map(Into::into))
    }
}

impl<T: From<uuid::Uuid>> FromSql<Nullable<diesel::sql_types::Uuid>, Pg> for OptionalId<T> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let id = <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(value)?;
        Ok(OptionalId(Some(T::from(id))))
    }

    fn from_nullable_sql(value: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(OptionalId(None)), Self::from_sql)
    }
}

impl<T> From<OptionalId<T>> for Option<T> {
    fn from(value: OptionalId<T>) -> Self {
        value.0
    }
}

/// A nullable text column read as an optional code-list value; a code the list does not
/// hold is an error, not a silent `None`.
#[derive(Debug, FromSqlRow)]
pub struct OptionalCode<T>(Option<T>);

impl<T> FromSql<Nullable<Text>, Pg> for OptionalCode<T>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let code = <String as FromSql<Text, Pg>>::from_sql(value)?;
        Ok(OptionalCode(Some(T::try_from(code)?)))
    }

    fn from_nullable_sql(value: Option<PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(OptionalCode(None)), Self::from_sql)
    }
}

impl<T> From<OptionalCode<T>> for Option<T> {
    fn from(value: OptionalCode<T>) -> Self {
        value.0
    }
}

/// A text column read as a code-list value where a row is read by name (`QueryableByName`
/// converts with `Into`, not the `TryFrom<String>` that `Queryable` uses): an unknown code is
/// an error.
#[derive(Debug, FromSqlRow)]
pub struct Code<T>(T);

impl<T> FromSql<Text, Pg> for Code<T>
where
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let code = <String as FromSql<Text, Pg>>::from_sql(value)?;
        Ok(Code(T::try_from(code)?))
    }
}

// `From<Code<T>> for T` cannot be written for every foreign `T` (the orphan rule): one line
// per code list read this way.
macro_rules! code_columns {
    ($($t:ty),+ $(,)?) => {$(
        impl From<Code<$t>> for $t {
            fn from(value: Code<$t>) -> Self {
                value.0
            }
        }
    )+};
}

code_columns!(
    domain::allowance::payroll::CycleStatus,
    domain::allowance::enrolment::PaymentProvider,
    domain::allowance::history::PaymentStatus,
    domain::allowance::enrolment::BeneficiaryStatus,
);
