//! One immutable snapshot of the loaded data (version, indicators, values, names), shared
//! by styles, legends, indicator tiles and downloads, and replaced when the version changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::RwLock;

use super::indicators::{AreaLevel, IndicatorCatalog};
use crate::classify::{Breaks, ClassifyError, Method};
use crate::db::DataVersion;

/// How often a request may ask the database whether a new version was loaded.
const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// Breaks for one indicator, period and classification, and every cluster's class.
#[derive(Debug)]
pub struct Choropleth {
    /// The breaks (computed once, then shared by tiles, style, legend and SLD).
    pub breaks: Breaks,
    /// Class of each cluster with a value, by code.
    pub classes: HashMap<String, usize>,
    /// Number of clusters in each class (index 0 = class 1).
    pub counts: Vec<usize>,
}

/// What identifies a classification; manual breaks are part of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChoroplethKey {
    /// Indicator id.
    pub indicator: String,
    /// Period.
    pub period: String,
    /// Method.
    pub method: Method,
    /// Classes asked for.
    pub classes: usize,
    /// Manual inner breaks, as their exact bit patterns (f64 is not Hash).
    pub manual: Vec<u64>,
}

/// Everything derived from one data version.
#[derive(Debug)]
pub struct Snapshot {
    /// The version record.
    pub data: DataVersion,
    /// Indicators, values, area names.
    pub catalog: IndicatorCatalog,
    choropleths: Mutex<HashMap<ChoroplethKey, Arc<Choropleth>>>,
}

/// Classifications kept per snapshot; beyond this (only reachable with many different
/// manual breaks) new ones are computed but not kept.
const MAX_CACHED_CHOROPLETHS: usize = 2048;

impl Snapshot {
    /// Builds a snapshot.
    pub fn new(data: DataVersion, catalog: IndicatorCatalog) -> Snapshot {
        Snapshot {
            data,
            catalog,
            choropleths: Mutex::new(HashMap::new()),
        }
    }

    /// The classification of the clusters' values: computed once per key and reused.
    pub fn choropleth(
        &self,
        indicator: &str,
        period: &str,
        method: Method,
        classes: usize,
        manual: &[f64],
    ) -> Result<Arc<Choropleth>, ClassifyError> {
        let key = ChoroplethKey {
            indicator: indicator.to_owned(),
            period: period.to_owned(),
            method,
            classes,
            manual: manual.iter().map(|b| b.to_bits()).collect(),
        };
        if let Some(c) = self.lock().get(&key) {
            return Ok(Arc::clone(c));
        }
        // The areas the map colours: clusters, or LSOAs for an LSOA-level indicator.
        let level = self
            .catalog
            .indicator(indicator)
            .map_or(AreaLevel::Cluster, |i| i.map_level());
        let values: Vec<(&str, f64)> = self
            .catalog
            .values(indicator, period)
            .iter()
            .filter(|v| v.level == level)
            .map(|v| (v.code.as_str(), v.value))
            .collect();
        let numbers: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
        let breaks = Breaks::compute(&numbers, method, classes, manual)?;
        let mut counts = vec![0; breaks.len()];
        let classes = values
            .iter()
            .map(|(code, v)| {
                let class = breaks.class_of(*v);
                counts[class - 1] += 1;
                ((*code).to_owned(), class)
            })
            .collect();
        let choropleth = Arc::new(Choropleth {
            breaks,
            classes,
            counts,
        });
        let mut cache = self.lock();
        if cache.len() < MAX_CACHED_CHOROPLETHS {
            cache.insert(key, Arc::clone(&choropleth));
        }
        Ok(choropleth)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChoroplethKey, Arc<Choropleth>>> {
        self.choropleths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Work done with a new data version's snapshot before it is switched in: the tile
/// pyramid warm-up, so that no user meets a cold default tile after a load. Until it
/// returns, the previous snapshot keeps serving.
pub type BeforeSwitch =
    Arc<dyn Fn(Arc<Snapshot>) -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

/// The [`BeforeSwitch`] hook, set once by the server (not by tests or the loader).
#[derive(Default)]
struct SwitchHook(std::sync::OnceLock<BeforeSwitch>);

impl std::fmt::Debug for SwitchHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "SwitchHook(set)"
        } else {
            "SwitchHook(none)"
        })
    }
}

/// The current snapshot, re-read when the database reports a new data version. Once a
/// snapshot exists, requests never wait for the check: it runs in the background
/// (stale-while-revalidate), so an unreachable database cannot slow cached answers.
#[derive(Debug, Default)]
pub struct SnapshotCache {
    current: RwLock<Option<(Instant, Arc<Snapshot>)>>,
    before_switch: SwitchHook,
    refreshing: std::sync::atomic::AtomicBool,
    /// One refresh at a time: after a load, hundreds of requests can ask at once, and
    /// each would otherwise read and build its own copy of the new catalogue.
    refresh_lock: tokio::sync::Mutex<()>,
}

impl SnapshotCache {
    /// Sets the work done with every new version's snapshot before it is switched in (a
    /// second call is ignored: one server, one hook).
    pub fn set_before_switch(&self, hook: BeforeSwitch) {
        let _ = self.before_switch.0.set(hook);
    }

    /// The snapshot for the current data version, or `None` before the first load.
    pub async fn get(
        self: &Arc<Self>,
        pool: &PgPool,
        health: &Arc<crate::db::health::DbHealth>,
    ) -> Result<Option<Arc<Snapshot>>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        if let Some((checked, snapshot)) = self.current.read().await.as_ref() {
            let stale = checked.elapsed() >= RECHECK_EVERY;
            if stale && !health.is_down() && !self.refreshing.swap(true, Ordering::AcqRel) {
                let (me, pool, health) = (Arc::clone(self), pool.clone(), Arc::clone(health));
                crate::db::background::spawn(async move {
                    if let Err(e) = me.refresh(&pool).await {
                        if crate::db::health::is_outage(&e, &pool) {
                            health.mark_down();
                        }
                        tracing::warn!(error = %e, "data version check failed; serving the last known version");
                    }
                    me.refreshing.store(false, Ordering::Release);
                });
            }
            return Ok(Some(Arc::clone(snapshot)));
        }
        if health.is_down() {
            return Err(sqlx::Error::PoolTimedOut);
        }
        self.refresh(pool).await.inspect_err(|e| {
            if crate::db::health::is_outage(e, pool) {
                health.mark_down();
            }
        })?;
        Ok(self
            .current
            .read()
            .await
            .as_ref()
            .map(|(_, s)| Arc::clone(s)))
    }

    /// Reads the version and, when it changed, the catalogue.
    pub async fn refresh(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        // Callers queued here find the version unchanged once the first has built the
        // new snapshot, and only re-read the version number.
        let _one_at_a_time = self.refresh_lock.lock().await;
        // The version and the catalogue are read in one snapshot, so a load committing in
        // between cannot pair one version's number with another's values.
        let mut tx = crate::db::begin_consistent_read(pool).await?;
        let data = crate::db::current_version(&mut *tx).await?;
        let Some(data) = data else {
            *self.current.write().await = None;
            return Ok(());
        };
        let unchanged = self
            .current
            .read()
            .await
            .as_ref()
            .filter(|(_, s)| s.data.version == data.version)
            .map(|(_, s)| Arc::clone(s));
        let (snapshot, changed) = match unchanged {
            Some(s) => (s, false),
            None => (
                Arc::new(Snapshot::new(data, IndicatorCatalog::read(&mut tx).await?)),
                true,
            ),
        };
        tx.commit().await?;
        if changed {
            if let Some(hook) = self.before_switch.0.get() {
                // Still holding the refresh lock: other refreshes wait for the switch
                // rather than switching to the new version early; requests keep being
                // answered from the current snapshot (and the cache) meanwhile.
                hook(Arc::clone(&snapshot)).await;
            }
        }
        let mut current = self.current.write().await;
        // Two refreshes can race; never let the slower one put an older version back.
        if current
            .as_ref()
            .is_none_or(|(_, s)| s.data.version <= snapshot.data.version)
        {
            *current = Some((Instant::now(), snapshot));
        }
        Ok(())
    }

    /// The current snapshot, if any, without checking the version.
    pub async fn peek(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .await
            .as_ref()
            .map(|(_, s)| Arc::clone(s))
    }

    /// Forgets the snapshot, so the next request reads the version again (after a reload).
    pub async fn invalidate(&self) {
        *self.current.write().await = None;
    }
}
