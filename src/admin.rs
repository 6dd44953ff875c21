//! Admin routes, enabled only with a configured token: `POST /admin/reload` reloads the
//! data, which bumps the data version and empties the tile cache, without a restart.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use subtle::ConstantTimeEq;

use crate::error::AppError;
use crate::http::Routes;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Routes<AppState> {
    Routes::new().post("/admin/reload", reload)
}

/// Compares the bearer token in constant time, so timing reveals nothing about it.
pub fn authorised(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(expected) = &state.admin_token else {
        return Err(AppError::NotFound("/admin".into()));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Equal lengths first (length is not secret), then constant-time bytes.
    let ok =
        given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}

/// `POST /admin/reload`: loads the configured inputs in one transaction (readers keep the
/// old version until it commits), then drops every cached tile and snapshot.
async fn reload(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    authorised(&state, &headers)?;
    let inputs = state
        .reload_inputs
        .clone()
        .ok_or(AppError::NotFound("/admin/reload".into()))?;
    let report = crate::etl::load(state.pool(), &inputs).await.map_err(|e| {
        tracing::error!(error = %e, "reload failed; the previous data version is still served");
        AppError::Internal(e.to_string())
    });
    let report = match report {
        Ok(r) => r,
        Err(AppError::Internal(message)) => {
            // Input errors are the operator's to see: this route is authenticated.
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"error": {"status": 422, "code": "load_failed", "message": message}}))).into_response());
        }
        Err(e) => return Err(e),
    };
    // Install the new snapshot before answering, rather than dropping the old one and
    // letting every waiting request read the catalogue itself. With the warm-up on, this
    // renders the new version's default tiles first while the old ones keep serving;
    // only then are the old version's tiles dropped.
    if let Err(e) = state.refresh_snapshot().await {
        tracing::warn!(error = %e, "snapshot refresh after reload failed; the next request retries");
        state.store.snapshots.invalidate().await;
        state.tile_cache.clear().await;
    } else {
        state.tile_cache.retain_version(report.version).await;
    }
    tracing::info!(
        version = report.version,
        "data reloaded; tile cache cleared"
    );
    Ok(Json(report).into_response())
}
