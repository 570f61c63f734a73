//! Facilities: the kinds Sheba knows and what each may take.

use crate::code_list::code_list;

code_list!(
    /// Kinds of facility.
    FacilityType {
        SafeHome => "safe_home", "Safe home", "নিরাপদ আবাসন কেন্দ্র";
        SrtrccrCentre => "srtrccr_centre", "Shelter and rehabilitation centre (SRTRCCR)", "আশ্রয় ও পুনর্বাসন কেন্দ্র (SRTRCCR)";
        DropInCentre => "drop_in_centre", "Drop-in centre", "ড্রপ-ইন সেন্টার";
        ShishuParibar => "shishu_paribar", "Government Shishu Paribar", "সরকারি শিশু পরিবার";
        ChotomoniNibash => "chotomoni_nibash", "Chotomoni Nibash", "ছোটমণি নিবাস";
        Office => "office", "Social services office", "সমাজসেবা কার্যালয়";
        NightShelter => "night_shelter", "Emergency night shelter", "জরুরি নৈশ আশ্রয়কেন্দ্র";
        ChildFriendlySpace => "child_friendly_space", "Child-friendly space", "শিশুবান্ধব কেন্দ্র";
        OpenAirSchool => "open_air_school", "Open-air school", "খোলা আকাশের নিচে স্কুল";
        HospitalSocialServices => "hospital_social_services", "Hospital social services office", "হাসপাতাল সমাজসেবা কার্যালয়";
        VagrantChildrenCentre => "vagrant_children_centre", "Training and rehabilitation centre for destitute and vagrant children", "দুঃস্থ ও ভবঘুরে শিশু প্রশিক্ষণ ও পুনর্বাসন কেন্দ্র";
        OrphanGirlsTrainingCentre => "orphan_girls_training_centre", "Vocational training and rehabilitation centre for orphan girls", "এতিম মেয়েদের কারিগরি প্রশিক্ষণ ও পুনর্বাসন কেন্দ্র";
        VisuallyImpairedSchool => "visually_impaired_school", "School for visually impaired children", "দৃষ্টি প্রতিবন্ধী বিদ্যালয়";
        DisadvantagedGirlsCentre => "disadvantaged_girls_centre", "Training and rehabilitation centre for socially disadvantaged girls", "সামাজিক প্রতিবন্ধী মেয়েদের প্রশিক্ষণ ও পুনর্বাসন কেন্দ্র";
    }
);

impl FacilityType {
    /// Points where street children are served and counted per day, not case by case.
    pub fn is_service_point(self) -> bool {
        matches!(
            self,
            FacilityType::DropInCentre
                | FacilityType::NightShelter
                | FacilityType::ChildFriendlySpace
                | FacilityType::OpenAirSchool
        )
    }
}
