//! How areas compare: the board summary of PHW's profiling tool (every indicator for every
//! cluster of a board, with the board and Wales), and findings that name the clusters that
//! are significantly higher or lower. Pure: it reads a snapshot and renders nothing.

pub mod words;

use serde::Serialize;

use crate::catalog::indicators::{
    Area, AreaLevel, AreaValue, Indicator, IndicatorCatalog, Lang, Topic,
};
use crate::catalog::WALES_CODE;
use crate::significance::{Benchmark, ConfidenceLevel, Significance};

/// One area's value for one indicator, with its interval and flags.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Area code.
    pub code: String,
    /// The value, when the area has one.
    pub value: Option<f64>,
    /// Lower confidence limit.
    pub lower_ci: Option<f64>,
    /// Upper confidence limit.
    pub upper_ci: Option<f64>,
    /// Compared with the cluster's board (clusters only).
    pub sig_vs_hb: Option<Significance>,
    /// Compared with Wales (not for Wales itself).
    pub sig_vs_wales: Option<Significance>,
}

/// A column of the summary: an area.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Area code.
    pub code: String,
    /// Name in the requested language.
    pub name: String,
    /// Whether `name` is the English name standing in for a Welsh one.
    pub name_is_english_fallback: bool,
    /// AreaLevel.
    pub level: AreaLevel,
}

/// A row of the summary: one indicator, one cell per column.
#[derive(Debug, Clone, Serialize)]
pub struct Row<'a> {
    /// The indicator.
    #[serde(skip)]
    pub indicator: &'a Indicator,
    /// Indicator id.
    pub id: &'a str,
    /// Title in the requested language.
    pub title: &'a str,
    /// Unit.
    pub unit: &'a str,
    /// Period shown (the newest).
    pub period: &'a str,
    /// Whether any cluster cell has an interval (significance was tested).
    pub tested: bool,
    /// Cells in column order.
    pub cells: Vec<Cell>,
}

/// The board summary: columns (the board's clusters by name, then the board, then Wales;
/// for Wales, the boards then Wales) and a row per indicator with values.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// The area summarised.
    pub area: Column,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row<'a>>,
    /// The confidence level of the intervals and flags.
    pub level: ConfidenceLevel,
}

fn column(area: &Area, lang: Lang) -> Column {
    Column {
        code: area.code.clone(),
        name: area.name(lang).to_owned(),
        name_is_english_fallback: lang == Lang::Cy && area.name_cy_fallback,
        level: area.level,
    }
}

fn cell(code: &str, v: Option<&AreaValue>) -> Cell {
    let level = v.map(|v| v.level);
    Cell {
        code: code.to_owned(),
        value: v.map(|v| v.value),
        lower_ci: v.and_then(|v| v.lower_ci),
        upper_ci: v.and_then(|v| v.upper_ci),
        sig_vs_hb: v
            .filter(|_| level == Some(AreaLevel::Cluster))
            .map(|v| v.sig_vs_hb),
        sig_vs_wales: v
            .filter(|_| level != Some(AreaLevel::Wales))
            .map(|v| v.sig_vs_wales),
    }
}

/// The areas a summary of `area` shows, in column order: a board's clusters (by name), the
/// board and Wales; for Wales, the boards and Wales.
pub fn columns<'c>(catalog: &'c IndicatorCatalog, area: &Area) -> Vec<&'c Area> {
    let mut children: Vec<&Area> = catalog
        .areas
        .values()
        .filter(|a| match area.level {
            AreaLevel::Wales => a.level == AreaLevel::HealthBoard,
            _ => a.level == AreaLevel::Cluster && a.hb_code.as_deref() == Some(area.code.as_str()),
        })
        .collect();
    children.sort_by(|a, b| a.name_en.cmp(&b.name_en));
    if area.level == AreaLevel::HealthBoard {
        children.extend(catalog.areas.get(&area.code));
    }
    children.extend(catalog.areas.get(WALES_CODE));
    children
}

/// The summary of a board (or of Wales) in `lang`, with intervals and flags at `level`.
pub fn summary<'a>(
    catalog: &'a IndicatorCatalog,
    area: &Area,
    lang: Lang,
    level: ConfidenceLevel,
) -> Summary<'a> {
    let areas = columns(catalog, area);
    let rows = catalog
        .indicators
        .iter()
        .filter_map(|ind| {
            let period = ind.periods.last()?;
            let values = catalog.values_at(&ind.id, period, level);
            let cells: Vec<Cell> = areas
                .iter()
                .map(|a| cell(&a.code, values.iter().find(|v| v.code == a.code)))
                .collect();
            if cells.iter().all(|c| c.value.is_none()) {
                return None;
            }
            let tested = values
                .iter()
                .any(|v| v.level == AreaLevel::Cluster && v.lower_ci.is_some());
            Some(Row {
                indicator: ind,
                id: &ind.id,
                title: ind.title(lang),
                unit: &ind.unit,
                period,
                tested,
                cells,
            })
        })
        .collect();
    Summary {
        area: column(area, lang),
        columns: areas.iter().map(|a| column(a, lang)).collect(),
        rows,
        level,
    }
}

/// A cluster named in a finding, with its value.
#[derive(Debug, Clone, Serialize)]
pub struct Named {
    /// Code.
    pub code: String,
    /// Name in the requested language.
    pub name: String,
    /// Value.
    pub value: f64,
}

/// Which of a board's clusters differ significantly, and its extremes, for one indicator.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BoardFinding {
    /// Significantly higher than Wales.
    pub higher_than_wales: Vec<Named>,
    /// Significantly lower than Wales.
    pub lower_than_wales: Vec<Named>,
    /// Significantly higher than the board.
    pub higher_than_board: Vec<Named>,
    /// Significantly lower than the board.
    pub lower_than_board: Vec<Named>,
    /// The highest value among the board's clusters.
    pub highest: Option<Named>,
    /// The lowest value among the board's clusters.
    pub lowest: Option<Named>,
}

/// The named findings for one board and one indicator period.
pub fn board_finding(
    catalog: &IndicatorCatalog,
    values: &[AreaValue],
    hb_code: &str,
    lang: Lang,
) -> BoardFinding {
    let mut out = BoardFinding::default();
    let mut clusters: Vec<(Named, &AreaValue)> = values
        .iter()
        .filter(|v| v.level == AreaLevel::Cluster)
        .filter_map(|v| {
            let area = catalog.areas.get(&v.code)?;
            (area.hb_code.as_deref() == Some(hb_code)).then(|| {
                (
                    Named {
                        code: v.code.clone(),
                        name: area.name(lang).to_owned(),
                        value: v.value,
                    },
                    v,
                )
            })
        })
        .collect();
    clusters.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    for (named, v) in &clusters {
        let lists = [
            (
                v.sig_vs_wales,
                Significance::Higher,
                &mut out.higher_than_wales,
            ),
            (
                v.sig_vs_wales,
                Significance::Lower,
                &mut out.lower_than_wales,
            ),
            (
                v.sig_vs_hb,
                Significance::Higher,
                &mut out.higher_than_board,
            ),
            (v.sig_vs_hb, Significance::Lower, &mut out.lower_than_board),
        ];
        for (flag, wanted, list) in lists {
            if flag == wanted {
                list.push(named.clone());
            }
        }
    }
    let by_value =
        |a: &&(Named, &AreaValue), b: &&(Named, &AreaValue)| a.0.value.total_cmp(&b.0.value);
    out.highest = clusters.iter().max_by(by_value).map(|(n, _)| n.clone());
    out.lowest = clusters.iter().min_by(by_value).map(|(n, _)| n.clone());
    out
}

/// One cluster's (or, in the Wales summary, one board's) record across the indicators of one
/// topic of a summary: on how many of them it was tested against a benchmark, and which it
/// is significantly higher or lower on.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// Cluster code.
    pub code: String,
    /// Name in the requested language.
    pub name: String,
    /// Health indicators or demographic context: tallied apart.
    pub topic: Topic,
    /// Indicators of this topic on which it was tested.
    pub tested: usize,
    /// Titles (in the requested language) of the indicators on which it is significantly
    /// higher than the benchmark, furthest from the benchmark (relatively) first.
    pub higher: Vec<String>,
    /// The same for significantly lower.
    pub lower: Vec<String>,
}

/// For each column of a summary below the area summarised (a board's clusters; Wales's
/// boards) and each topic (health, then context): its tally against `vs`.
pub fn tallies(summary: &Summary<'_>, vs: Benchmark) -> Vec<Tally> {
    let benchmark_at = summary.columns.iter().position(|c| match vs {
        Benchmark::Wales => c.level == AreaLevel::Wales,
        Benchmark::HealthBoard => c.level == AreaLevel::HealthBoard && c.code == summary.area.code,
    });
    let mut out = Vec::new();
    for topic in Topic::ALL {
        for (i, c) in summary.columns.iter().enumerate() {
            if c.level == AreaLevel::Wales || c.code == summary.area.code {
                continue;
            }
            let mut tested = 0;
            let mut higher: Vec<(f64, &str)> = Vec::new();
            let mut lower: Vec<(f64, &str)> = Vec::new();
            for row in summary.rows.iter().filter(|r| r.indicator.topic == topic) {
                let cell = &row.cells[i];
                let flag = match vs {
                    Benchmark::Wales => cell.sig_vs_wales,
                    Benchmark::HealthBoard => cell.sig_vs_hb,
                };
                // How far from the benchmark, relatively: what orders the names.
                let benchmark = benchmark_at.and_then(|b| row.cells[b].value);
                let distance = match (cell.value, benchmark) {
                    (Some(v), Some(b)) if b != 0.0 => ((v - b) / b).abs(),
                    _ => 0.0,
                };
                match flag {
                    Some(Significance::Higher) => higher.push((distance, row.title)),
                    Some(Significance::Lower) => lower.push((distance, row.title)),
                    _ => {}
                }
                if matches!(
                    flag,
                    Some(Significance::Higher | Significance::Lower | Significance::Similar)
                ) {
                    tested += 1;
                }
            }
            let furthest_first = |mut list: Vec<(f64, &str)>| -> Vec<String> {
                list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                list.into_iter().map(|(_, t)| t.to_owned()).collect()
            };
            out.push(Tally {
                code: c.code.clone(),
                name: c.name.clone(),
                topic,
                tested,
                higher: furthest_first(higher),
                lower: furthest_first(lower),
            });
        }
    }
    out
}
