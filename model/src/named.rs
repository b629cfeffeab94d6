//! Enums whose variants have stable names, spelled the same in the API, the database and URLs.

/// Declares such an enum with `ALL`, `as_str`, `parse` and `FromStr`, written once; serde uses the same
/// (snake_case) names, which a test checks.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$variant_meta])* $variant ),+
        }

        impl $name {
            pub const ALL: [$name; 0 $(+ { let _ = $text; 1 })+] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        /// For typed URL parameters.
        impl std::str::FromStr for $name {
            type Err = $crate::named::UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text).ok_or($crate::named::UnknownName)
            }
        }
    };
}

/// A name that is none of an enum's variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not one of the known names")]
pub struct UnknownName;

pub(crate) use named_enum;

#[cfg(test)]
mod tests {
    use crate::*;

    /// Every variant's name is what serde writes and what `parse` reads back.
    fn agree<T: Copy + PartialEq + std::fmt::Debug + serde::Serialize>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for &value in all {
            assert_eq!(serde_json::to_value(value).unwrap(), as_str(value));
            assert_eq!(parse(as_str(value)), Some(value));
        }
        assert_eq!(parse("no such name"), None);
        assert_eq!(
            "no such name".parse::<SortDir>(),
            Err(crate::named::UnknownName)
        );
    }

    #[test]
    fn names_agree_with_serde_and_parse() {
        agree(&UserView::ALL, UserView::as_str, UserView::parse);
        agree(&SortField::ALL, SortField::as_str, SortField::parse);
        agree(&SortDir::ALL, SortDir::as_str, SortDir::parse);
        agree(&UserStatus::ALL, UserStatus::as_str, UserStatus::parse);
        agree(
            &AccountStatus::ALL,
            AccountStatus::as_str,
            AccountStatus::parse,
        );
        agree(&DomainState::ALL, DomainState::as_str, DomainState::parse);
        agree(&OrgRole::ALL, OrgRole::as_str, OrgRole::parse);
        agree(&AccountRole::ALL, AccountRole::as_str, AccountRole::parse);
        agree(
            &TwoFactorState::ALL,
            TwoFactorState::as_str,
            TwoFactorState::parse,
        );
        agree(&LastSignIn::ALL, LastSignIn::as_str, LastSignIn::parse);
    }
}
