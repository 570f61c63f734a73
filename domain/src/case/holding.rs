//! Who holds a case: the worker it is assigned to, and the office (an upazila, or a facility
//! in one) that holds it, with the requests that move it to another office. Pure: the caller
//! passes what it looked up (the worker's account, the destination's place) and today.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{blank, CaseKind, CourtOrder, Refusal};
use crate::access::{authorize, Actor, Permission, Role, Scope, Subject};
use crate::code_list::code_list;
use crate::geo::AreaPath;
use crate::id::{FacilityId, PartnerId, UserId};

/// The office that holds a case: its upazila (with the district and division above it) and,
/// when a facility manages it, that facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub area: AreaPath,
    pub facility: Option<FacilityId>,
}

impl Holder {
    /// The access subject of a case held here (the partners serving the facility given).
    pub fn subject(&self, partners: Vec<PartnerId>) -> Subject {
        match self.facility {
            Some(id) => Subject::Facility { id, area: self.area, partners },
            None => Subject::Area(self.area),
        }
    }
}

/// The account a case would be assigned to, as the caller found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignee {
    pub user_id: UserId,
    pub role: Role,
    pub scope: Scope,
    pub active: bool,
}

/// `assignment.*`: a case is reassigned, with a reason, to an active account whose role works
/// cases (`WriteCases`) and whose scope reaches where the case is held; never to the worker who
/// already holds it.
pub fn check_assignment(current: Option<UserId>, to: &Assignee, case_subject: &Subject, reason: &str) -> Result<(), Refusal> {
    if blank(reason) {
        return Err(Refusal::ReasonRequired);
    }
    if !to.active {
        return Err(Refusal::AssigneeInactive);
    }
    let actor = Actor { user_id: to.user_id, role: to.role, scope: to.scope };
    if authorize(&actor, Permission::WriteCases, case_subject).is_err() {
        return Err(Refusal::AssigneeCannotWorkCase);
    }
    if current == Some(to.user_id) {
        return Err(Refusal::AlreadyAssigned);
    }
    Ok(())
}

code_list!(
    /// Where a transfer request stands: requested, then accepted, declined or withdrawn.
    TransferStatus {
        Requested => "requested", "Requested", "অনুরোধ করা হয়েছে";
        Accepted => "accepted", "Accepted", "গৃহীত";
        Declined => "declined", "Declined", "প্রত্যাখ্যাত";
        Withdrawn => "withdrawn", "Withdrawn", "প্রত্যাহার করা হয়েছে";
    }
);

/// A request to move a case from the office holding it to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRequest {
    pub from: Holder,
    pub to: Holder,
    pub reason: String,
    pub court_order: Option<CourtOrder>,
    pub requested_by: UserId,
    pub requested_on: NaiveDate,
    pub status: TransferStatus,
    pub decided_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub decline_reason: Option<String>,
}

/// What a request asks, as the caller read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferAsk {
    /// The destination as found in the system; `None` when it names no upazila or facility
    /// there is (or one retired).
    pub to: Option<Holder>,
    pub reason: String,
    pub court_order: Option<CourtOrder>,
}

/// `transfer.*`: a request names a destination in the system other than the current holder,
/// gives a reason, and for a safe-home resident carries the court's order (dated, like every
/// order, not in the future and not before the case); one request waits at a time.
pub fn request_transfer(
    kind: CaseKind,
    opened_on: NaiveDate,
    from: Holder,
    ask: TransferAsk,
    pending: bool,
    by: UserId,
    today: NaiveDate,
) -> Result<TransferRequest, Refusal> {
    if pending {
        return Err(Refusal::TransferAlreadyPending);
    }
    let to = ask.to.ok_or(Refusal::TransferDestinationUnknown)?;
    if to == from {
        return Err(Refusal::TransferToSameHolder);
    }
    if blank(&ask.reason) {
        return Err(Refusal::ReasonRequired);
    }
    match &ask.court_order {
        None if kind == CaseKind::SafeHome => return Err(Refusal::TransferCourtOrderMissing),
        Some(o) if blank(&o.court) || blank(&o.order_number) => return Err(Refusal::TransferCourtOrderMissing),
        Some(o) if o.order_date > today => return Err(Refusal::DateInFuture),
        Some(o) if o.order_date < opened_on => return Err(Refusal::DateBeforeCase),
        _ => {}
    }
    Ok(TransferRequest {
        from,
        to,
        reason: ask.reason,
        court_order: ask.court_order,
        requested_by: by,
        requested_on: today,
        status: TransferStatus::Requested,
        decided_by: None,
        decided_on: None,
        decline_reason: None,
    })
}

impl TransferRequest {
    fn pending(&self) -> Result<(), Refusal> {
        if self.status == TransferStatus::Requested {
            Ok(())
        } else {
            Err(Refusal::TransferNotPending)
        }
    }

    /// The receiving office accepts (never the user who asked): the case is held at `to`
    /// from today. A case that ended while the request waited is not moved: re-open it first.
    pub fn accept(&mut self, by: UserId, case_ended: bool, today: NaiveDate) -> Result<Holder, Refusal> {
        self.pending()?;
        if case_ended {
            return Err(Refusal::CaseEnded);
        }
        if by == self.requested_by {
            return Err(Refusal::TransferDecidedBySender);
        }
        self.status = TransferStatus::Accepted;
        self.decided_by = Some(by);
        self.decided_on = Some(today);
        Ok(self.to)
    }

    /// The receiving office declines, with a reason.
    pub fn decline(&mut self, by: UserId, reason: &str, today: NaiveDate) -> Result<(), Refusal> {
        self.pending()?;
        if by == self.requested_by {
            return Err(Refusal::TransferDecidedBySender);
        }
        if blank(reason) {
            return Err(Refusal::ReasonRequired);
        }
        self.status = TransferStatus::Declined;
        self.decided_by = Some(by);
        self.decided_on = Some(today);
        self.decline_reason = Some(reason.to_owned());
        Ok(())
    }

    /// The sending office withdraws its request.
    pub fn withdraw(&mut self, by: UserId, today: NaiveDate) -> Result<(), Refusal> {
        self.pending()?;
        self.status = TransferStatus::Withdrawn;
        self.decided_by = Some(by);
        self.decided_on = Some(today);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{DistrictId, DivisionId, UpazilaId};
    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn upazila(u: i32) -> Holder {
        Holder { area: AreaPath::upazila(DivisionId(1), DistrictId(1), UpazilaId(u)), facility: None }
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn order(on: NaiveDate) -> Option<CourtOrder> {
        Some(CourtOrder { court: "Tribunal-2".into(), order_number: "7/2026".into(), order_date: on })
    }

    #[test]
    fn a_case_is_reassigned_only_to_an_active_worker_who_can_work_it_there() {
        let here = upazila(1).subject(vec![]);
        let ok = Assignee { user_id: user(5), role: Role::Caseworker, scope: Scope::Upazila(UpazilaId(1)), active: true };
        assert_eq!(check_assignment(Some(user(4)), &ok, &here, "leave"), Ok(()));
        assert_eq!(check_assignment(Some(user(4)), &ok, &here, "  "), Err(Refusal::ReasonRequired));
        assert_eq!(check_assignment(Some(user(5)), &ok, &here, "x"), Err(Refusal::AlreadyAssigned));
        let disabled = Assignee { active: false, ..ok };
        assert_eq!(check_assignment(None, &disabled, &here, "x"), Err(Refusal::AssigneeInactive));
        let elsewhere = Assignee { scope: Scope::Upazila(UpazilaId(2)), ..ok };
        assert_eq!(check_assignment(None, &elsewhere, &here, "x"), Err(Refusal::AssigneeCannotWorkCase));
        let auditor = Assignee { role: Role::Auditor, scope: Scope::District(DistrictId(1)), ..ok };
        assert_eq!(check_assignment(None, &auditor, &here, "x"), Err(Refusal::AssigneeCannotWorkCase));
        assert_eq!(Refusal::AssigneeInactive.rule(), "assignment.active_user");
        assert!(!Refusal::AssigneeCannotWorkCase.label().bn.is_empty());
    }

    #[test]
    fn a_transfer_goes_elsewhere_in_the_system_and_a_safe_home_one_under_a_court_order() {
        let ask = |to: Option<Holder>, court_order| TransferAsk { to, reason: "family moved".into(), court_order };
        let today = d(2026, 12, 4);
        let (opened, kind) = (d(2026, 1, 1), CaseKind::ChildProtection);
        let go = |k, a, pending| request_transfer(k, opened, upazila(1), a, pending, user(1), today);
        assert_eq!(go(kind, ask(None, None), false), Err(Refusal::TransferDestinationUnknown));
        assert_eq!(go(kind, ask(Some(upazila(1)), None), false), Err(Refusal::TransferToSameHolder));
        assert_eq!(go(kind, ask(Some(upazila(2)), None), true), Err(Refusal::TransferAlreadyPending));
        assert_eq!(go(CaseKind::SafeHome, ask(Some(upazila(2)), None), false), Err(Refusal::TransferCourtOrderMissing));
        assert_eq!(go(CaseKind::SafeHome, ask(Some(upazila(2)), order(d(2026, 12, 5))), false), Err(Refusal::DateInFuture));
        assert_eq!(go(CaseKind::SafeHome, ask(Some(upazila(2)), order(d(2025, 12, 5))), false), Err(Refusal::DateBeforeCase));
        let mut t = go(CaseKind::SafeHome, ask(Some(upazila(2)), order(today)), false).unwrap();
        assert_eq!((t.status, t.requested_on), (TransferStatus::Requested, today));
        assert_eq!(t.clone().accept(user(1), false, today), Err(Refusal::TransferDecidedBySender));
        assert_eq!(t.clone().decline(user(2), " ", today), Err(Refusal::ReasonRequired));
        assert_eq!(t.clone().accept(user(2), true, today), Err(Refusal::CaseEnded));
        assert_eq!(t.accept(user(2), false, today), Ok(upazila(2)));
        assert_eq!(t.withdraw(user(1), today), Err(Refusal::TransferNotPending));
        let mut w = go(kind, ask(Some(upazila(3)), None), false).unwrap();
        w.withdraw(user(1), today).unwrap();
        assert_eq!(w.status, TransferStatus::Withdrawn);
        assert_eq!(w.decline(user(2), "no", today), Err(Refusal::TransferNotPending));
    }
}
