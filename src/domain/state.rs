//! States stored as one word: the same word in the database, the API and the front end.
//!
//! Each state enum of the domain (`ProjectStatus`, `MeetingStatus`, `PartnershipStatus`, …)
//! implements [`TextState`] and converts from and to `String`, which is how the rows
//! (`db::models`) map it to a `text` column (`#[diesel(deserialize_as = String, serialize_as =
//! String)]`): rows carry the enum, and an unknown word in the database is an error rather
//! than a silent default.

/// A state written as one lowercase word.
pub trait TextState: Sized + Copy + Eq + 'static {
    /// Every state, in a stable order.
    const ALL: &'static [Self];

    fn as_str(self) -> &'static str;

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}

/// A word that is no state of its kind (a row written by something else than Amont).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not a {kind}")]
pub struct UnknownState {
    pub kind: &'static str,
    pub word: String,
}

/// Declares a state enum: its variants and their words, with serde and JSON Schema attached.
macro_rules! text_state {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "lowercase")]
        $(#[$meta])*
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $crate::domain::state::TextState for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }
        }

        impl $name {
            pub const ALL: &'static [Self] = <Self as $crate::domain::state::TextState>::ALL;

            pub fn as_str(self) -> &'static str {
                $crate::domain::state::TextState::as_str(self)
            }

            pub fn parse(text: &str) -> Option<Self> {
                <Self as $crate::domain::state::TextState>::parse(text)
            }

            /// The words of `states`, for a query's `IN (…)`.
            pub fn words(states: &[Self]) -> Vec<&'static str> {
                states.iter().map(|s| s.as_str()).collect()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::state::UnknownState;
            fn try_from(word: String) -> Result<Self, Self::Error> {
                Self::parse(&word).ok_or($crate::domain::state::UnknownState {
                    kind: stringify!($name),
                    word,
                })
            }
        }

        impl From<$name> for String {
            fn from(state: $name) -> String {
                state.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_state;
