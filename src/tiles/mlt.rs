//! MapLibre Tiles (MLT): `?encoding=mlt` on tiles, TileJSON and styles. An MLT tile is the
//! MVT tile of the same request (from the cache, or rendered once) re-encoded column by
//! column with `mlt-core`, the encoder Martin uses; it is cached beside the MVT, so each
//! is made once per data version.

/// MLT media type (MapLibre GL JS asks for it with `Accept` when a source says `mlt`).
pub const MLT_CONTENT_TYPE: &str = "application/vnd.maplibre-tile";

/// [`mvt_to_mlt`] on tokio's blocking pool, off the async workers (it is CPU work of
/// milliseconds). A panic in the encoder is an error for this tile, not the end of the server.
pub async fn mvt_to_mlt_off_thread(mvt: bytes::Bytes) -> Result<Vec<u8>, String> {
    tokio::task::spawn_blocking(move || mvt_to_mlt(&mvt))
        .await
        .map_err(|e| format!("the MLT encoder failed on this tile: {e}"))?
}

/// Re-encodes an MVT tile as MLT: every layer, in order, each with the encodings that make
/// it smallest (`mlt-core` tries them). An empty tile stays empty.
pub fn mvt_to_mlt(mvt: &[u8]) -> Result<Vec<u8>, String> {
    if mvt.is_empty() {
        return Ok(Vec::new());
    }
    let layers = mlt_core::mvt::mvt_to_tile_layers(mvt).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(mvt.len() / 2);
    for layer in layers {
        let encoded = layer
            .encode(mlt_core::encoder::EncoderConfig::default())
            .map_err(|e| e.to_string())?;
        out.extend_from_slice(&encoded);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_tile_stays_empty() {
        assert!(mvt_to_mlt(&[]).unwrap().is_empty());
        assert!(mvt_to_mlt(b"not a tile").is_err());
    }
}
