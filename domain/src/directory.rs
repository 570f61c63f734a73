//! The service directory: the organisations a district social services office refers
//! children to (government offices, NGOs, hospitals, legal aid, schools, shelters), the
//! services each gives (the case's own service list), where, how to reach them and in which
//! languages. District officers keep it; a referral or immediate support may name an entry,
//! which must be open on the day and give that service.

use chrono::NaiveDate;

use crate::case::ServiceType;
use crate::code_list::code_list;
use crate::rule::RuleRefusal;
use crate::time::{check_day, DayRefusal};

code_list!(
    /// What kind of organisation a directory entry is.
    OrganisationKind {
        Government => "government", "Government office", "সরকারি দপ্তর";
        Ngo => "ngo", "Non-governmental organisation", "বেসরকারি সংস্থা (এনজিও)";
        Hospital => "hospital", "Hospital or clinic", "হাসপাতাল বা ক্লিনিক";
        LegalAid => "legal_aid", "Legal aid", "আইনি সহায়তা";
        School => "school", "School or training institute", "বিদ্যালয় বা প্রশিক্ষণ প্রতিষ্ঠান";
        Shelter => "shelter", "Shelter", "আশ্রয়কেন্দ্র";
        Police => "police", "Police", "পুলিশ";
        Counselling => "counselling", "Counselling centre", "কাউন্সেলিং কেন্দ্র";
        Other => "other", "Other", "অন্যান্য";
    }
);

code_list!(
    /// A language an organisation serves people in.
    Language {
        Bangla => "bn", "Bangla", "বাংলা";
        English => "en", "English", "ইংরেজি";
        BanglaSign => "bangla_sign", "Bangla Sign Language", "বাংলা ইশারা ভাষা";
        Chittagonian => "chittagonian", "Chittagonian", "চাটগাঁইয়া";
        Sylheti => "sylheti", "Sylheti", "সিলেটি";
        Rohingya => "rohingya", "Rohingya", "রোহিঙ্গা";
        Chakma => "chakma", "Chakma", "চাকমা";
        Marma => "marma", "Marma", "মারমা";
        Santali => "santali", "Santali", "সাঁওতালি";
        Urdu => "urdu", "Urdu", "উর্দু";
        Hindi => "hindi", "Hindi", "হিন্দি";
        Other => "other", "Other", "অন্যান্য";
    }
);

/// `directory.services`: an entry gives at least one service.
pub const NO_SERVICES: RuleRefusal =
    RuleRefusal::invalid("directory.services", "A directory entry gives at least one service", "তালিকাভুক্ত সংস্থা অন্তত একটি সেবা দেয়");

/// `directory.languages`: an entry serves people in at least one language.
pub const NO_LANGUAGES: RuleRefusal = RuleRefusal::invalid(
    "directory.languages",
    "A directory entry names at least one language",
    "তালিকাভুক্ত সংস্থার অন্তত একটি ভাষা উল্লেখ করতে হয়",
);

/// `directory.retired`: a retired entry is not changed or retired again.
pub const ALREADY_RETIRED: RuleRefusal =
    RuleRefusal::conflict("directory.retired", "The directory entry is retired", "তালিকার এই সংস্থাটি অবসরপ্রাপ্ত");

/// `directory.retired_on`: retirement is dated, not in the future and not before the entry was
/// listed.
pub const RETIRED_ON: RuleRefusal = RuleRefusal::invalid(
    "directory.retired_on",
    "The retirement date is in the future or before the entry was listed",
    "অবসরের তারিখ ভবিষ্যতের অথবা তালিকাভুক্তির আগের",
);

/// `directory.entry_retired`: a referral or a service names an entry retired on or before its day.
pub const ENTRY_RETIRED: RuleRefusal = RuleRefusal::conflict(
    "directory.entry_retired",
    "The directory entry was retired by that day: choose another or name the provider in text",
    "ওই দিনের মধ্যে তালিকার সংস্থাটি অবসরপ্রাপ্ত: অন্য সংস্থা বেছে নিন বা সেবাদাতার নাম লিখুন",
);

/// `directory.service_not_given`: the entry does not give the service referred to or given.
pub const SERVICE_NOT_GIVEN: RuleRefusal = RuleRefusal::invalid(
    "directory.service_not_given",
    "The directory entry does not give this service",
    "তালিকার সংস্থাটি এই সেবা দেয় না",
);

/// Services and languages as given: each once, in the list's order; neither empty.
pub fn check_lists(services: &[ServiceType], languages: &[Language]) -> Result<(Vec<ServiceType>, Vec<Language>), RuleRefusal> {
    let services: Vec<ServiceType> = ServiceType::ALL.iter().copied().filter(|s| services.contains(s)).collect();
    let languages: Vec<Language> = Language::ALL.iter().copied().filter(|l| languages.contains(l)).collect();
    if services.is_empty() {
        return Err(NO_SERVICES);
    }
    if languages.is_empty() {
        return Err(NO_LANGUAGES);
    }
    Ok((services, languages))
}

/// What a referral needs to know of the entry it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFacts {
    pub services: Vec<ServiceType>,
    pub retired_on: Option<NaiveDate>,
}

/// A referral or a service on `on` may name the entry only while it is open that day (an entry
/// retired on a day takes no one from that day on) and when it gives `service`.
pub fn check_provides(entry: &EntryFacts, service: ServiceType, on: NaiveDate) -> Result<(), RuleRefusal> {
    if entry.retired_on.is_some_and(|r| r <= on) {
        return Err(ENTRY_RETIRED);
    }
    if !entry.services.contains(&service) {
        return Err(SERVICE_NOT_GIVEN);
    }
    Ok(())
}

/// Retiring an entry listed on `listed_on`: once, dated by the one day rule.
pub fn check_retire(
    already: Option<NaiveDate>,
    listed_on: NaiveDate,
    retired_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), RuleRefusal> {
    if already.is_some() {
        return Err(ALREADY_RETIRED);
    }
    check_day(retired_on, Some(listed_on), today).map_err(|_: DayRefusal| RETIRED_ON)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn lists_are_deduplicated_and_not_empty() {
        let (s, l) = check_lists(
            &[ServiceType::Health, ServiceType::LegalAid, ServiceType::Health],
            &[Language::English, Language::Bangla, Language::Bangla],
        )
        .unwrap();
        assert_eq!(s, vec![ServiceType::LegalAid, ServiceType::Health]);
        assert_eq!(l, vec![Language::Bangla, Language::English]);
        assert_eq!(check_lists(&[], &[Language::Bangla]).unwrap_err().rule, "directory.services");
        assert_eq!(check_lists(&[ServiceType::Health], &[]).unwrap_err().rule, "directory.languages");
    }

    #[test]
    fn an_entry_takes_referrals_for_its_services_until_it_is_retired() {
        let open = EntryFacts { services: vec![ServiceType::Health], retired_on: None };
        assert!(check_provides(&open, ServiceType::Health, d(6, 1)).is_ok());
        assert_eq!(check_provides(&open, ServiceType::LegalAid, d(6, 1)).unwrap_err().rule, "directory.service_not_given");
        let retired = EntryFacts { retired_on: Some(d(6, 1)), ..open };
        assert!(check_provides(&retired, ServiceType::Health, d(5, 31)).is_ok(), "the day before");
        assert_eq!(check_provides(&retired, ServiceType::Health, d(6, 1)).unwrap_err().rule, "directory.entry_retired");
        assert_eq!(check_provides(&retired, ServiceType::Health, d(7, 1)).unwrap_err().rule, "directory.entry_retired");
    }

    /// Cases stored before the directory (and commands on their timelines) still load, with
    /// no entry named.
    #[test]
    fn stored_referrals_and_services_without_an_entry_still_load() {
        use crate::case::{Command, Referral, ServiceRecord};
        let cmd: Command = serde_json::from_value(serde_json::json!({"command": "record_referral", "service": "health",
            "to_organisation": "UHC", "referred_on": "2026-07-01"}))
        .unwrap();
        assert!(matches!(cmd, Command::RecordReferral { directory_entry_id: None, .. }));
        let referral: Referral = serde_json::from_value(serde_json::json!({"no": 1, "service": "health",
            "to_organisation": "UHC", "referred_on": "2026-07-01", "status": "made", "updated_on": "2026-07-01"}))
        .unwrap();
        assert_eq!(referral.directory_entry_id, None);
        let service: ServiceRecord = serde_json::from_value(serde_json::json!({"no": 1, "service": "health",
            "given_on": "2026-07-01", "provider": "UHC", "partner_id": null, "description": "", "item": null, "value_taka": null}))
        .unwrap();
        assert_eq!(service.directory_entry_id, None);
        // And one naming an entry keeps it, written only when there is one.
        let named = Referral { directory_entry_id: Some(crate::id::DirectoryEntryId(uuid::Uuid::nil())), ..referral.clone() };
        let back: Referral = serde_json::from_value(serde_json::to_value(&named).unwrap()).unwrap();
        assert_eq!(back, named);
        assert!(serde_json::to_value(&referral).unwrap().get("directory_entry_id").is_none());
    }

    #[test]
    fn retirement_is_once_and_dated() {
        assert!(check_retire(None, d(3, 1), d(3, 1), d(6, 1)).is_ok());
        assert_eq!(check_retire(None, d(3, 1), d(2, 28), d(6, 1)).unwrap_err().rule, "directory.retired_on");
        assert_eq!(check_retire(None, d(3, 1), d(6, 2), d(6, 1)).unwrap_err().rule, "directory.retired_on");
        assert_eq!(check_retire(Some(d(4, 1)), d(3, 1), d(5, 1), d(6, 1)).unwrap_err().rule, "directory.retired");
    }
}
