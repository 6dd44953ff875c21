//! `GET /styles/{kind}.json|.sld` and `GET /legends/{kind}.json|.svg`: one legend per
//! request, rendered as a MapLibre style, a QGIS SLD, a JSON legend or an SVG.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::error::{AppError, StyleError};
use crate::params::{PathParams, RawQuery};
use crate::state::AppState;
use crate::style::legend::MapKind;
use crate::style::{maplibre, render, sld, StyleEncodingQuery, StyleRequest};

fn split_file<'a>(
    file: &'a str,
    what: &'static str,
    exts: &[&str],
) -> Result<(MapKind, &'a str), StyleError> {
    let allowed = || {
        MapKind::ALL
            .iter()
            .flat_map(|k| exts.iter().map(move |e| format!("{}.{e}", k.as_str())))
            .collect::<Vec<_>>()
    };
    let (name, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    match MapKind::parse(name) {
        Some(kind) if exts.contains(&ext) => Ok((kind, ext)),
        _ => Err(StyleError::UnknownName {
            what,
            name: file.chars().take(64).collect(),
            allowed: allowed(),
        }),
    }
}

/// `GET /styles/{kind}.json` (MapLibre style v8) or `/styles/{kind}.sld` (QGIS).
#[utoipa::path(get, path = "/styles/{file}", tag = "Cartography",
    params(("file" = String, Path, description = "Map kind and .json or .sld")),
    responses(
        (status = 200, description = "Style", content(("application/json" = Style), ("application/vnd.ogc.sld+xml" = String))),
        crate::error::responses::ClassifyErrors))]
pub async fn get_style(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParams(file): PathParams<String>,
    q: RawQuery,
) -> Result<Response, AppError> {
    let (kind, ext) = split_file(&file, "style", &["json", "sld"])?;
    let request = StyleRequest::parse(kind, &q)?;
    let encoding = q.parse::<StyleEncodingQuery>()?.encoding;
    let snapshot = state.snapshot().await?;
    let rendered = render(&request, &snapshot)?;
    let base = state.base_url(&headers);
    if ext == "sld" {
        // The file whose columns the rules read: the legend's collection, with the same
        // indicator options (which add `class` and the flags).
        let query = if rendered.tile_query.is_empty() {
            String::new()
        } else {
            format!("?{}", rendered.tile_query)
        };
        let download = format!("{base}/downloads/{}.gpkg{query}", rendered.legend.layer);
        return Ok((
            [(
                header::CONTENT_TYPE,
                "application/vnd.ogc.sld+xml; charset=utf-8",
            )],
            sld::sld(&rendered.legend, &download),
        )
            .into_response());
    }
    let attribution =
        crate::catalog::attribution(snapshot.data.cluster_approximate, rendered.legend.lang);
    Ok(Json(maplibre::style(
        &rendered.legend,
        &maplibre::StyleUrls {
            base: &base,
            tile_query: &rendered.tile_query,
            encoding,
        },
        &attribution,
        snapshot.data.version,
    ))
    .into_response())
}

/// `GET /legends/{kind}.json` or `.svg`, with the same parameters as the style.
#[utoipa::path(get, path = "/legends/{file}", tag = "Cartography",
    params(("file" = String, Path, description = "Map kind and .json or .svg")),
    responses(
        (status = 200, description = "Legend", content(("application/json" = Legend), ("image/svg+xml" = String))),
        crate::error::responses::ClassifyErrors))]
pub async fn get_legend(
    State(state): State<AppState>,
    PathParams(file): PathParams<String>,
    q: RawQuery,
) -> Result<Response, AppError> {
    let (kind, ext) = split_file(&file, "legend", &["json", "svg"])?;
    let request = StyleRequest::parse(kind, &q)?;
    let snapshot = state.snapshot().await?;
    let rendered = render(&request, &snapshot)?;
    if ext == "svg" {
        return Ok((
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            rendered.legend.to_svg(),
        )
            .into_response());
    }
    Ok(Json(rendered.legend).into_response())
}
