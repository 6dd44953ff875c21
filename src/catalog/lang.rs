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

    /// A population estimate's period in words: `mid-2024` stays so in English and is
    /// `canol 2024` in Welsh (as ONS's Welsh releases write it). Any other period (a
    /// financial year such as `2023-24`) reads the same in both languages.
    pub fn period(self, period: &str) -> String {
        match (self, period.strip_prefix("mid-")) {
            (Lang::Cy, Some(year)) => format!("canol {year}"),
            _ => period.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn periods_read_in_the_page_language() {
        assert_eq!(Lang::En.period("mid-2024"), "mid-2024");
        assert_eq!(Lang::Cy.period("mid-2024"), "canol 2024");
        assert_eq!(Lang::Cy.period("2023-24"), "2023-24");
    }
}
