//! Key findings: a short bilingual narrative per health board from the significance flags,
//! e.g. "3 of 9 clusters are significantly higher than Wales for …", and sentences that name
//! the clusters ("Arfon and Bangor are significantly lower than Wales for COPD.").

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::catalog::indicators::{AreaLevel, Indicator, Lang, Polarity};
use crate::comparison::{board_finding, words};
use crate::error::AppError;
use crate::params;
use crate::params::{Benchmark, ConfidenceLevel, Params, PathParams};

use crate::significance::Significance;
use crate::state::AppState;

crate::query_request! {
    /// `GET /findings/{indicator}`'s query.
    pub struct FindingsQuery {
        /// Language of labels: en (default) or cy
        lang: Lang = "lang",
        /// Period (default: the indicator's newest). It must be one of the indicator's own
        /// periods (listed in /indicators); another is a 400.
        period: Option<String> = "period",
        /// Confidence level of intervals and significance: 95 (default) or 99.8
        level: ConfidenceLevel = "level",
    }
}

/// Counts of clusters by flag.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FlagCounts {
    /// Significantly higher.
    pub higher: usize,
    /// Not significantly different.
    pub similar: usize,
    /// Significantly lower.
    pub lower: usize,
    /// No interval, so not tested.
    pub not_tested: usize,
}

impl FlagCounts {
    fn add(&mut self, flag: Significance) {
        match flag {
            Significance::Higher => self.higher += 1,
            Significance::Similar => self.similar += 1,
            Significance::Lower => self.lower += 1,
            Significance::NotTested => self.not_tested += 1,
        }
    }

    fn total(self) -> usize {
        self.higher + self.similar + self.lower + self.not_tested
    }
}

/// The sentence for one health board of a tested indicator. The Welsh wording avoids
/// putting a variable after a mutating word, so names and titles appear unmutated; "a"
/// becomes "ac" before a number read with a vowel ([`words::cy_and_before`]).
pub fn sentence(
    board: &str,
    indicator: &Indicator,
    vs_wales: FlagCounts,
    vs_hb: FlagCounts,
    lang: Lang,
) -> String {
    let n = vs_wales.total();
    let title = indicator.title(lang);
    match lang {
        Lang::En => format!(
            "{board}: for {title}, {} of {n} clusters {} significantly higher than Wales and {} significantly \
             lower; against the health board average, {} {} significantly higher and {} significantly lower.",
            vs_wales.higher,
            words::is_are(vs_wales.higher),
            vs_wales.lower,
            vs_hb.higher,
            words::is_are(vs_hb.higher),
            vs_hb.lower
        ),
        Lang::Cy => format!(
            "{board}: mae gan {} o'r {n} clwstwr werth sylweddol uwch na Chymru ar gyfer {title}, {} {} werth sylweddol is; \
             o'u cymharu â chyfartaledd y bwrdd iechyd, mae {} yn sylweddol uwch {} {} yn sylweddol is.",
            vs_wales.higher,
            words::cy_and_before(vs_wales.lower),
            vs_wales.lower,
            vs_hb.higher,
            words::cy_and_before(vs_hb.lower),
            vs_hb.lower
        ),
    }
}

/// What can be said of an indicator that is never tested, for one set of clusters: its
/// range, lowest and highest by name. `None` without clusters.
pub fn range_sentence(
    place: &str,
    indicator: &Indicator,
    clusters: &[(&str, f64)],
    lang: Lang,
) -> Option<String> {
    let lowest = clusters.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let highest = clusters.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    let unit = &indicator.unit;
    let title = indicator.title(lang);
    let n = clusters.len();
    let (lo, hi) = (words::value(lowest.1, unit), words::value(highest.1, unit));
    Some(match (lang, n) {
        (Lang::En, 1) => format!("{place}: {title} is {lo} in its one cluster, {}.", lowest.0),
        (Lang::Cy, 1) => format!("{place}: {title} yw {lo} yn ei unig glwstwr, {}.", lowest.0),
        (Lang::En, _) => format!(
            "{place}: across {n} clusters, {title} ranges from {lo} ({}) to {hi} ({}).",
            lowest.0, highest.0
        ),
        (Lang::Cy, _) => format!(
            "{place}: ar draws {n} clwstwr, mae {title} yn amrywio o {lo} ({}) i {hi} ({}).",
            lowest.0, highest.0
        ),
    })
}

/// `GET /findings/{indicator}?period=&lang=`: per health board, flag counts and a sentence.
#[utoipa::path(get, path = "/findings/{indicator}", tag = "Cartography",
    params(("indicator" = String, Path, description = "Indicator id"), FindingsQuery),
    responses(
        (status = 200, description = "OK", body = Findings),
        crate::error::responses::BadRequestOrData))]
pub async fn get_findings(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    Params(FindingsQuery {
        lang,
        period,
        level,
    }): Params<FindingsQuery>,
) -> Result<Json<Value>, AppError> {
    let snapshot = state.snapshot().await?;
    let ip = params::indicator_by_id(&id, period.as_deref(), &snapshot.catalog)?;
    let values = snapshot
        .catalog
        .values_at(&ip.indicator.id, &ip.period, level);
    let reason_for =
        |vs| crate::style::legend::not_tested_reason(ip.indicator, &values, level, vs, lang);
    let (reason, reason_vs_hb) = (
        reason_for(Benchmark::Wales),
        reason_for(Benchmark::HealthBoard),
    );
    // An indicator that is never tested is said to be so once, with why, and then only
    // what can be said: each board's range, and Wales's.
    let never_tested = ip.indicator.never_tested(&values);
    let mut by_board: BTreeMap<String, (FlagCounts, FlagCounts)> = BTreeMap::new();
    let mut wales = FlagCounts::default();
    let mut cluster_values: BTreeMap<String, Vec<(&str, f64)>> = BTreeMap::new();
    for v in values.iter() {
        if v.level != AreaLevel::Cluster {
            continue;
        }
        let Some(area) = snapshot.catalog.areas.get(&v.code) else {
            continue;
        };
        let Some(hb) = area.hb_code.clone() else {
            continue;
        };
        cluster_values
            .entry(hb.clone())
            .or_default()
            .push((area.name(lang), v.value));
        let entry = by_board.entry(hb).or_default();
        entry.0.add(v.sig_vs_wales);
        entry.1.add(v.sig_vs_hb);
        wales.add(v.sig_vs_wales);
    }
    let boards: Vec<Value> = by_board
        .iter()
        .map(|(code, (vs_wales, vs_hb))| {
            let area = snapshot.catalog.areas.get(code);
            let name = area.map_or(code.as_str(), |a| a.name(lang));
            let named = board_finding(&snapshot.catalog, &values, code, lang);
            let text = match never_tested {
                Some(_) => range_sentence(
                    name,
                    ip.indicator,
                    cluster_values.get(code).map_or(&[][..], Vec::as_slice),
                    lang,
                )
                .unwrap_or_default(),
                None => sentence(name, ip.indicator, *vs_wales, *vs_hb, lang),
            };
            json!({
                "hb_code": code,
                "name": name,
                "clusters": vs_wales.total(),
                "vs_wales": vs_wales,
                "vs_hb": vs_hb,
                "text": text,
                "named_text": words::board_sentences(&named, ip.indicator.title(lang), lang),
                "named": named,
            })
        })
        .collect();
    let title = ip.indicator.title(lang);
    let summary = match never_tested {
        Some(why) => {
            let all: Vec<(&str, f64)> = cluster_values.values().flatten().copied().collect();
            let wales_name = lang.pick("Wales", "Cymru");
            let range = range_sentence(wales_name, ip.indicator, &all, lang).unwrap_or_default();
            match lang {
                Lang::En => format!(
                    "{title} is not tested for significance, because {}. {range}",
                    why.because(lang)
                ),
                Lang::Cy => format!(
                    "Ni phrofir {title} am arwyddocâd, gan {}. {range}",
                    why.because(lang)
                ),
            }
        }
        None => match lang {
            Lang::En => format!(
                "Wales: {} of {} clusters {} significantly higher than Wales for {} and {} significantly lower ({} not tested), at {} confidence.",
                wales.higher, wales.total(), words::is_are(wales.higher), title, wales.lower, wales.not_tested, level.percent()
            ),
            Lang::Cy => format!(
                "Cymru: mae {} o'r {} clwstwr yn sylweddol uwch na Chymru ar gyfer {}, {} {} yn sylweddol is ({} heb eu profi), ar lefel hyder {}.",
                wales.higher, wales.total(), title, words::cy_and_before(wales.lower), wales.lower, wales.not_tested, level.percent()
            ),
        },
    };
    let mut notes = Vec::new();
    if lang == Lang::Cy {
        notes.push("Testun Cymraeg drafft; mae angen ei adolygu gan siaradwr Cymraeg.".to_owned());
        if ip.indicator.title_cy_is_draft() {
            notes.push(crate::catalog::draft_cy::DRAFT_TITLE_NOTE_CY.to_owned());
        } else if ip.indicator.title_cy_fallback {
            notes.push(
                "Nid oes teitl Cymraeg wedi'i gyhoeddi; dangosir y teitl Saesneg.".to_owned(),
            );
        }
    }
    if snapshot.data.cluster_approximate {
        notes.push(crate::style::legend::approximate_note(lang));
    }
    // The schema type itself, so `/api` describes exactly this body.
    Ok(Json(json!(Findings {
        indicator: ip.indicator.id.clone(),
        title: ip.indicator.title(lang).to_owned(),
        period: ip.period.clone(),
        lang,
        confidence_level: level,
        tested: never_tested.is_none(),
        not_tested_reason: reason,
        not_tested_reason_vs_hb: reason_vs_hb,
        polarity: ip.indicator.polarity,
        summary,
        wales,
        health_boards: boards,
        notes,
    })))
}

/// `GET /findings/{indicator}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Findings {
    pub(crate) indicator: String,
    pub(crate) title: String,
    pub(crate) period: String,
    /// `en` or `cy`.
    #[schema(value_type = String)]
    pub(crate) lang: Lang,
    /// `95` or `99.8`: the level of the flags counted.
    #[schema(value_type = String)]
    pub(crate) confidence_level: ConfidenceLevel,
    /// Whether clusters are tested for significance at all (false for indicators that never
    /// are: complete counts, counts, weighted means of rates, registers without counts).
    pub(crate) tested: bool,
    /// Why clusters are not tested against Wales (a short phrase); null when every
    /// cluster is.
    pub(crate) not_tested_reason: Option<String>,
    /// Why clusters are not tested against their health board; null when every cluster is.
    pub(crate) not_tested_reason_vs_hb: Option<String>,
    /// `higher_is_worse`, `higher_is_better` or `neutral`.
    #[schema(value_type = String)]
    pub(crate) polarity: Polarity,
    /// The Wales sentence: counts by flag, or, for an indicator that is never tested, why
    /// and the range across clusters.
    pub(crate) summary: String,
    /// Welsh clusters by flag against Wales.
    pub(crate) wales: FlagCounts,
    /// Per board: `hb_code`, `name`, `clusters`, `vs_wales`, `vs_hb` (flag counts),
    /// `text`, `named_text` and `named`.
    #[schema(value_type = Vec<Object>)]
    pub(crate) health_boards: Vec<Value>,
    pub(crate) notes: Vec<String>,
}
