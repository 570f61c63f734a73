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
    }
);
