//! The one way a code list is declared, so every list has the same shape: `ALL`, `code`,
//! `parse`, `label` (English and Bangla) and the stored-text mapping (`text_code!`).

/// Declares a code list: an enum with snake_case codes, `ALL`, `code`, `parse` and `label`.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $en:literal, $bn:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            pub fn label(self) -> $crate::Label {
                match self { $($name::$variant => $crate::Label::new($en, $bn)),+ }
            }
        }

        $crate::text_code!($name);
    };
}

pub(crate) use code_list;
