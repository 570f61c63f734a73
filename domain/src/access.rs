//! Who may do what, where. Every request that touches protected data passes through
//! [`authorize`]; it denies unless a role grants the permission *and* the actor's scope reaches
//! the subject. Keeping the whole policy in this one pure function is what lets the tests walk
//! the full role x permission x scope matrix.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::id::{FacilityId, PartnerId, UserId};

use crate::digits::parse_u64;
use crate::geo::{AreaPath, DistrictId, DivisionId, UpazilaId};
use crate::Label;

/// What a person or service account does in the system. Fixed by policy, not per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SystemAdmin,
    HqOfficer,
    DivisionOfficer,
    DistrictOfficer,
    UpazilaOfficer,
    CommitteeMember,
    Caseworker,
    FacilityStaff,
    PartnerStaff,
    Integrator,
    Auditor,
    /// Moves records from the old national MIS: imports beneficiaries anywhere in the country
    /// in one job. Nothing else (no case, no payroll, no user accounts).
    DataMigrationOfficer,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::SystemAdmin,
        Role::HqOfficer,
        Role::DivisionOfficer,
        Role::DistrictOfficer,
        Role::UpazilaOfficer,
        Role::CommitteeMember,
        Role::Caseworker,
        Role::FacilityStaff,
        Role::PartnerStaff,
        Role::Integrator,
        Role::Auditor,
        Role::DataMigrationOfficer,
    ];

    /// The stable code used in the API, the database and tokens.
    pub fn code(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::HqOfficer => "hq_officer",
            Role::DivisionOfficer => "division_officer",
            Role::DistrictOfficer => "district_officer",
            Role::UpazilaOfficer => "upazila_officer",
            Role::CommitteeMember => "committee_member",
            Role::Caseworker => "caseworker",
            Role::FacilityStaff => "facility_staff",
            Role::PartnerStaff => "partner_staff",
            Role::Integrator => "integrator",
            Role::Auditor => "auditor",
            Role::DataMigrationOfficer => "data_migration_officer",
        }
    }

    pub fn label(self) -> Label {
        match self {
            Role::SystemAdmin => Label::new("System administrator", "সিস্টেম প্রশাসক"),
            Role::HqOfficer => Label::new("Headquarters officer", "সদর দপ্তরের কর্মকর্তা"),
            Role::DivisionOfficer => Label::new("Division officer", "বিভাগীয় কর্মকর্তা"),
            Role::DistrictOfficer => Label::new("District officer", "জেলা কর্মকর্তা"),
            Role::UpazilaOfficer => Label::new("Upazila officer", "উপজেলা কর্মকর্তা"),
            Role::CommitteeMember => Label::new("Committee member", "কমিটির সদস্য"),
            Role::Caseworker => Label::new("Caseworker", "কেস ওয়ার্কার"),
            Role::FacilityStaff => Label::new("Facility staff", "প্রতিষ্ঠানের কর্মী"),
            Role::PartnerStaff => Label::new("Partner organisation staff", "সহযোগী সংস্থার কর্মী"),
            Role::Integrator => Label::new("Integrator (system account)", "ইন্টিগ্রেটর (সিস্টেম অ্যাকাউন্ট)"),
            Role::Auditor => Label::new("Auditor", "নিরীক্ষক"),
            Role::DataMigrationOfficer => Label::new("Data migration officer", "ডেটা স্থানান্তর কর্মকর্তা"),
        }
    }

    /// Which kinds of scope make sense for the role: an upazila officer works in an upazila,
    /// facility staff in a facility. A mismatch is refused when the user is created.
    pub fn allows_scope(self, scope: &Scope) -> bool {
        use Scope::*;
        match self {
            Role::SystemAdmin => matches!(scope, National | Division(_) | District(_)),
            Role::HqOfficer | Role::DataMigrationOfficer => matches!(scope, National),
            Role::DivisionOfficer => matches!(scope, Division(_)),
            Role::DistrictOfficer => matches!(scope, District(_)),
            Role::UpazilaOfficer => matches!(scope, Upazila(_)),
            Role::CommitteeMember => matches!(scope, District(_) | Upazila(_)),
            Role::Caseworker => matches!(scope, Upazila(_) | Facility(_)),
            Role::FacilityStaff => matches!(scope, Facility(_)),
            Role::PartnerStaff => matches!(scope, Partner(_)),
            Role::Integrator | Role::Auditor => {
                matches!(scope, National | Division(_) | District(_) | Upazila(_))
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s).ok_or(UnknownCode)
    }
}

impl Role {
    pub fn parse(code: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

crate::text_code!(Role);

/// A code that names nothing we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown code")]
pub struct UnknownCode;

/// How far a user's authority reaches: the whole country, an area, one facility, or the
/// facilities one partner organisation serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    National,
    Division(DivisionId),
    District(DistrictId),
    Upazila(UpazilaId),
    Facility(FacilityId),
    Partner(PartnerId),
}

impl TryFrom<String> for Scope {
    type Error = ScopeParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        scope.to_string()
    }
}

/// Why a scope string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scope must be `national`, `division:ID`, `district:ID`, `upazila:ID`, `facility:UUID` or `partner:UUID`")]
pub struct ScopeParseError;

impl FromStr for Scope {
    type Err = ScopeParseError;
    /// Accepts `national`, `division:3`, `district:১২` (Bangla digits), `facility:<uuid>`, ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "national" {
            return Ok(Scope::National);
        }
        let (kind, id) = s.split_once(':').ok_or(ScopeParseError)?;
        let area = || -> Result<i32, ScopeParseError> {
            parse_u64(id).and_then(|n| i32::try_from(n).ok()).filter(|n| *n > 0).ok_or(ScopeParseError)
        };
        let uuid = || Uuid::parse_str(id.trim()).map_err(|_| ScopeParseError);
        match kind {
            "division" => Ok(Scope::Division(DivisionId(area()?))),
            "district" => Ok(Scope::District(DistrictId(area()?))),
            "upazila" => Ok(Scope::Upazila(UpazilaId(area()?))),
            "facility" => Ok(Scope::Facility(FacilityId(uuid()?))),
            "partner" => Ok(Scope::Partner(PartnerId(uuid()?))),
            _ => Err(ScopeParseError),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::National => f.write_str("national"),
            Scope::Division(id) => write!(f, "division:{id}"),
            Scope::District(id) => write!(f, "district:{id}"),
            Scope::Upazila(id) => write!(f, "upazila:{id}"),
            Scope::Facility(id) => write!(f, "facility:{id}"),
            Scope::Partner(id) => write!(f, "partner:{id}"),
        }
    }
}

/// A scope with the part of the hierarchy it sits in, which the storage layer resolves
/// (district 12 lies in division 3). Containment checks need the whole path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedScope {
    pub scope: Scope,
    /// The area of an area scope; `None` for national, facility and partner scopes until the
    /// facility registry places them.
    pub area: Option<AreaPath>,
}

/// What an action is about, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Something only a national scope reaches (the whole audit trail, a national user).
    National,
    /// A record placed in the geography.
    Area(AreaPath),
    /// A record held at a facility, which sits in an area and may be served by partners.
    Facility { id: FacilityId, area: AreaPath, partners: Vec<PartnerId> },
    /// Another user's scope: an administrator may only hand out authority they hold.
    Scope(PlacedScope),
}

impl Scope {
    fn covers_area(&self, area: &AreaPath) -> bool {
        match *self {
            Scope::National => true,
            Scope::Division(d) => area.division == d,
            Scope::District(d) => area.district == Some(d),
            Scope::Upazila(u) => area.upazila == Some(u),
            Scope::Facility(_) | Scope::Partner(_) => false,
        }
    }

    /// Whether this scope reaches `subject`.
    pub fn covers(&self, subject: &Subject) -> bool {
        match subject {
            Subject::National => *self == Scope::National,
            Subject::Area(area) => self.covers_area(area),
            Subject::Facility { id, area, partners } => match *self {
                Scope::Facility(f) => f == *id,
                Scope::Partner(p) => partners.contains(&p),
                _ => self.covers_area(area),
            },
            Subject::Scope(target) => match (*self, target.scope) {
                (Scope::National, _) => true,
                (mine, theirs) if mine == theirs => true,
                (Scope::Facility(_) | Scope::Partner(_), _) => false,
                (_, Scope::National) => false,
                (mine, _) => target.area.is_some_and(|area| mine.covers_area(&area)),
            },
        }
    }
}

/// An action that needs authority. New features add variants and grant them in
/// [`Role::grants`]; anything not granted there is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Create, disable, re-enable users and reset their passwords.
    ManageUsers,
    /// See the user accounts within one's scope.
    ReadUsers,
    /// Read the audit trail.
    ReadAuditEvents,
    /// Register facilities and partner organisations.
    ManageFacilities,
    /// See facilities and partner organisations.
    ReadFacilities,
    /// See people on record.
    ReadPersons,
    /// Record people.
    WritePersons,
    /// See case records in full (safe-home location and perpetrators aside).
    ReadCases,
    /// See only the services one's own partner organisation gave in a case.
    ReadOwnServices,
    /// Open cases and move them through their lifecycle.
    WriteCases,
    /// Record a service given (partner staff may do only this).
    RecordServices,
    /// Decide approvals (case plan, closure, stay extension, emergency placement).
    ApproveCases,
    /// See where a safe-home resident lives and who the alleged perpetrators are.
    ReadSensitiveCaseDetails,
    /// Ask which allowances someone qualifies for (bare facts; a person's record also needs
    /// `ReadPersons`).
    CheckEligibility,
    /// See applications, waiting lists, beneficiaries and quotas.
    ReadAllowances,
    /// Take an allowance application.
    SubmitApplications,
    /// Verify an application (union/ward committee).
    VerifyApplications,
    /// Approve within the quota (upazila committee), and reject.
    ApproveApplications,
    /// Suspend, resume, exit beneficiaries and record their payment accounts.
    ManageBeneficiaries,
    /// Import beneficiaries anywhere in one's scope in one job (moving the old national MIS);
    /// audited like any import.
    MigrateBeneficiaries,
    /// Set the places per programme, upazila and fiscal year.
    ManageQuotas,
    /// Create payment cycles, generate payroll, export files, apply provider results.
    PreparePayroll,
    /// Approve a generated payroll (never one's own).
    ApprovePayroll,
    /// Pull aggregate reports (no personal data) for one's area.
    ReadReports,
    /// See microcredit funds, work groups, loans and repayments.
    ReadMicrocredit,
    /// Run an office's microcredit: funds and capital, work groups, applications,
    /// disbursements, repayments, write-off requests.
    ManageMicrocredit,
    /// Record the project implementation committee's decisions on applications.
    DecideMicrocredit,
    /// Approve or decline a write-off (never one's own request).
    ApproveWriteOffs,
    /// Add, rename and retire areas (new thanas, wards, pourashavas); national scope only.
    ManageGeography,
    /// See every job (imports, payroll), whoever started it.
    ReadJobs,
    /// See the disability identification register.
    ReadDisabilityRegister,
    /// Record assessments and identity cards in the register (the survey).
    WriteDisabilityRegister,
    /// See helpline and outreach contacts (where the child or woman was found also needs
    /// `ReadSensitiveCaseDetails`, unless one recorded the contact).
    ReadContacts,
    /// Record helpline and outreach contacts.
    RecordContacts,
    /// Record the children served at a service point each day.
    RecordServicePoints,
    /// See the register of voluntary social welfare organisations.
    ReadVoluntaryOrganisations,
    /// Take applications, inspect, file annual reports and committee changes.
    ManageVoluntaryOrganisations,
    /// Register or refuse an organisation; suspend, reinstate or dissolve it (the district
    /// social services office).
    DecideRegistrations,
    /// Record grants through the Social Welfare Council.
    RecordCouncilGrants,
    /// See patients' requests and the aid given at hospital social services offices.
    ReadHospitalPatients,
    /// Take, assess and aid patients' requests at a hospital social services office.
    ManageHospitalPatients,
    /// See the residents of child-care and rehabilitation institutions.
    ReadResidents,
    /// Admit, transfer and discharge residents (a transfer needs it at both institutions).
    ManageResidents,
    /// See probation, diversion and after-care supervisions.
    ReadSupervisions,
    /// Open supervisions and record visits, reports to the court and decisions.
    ManageSupervisions,
    /// See the service directory (the organisations cases are referred to).
    ReadDirectory,
    /// List, change and retire organisations in the service directory (the district office).
    ManageDirectory,
}

impl Permission {
    /// Every permission (the grant table's test walks them all).
    pub const ALL: [Permission; 47] = [
        Permission::ManageUsers,
        Permission::ReadUsers,
        Permission::ReadAuditEvents,
        Permission::ManageFacilities,
        Permission::ReadFacilities,
        Permission::ReadPersons,
        Permission::WritePersons,
        Permission::ReadCases,
        Permission::ReadOwnServices,
        Permission::WriteCases,
        Permission::RecordServices,
        Permission::ApproveCases,
        Permission::ReadSensitiveCaseDetails,
        Permission::CheckEligibility,
        Permission::ReadAllowances,
        Permission::SubmitApplications,
        Permission::VerifyApplications,
        Permission::ApproveApplications,
        Permission::ManageBeneficiaries,
        Permission::MigrateBeneficiaries,
        Permission::ManageQuotas,
        Permission::PreparePayroll,
        Permission::ApprovePayroll,
        Permission::ReadReports,
        Permission::ReadMicrocredit,
        Permission::ManageMicrocredit,
        Permission::DecideMicrocredit,
        Permission::ApproveWriteOffs,
        Permission::ManageGeography,
        Permission::ReadJobs,
        Permission::ReadDisabilityRegister,
        Permission::WriteDisabilityRegister,
        Permission::ReadContacts,
        Permission::RecordContacts,
        Permission::RecordServicePoints,
        Permission::ReadVoluntaryOrganisations,
        Permission::ManageVoluntaryOrganisations,
        Permission::DecideRegistrations,
        Permission::RecordCouncilGrants,
        Permission::ReadHospitalPatients,
        Permission::ManageHospitalPatients,
        Permission::ReadResidents,
        Permission::ManageResidents,
        Permission::ReadSupervisions,
        Permission::ManageSupervisions,
        Permission::ReadDirectory,
        Permission::ManageDirectory,
    ];
}

impl Role {
    /// The permission table. Default deny: a role not listed for a permission is refused.
    pub fn grants(self, permission: Permission) -> bool {
        holders(permission).contains(&self)
    }
}

/// Who holds each permission, one line a permission. The match is exhaustive: a new permission
/// does not compile until someone says who holds it.
///
/// Allowances are run by the area offices and their committees (the data migration officer
/// reads what it moved, and decides nothing); the disability register, contacts and
/// supervisions by the upazila offices and their caseworkers, read by the offices above;
/// institutions by their own staff and the offices above them, which move children between
/// them; hospital social services by the office's staff and the upazila office; voluntary
/// organisations register with the district office, apply and are inspected at the upazila
/// office, and are granted by the Social Welfare Council (headquarters); microcredit is run by
/// the upazila offices, decided by the committee, and a write-off approved by the district;
/// the service directory is kept by the district office (and national administrators) and
/// read by everyone who works cases.
fn holders(permission: Permission) -> &'static [Role] {
    use Permission::*;
    use Role as R;
    match permission {
        ManageUsers => &[R::SystemAdmin],
        ReadUsers => &[R::SystemAdmin, R::Auditor],
        ReadAuditEvents => &[R::SystemAdmin, R::Auditor],
        ManageFacilities => &[R::SystemAdmin, R::HqOfficer],
        ReadFacilities => &[
            R::SystemAdmin,
            R::HqOfficer,
            R::DivisionOfficer,
            R::DistrictOfficer,
            R::UpazilaOfficer,
            R::Caseworker,
            R::FacilityStaff,
            R::PartnerStaff,
        ],
        ReadPersons => {
            &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker, R::FacilityStaff]
        }
        WritePersons => &[R::UpazilaOfficer, R::Caseworker, R::FacilityStaff],
        ReadCases => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker, R::FacilityStaff],
        ReadOwnServices => &[R::PartnerStaff],
        WriteCases => &[R::UpazilaOfficer, R::Caseworker, R::FacilityStaff],
        RecordServices => &[R::UpazilaOfficer, R::Caseworker, R::FacilityStaff, R::PartnerStaff],
        ApproveCases => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer],
        ReadSensitiveCaseDetails => &[R::HqOfficer, R::FacilityStaff],
        CheckEligibility => &[
            R::HqOfficer,
            R::DivisionOfficer,
            R::DistrictOfficer,
            R::UpazilaOfficer,
            R::CommitteeMember,
            R::Caseworker,
            R::FacilityStaff,
            R::Integrator,
        ],
        ReadAllowances => &[
            R::HqOfficer,
            R::DivisionOfficer,
            R::DistrictOfficer,
            R::UpazilaOfficer,
            R::CommitteeMember,
            R::DataMigrationOfficer,
        ],
        SubmitApplications => &[R::UpazilaOfficer, R::CommitteeMember, R::Caseworker],
        VerifyApplications => &[R::UpazilaOfficer, R::CommitteeMember],
        ApproveApplications => &[R::UpazilaOfficer],
        ManageBeneficiaries => &[R::UpazilaOfficer],
        MigrateBeneficiaries => &[R::DataMigrationOfficer],
        ManageQuotas => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer],
        PreparePayroll => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer],
        ApprovePayroll => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer],
        ReadReports => {
            &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::FacilityStaff, R::Integrator]
        }
        ReadMicrocredit => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::CommitteeMember],
        ManageMicrocredit => &[R::UpazilaOfficer],
        DecideMicrocredit => &[R::UpazilaOfficer, R::CommitteeMember],
        ApproveWriteOffs => &[R::DistrictOfficer, R::UpazilaOfficer],
        ManageGeography => &[R::SystemAdmin],
        ReadJobs => &[R::SystemAdmin],
        ReadDisabilityRegister => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker],
        WriteDisabilityRegister => &[R::UpazilaOfficer, R::Caseworker],
        ReadContacts => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker],
        RecordContacts => &[R::UpazilaOfficer, R::Caseworker],
        RecordServicePoints => &[R::UpazilaOfficer, R::Caseworker, R::FacilityStaff],
        ReadVoluntaryOrganisations => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer],
        ManageVoluntaryOrganisations => &[R::DistrictOfficer, R::UpazilaOfficer],
        DecideRegistrations => &[R::DistrictOfficer],
        RecordCouncilGrants => &[R::HqOfficer],
        ReadHospitalPatients => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::FacilityStaff],
        ManageHospitalPatients => &[R::UpazilaOfficer, R::FacilityStaff],
        ReadResidents => {
            &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker, R::FacilityStaff]
        }
        ManageResidents => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::FacilityStaff],
        ReadSupervisions => &[R::HqOfficer, R::DivisionOfficer, R::DistrictOfficer, R::UpazilaOfficer, R::Caseworker],
        ManageSupervisions => &[R::UpazilaOfficer, R::Caseworker],
        ReadDirectory => &[
            R::SystemAdmin,
            R::HqOfficer,
            R::DivisionOfficer,
            R::DistrictOfficer,
            R::UpazilaOfficer,
            R::Caseworker,
            R::FacilityStaff,
        ],
        ManageDirectory => &[R::SystemAdmin, R::HqOfficer, R::DistrictOfficer],
    }
}

/// Who is acting: what the bearer token says, after the account was found active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub scope: Scope,
}

/// Why access was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("the role does not permit this action")]
    RoleLacksPermission,
    #[error("the record lies outside the user's scope")]
    OutOfScope,
}

impl Denial {
    pub fn code(self) -> &'static str {
        match self {
            Denial::RoleLacksPermission => "role_lacks_permission",
            Denial::OutOfScope => "out_of_scope",
        }
    }

    pub fn label(self) -> Label {
        match self {
            Denial::RoleLacksPermission => Label::new("Your role does not permit this action", "আপনার ভূমিকায় এই কাজের অনুমতি নেই"),
            Denial::OutOfScope => Label::new(
                "This record is outside the area or facility you are responsible for",
                "এই তথ্য আপনার দায়িত্বপ্রাপ্ত এলাকা বা প্রতিষ্ঠানের বাইরে",
            ),
        }
    }
}

/// The one access decision: the role must grant the permission and the scope must reach the
/// subject. Everything else is denied.
pub fn authorize(actor: &Actor, permission: Permission, subject: &Subject) -> Result<(), Denial> {
    if !actor.role.grants(permission) {
        return Err(Denial::RoleLacksPermission);
    }
    if !actor.scope.covers(subject) {
        return Err(Denial::OutOfScope);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(role: Role, scope: Scope) -> Actor {
        Actor { user_id: Uuid::nil().into(), role, scope }
    }

    fn dhaka_upazila() -> AreaPath {
        AreaPath::upazila(DivisionId(6), DistrictId(47), UpazilaId(400))
    }

    #[test]
    fn scope_strings_round_trip_and_accept_bangla_digits() {
        assert_eq!("national".parse::<Scope>(), Ok(Scope::National));
        assert_eq!("district:১২".parse::<Scope>(), Ok(Scope::District(DistrictId(12))));
        let f = FacilityId(Uuid::from_u128(7));
        assert_eq!(format!("facility:{f}").parse::<Scope>(), Ok(Scope::Facility(f)));
        for s in ["", "nation", "division:", "division:0", "division:-3", "upazila:x", "facility:12", "county:1"] {
            assert_eq!(s.parse::<Scope>(), Err(ScopeParseError), "{s}");
        }
        for s in [Scope::National, Scope::Upazila(UpazilaId(494)), Scope::Partner(Uuid::from_u128(9).into())] {
            assert_eq!(s.to_string().parse::<Scope>(), Ok(s));
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
            assert!(!r.label().bn.is_empty());
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn default_deny_for_roles_without_grants() {
        let area = Subject::Area(dhaka_upazila());
        for role in [Role::Caseworker, Role::Integrator, Role::HqOfficer, Role::PartnerStaff, Role::CommitteeMember] {
            for p in [Permission::ManageUsers, Permission::ReadAuditEvents] {
                assert_eq!(authorize(&actor(role, Scope::National), p, &area), Err(Denial::RoleLacksPermission));
            }
        }
        for p in Permission::ALL {
            assert!(
                !Role::Integrator.grants(p) || matches!(p, Permission::CheckEligibility | Permission::ReadReports),
                "integrators see no personal data: {p:?}"
            );
        }
        assert!(!Role::CommitteeMember.grants(Permission::ApproveApplications), "verification and approval are separate");
        assert!(!Role::UpazilaOfficer.grants(Permission::ManageQuotas), "quotas are set above the upazila");
        // Least privilege: administrators run the system, they do not read cases.
        assert!(!Role::SystemAdmin.grants(Permission::ReadCases));
        assert!(!Role::PartnerStaff.grants(Permission::WriteCases));
        assert!(!Role::Caseworker.grants(Permission::ApproveCases));
    }

    #[test]
    fn area_scopes_reach_only_their_own_area() {
        let admin_div6 = actor(Role::SystemAdmin, Scope::Division(DivisionId(6)));
        let admin_div1 = actor(Role::SystemAdmin, Scope::Division(DivisionId(1)));
        let subject = Subject::Area(dhaka_upazila());
        assert_eq!(authorize(&admin_div6, Permission::ManageUsers, &subject), Ok(()));
        assert_eq!(authorize(&admin_div1, Permission::ManageUsers, &subject), Err(Denial::OutOfScope));
        assert_eq!(authorize(&admin_div6, Permission::ReadAuditEvents, &Subject::National), Err(Denial::OutOfScope));
    }

    #[test]
    fn facility_and_partner_scopes() {
        let f = FacilityId(Uuid::from_u128(1));
        let p = PartnerId(Uuid::from_u128(2));
        let subject = Subject::Facility { id: f, area: dhaka_upazila(), partners: vec![p] };
        assert!(Scope::Facility(f).covers(&subject));
        assert!(!Scope::Facility(Uuid::from_u128(3).into()).covers(&subject));
        assert!(Scope::Partner(p).covers(&subject));
        assert!(!Scope::Partner(PartnerId(f.0)).covers(&subject));
        assert!(Scope::District(DistrictId(47)).covers(&subject));
        assert!(!Scope::Facility(f).covers(&Subject::Area(dhaka_upazila())));
    }

    #[test]
    fn administrators_hand_out_only_authority_they_hold() {
        let place = |scope, area| Subject::Scope(PlacedScope { scope, area });
        let div6 = Scope::Division(DivisionId(6));
        let upz = place(Scope::Upazila(UpazilaId(400)), Some(dhaka_upazila()));
        assert!(div6.covers(&upz));
        assert!(!Scope::Division(DivisionId(1)).covers(&upz));
        assert!(!div6.covers(&place(Scope::National, None)));
        assert!(!div6.covers(&place(Scope::Facility(Uuid::from_u128(1).into()), None)));
        assert!(Scope::National.covers(&place(Scope::Facility(Uuid::from_u128(1).into()), None)));
        assert!(div6.covers(&place(div6, Some(AreaPath::division(DivisionId(6))))));
    }

    #[test]
    fn only_the_data_migration_officer_imports_nationally() {
        let everywhere = Subject::Area(dhaka_upazila());
        let officer = actor(Role::DataMigrationOfficer, Scope::National);
        assert_eq!(authorize(&officer, Permission::MigrateBeneficiaries, &everywhere), Ok(()));
        for p in [
            Permission::ManageBeneficiaries,
            Permission::ApproveApplications,
            Permission::PreparePayroll,
            Permission::ReadCases,
            Permission::ManageUsers,
        ] {
            assert_eq!(authorize(&officer, p, &everywhere), Err(Denial::RoleLacksPermission), "{p:?}");
        }
        for r in Role::ALL.into_iter().filter(|r| *r != Role::DataMigrationOfficer) {
            assert!(!r.grants(Permission::MigrateBeneficiaries), "{r}");
        }
        assert!(!Role::DataMigrationOfficer.allows_scope(&Scope::Upazila(UpazilaId(1))));
    }

    #[test]
    fn roles_fit_their_scopes() {
        assert!(Role::UpazilaOfficer.allows_scope(&Scope::Upazila(UpazilaId(1))));
        assert!(!Role::UpazilaOfficer.allows_scope(&Scope::National));
        assert!(!Role::HqOfficer.allows_scope(&Scope::District(DistrictId(1))));
        assert!(Role::FacilityStaff.allows_scope(&Scope::Facility(Uuid::nil().into())));
        assert!(!Role::Integrator.allows_scope(&Scope::Facility(Uuid::nil().into())));
        for r in Role::ALL {
            let any = [
                Scope::National,
                Scope::Division(DivisionId(1)),
                Scope::District(DistrictId(1)),
                Scope::Upazila(UpazilaId(1)),
                Scope::Facility(Uuid::nil().into()),
                Scope::Partner(Uuid::nil().into()),
            ];
            assert!(any.iter().any(|s| r.allows_scope(s)), "{r} has no usable scope");
        }
    }

    fn any_scope() -> impl Strategy<Value = Scope> {
        prop_oneof![
            Just(Scope::National),
            (1..9i32).prop_map(|d| Scope::Division(DivisionId(d))),
            (1..65i32).prop_map(|d| Scope::District(DistrictId(d))),
            (1..495i32).prop_map(|u| Scope::Upazila(UpazilaId(u))),
            (0..4u128).prop_map(|f| Scope::Facility(Uuid::from_u128(f).into())),
            (0..4u128).prop_map(|p| Scope::Partner(Uuid::from_u128(p).into())),
        ]
    }

    proptest! {
        /// A national scope reaches everything; nothing else reaches the national subject.
        #[test]
        fn only_national_reaches_national(scope in any_scope()) {
            let placed = Subject::Scope(PlacedScope { scope, area: None });
            prop_assert!(Scope::National.covers(&placed));
            prop_assert_eq!(scope.covers(&Subject::National), scope == Scope::National);
        }

        #[test]
        fn scope_display_parses_back(scope in any_scope()) {
            prop_assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
        }
    }
}
