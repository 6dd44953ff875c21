//! The indicator catalogue and values, read from PostGIS into one immutable snapshot per data version.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::{PgPool, Row};

use crate::significance::{ConfidenceLevel, Significance};

// `Lang` lives in `lang.rs` (the catalogue's `mod.rs` needs it and this file needs
// `mod.rs`); callers keep naming it `catalog::indicators::Lang`.
pub use super::lang::Lang;

/// A geography level that indicator values exist for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// All of Wales.
    Wales,
    /// A local health board.
    HealthBoard,
    /// A primary care cluster.
    Cluster,
    /// A 2011 LSOA (the WIMD indicators, and LSOA-level tables a user loads).
    Lsoa,
}

impl AreaLevel {
    /// Every level, top first.
    pub const ALL: [AreaLevel; 4] = [
        AreaLevel::Wales,
        AreaLevel::HealthBoard,
        AreaLevel::Cluster,
        AreaLevel::Lsoa,
    ];

    /// The stored form (`wales`, `health_board`, `cluster`).
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::Wales => "wales",
            AreaLevel::HealthBoard => "health_board",
            AreaLevel::Cluster => "cluster",
            AreaLevel::Lsoa => "lsoa",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<AreaLevel> {
        AreaLevel::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

impl std::fmt::Display for AreaLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Units an indicator may have.
pub const UNITS: [&str; 4] = ["%", "per 1,000", "per 100,000", "count"];

/// Whether higher values are worse, better, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// Higher is worse (e.g. deprivation).
    HigherIsWorse,
    /// Higher is better.
    HigherIsBetter,
    /// No judgement (e.g. recorded prevalence).
    Neutral,
}

impl Polarity {
    /// Every polarity.
    pub const ALL: [Polarity; 3] = [
        Polarity::HigherIsWorse,
        Polarity::HigherIsBetter,
        Polarity::Neutral,
    ];

    /// The stored form (`higher_is_worse`, `higher_is_better`, `neutral`).
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::HigherIsWorse => "higher_is_worse",
            Polarity::HigherIsBetter => "higher_is_better",
            Polarity::Neutral => "neutral",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Polarity> {
        Polarity::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What kind of value an indicator has, which decides how its intervals are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A percentage: Wilson score intervals from numerator and denominator.
    Proportion,
    /// A crude rate per 1,000 or per 100,000: Byar's interval, or exact Poisson when the
    /// count is under 10 (as PHEindicatormethods' `phe_rate`), from count and population.
    CrudeRate,
    /// A directly standardised rate: value and interval as published.
    Dsr,
    /// Any value published with its own interval, taken as given.
    Supplied,
}

impl ValueType {
    /// Every type.
    pub const ALL: [ValueType; 4] = [
        ValueType::Proportion,
        ValueType::CrudeRate,
        ValueType::Dsr,
        ValueType::Supplied,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Proportion => "proportion",
            ValueType::CrudeRate => "crude_rate",
            ValueType::Dsr => "dsr",
            ValueType::Supplied => "supplied",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<ValueType> {
        ValueType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The default for a unit, which keeps catalogues without a `value_type` column
    /// working as before: Wilson for percentages, supplied intervals otherwise.
    pub fn default_for(unit: &str) -> ValueType {
        if unit == "%" {
            ValueType::Proportion
        } else {
            ValueType::Supplied
        }
    }
}

/// What an indicator describes: health (a disease register, a rate of illness or death),
/// or the context health is read against (who lives in the area: its population, age
/// structure and deprivation). The summary tallies and names the two apart, so that "higher
/// than Wales on 10 of 12 health indicators" never counts the share of children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// A health indicator (the default).
    #[default]
    Health,
    /// Demographic or deprivation context.
    Context,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 2] = [Topic::Health, Topic::Context];

    /// The stored form (`health`, `context`).
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Health => "health",
            Topic::Context => "context",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why an indicator's areas are not tested, when the catalogue knows. Each reason has its
/// words in one place ([`UntestedReason::short`], [`UntestedReason::because`],
/// [`UntestedReason::sentence`]), so the legend, findings, summary, spine and trend charts say
/// the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UntestedReason {
    /// No counts or intervals are published.
    NoCounts,
    /// A register whose denominator (an age-restricted population) is not published, so
    /// its counts cannot be recovered from the prevalence.
    AgeRestricted,
    /// A complete count of a clustered attribute (everyone, or every LSOA, in whole LSOAs
    /// that are in a class or not): nothing was sampled, so there is no sampling error for an
    /// interval to describe, and a test against a benchmark would call almost every
    /// difference "significant".
    CompleteCount,
    /// A count (of residents), not a rate or a share: there is nothing to test.
    IsCount,
    /// A mean of published LSOA rates weighted by population, with no counts.
    WeightedByPopulation,
    /// A mean of published LSOA rates weighted by live births, with no counts.
    WeightedByBirths,
}

impl UntestedReason {
    /// Every reason.
    pub const ALL: [UntestedReason; 6] = [
        UntestedReason::NoCounts,
        UntestedReason::AgeRestricted,
        UntestedReason::CompleteCount,
        UntestedReason::IsCount,
        UntestedReason::WeightedByPopulation,
        UntestedReason::WeightedByBirths,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            UntestedReason::NoCounts => "no_counts",
            UntestedReason::AgeRestricted => "age_restricted",
            UntestedReason::CompleteCount => "complete_count",
            UntestedReason::IsCount => "is_count",
            UntestedReason::WeightedByPopulation => "weighted_by_population",
            UntestedReason::WeightedByBirths => "weighted_by_births",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<UntestedReason> {
        UntestedReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The reason as a short phrase, as in a legend's "Not tested (…)".
    pub fn short(self, lang: Lang) -> &'static str {
        match self {
            UntestedReason::NoCounts => lang.pick(
                "no counts are published",
                "dim cyfrifon wedi'u cyhoeddi",
            ),
            UntestedReason::AgeRestricted => lang.pick(
                "no denominator is published for this age-restricted register",
                "dim enwadur wedi'i gyhoeddi ar gyfer y gofrestr hon, sydd wedi'i chyfyngu yn ôl oedran",
            ),
            UntestedReason::CompleteCount => lang.pick(
                "a complete count, not a sample: there is no sampling error to test",
                "cyfrif cyflawn, nid sampl: does dim gwall samplu i'w brofi",
            ),
            UntestedReason::IsCount => lang.pick(
                "a count of residents, not a rate or a share",
                "cyfrif o drigolion, nid cyfradd na chyfran",
            ),
            UntestedReason::WeightedByPopulation => lang.pick(
                "a mean of published LSOA rates weighted by population, with no counts",
                "cymedr o gyfraddau ACEHI cyhoeddedig wedi'u pwysoli yn ôl poblogaeth, heb gyfrifon",
            ),
            UntestedReason::WeightedByBirths => lang.pick(
                "a mean of published LSOA rates weighted by live births, with no counts",
                "cymedr o gyfraddau ACEHI cyhoeddedig wedi'u pwysoli yn ôl genedigaethau byw, heb gyfrifon",
            ),
        }
    }

    /// The reason as a clause that follows "because" (English) or "gan" (Welsh, which takes
    /// "nad oes" or "ei fod" rather than "fod nid oes"): "…, because {clause}." /
    /// "…, gan {clause}."
    pub fn because(self, lang: Lang) -> &'static str {
        match self {
            UntestedReason::NoCounts => lang.pick(
                "no counts are published",
                "nad oes cyfrifon wedi'u cyhoeddi",
            ),
            UntestedReason::AgeRestricted => lang.pick(
                "no denominator is published for this age-restricted register",
                "nad oes enwadur wedi'i gyhoeddi ar gyfer y gofrestr hon, sydd wedi'i chyfyngu yn ôl oedran",
            ),
            UntestedReason::CompleteCount => lang.pick(
                "it is a complete count of whole areas, not a sample, so there is no sampling error to test",
                "ei fod yn gyfrif cyflawn o ardaloedd cyfan, nid sampl, felly nid oes gwall samplu i'w brofi",
            ),
            UntestedReason::IsCount => lang.pick(
                "it is a count of residents, not a rate or a share",
                "ei fod yn gyfrif o drigolion, nid cyfradd na chyfran",
            ),
            UntestedReason::WeightedByPopulation => lang.pick(
                "it is a mean of published LSOA rates weighted by population, and no counts are published",
                "ei fod yn gymedr o gyfraddau ACEHI cyhoeddedig wedi'u pwysoli yn ôl poblogaeth, ac nad oes cyfrifon wedi'u cyhoeddi",
            ),
            UntestedReason::WeightedByBirths => lang.pick(
                "it is a mean of published LSOA rates weighted by live births, and no counts are published",
                "ei fod yn gymedr o gyfraddau ACEHI cyhoeddedig wedi'u pwysoli yn ôl genedigaethau byw, ac nad oes cyfrifon wedi'u cyhoeddi",
            ),
        }
    }

    /// The reason as a sentence for a table row or chart: "Not tested: …".
    pub fn sentence(self, lang: Lang) -> String {
        match lang {
            Lang::En => format!("Not tested: {}.", self.short(lang)),
            Lang::Cy => format!("Heb ei brofi: {}.", self.short(lang)),
        }
    }
}

/// One indicator's metadata: what the loader reads from a catalogue CSV, what
/// `atlas.indicator` stores, and what the server lists. The one indicator model.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorMeta {
    /// Stable slug.
    pub id: String,
    /// English title.
    pub title_en: String,
    /// Welsh title; where none is published, a draft translation
    /// ([`super::draft_cy`], marked for review) or else the English one.
    pub title_cy: String,
    /// Whether no Welsh title is published (`title_cy` is then a draft or the English title).
    pub title_cy_fallback: bool,
    /// English description.
    pub description_en: String,
    /// Welsh description, or the English one.
    pub description_cy: String,
    /// Whether `description_cy` is the English fallback.
    pub description_cy_fallback: bool,
    /// Unit: one of [`UNITS`].
    pub unit: String,
    /// Polarity.
    pub polarity: Polarity,
    /// Source.
    pub source: String,
    /// Licence.
    pub licence: String,
    /// How its intervals are made.
    pub value_type: ValueType,
    /// Why it is not tested, when known.
    pub untested_reason: Option<UntestedReason>,
    /// Health indicator or demographic/deprivation context.
    pub topic: Topic,
}

impl IndicatorMeta {
    /// Whether `title_cy` is a draft translation awaiting review (no published title).
    pub fn title_cy_is_draft(&self) -> bool {
        self.title_cy_fallback && self.title_cy != self.title_en
    }

    /// The title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.title_en,
            Lang::Cy => &self.title_cy,
        }
    }
}

/// An indicator as loaded: its metadata, with the periods and levels it has values for.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// The metadata (its fields are the indicator's: `indicator.id`, `indicator.unit`, …).
    #[serde(flatten)]
    pub meta: IndicatorMeta,
    /// Periods with values, oldest first; the last is the default.
    pub periods: Vec<String>,
    /// Levels with values.
    pub levels: Vec<AreaLevel>,
}

// An indicator *is* its metadata plus what was loaded for it; reading `indicator.title_en`
// rather than `indicator.meta.title_en` keeps every caller short.
impl std::ops::Deref for Indicator {
    type Target = IndicatorMeta;

    fn deref(&self) -> &IndicatorMeta {
        &self.meta
    }
}

impl Indicator {
    /// The level a map of this indicator colours: LSOAs when it has LSOA values (the WIMD
    /// indicators), else clusters.
    pub fn map_level(&self) -> AreaLevel {
        if self.levels.contains(&AreaLevel::Lsoa) {
            AreaLevel::Lsoa
        } else {
            AreaLevel::Cluster
        }
    }

    /// The tile layer a map of this indicator colours.
    pub fn map_layer(&self) -> super::LayerId {
        match self.map_level() {
            AreaLevel::Lsoa => super::LayerId::Lsoa,
            _ => super::LayerId::Clusters,
        }
    }

    /// Why this indicator is never tested, when it is not: the catalogue's reason, or for an
    /// indicator that has no interval anywhere, what its values are (LSOA-level indicators
    /// are weighted means of published rates; others have no counts). `None` for an
    /// indicator whose areas carry intervals.
    pub fn never_tested(&self, values: &[AreaValue]) -> Option<UntestedReason> {
        if let Some(reason) = self.untested_reason {
            return Some(reason);
        }
        if values
            .iter()
            .any(|v| v.lower_ci.is_some() || v.at_998.lower_ci.is_some())
        {
            return None;
        }
        Some(if self.levels.contains(&AreaLevel::Lsoa) {
            UntestedReason::WeightedByPopulation
        } else {
            UntestedReason::NoCounts
        })
    }

    /// The newest period.
    pub fn latest_period(&self) -> &str {
        self.periods.last().map_or("", String::as_str)
    }
}

/// One area's value for one indicator and period.
#[derive(Debug, Clone, Serialize)]
pub struct AreaValue {
    /// AreaLevel.
    pub level: AreaLevel,
    /// Area code.
    pub code: String,
    /// The value.
    pub value: f64,
    /// Numerator, when published.
    pub numerator: Option<f64>,
    /// Denominator, when published.
    pub denominator: Option<f64>,
    /// Lower limit at the level of [`AreaValue::level_in_use`] (95% as loaded).
    pub lower_ci: Option<f64>,
    /// Upper limit at that level.
    pub upper_ci: Option<f64>,
    /// Compared with Wales, at that level.
    pub sig_vs_wales: Significance,
    /// Compared with the cluster's health board (clusters only), at that level.
    pub sig_vs_hb: Significance,
    /// The 99.8% interval and flags, which [`IndicatorCatalog::values_at`] swaps in.
    #[serde(skip)]
    pub at_998: LevelInterval,
    /// The confidence level the interval fields hold.
    #[serde(skip)]
    pub level_in_use: ConfidenceLevel,
}

/// An interval and its flags at one confidence level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelInterval {
    /// Lower limit.
    pub lower_ci: Option<f64>,
    /// Upper limit.
    pub upper_ci: Option<f64>,
    /// Compared with Wales.
    pub sig_vs_wales: Significance,
    /// Compared with the cluster's health board.
    pub sig_vs_hb: Significance,
}

impl Default for LevelInterval {
    fn default() -> LevelInterval {
        LevelInterval {
            lower_ci: None,
            upper_ci: None,
            sig_vs_wales: Significance::NotTested,
            sig_vs_hb: Significance::NotTested,
        }
    }
}

impl AreaValue {
    /// The value with its interval and flags at `level`.
    pub fn at(&self, level: ConfidenceLevel) -> AreaValue {
        let mut v = self.clone();
        if level != v.level_in_use {
            let current = LevelInterval {
                lower_ci: v.lower_ci,
                upper_ci: v.upper_ci,
                sig_vs_wales: v.sig_vs_wales,
                sig_vs_hb: v.sig_vs_hb,
            };
            let other = v.at_998;
            v.lower_ci = other.lower_ci;
            v.upper_ci = other.upper_ci;
            v.sig_vs_wales = other.sig_vs_wales;
            v.sig_vs_hb = other.sig_vs_hb;
            // The swapped-out level is kept, so `at` can go back.
            v.at_998 = current;
            v.level_in_use = level;
        }
        v
    }
}

/// An area's names and parent.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    /// AreaLevel.
    pub level: AreaLevel,
    /// Code.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Welsh name, or the English one.
    pub name_cy: String,
    /// Whether `name_cy` is the English fallback.
    pub name_cy_fallback: bool,
    /// Health board (clusters and boards).
    pub hb_code: Option<String>,
}

impl Area {
    /// The name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_en, &self.name_cy)
    }
}

/// Every indicator, value and area name of one data version.
#[derive(Debug, Default)]
pub struct IndicatorCatalog {
    /// Indicators in catalogue order.
    pub indicators: Vec<Indicator>,
    /// Values by (indicator, period).
    pub values: HashMap<(String, String), Vec<AreaValue>>,
    /// Areas by code: Wales, boards and clusters.
    pub areas: BTreeMap<String, Area>,
    /// The LSOA vintage (2011 or 2021) each (indicator, period) was built from, where it was
    /// built from LSOAs: a change between periods on different vintages is not tested.
    pub lsoa_vintages: HashMap<(String, String), i16>,
}

impl IndicatorCatalog {
    /// Every period of any indicator, sorted, each once.
    pub fn all_periods(&self) -> Vec<String> {
        let mut periods: Vec<String> = self
            .indicators
            .iter()
            .flat_map(|i| i.periods.iter().cloned())
            .collect();
        periods.sort();
        periods.dedup();
        periods
    }

    /// Reads the catalogue, all from one consistent snapshot of the database.
    pub async fn load(pool: &PgPool) -> Result<IndicatorCatalog, sqlx::Error> {
        let mut tx = crate::db::begin_consistent_read(pool).await?;
        let catalog = IndicatorCatalog::read(&mut tx).await?;
        tx.commit().await?;
        Ok(catalog)
    }

    /// Reads the catalogue on a connection (inside the caller's transaction, when the caller
    /// needs it consistent with other reads).
    pub async fn read(conn: &mut sqlx::PgConnection) -> Result<IndicatorCatalog, sqlx::Error> {
        let mut catalog = IndicatorCatalog::default();
        let rows = sqlx::query(
            "select i.*, \
               coalesce((select array_agg(distinct period order by period) from atlas.indicator_value v where v.indicator_id = i.id), '{}') as periods, \
               coalesce((select array_agg(distinct level order by level) from atlas.indicator_value v where v.indicator_id = i.id), '{}') as levels \
             from atlas.indicator i order by sort_order, id",
        )
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let polarity =
                Polarity::parse(&r.try_get::<String, _>("polarity")?).unwrap_or(Polarity::Neutral);
            let levels: Vec<String> = r.try_get("levels")?;
            let meta = IndicatorMeta {
                id: r.try_get("id")?,
                title_en: r.try_get("title_en")?,
                // Where no Welsh title is published, the draft translation (marked as such).
                title_cy: match (
                    r.try_get::<bool, _>("title_cy_fallback")?,
                    super::draft_cy::draft_title_cy(r.try_get::<&str, _>("id")?),
                ) {
                    (true, Some(draft)) => draft.to_owned(),
                    _ => r.try_get("title_cy")?,
                },
                title_cy_fallback: r.try_get("title_cy_fallback")?,
                description_en: r.try_get("description_en")?,
                description_cy: r.try_get("description_cy")?,
                description_cy_fallback: r.try_get("description_cy_fallback")?,
                unit: r.try_get("unit")?,
                polarity,
                source: r.try_get("source")?,
                licence: r.try_get("licence")?,
                value_type: ValueType::parse(&r.try_get::<String, _>("value_type")?)
                    .unwrap_or(ValueType::Supplied),
                untested_reason: r
                    .try_get::<Option<String>, _>("untested_reason")?
                    .as_deref()
                    .and_then(UntestedReason::parse),
                topic: Topic::parse(&r.try_get::<String, _>("topic")?).unwrap_or_default(),
            };
            catalog.indicators.push(Indicator {
                meta,
                periods: r.try_get("periods")?,
                levels: levels.iter().filter_map(|l| AreaLevel::parse(l)).collect(),
            });
        }
        let rows = sqlx::query(
            "select indicator_id, period, level, area_code, value, numerator, denominator, lower_ci, upper_ci, \
               sig_vs_wales, sig_vs_hb, lower_ci_998, upper_ci_998, sig_vs_wales_998, sig_vs_hb_998 \
             from atlas.indicator_value order by indicator_id, period, level, area_code",
        )
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let key = (r.try_get("indicator_id")?, r.try_get("period")?);
            let flag = |s: String| Significance::parse(&s).unwrap_or(Significance::NotTested);
            catalog.values.entry(key).or_default().push(AreaValue {
                level: AreaLevel::parse(&r.try_get::<String, _>("level")?)
                    .unwrap_or(AreaLevel::Cluster),
                code: r.try_get("area_code")?,
                value: r.try_get("value")?,
                numerator: r.try_get("numerator")?,
                denominator: r.try_get("denominator")?,
                lower_ci: r.try_get("lower_ci")?,
                upper_ci: r.try_get("upper_ci")?,
                sig_vs_wales: flag(r.try_get("sig_vs_wales")?),
                sig_vs_hb: flag(r.try_get("sig_vs_hb")?),
                at_998: LevelInterval {
                    lower_ci: r.try_get("lower_ci_998")?,
                    upper_ci: r.try_get("upper_ci_998")?,
                    sig_vs_wales: flag(r.try_get("sig_vs_wales_998")?),
                    sig_vs_hb: flag(r.try_get("sig_vs_hb_998")?),
                },
                level_in_use: ConfidenceLevel::P95,
            });
        }
        let rows = sqlx::query(
            "select indicator_id, period, max(lsoa_vintage) as vintage from atlas.indicator_value \
             where lsoa_vintage is not null group by indicator_id, period",
        )
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            catalog.lsoa_vintages.insert(
                (r.try_get("indicator_id")?, r.try_get("period")?),
                r.try_get("vintage")?,
            );
        }
        let rows = sqlx::query(
            "select 'health_board' as level, code, name_en, name_cy, name_cy_fallback, code as hb_code from atlas.health_board \
             union all select 'cluster', code, name_en, name_cy, name_cy_fallback, hb_code from atlas.cluster",
        )
        .fetch_all(&mut *conn)
        .await?;
        catalog.areas.insert(
            super::WALES_CODE.to_owned(),
            Area {
                level: AreaLevel::Wales,
                code: super::WALES_CODE.to_owned(),
                name_en: "Wales".into(),
                name_cy: "Cymru".into(),
                name_cy_fallback: false,
                hb_code: None,
            },
        );
        for r in rows {
            let code: String = r.try_get("code")?;
            catalog.areas.insert(
                code.clone(),
                Area {
                    level: AreaLevel::parse(&r.try_get::<String, _>("level")?)
                        .unwrap_or(AreaLevel::Cluster),
                    code,
                    name_en: r.try_get("name_en")?,
                    name_cy: r.try_get("name_cy")?,
                    name_cy_fallback: r.try_get("name_cy_fallback")?,
                    hb_code: r.try_get("hb_code")?,
                },
            );
        }
        Ok(catalog)
    }

    /// An indicator by id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// All values of one indicator and period, with intervals and flags at `level`.
    pub fn values_at(
        &self,
        indicator: &str,
        period: &str,
        level: ConfidenceLevel,
    ) -> std::borrow::Cow<'_, [AreaValue]> {
        let values = self.values(indicator, period);
        if level == ConfidenceLevel::P95 {
            std::borrow::Cow::Borrowed(values)
        } else {
            std::borrow::Cow::Owned(values.iter().map(|v| v.at(level)).collect())
        }
    }

    /// The LSOA vintage (2011 or 2021) an indicator's period was built from, if it was.
    pub fn lsoa_vintage(&self, indicator: &str, period: &str) -> Option<i16> {
        self.lsoa_vintages
            .get(&(indicator.to_owned(), period.to_owned()))
            .copied()
    }

    /// All values of one indicator and period (empty when none), at 95%.
    pub fn values(&self, indicator: &str, period: &str) -> &[AreaValue] {
        self.values
            .get(&(indicator.to_owned(), period.to_owned()))
            .map_or(&[], Vec::as_slice)
    }
}
