//! Hospital social services: a poor patient (or her family) asks the hospital social services
//! office for help; the office assesses whether she qualifies and then gives aid as typed
//! items with amounts in taka (medicine, tests, devices, transport, cash, ...). Burn victims
//! get treatment support and may go on to a rehabilitation loan (microcredit's burn and
//! disability rehabilitation programme).

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::rule::{RuleClass, RuleRefusal};
use crate::Label;

code_list!(
    /// Where a patient's request stands.
    PatientStatus {
        Requested => "requested", "Requested", "আবেদনকৃত";
        Eligible => "eligible", "Assessed: qualifies for aid", "যাচাইকৃত: সহায়তার যোগ্য";
        Declined => "declined", "Assessed: does not qualify", "যাচাইকৃত: সহায়তার যোগ্য নয়";
        Closed => "closed", "Closed", "বন্ধ";
    }
);

code_list!(
    /// A kind of aid given to a patient.
    AidKind {
        Medicine => "medicine", "Medicine", "ওষুধ";
        DiagnosticTest => "diagnostic_test", "Diagnostic tests", "রোগ নির্ণয় পরীক্ষা";
        AssistiveDevice => "assistive_device", "Assistive device (wheelchair, crutches, ...)", "সহায়ক উপকরণ (হুইলচেয়ার, ক্রাচ, ...)";
        Blood => "blood", "Blood", "রক্ত";
        Surgery => "surgery", "Surgery costs", "অস্ত্রোপচারের খরচ";
        BurnTreatment => "burn_treatment", "Burn treatment", "দগ্ধ রোগীর চিকিৎসা";
        Food => "food", "Food", "খাদ্য";
        Clothing => "clothing", "Clothing", "পোশাক";
        Transport => "transport", "Transport home", "বাড়ি ফেরার যাতায়াত";
        Cash => "cash", "Cash", "নগদ অর্থ";
        Other => "other", "Other", "অন্যান্য";
    }
);

fn refusal(rule: &'static str, class: RuleClass, en: &'static str, bn: &'static str) -> RuleRefusal {
    RuleRefusal { rule, class, label: Label::new(en, bn) }
}

/// `hospital.assess_once`: a request is assessed once, while it is open.
pub fn may_assess(status: PatientStatus) -> Result<(), RuleRefusal> {
    if status == PatientStatus::Requested {
        Ok(())
    } else {
        Err(refusal(
            "hospital.assess_once",
            RuleClass::Conflict,
            "The request is already assessed or closed",
            "আবেদনটি ইতিমধ্যে যাচাই বা বন্ধ করা হয়েছে",
        ))
    }
}

/// One item of aid as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AidItem {
    pub kind: AidKind,
    pub amount_taka: i64,
}

/// The most one patient record may receive, in taka, without a new request.
pub const AID_LIMIT_TAKA: i64 = 200_000;

/// The rules of aid:
/// - `hospital.assessed_first`: aid is given after an assessment found the patient qualifies,
///   and not after the record is closed;
/// - `hospital.burn_only`: burn treatment is for burn victims;
/// - `hospital.aid_items`: at least one item, each with a positive amount;
/// - `hospital.aid_limit`: a record's aid stays within [`AID_LIMIT_TAKA`];
/// - `hospital.aid_date`: given on or after the request, not in the future.
pub fn check_aid(
    status: PatientStatus,
    burn_victim: bool,
    (requested_on, given_on, today): (NaiveDate, NaiveDate, NaiveDate),
    given_before_taka: i64,
    items: &[AidItem],
) -> Result<i64, RuleRefusal> {
    if status != PatientStatus::Eligible {
        return Err(refusal(
            "hospital.assessed_first",
            RuleClass::Conflict,
            "Aid is given after an assessment found the patient qualifies, while the record is open",
            "যাচাইয়ে যোগ্য প্রমাণিত হওয়ার পরে, রেকর্ড খোলা থাকা অবস্থায় সহায়তা দেওয়া হয়",
        ));
    }
    if items.is_empty() || items.iter().any(|i| i.amount_taka <= 0) {
        return Err(refusal(
            "hospital.aid_items",
            RuleClass::Invalid,
            "Give at least one item of aid, each with a positive amount",
            "অন্তত একটি সহায়তার বিবরণ দিন, প্রতিটির পরিমাণ শূন্যের বেশি",
        ));
    }
    if !burn_victim && items.iter().any(|i| i.kind == AidKind::BurnTreatment) {
        return Err(refusal(
            "hospital.burn_only",
            RuleClass::Invalid,
            "Burn treatment is given to burn victims",
            "দগ্ধ রোগীর চিকিৎসা শুধু দগ্ধ রোগীদের জন্য",
        ));
    }
    if given_on < requested_on || given_on > today {
        return Err(refusal(
            "hospital.aid_date",
            RuleClass::Invalid,
            "Aid is given on or after the request and not in the future",
            "সহায়তা আবেদনের দিন বা পরে দেওয়া হয়, ভবিষ্যতে নয়",
        ));
    }
    let total: i64 = items.iter().map(|i| i.amount_taka).sum();
    if given_before_taka.saturating_add(total) > AID_LIMIT_TAKA {
        return Err(refusal(
            "hospital.aid_limit",
            RuleClass::Conflict,
            "This would take the patient's aid past Tk 2,00,000; open a new request",
            "এতে রোগীর সহায়তা ২,০০,০০০ টাকা ছাড়িয়ে যাবে; নতুন আবেদন করুন",
        ));
    }
    Ok(total)
}

/// `hospital.rehabilitation`: a burn victim who was given aid may be referred for a
/// rehabilitation loan, once.
pub fn may_refer_for_rehabilitation(burn_victim: bool, aided: bool, already: bool) -> Result<(), RuleRefusal> {
    if burn_victim && aided && !already {
        Ok(())
    } else {
        Err(refusal(
            "hospital.rehabilitation",
            RuleClass::Conflict,
            "A burn victim who was given aid is referred for a rehabilitation loan, once",
            "সহায়তাপ্রাপ্ত দগ্ধ রোগীকে একবার পুনর্বাসন ঋণের জন্য প্রেরণ করা যায়",
        ))
    }
}

/// `hospital.before_birth`: a patient's request is not dated before the patient's birth.
pub const REQUESTED_BEFORE_BIRTH: RuleRefusal = RuleRefusal::invalid(
    "hospital.before_birth",
    "The request is dated before the patient's birth",
    "আবেদনের তারিখ রোগীর জন্মের আগের",
);

/// `hospital.household_income`: the household's monthly income an assessment records is Tk 0
/// to Tk 10,00,00,000.
pub const HOUSEHOLD_INCOME: crate::rule::AmountBound = crate::rule::AmountBound::new(
    "hospital.household_income",
    (0, 100_000_000),
    "The household income is from Tk 0 to Tk 10,00,00,000",
    "পরিবারের আয় ০ থেকে ১০,০০,০০,০০০ টাকা",
);

/// A closed record takes no further step.
pub const REQUEST_CLOSED: RuleRefusal =
    RuleRefusal::conflict("hospital.request_closed", "The record is already closed", "নথিটি ইতিমধ্যে বন্ধ করা হয়েছে");

/// Requests are taken only where a hospital social services office works.
pub const NOT_A_HOSPITAL_OFFICE: RuleRefusal = RuleRefusal::conflict(
    "hospital.not_a_hospital_office",
    "Patients' requests are taken at hospital social services offices",
    "রোগীর আবেদন কেবল হাসপাতাল সমাজসেবা কার্যালয়ে গ্রহণ করা হয়",
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
    }

    #[test]
    fn aid_follows_an_assessment_and_keeps_to_its_kinds_dates_and_limit() {
        let med = AidItem { kind: AidKind::Medicine, amount_taka: 1500 };
        let burn = AidItem { kind: AidKind::BurnTreatment, amount_taka: 20_000 };
        let dates = (d(1), d(3), d(5));
        assert_eq!(check_aid(PatientStatus::Eligible, false, dates, 0, &[med]), Ok(1500));
        assert_eq!(check_aid(PatientStatus::Requested, false, dates, 0, &[med]).unwrap_err().rule, "hospital.assessed_first");
        assert_eq!(check_aid(PatientStatus::Closed, false, dates, 0, &[med]).unwrap_err().rule, "hospital.assessed_first");
        assert_eq!(check_aid(PatientStatus::Eligible, false, dates, 0, &[burn]).unwrap_err().rule, "hospital.burn_only");
        assert_eq!(check_aid(PatientStatus::Eligible, true, dates, 0, &[burn, med]), Ok(21_500));
        assert_eq!(check_aid(PatientStatus::Eligible, false, dates, 0, &[]).unwrap_err().rule, "hospital.aid_items");
        assert_eq!(
            check_aid(PatientStatus::Eligible, false, (d(4), d(3), d(5)), 0, &[med]).unwrap_err().rule,
            "hospital.aid_date"
        );
        assert_eq!(
            check_aid(PatientStatus::Eligible, false, (d(1), d(6), d(5)), 0, &[med]).unwrap_err().rule,
            "hospital.aid_date"
        );
        assert_eq!(check_aid(PatientStatus::Eligible, false, dates, 199_000, &[med]).unwrap_err().rule, "hospital.aid_limit");
        assert!(may_assess(PatientStatus::Requested).is_ok());
        assert_eq!(may_assess(PatientStatus::Eligible).unwrap_err().rule, "hospital.assess_once");
        assert!(may_refer_for_rehabilitation(true, true, false).is_ok());
        assert!(may_refer_for_rehabilitation(false, true, false).is_err());
        assert!(may_refer_for_rehabilitation(true, false, false).is_err());
        assert!(may_refer_for_rehabilitation(true, true, true).is_err());
    }

    proptest! {
        /// Whatever is given, a record's accepted aid never passes the limit, and burn treatment
        /// reaches only burn victims.
        #[test]
        fn accepted_aid_keeps_the_limit(amounts in proptest::collection::vec(-10i64..80_000, 0..8), burn_victim: bool, kind in 0..AidKind::ALL.len()) {
            let mut given = 0i64;
            for a in amounts {
                let item = AidItem { kind: AidKind::ALL[kind], amount_taka: a };
                if let Ok(total) = check_aid(PatientStatus::Eligible, burn_victim, (d(1), d(2), d(3)), given, &[item]) {
                    given += total;
                    prop_assert!(burn_victim || item.kind != AidKind::BurnTreatment);
                }
                prop_assert!(given <= AID_LIMIT_TAKA);
            }
        }
    }
}
