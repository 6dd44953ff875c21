//! The tile cache: finished tiles (raw, gzip and brotli bytes, with a strong ETag) keyed on
//! the data version and the normalised request, with concurrent misses coalesced.

use std::hash::Hash;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::coord::TileCoord;
use crate::error::AppError;

/// MVT media type (IANA-registered).
pub const MVT_CONTENT_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// What identifies a tile: only validated, normalised parts, so junk query strings map to
/// the same entry and cannot flood the cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Data version the tile was rendered from.
    pub version: i64,
    /// Layer set in URL form (`lsoa`, `wales`, `clusters,lsoa`).
    pub layers: String,
    /// Address.
    pub coord: TileCoord,
    /// Normalised indicator query, for indicator tiles.
    pub indicator: Option<String>,
    /// Normalised CQL2 filter (cql2-text), for filtered tiles.
    pub filter: Option<String>,
    /// MVT, or MLT made from the MVT of the same key.
    pub encoding: crate::params::TileEncoding,
}

/// A rendered tile. Each compressed encoding is made the first time a client asks for it
/// and then kept, so hits cost no CPU and clients wanting raw bytes (or only gzip) never
/// pay for brotli.
#[derive(Debug)]
pub struct CachedTile {
    /// The MVT bytes; empty for an empty tile (served as 204).
    pub raw: Bytes,
    gzip: std::sync::OnceLock<Bytes>,
    brotli: std::sync::OnceLock<Bytes>,
    /// Strong validator of the content (the same for every encoding of it).
    pub etag: String,
    /// MVT's or MLT's media type.
    content_type: &'static str,
}

impl CachedTile {
    /// Wraps rendered bytes.
    pub fn new(raw: Vec<u8>, version: i64) -> CachedTile {
        let etag = format!("\"v{version}-{:016x}\"", xxhash_rust::xxh3::xxh3_64(&raw));
        CachedTile {
            raw: Bytes::from(raw),
            gzip: std::sync::OnceLock::new(),
            brotli: std::sync::OnceLock::new(),
            etag,
            content_type: MVT_CONTENT_TYPE,
        }
    }

    /// Wraps MLT bytes (served as `application/vnd.maplibre-tile`).
    pub fn mlt(raw: Vec<u8>, version: i64) -> CachedTile {
        CachedTile {
            content_type: super::mlt::MLT_CONTENT_TYPE,
            ..CachedTile::new(raw, version)
        }
    }

    /// Wraps bytes whose gzip form already exists (an archive stores tiles gzipped), so
    /// gzip clients are served the stored bytes as they are.
    pub fn with_gzip(raw: Vec<u8>, gzip: Vec<u8>, version: i64) -> CachedTile {
        let tile = CachedTile::new(raw, version);
        let _ = tile.gzip.set(Bytes::from(gzip));
        tile
    }

    /// The uncompressed MVT bytes.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// gzip-compressed bytes (level 6), made once.
    pub fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.raw.len() / 2),
                    flate2::Compression::new(6),
                );
                let out = gz.write_all(&self.raw).and_then(|()| gz.finish());
                Bytes::from(out.unwrap_or_default())
            })
            .clone()
    }

    /// brotli-compressed bytes (quality 5: most of brotli's gain at a fraction of its
    /// cost), made once.
    pub fn brotli(&self) -> Bytes {
        self.brotli
            .get_or_init(|| {
                let mut out = Vec::with_capacity(self.raw.len() / 2);
                {
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    let _ = w.write_all(&self.raw);
                }
                Bytes::from(out)
            })
            .clone()
    }

    /// Cache weight: the raw bytes plus room for compressed copies made later (together
    /// typically under 60% of the raw size for MVT).
    fn weight(&self) -> u32 {
        u32::try_from(TileCache::weight_of(self.raw.len())).unwrap_or(u32::MAX)
    }

    /// The HTTP response: 304 when the client has it, 204 when empty, otherwise the best
    /// encoding the client accepts, with `Vary: Accept-Encoding`.
    pub fn response(&self, request: &HeaderMap, cache_control: &'static str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(tag) = crate::http::matching_etag(request, &self.etag) {
            if let Ok(tag) = HeaderValue::from_str(&tag) {
                headers.insert(header::ETAG, tag);
            }
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        if let Ok(etag) = HeaderValue::from_str(&self.etag) {
            headers.insert(header::ETAG, etag);
        }
        if self.raw.is_empty() {
            return (StatusCode::NO_CONTENT, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        let accept = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let accepts = |coding: &str| {
            accept.split(',').any(|part| {
                let mut it = part.split(';');
                let name = it.next().unwrap_or("").trim();
                let q_zero = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                name == coding && !q_zero
            })
        };
        let (coding, body) = if accepts("br") {
            (Some("br"), self.brotli())
        } else if accepts("gzip") {
            (Some("gzip"), self.gzip())
        } else {
            (None, self.raw.clone())
        };
        if let Some(coding) = coding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            // Each coding its own strong validator (RFC 9110 8.8.3), here rather than in
            // the document middleware, which tiles skip (see server::with_middleware).
            let tagged = crate::http::representation_etag(&self.etag, Some(coding));
            if let Ok(tag) = HeaderValue::from_str(&tagged) {
                headers.insert(header::ETAG, tag);
            }
        }
        (headers, body).into_response()
    }
}

/// Bounded in-memory cache of finished tiles.
pub struct TileCache {
    cache: moka::future::Cache<TileKey, Arc<CachedTile>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl std::fmt::Debug for TileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileCache")
            .field("entries", &self.cache.entry_count())
            .field("bytes", &self.cache.weighted_size())
            .finish()
    }
}

impl TileCache {
    /// A cache holding at most `max_bytes` of tile bytes (all encodings counted); 0 keeps
    /// nothing, but still coalesces concurrent requests for the same tile.
    pub fn new(max_bytes: u64) -> TileCache {
        TileCache {
            cache: moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_k: &TileKey, v: &Arc<CachedTile>| v.weight())
                .support_invalidation_closures()
                .build(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The cached tile, if there is one (a hit; no render future, no copy of the key).
    pub async fn get(&self, key: &TileKey) -> Option<Arc<CachedTile>> {
        let tile = self.cache.get(key).await;
        if tile.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        tile
    }

    /// The cached tile, or `render`'s result, computed once however many requests for
    /// the same key arrive together.
    pub async fn get_or_render<F>(
        &self,
        key: TileKey,
        render: F,
    ) -> Result<Arc<CachedTile>, AppError>
    where
        F: std::future::Future<Output = Result<Arc<CachedTile>, AppError>>,
    {
        let mut computed = false;
        let result = self
            .cache
            .try_get_with(key, async {
                computed = true;
                render.await
            })
            .await;
        if computed {
            self.misses.fetch_add(1, Ordering::Relaxed);
        } else {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        result.map_err(AppError::Shared)
    }

    /// Drops every entry (after a reload). moka only marks entries invalid; running its
    /// housekeeping now frees them before the next version's tiles fill the cache, so old
    /// and new never share the memory budget twice over.
    pub async fn clear(&self) {
        self.cache.invalidate_all();
        self.cache.run_pending_tasks().await;
    }

    /// Drops the tiles of every data version but `version`: after a switch, so the old
    /// version's tiles stop taking the memory the new one's need.
    pub async fn retain_version(&self, version: i64) {
        // Only fails when the cache was built without invalidation closures (it is not).
        let _ = self
            .cache
            .invalidate_entries_if(move |key, _| key.version != version);
        self.cache.run_pending_tasks().await;
    }

    /// The most bytes the cache holds (`--cache-mb`).
    pub fn capacity_bytes(&self) -> u64 {
        self.cache.policy().max_capacity().unwrap_or(0)
    }

    /// The weight a tile of `raw_len` bytes will have in the cache (its raw bytes and
    /// room for compressed copies), as the warm-up budgets it.
    pub fn weight_of(raw_len: usize) -> u64 {
        (raw_len * 8 / 5 + 128) as u64
    }

    /// The bytes the cache holds (its weighted size).
    pub fn weighted_bytes(&self) -> u64 {
        self.cache.weighted_size()
    }

    /// Hits, misses, entries and weighted bytes.
    pub fn stats(&self) -> (u64, u64, u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
            self.cache.entry_count(),
            self.cache.weighted_size(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_validators() {
        let tile = CachedTile::new(vec![7; 5000], 3);
        assert!(tile.etag.starts_with("\"v3-"));
        assert!(tile.gzip().len() < 200 && tile.brotli().len() < 200);
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        let r = tile.response(&h, "public, max-age=60");
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0"),
        );
        assert_eq!(
            tile.response(&h, "x").headers()[header::CONTENT_ENCODING],
            "gzip"
        );
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&tile.etag).unwrap(),
        );
        assert_eq!(tile.response(&h, "x").status(), StatusCode::NOT_MODIFIED);
        let empty = CachedTile::new(vec![], 3);
        assert_eq!(
            empty.response(&HeaderMap::new(), "x").status(),
            StatusCode::NO_CONTENT
        );
    }
}
