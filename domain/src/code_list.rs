//! The one way a code list is declared, so every list has the same shape: `ALL`, `code`,
//! `parse`, `label` (English and Bangla) and the stored-text mapping (`text_code!`).

/// Declares a code list: an enum with its codes, `ALL`, `code`, `parse`, `label`, serde as the
/// code, and the stored-text mapping.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $en:literal, $bn:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        // On the wire and in stored JSON a value is its code, exactly (not a serde renaming
        // that could drift from it: `Over90` would be `over90`).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&code).ok_or_else(|| serde::de::Error::unknown_variant(&code, &[$($code),+]))
            }
        }

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
