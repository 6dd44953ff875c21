//! The display language (English or Welsh). A file of its own because both the catalogue's
//! `mod.rs` (descriptions, attribution) and `indicators.rs` use it, and `indicators.rs`
//! uses `mod.rs`: kept in `indicators.rs`, the two would use each other.

use serde::Serialize;

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Welsh.
    Cy,
}

impl Lang {
    /// Parses `en` or `cy`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "cy" => Some(Lang::Cy),
            _ => None,
        }
    }

    /// The code.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    /// Picks the English or Welsh text.
    pub fn pick<'a>(self, en: &'a str, cy: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Cy => cy,
        }
    }
}
