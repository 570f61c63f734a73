//! Where things are: Bangladesh's administrative hierarchy, division > district > upazila
//! (or city thana) > union (or ward). Access scopes and reports are expressed in it.

use serde::{Deserialize, Serialize};

macro_rules! area_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

area_id!(
    /// One of the eight divisions.
    DivisionId
);
area_id!(
    /// One of the 64 districts.
    DistrictId
);
area_id!(
    /// An upazila or a city thana.
    UpazilaId
);
area_id!(
    /// A union or an urban ward.
    UnionId
);

/// A place in the hierarchy, as deep as it is known. A deeper level implies every level above
/// it, so the constructors take the whole chain: a district without its division cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AreaPath {
    pub division: DivisionId,
    pub district: Option<DistrictId>,
    pub upazila: Option<UpazilaId>,
    pub union: Option<UnionId>,
}

impl AreaPath {
    pub fn division(division: DivisionId) -> Self {
        AreaPath { division, district: None, upazila: None, union: None }
    }

    pub fn district(division: DivisionId, district: DistrictId) -> Self {
        AreaPath { district: Some(district), ..Self::division(division) }
    }

    pub fn upazila(division: DivisionId, district: DistrictId, upazila: UpazilaId) -> Self {
        AreaPath { upazila: Some(upazila), ..Self::district(division, district) }
    }

    pub fn union(division: DivisionId, district: DistrictId, upazila: UpazilaId, union: UnionId) -> Self {
        AreaPath { union: Some(union), ..Self::upazila(division, district, upazila) }
    }
}

crate::code_list::code_list!(
    /// What stands at the upazila level: a rural upazila, a metropolitan thana of a city
    /// corporation, or a pourashava (municipality).
    UpazilaKind {
        Upazila => "upazila", "Upazila", "উপজেলা";
        CityThana => "city_thana", "Metropolitan thana", "মেট্রোপলিটন থানা";
        Pourashava => "pourashava", "Pourashava (municipality)", "পৌরসভা";
    }
);

crate::code_list::code_list!(
    /// What stands at the union level: a rural union or an urban ward.
    UnionKind {
        Union => "union", "Union", "ইউনিয়ন";
        Ward => "ward", "Ward", "ওয়ার্ড";
    }
);

/// An area is renamed or retired only while it is in service; its successor is another area
/// in service at the same level (the caller checks the level).
pub fn may_retire(retired: bool, successor_retired: bool, same: bool) -> Result<(), crate::rule::RuleRefusal> {
    use crate::rule::{RuleClass, RuleRefusal};
    if retired {
        return Err(RuleRefusal {
            rule: "area.retired",
            class: RuleClass::Conflict,
            label: crate::Label::new("The area is already retired", "এলাকাটি ইতিমধ্যে অবসরপ্রাপ্ত"),
        });
    }
    if same || successor_retired {
        return Err(RuleRefusal {
            rule: "area.successor",
            class: RuleClass::Invalid,
            label: crate::Label::new(
                "The successor must be another area in service at the same level",
                "উত্তরসূরি একই স্তরের অন্য একটি চালু এলাকা হতে হবে",
            ),
        });
    }
    Ok(())
}
