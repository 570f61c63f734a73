//! Documents on records: the court order a safe-home resident was sent with, birth
//! certificates, medical reports, committee minutes, photos. A document belongs to one record
//! (its owner: a case, a person, a contact, ...), is never overwritten, and is withdrawn (with
//! its reason) rather than deleted. The bytes live in the document store, encrypted; what is
//! decided here is what may be stored and who may see what.

use chrono::NaiveDate;

use crate::code_list::code_list;
use crate::rule::RuleRefusal;
use crate::time::{check_day, DayRefusal};

code_list!(
    /// What a document is.
    DocumentKind {
        CourtOrder => "court_order", "Court order", "আদালতের আদেশ";
        BirthCertificate => "birth_certificate", "Birth certificate", "জন্ম সনদ";
        NationalId => "national_id", "National identity card", "জাতীয় পরিচয়পত্র";
        MedicalReport => "medical_report", "Medical report", "চিকিৎসা প্রতিবেদন";
        CommitteeMinutes => "committee_minutes", "Committee minutes", "কমিটির সভার কার্যবিবরণী";
        Photo => "photo", "Photograph", "ছবি";
        Application => "application", "Application form", "আবেদনপত্র";
        Other => "other", "Other document", "অন্যান্য নথি";
    }
);

code_list!(
    /// The kind of record a document belongs to. A new owner (a grievance, a change request)
    /// is one variant here and one arm where the API authorises it.
    OwnerKind {
        Case => "case", "Case", "কেস";
        Person => "person", "Person", "ব্যক্তি";
        Contact => "contact", "Helpline or outreach contact", "হেল্পলাইন বা আউটরিচ যোগাযোগ";
        Supervision => "supervision", "Probation, diversion or after-care supervision", "প্রবেশন, ডাইভারশন বা আফটার-কেয়ার তত্ত্বাবধান";
        HospitalPatient => "hospital_patient", "Hospital patient's request", "হাসপাতালের রোগীর আবেদন";
        VoluntaryOrganisation => "voluntary_organisation", "Voluntary organisation's application", "স্বেচ্ছাসেবী সংস্থার আবেদন";
        Loan => "loan", "Microcredit application", "ক্ষুদ্রঋণ আবেদন";
    }
);

code_list!(
    /// The file types a document may be, recognised from the file's own bytes (never its
    /// name or the type the sender declares).
    MediaType {
        Pdf => "application/pdf", "PDF document", "পিডিএফ নথি";
        Jpeg => "image/jpeg", "JPEG image", "জেপিইজি ছবি";
        Png => "image/png", "PNG image", "পিএনজি ছবি";
        Tiff => "image/tiff", "TIFF image", "টিআইএফএফ ছবি";
        Webp => "image/webp", "WebP image", "ওয়েবপি ছবি";
    }
);

impl MediaType {
    /// The file name extension a download is offered with.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Tiff => "tif",
            MediaType::Webp => "webp",
        }
    }
}

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest withdrawal reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// A document's title: trimmed, 1 to 200 characters, no control characters.
pub fn parse_title(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("is required");
    }
    if t.chars().count() > TITLE_MAX_CHARS {
        return Err("must be at most 200 characters");
    }
    if t.chars().any(char::is_control) {
        return Err("must not hold control characters");
    }
    Ok(t.to_owned())
}

/// A withdrawal's reason: trimmed, 1 to 500 characters.
pub fn parse_reason(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("is required");
    }
    if t.chars().count() > REASON_MAX_CHARS {
        return Err("must be at most 500 characters");
    }
    Ok(t.to_owned())
}

/// The date on the paper: not in the future (the one day rule).
pub fn check_dated_on(dated_on: NaiveDate, today: NaiveDate) -> Result<(), DayRefusal> {
    check_day(dated_on, None, today)
}

/// The declared type of the uploaded part, if any, must agree with what the bytes are.
/// `application/octet-stream` (or nothing) declares nothing. Parameters (`; charset=`) and
/// case are ignored; `image/jpg` is read as JPEG.
pub fn declared_type_agrees(declared: Option<&str>, found: MediaType) -> bool {
    let Some(declared) = declared else { return true };
    let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "" | "application/octet-stream" => true,
        "image/jpg" | "image/pjpeg" => found == MediaType::Jpeg,
        "image/tif" => found == MediaType::Tiff,
        other => other == found.code(),
    }
}

/// Whether a document's title and bytes need `ReadSensitiveCaseDetails` besides the owner's
/// read permission: a court order or a medical report on a safe-home case (they name the
/// home, the court, the injuries).
pub fn is_sensitive(kind: DocumentKind, on_safe_home_case: bool) -> bool {
    on_safe_home_case && matches!(kind, DocumentKind::CourtOrder | DocumentKind::MedicalReport)
}

/// `document.withdrawn`: a withdrawn document is withdrawn once, and its bytes are no longer
/// given out (they stay in the store and in backups, for the history).
pub const WITHDRAWN: RuleRefusal =
    RuleRefusal::conflict("document.withdrawn", "The document has been withdrawn", "নথিটি প্রত্যাহার করা হয়েছে");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_reasons() {
        assert_eq!(parse_title("  Court order 12/2026 ").unwrap(), "Court order 12/2026");
        assert!(parse_title("   ").is_err());
        assert!(parse_title(&"আ".repeat(200)).is_ok(), "counted in characters, not bytes");
        assert!(parse_title(&"আ".repeat(201)).is_err());
        assert!(parse_title("a\u{0}b").is_err());
        assert!(parse_reason("").is_err());
        assert!(parse_reason("uploaded to the wrong case").is_ok());
        assert!(parse_reason(&"x".repeat(501)).is_err());
    }

    #[test]
    fn dates_and_declared_types() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert!(check_dated_on(today, today).is_ok());
        assert_eq!(check_dated_on(today.succ_opt().unwrap(), today), Err(DayRefusal::Future));
        assert!(declared_type_agrees(None, MediaType::Png));
        assert!(declared_type_agrees(Some("application/octet-stream"), MediaType::Pdf));
        assert!(declared_type_agrees(Some("IMAGE/PNG; x=y"), MediaType::Png));
        assert!(declared_type_agrees(Some("image/jpg"), MediaType::Jpeg));
        assert!(!declared_type_agrees(Some("image/png"), MediaType::Pdf));
        assert!(!declared_type_agrees(Some("text/plain"), MediaType::Pdf));
    }

    #[test]
    fn only_court_orders_and_medical_reports_of_safe_homes_are_sensitive() {
        assert!(is_sensitive(DocumentKind::CourtOrder, true));
        assert!(is_sensitive(DocumentKind::MedicalReport, true));
        assert!(!is_sensitive(DocumentKind::CourtOrder, false));
        assert!(!is_sensitive(DocumentKind::Photo, true));
        for m in MediaType::ALL {
            assert_eq!(MediaType::parse(m.code()), Some(*m));
            assert!(!m.extension().is_empty());
        }
    }
}
