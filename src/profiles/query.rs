//! What a profile reads from the database: an area's population and deprivation rows, in
//! one consistent read that must match the snapshot's data version.

use serde::Serialize;
use sqlx::Row;

use crate::catalog::indicators::{Area, AreaLevel};
use crate::catalog::snapshot::Snapshot;
use crate::catalog::WALES_CODE;
use crate::error::AppError;
use crate::state::AppState;

/// One age band of one period.
#[derive(Debug, Clone, Serialize)]
pub struct AgeBand {
    /// Band label, e.g. `0-4` or `65+`.
    pub band: String,
    /// Everyone in the band.
    pub persons: i64,
    /// Females (2021-LSOA estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub female: Option<i64>,
    /// Males (2021-LSOA estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub male: Option<i64>,
}

/// An area's age (and sex) structure for one estimate.
#[derive(Debug, Clone, Serialize)]
pub struct Pyramid {
    /// e.g. `mid-2024`.
    pub period: String,
    /// `lsoa2011` or `lsoa2021`: which LSOAs the estimate was summed from.
    pub geography: String,
    /// Whether the bands are split by sex.
    pub by_sex: bool,
    /// Everyone.
    pub total: i64,
    /// Youngest first.
    pub bands: Vec<AgeBand>,
}

/// Residents (or LSOAs) in one WIMD quintile.
#[derive(Debug, Clone, Serialize)]
pub struct QuintileShare {
    /// 1 (most deprived) to 5.
    pub quintile: i32,
    /// Residents or LSOAs.
    pub count: i64,
    /// Share of the area, per cent.
    pub share_pct: f64,
}

/// Residents by deprivation quintile for one population estimate, with the index and the
/// LSOAs it was counted on: WIMD 2019 on 2011 LSOAs (mid-2019, mid-2020), WIMD 2025 on 2021
/// LSOAs (mid-2024).
#[derive(Debug, Clone, Serialize)]
pub struct ResidentsByQuintile {
    /// e.g. `mid-2024`.
    pub period: String,
    /// `wimd2019` or `wimd2025`.
    pub index: String,
    /// Quintiles 1 to 5.
    pub quintiles: Vec<QuintileShare>,
}

impl ResidentsByQuintile {
    /// The WIMD edition counted.
    pub fn vintage(&self) -> crate::catalog::WimdVintage {
        if self.index == "wimd2025" {
            crate::catalog::WimdVintage::Wimd2025
        } else {
            crate::catalog::WimdVintage::Wimd2019
        }
    }
}

/// What a profile needs from the database, beyond the snapshot.
pub struct ProfileData {
    /// Age (and sex) structures, newest first.
    pub pyramids: Vec<Pyramid>,
    /// Residents by WIMD quintile, per period (newest first).
    pub residents: Vec<ResidentsByQuintile>,
    /// 2021 LSOAs by WIMD 2025 quintile.
    pub lsoas_2025: Vec<QuintileShare>,
    /// 2011 LSOAs by WIMD 2019 quintile.
    pub lsoas: Vec<QuintileShare>,
}

fn unknown_area(area: &str) -> AppError {
    AppError::NotFound(format!(
        "no cluster, health board or Wales with code {}; see /collections/clusters/items and /collections/health_boards/items",
        area.chars().take(100).collect::<String>()
    ))
}

/// The area a path names, from the snapshot (so unknown codes never reach SQL).
pub fn find_area<'a>(snapshot: &'a Snapshot, area: &str) -> Result<&'a Area, AppError> {
    let code = if area.eq_ignore_ascii_case("wales") {
        WALES_CODE
    } else {
        area
    };
    snapshot
        .catalog
        .areas
        .get(code)
        .ok_or_else(|| unknown_area(area))
}

/// The level as stored in `atlas.area_population` (the catalogue's own stored form).
pub fn level_name(level: AreaLevel) -> &'static str {
    level.as_str()
}

/// The area's population and deprivation rows, read in one consistent snapshot, with the
/// data version that snapshot holds.
async fn load(state: &AppState, area: &Area) -> Result<(ProfileData, i64), AppError> {
    let level = level_name(area.level);
    let code = area.code.clone();
    let pool = state.pool().clone();
    state
        .with_db(async move {
            let mut tx = crate::db::begin_consistent_read(&pool).await?;
            let version = crate::db::visible_version(&mut *tx).await?;
            let rows = sqlx::query(
                "select period, geography, sex, band, band_order, persons from atlas.area_population \
                 where level = $1 and area_code = $2 order by period desc, band_order",
            )
            .bind(level)
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?;
            let mut pyramids: Vec<Pyramid> = Vec::new();
            for r in rows {
                let period: String = r.try_get("period")?;
                let sex: String = r.try_get("sex")?;
                let band: String = r.try_get("band")?;
                let persons: i64 = r.try_get("persons")?;
                if pyramids.last().is_none_or(|p| p.period != period) {
                    let geography: String = r.try_get("geography")?;
                    pyramids.push(Pyramid {
                        period: period.clone(),
                        by_sex: geography == "lsoa2021",
                        geography,
                        total: 0,
                        bands: Vec::new(),
                    });
                }
                let pyramid = pyramids.last_mut().expect("pushed above");
                let index = match pyramid.bands.iter().position(|b| b.band == band) {
                    Some(i) => i,
                    None => {
                        pyramid.bands.push(AgeBand {
                            band,
                            persons: 0,
                            female: None,
                            male: None,
                        });
                        pyramid.bands.len() - 1
                    }
                };
                let entry = &mut pyramid.bands[index];
                match sex.as_str() {
                    "female" => entry.female = Some(persons),
                    "male" => entry.male = Some(persons),
                    _ => {
                        entry.persons = persons;
                        pyramid.total += persons;
                    }
                }
            }
            let rows = sqlx::query(
                "select period, wimd, quintile, residents, share_pct from atlas.area_population_deprivation \
                 where level = $1 and area_code = $2 order by period desc, wimd, quintile",
            )
            .bind(level)
            .bind(&code)
            .fetch_all(&mut *tx)
            .await?;
            let mut residents: Vec<ResidentsByQuintile> = Vec::new();
            for r in rows {
                let period: String = r.try_get("period")?;
                let index: String = r.try_get("wimd")?;
                if residents
                    .last()
                    .is_none_or(|x| x.period != period || x.index != index)
                {
                    residents.push(ResidentsByQuintile {
                        period,
                        index,
                        quintiles: Vec::new(),
                    });
                }
                residents.last_mut().expect("pushed above").quintiles.push(QuintileShare {
                    quintile: r.try_get("quintile")?,
                    count: r.try_get("residents")?,
                    share_pct: r.try_get("share_pct")?,
                });
            }
            let filter = match level {
                "cluster" => "cluster_code = $1",
                "health_board" => "hb_code = $1",
                _ => "$1::text is not null",
            };
            // LSOAs by quintile: WIMD 2019 on 2011 LSOAs, WIMD 2025 on 2021 LSOAs. The table
            // and filter are compiled-in strings; the code is a bind.
            let mut by_index = Vec::new();
            for table in ["atlas.lsoa", "atlas.lsoa21"] {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "select wimd_quintile::integer as q, count(*) as n, (100.0 * count(*) / sum(count(*)) over ())::float8 as pct \
                     from {table} where {filter} group by wimd_quintile order by wimd_quintile"
                )))
                .bind(&code)
                .fetch_all(&mut *tx)
                .await?;
                let mut lsoas: Vec<QuintileShare> = (1..=5)
                    .map(|q| QuintileShare {
                        quintile: q,
                        count: 0,
                        share_pct: 0.0,
                    })
                    .collect();
                for r in rows {
                    let q: i32 = r.try_get("q")?;
                    if let Some(slot) = usize::try_from(q - 1).ok().and_then(|i| lsoas.get_mut(i)) {
                        slot.count = r.try_get("n")?;
                        slot.share_pct = r.try_get::<f64, _>("pct")?;
                    }
                }
                by_index.push(lsoas);
            }
            tx.commit().await?;
            let lsoas_2025 = by_index.pop().unwrap_or_default();
            let lsoas = by_index.pop().unwrap_or_default();
            Ok((
                ProfileData {
                    pyramids,
                    residents,
                    lsoas,
                    lsoas_2025,
                },
                version,
            ))
        })
        .await
}

/// The area's profile data and the snapshot whose indicator values belong with it.
pub async fn read_profile(
    state: &AppState,
    area: &str,
) -> Result<(std::sync::Arc<Snapshot>, ProfileData), AppError> {
    state
        .read_at_snapshot(|snapshot| async move {
            let (data, seen) = load(state, find_area(&snapshot, area)?).await?;
            crate::catalog::store::check_version(&snapshot, seen)?;
            Ok(data)
        })
        .await
}
