//! Typed ids for the records Sheba keeps, so a person's id cannot be passed where a case's is
//! wanted. On the wire and in the database each is a plain UUID (v7 for new rows, made by the
//! caller: the domain reads no clock).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! entity_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The UUID underneath, for storage and the wire.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }
    )+};
}

entity_id!(
    /// A case (safe home or child protection).
    CaseId;
    /// A person on record: survivor, child, guardian, applicant.
    PersonId;
    /// A facility: safe home, centre, institution.
    FacilityId;
    /// A partner organisation (an NGO serving facilities).
    PartnerId;
    /// A user account.
    UserId;
    /// An allowance application.
    ApplicationId;
    /// An allowance beneficiary.
    BeneficiaryId;
    /// A payment cycle (one programme, one upazila, one period).
    PaymentCycleId;
    /// One payment to one beneficiary in one cycle.
    PaymentId;
    /// A long-running job (an import).
    JobId;
    /// A revolving loan fund of one office, source and programme.
    LoanFundId;
    /// A work group of borrowers.
    WorkGroupId;
    /// A microcredit loan.
    LoanId;
    /// An entry in a loan fund's ledger.
    FundEntryId;
    /// A loan committee's meeting (the decisions on applications it took up).
    CommitteeMeetingId;
    /// One repayment posted to a loan.
    RepaymentId;
    /// A request to write off a loan, and its decision.
    WriteOffId;
    /// An entry in a case's timeline.
    CaseEventId;
    /// A request to transfer a case to another office or facility.
    CaseTransferId;
    /// A helpline or outreach contact.
    ContactId;
    /// A record in the disability identification register.
    DisabilityRecordId;
    /// An organisation in the service directory that referrals point to.
    DirectoryEntryId;
    /// A patient's request to a hospital social services office.
    HospitalPatientId;
    /// An item of aid given to a hospital patient.
    HospitalAidId;
    /// A resident's stay in an institution.
    InstitutionStayId;
    /// A probation, diversion or after-care supervision.
    SupervisionId;
    /// A voluntary social welfare organisation on the register.
    VoluntaryOrganisationId;
    /// A grant to a voluntary organisation.
    VoluntaryGrantId;
    /// An inspection of an orphanage receiving capitation grants.
    CapitationInspectionId;
    /// A refresh token (one link of a rotating family).
    RefreshTokenId;
    /// A family of refresh tokens: one sign-in and every rotation of it.
    TokenFamilyId;
    /// A row of the audit trail.
    AuditEventId;
    /// A household: its area, address, head and members.
    HouseholdId;
    /// One person's membership of a household, from joining to moving out.
    HouseholdMemberId;
    /// A relationship between two persons (mother, guardian, spouse, ...).
    RelationshipId;
    /// A document (a file) on a record.
    DocumentId;
);

/// A code the list does not hold, met where stored text becomes a domain enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a {list} code")]
pub struct UnknownCode {
    pub list: &'static str,
    pub code: String,
}

/// Stored text <-> a domain code list: `TryFrom<String>` (checked) and `From<T> for String`,
/// which the persistence rows use to carry enums, not strings.
#[macro_export]
macro_rules! text_code {
    ($($name:ty),+ $(,)?) => {$(
        impl TryFrom<String> for $name {
            type Error = $crate::id::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                <$name>::parse(&code).ok_or($crate::id::UnknownCode { list: stringify!($name), code })
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.code().to_owned()
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Role, Scope};
    use crate::allowance::enrolment::{ApplicationStatus, BeneficiaryStatus};
    use crate::case::CaseStatus;
    use crate::facility::FacilityType;

    /// Stored text and the wire (serde) name of every stored code are the same string, and
    /// an unknown code is refused, never read as some default.
    fn round_trips<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + TryFrom<String, Error = UnknownCode>,
        String: From<T>,
    {
        for v in all {
            let text = String::from(*v);
            assert_eq!(T::try_from(text.clone()), Ok(*v));
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::Value::String(text));
        }
        let err = T::try_from("no_such_code".to_owned()).unwrap_err();
        assert_eq!(err.code, "no_such_code");
    }

    #[test]
    fn stored_codes_round_trip_and_unknown_ones_are_refused() {
        round_trips(CaseStatus::ALL);
        round_trips(FacilityType::ALL);
        round_trips(&ApplicationStatus::ALL);
        round_trips(BeneficiaryStatus::ALL);
        round_trips(&Role::ALL);
        round_trips(crate::microcredit::arrears::ArrearsBucket::ALL);
        round_trips(crate::microcredit::fund::FundEntryKind::ALL);
        round_trips(crate::microcredit::loan::LoanStatus::ALL);
        round_trips(crate::case::RiskCategory::ALL);
        round_trips(crate::case::ServiceType::ALL);
        assert!(UnknownCode { list: "CaseStatus", code: "x".into() }.to_string().contains("CaseStatus"));
    }

    #[test]
    fn ids_are_uuids_on_the_wire_and_in_text() {
        let u = Uuid::from_u128(7);
        let id = CaseId::from(u);
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::to_value(u).unwrap());
        assert_eq!(id.to_string().parse::<CaseId>(), Ok(id));
        assert_eq!(Uuid::from(id), u);
        assert!("not-a-uuid".parse::<PersonId>().is_err());
        // A scope's stored text round-trips too.
        let s = Scope::Facility(FacilityId(u));
        assert_eq!(Scope::try_from(String::from(s)), Ok(s));
    }
}
