//! OGC API – Features items: query parsing, the items SQL, and GeoJSON / CSV / HTML output.
//!
//! The SQL is assembled here and only here: identifiers come from the compiled-in
//! catalogue (quoted), every request value is a typed `$n` bind.

use crate::markup::escape_xml;
use std::collections::HashMap;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use sqlx::postgres::PgArguments;
use sqlx::Row;

use crate::catalog::indicators::{AreaLevel, Lang};
use crate::catalog::snapshot::Snapshot;
use crate::catalog::values::VALUE_FIELDS;
use crate::catalog::{FieldType, LayerId};
use crate::db::quote_ident;
use crate::error::StyleError;
use crate::params::{self, ParamError};

use super::crs::Crs;
use super::request::{filterable, ItemsFormat};
use super::request::{BboxText, FeatureOptions, Selection};

/// A typed filter value.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    /// Text equality.
    Text(String),
    /// Integer equality.
    Int(i64),
    /// Floating-point equality (double precision columns).
    Float(f64),
    /// Boolean equality.
    Bool(bool),
}

/// A validated items request.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    /// Collection.
    pub layer: LayerId,
    /// Box: west, south, east, north (min x, min y, max x, max y) in `bbox_crs`.
    pub bbox: Option<[f64; 4]>,
    /// The CRS of `bbox` (`bbox-crs`).
    pub bbox_crs: Crs,
    /// The CRS of the output geometry (`crs`).
    pub crs: Crs,
    /// A checked CQL2 `filter`.
    pub filter: Option<crate::cql2::Filter>,
    /// Property equality filters (column, value), columns from the catalogue.
    pub filters: Vec<(&'static str, FilterValue)>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
    /// One feature by code (the items/{featureId} route).
    pub code: Option<String>,
    /// ItemsFormat.
    pub format: ItemsFormat,
    /// Add WKT geometry to CSV.
    pub wkt: bool,
    /// Labels in this language instead of column names (when `lang` is given).
    pub labels: Option<Lang>,
    /// The query string that reproduces this request, without limit/offset (for links).
    pub canonical: Vec<(String, String)>,
}

fn invalid(param: &'static str, value: &str, expected: impl Into<String>) -> ParamError {
    ParamError::Invalid {
        param,
        value: value.chars().take(64).collect(),
        expected: expected.into(),
    }
}

/// Why an items request was refused: a bad parameter or a bad filter.
#[derive(Debug, thiserror::Error)]
pub enum ItemsError {
    /// A bad parameter.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A bad `filter`.
    #[error(transparent)]
    Filter(crate::error::FilterError),
}

impl From<ItemsError> for crate::error::AppError {
    fn from(e: ItemsError) -> Self {
        match e {
            ItemsError::Param(p) => p.into(),
            ItemsError::Filter(f) => f.into(),
        }
    }
}

/// Page format, size and offset of an items request (a download is one page of
/// everything; a single feature, one of one).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// Output format.
    pub format: ItemsFormat,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// Checks a typed items request against the collection: the bbox in its CRS, the filter
/// against the queryables, the property filters by their field types (the handlers have
/// refused any other parameter).
pub fn parse(
    layer: LayerId,
    options: &FeatureOptions,
    selection: &Selection,
    properties: &[(String, String)],
    paging: Paging,
    code: Option<String>,
) -> Result<ItemsQuery, ItemsError> {
    let mut canonical = Vec::new();
    let Paging {
        format,
        limit,
        offset,
    } = paging;
    let crs = options.crs;
    if crs != Crs::Crs84 {
        canonical.push(("crs".into(), crs.uri().into()));
    }
    let bbox_crs = selection.bbox_crs;
    let bbox = match &selection.bbox {
        None => None,
        Some(BboxText(v)) => {
            let n: Vec<f64> = v
                .split(',')
                .map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default();
            let b = <[f64; 4]>::try_from(n.as_slice())
                .ok()
                .and_then(|b| bbox_crs.bbox(b))
                .ok_or_else(|| invalid("bbox", v, bbox_crs.bbox_expected()))?;
            canonical.push(("bbox".into(), v.clone()));
            if bbox_crs != Crs::Crs84 {
                canonical.push(("bbox-crs".into(), bbox_crs.uri().into()));
            }
            Some(b)
        }
    };
    let filter = match &selection.filter.filter {
        None => None,
        Some(text) => {
            let f = crate::cql2::compile(
                &text.0,
                selection.filter.lang,
                &crate::cql2::queryables(layer),
            )
            .map_err(ItemsError::Filter)?;
            canonical.push(("filter".into(), f.normalised()));
            canonical.push(("filter-lang".into(), "cql2-text".into()));
            Some(f)
        }
    };
    let q = |name: &str| {
        properties
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    };
    let mut filters = Vec::new();
    let mut names: Vec<(String, &'static str, FieldType)> = filterable(layer);
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (param, column, kind) in names {
        let Some(v) = q(&param) else { continue };
        let value = match kind {
            FieldType::Integer => FilterValue::Int(
                v.parse()
                    .map_err(|_| invalid("filter", v, format!("`{param}` takes a whole number")))?,
            ),
            FieldType::Boolean => FilterValue::Bool(match v.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(
                        invalid("filter", v, format!("`{param}` takes true or false")).into(),
                    )
                }
            }),
            FieldType::Number => FilterValue::Float(
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| invalid("filter", v, format!("`{param}` takes a number")))?,
            ),
            FieldType::String => {
                if v.chars().count() > 64 {
                    return Err(invalid(
                        "filter",
                        v,
                        format!("`{param}` values are at most 64 characters"),
                    )
                    .into());
                }
                // PostgreSQL text cannot hold NUL, so no value with one can match; refuse it
                // here rather than let the database fail on it.
                if v.contains('\0') {
                    return Err(invalid(
                        "filter",
                        v,
                        format!("`{param}` values cannot contain NUL characters"),
                    )
                    .into());
                }
                FilterValue::Text(v.clone())
            }
        };
        canonical.push((param.clone(), v.clone()));
        filters.push((column, value));
    }
    let labels = options.lang;
    if let Some(lang) = labels {
        canonical.push(("lang".into(), lang.as_str().into()));
    }
    let wkt = selection.geometry.0;
    if wkt {
        canonical.push(("geometry".into(), "wkt".into()));
    }
    Ok(ItemsQuery {
        layer,
        bbox,
        bbox_crs,
        crs,
        filter,
        filters,
        limit,
        offset,
        code,
        format,
        wkt,
        labels,
        canonical,
    })
}

/// The WHERE clause and its binds, shared by the count and the page queries.
fn where_clause(
    q: &ItemsQuery,
    args: &mut PgArguments,
    next: &mut usize,
) -> Result<String, sqlx::Error> {
    use sqlx::Arguments;
    let mut conditions = Vec::new();
    let bind = |next: &mut usize| {
        *next += 1;
        format!("${}", *next)
    };
    if let Some([w, s, e, n]) = q.bbox {
        // Web Mercator stops at ±85.0511°.
        let clamp = |lat: f64| {
            if q.bbox_crs.geographic() {
                lat.clamp(-85.0511, 85.0511)
            } else {
                lat
            }
        };
        let p: Vec<String> = (0..4).map(|_| bind(next)).collect();
        for v in [w, clamp(s), e, clamp(n)] {
            args.add(v).map_err(sqlx::Error::Encode)?;
        }
        let envelope = format!(
            "ST_MakeEnvelope({}::float8, {}::float8, {}::float8, {}::float8, {})",
            p[0],
            p[1],
            p[2],
            p[3],
            q.bbox_crs.srid()
        );
        // Meridians and parallels are straight in Web Mercator, so a degree box keeps its
        // shape; a British National Grid box's edges are densified (1 km) before reprojection.
        let envelope = if q.bbox_crs.geographic() {
            format!("ST_Transform({envelope}, 3857)")
        } else {
            format!("ST_Transform(ST_Segmentize({envelope}, 1000), 3857)")
        };
        conditions.push(format!(
            "f.\"geom\" && {envelope} and ST_Intersects(f.\"geom\", {envelope})"
        ));
    }
    if let Some(filter) = &q.filter {
        let columns = crate::cql2::Columns {
            alias: "f",
            geometry: "geom",
        };
        conditions.push(filter.to_sql(&columns, args, next)?);
    }
    for (column, value) in &q.filters {
        let p = bind(next);
        match value {
            FilterValue::Text(s) => args.add(s.clone()),
            FilterValue::Int(i) => args.add(*i),
            FilterValue::Float(x) => args.add(*x),
            FilterValue::Bool(b) => args.add(*b),
        }
        .map_err(sqlx::Error::Encode)?;
        let cast = match value {
            FilterValue::Int(_) => "::bigint",
            FilterValue::Float(_) => "::double precision",
            _ => "",
        };
        conditions.push(format!("f.{}{cast} = {p}", quote_ident(column)));
    }
    if let Some(code) = &q.code {
        let p = bind(next);
        args.add(code.clone()).map_err(sqlx::Error::Encode)?;
        conditions.push(format!("f.\"code\" = {p}"));
    }
    Ok(if conditions.is_empty() {
        String::new()
    } else {
        format!(" where {}", conditions.join(" and "))
    })
}

/// One GeoJSON feature. The geometry stays the GeoJSON text PostGIS wrote: parsed into
/// `serde_json::Value`s, a page's coordinates took about ten times their text's memory,
/// and a burst of large pages (as after a reload) grew the server by hundreds of MB.
#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    /// Always "Feature".
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The area code.
    pub id: String,
    /// GeoJSON geometry in EPSG:4326, as text; `None` where the format does not need it.
    pub geometry: Option<Box<RawValue>>,
    /// Properties, catalogue field order first.
    pub properties: Value,
    /// Links (single-feature responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Value>,
}

impl Feature {
    /// A feature without geometry.
    pub fn new(id: impl Into<String>, properties: Value) -> Feature {
        Feature {
            kind: "Feature",
            id: id.into(),
            geometry: None,
            properties,
            links: None,
        }
    }
}

/// One page of features and what came with it, all read in one snapshot of the database.
pub struct Page {
    /// GeoJSON features, properties in catalogue field order.
    pub features: Vec<Feature>,
    /// How many features match the filters (all pages).
    pub matched: i64,
    /// The data version the page was read from.
    pub version: i64,
}

/// One page of features, the match count and the data version, read in one
/// `REPEATABLE READ` transaction so a load committing meanwhile cannot make the count,
/// the page and the version disagree.
pub async fn fetch(pool: &sqlx::PgPool, q: &ItemsQuery) -> Result<Page, sqlx::Error> {
    let mut tx = crate::db::begin_consistent_read(pool).await?;
    let version = crate::db::visible_version(&mut *tx).await?;
    let table = quote_ident(q.layer.layer().table);
    let mut count_args = PgArguments::default();
    let mut n = 0;
    let filter = where_clause(q, &mut count_args, &mut n)?;
    let matched: i64 = sqlx::query_scalar_with(
        sqlx::AssertSqlSafe(format!(
            "select count(*) from \"atlas\".{table} as f{filter}"
        )),
        count_args,
    )
    .fetch_one(&mut *tx)
    .await?;

    let mut args = PgArguments::default();
    let mut n = 0;
    let filter = where_clause(q, &mut args, &mut n)?;
    let properties = q
        .layer
        .layer()
        .fields
        .iter()
        .map(|f| format!("'{}', f.{}", f.name, quote_ident(f.name)))
        .collect::<Vec<_>>()
        .join(", ");
    // Only GeoJSON carries geometry; CSV and HTML would throw it away.
    let geom = q.crs.transform_sql("f.\"geom\"");
    let decimals = q.crs.decimals();
    let geometry = if q.format == ItemsFormat::Json {
        format!("ST_AsGeoJSON({geom}, {decimals})")
    } else {
        "null::text".to_owned()
    };
    let wkt = if q.wkt {
        format!(", ST_AsText({geom}, {decimals}) as wkt")
    } else {
        ", null::text as wkt".to_owned()
    };
    {
        use sqlx::Arguments;
        args.add(q.limit).map_err(sqlx::Error::Encode)?;
        args.add(q.offset).map_err(sqlx::Error::Encode)?;
    }
    let sql = format!(
        "select f.\"code\", json_build_object({properties}) as properties, \
         {geometry} as geometry{wkt} \
         from \"atlas\".{table} as f{filter} order by f.\"code\" limit ${} offset ${}",
        n + 1,
        n + 2
    );
    let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), args)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut features = Vec::with_capacity(rows.len());
    for row in rows {
        let code: String = row.try_get("code")?;
        let properties: Value = row.try_get("properties")?;
        let geometry: Option<String> = row.try_get("geometry")?;
        let wkt: Option<String> = row.try_get("wkt")?;
        let mut feature = Feature::new(code, properties);
        feature.geometry = geometry
            .map(RawValue::from_string)
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        if let Some(w) = wkt {
            feature.properties["geometry_wkt"] = json!(w);
        }
        features.push(feature);
    }
    Ok(Page {
        features,
        matched,
        version,
    })
}

/// Adds indicator values (and classes, for clusters) to each feature's properties.
pub fn attach_indicator(
    features: &mut [Feature],
    layer: LayerId,
    snapshot: &Snapshot,
    ip: &params::IndicatorPeriod<'_>,
    c: &params::Classification,
) -> Result<Vec<(String, String)>, StyleError> {
    let level = match layer {
        LayerId::Clusters => AreaLevel::Cluster,
        LayerId::HealthBoards => AreaLevel::HealthBoard,
        LayerId::Lsoa if ip.indicator.levels.contains(&AreaLevel::Lsoa) => AreaLevel::Lsoa,
        // The WIMD indicators are on 2011 LSOAs; 2021 LSOAs and label points carry none.
        LayerId::Lsoa | LayerId::Lsoa21 | LayerId::Labels => {
            return Err(ParamError::Invalid {
                param: "indicator",
                value: ip.indicator.id.clone(),
                expected: "this indicator has values for the clusters and health_boards collections; the WIMD indicators also for lsoa"
                    .into(),
            }
            .into())
        }
    };
    let confidence = c.level;
    let classes = if level == ip.indicator.map_level() {
        Some(ip.classify(snapshot, c)?)
    } else {
        None
    };
    let at_level = snapshot
        .catalog
        .values_at(&ip.indicator.id, &ip.period, confidence);
    let values: HashMap<&str, &crate::catalog::indicators::AreaValue> = at_level
        .iter()
        .filter(|v| v.level == level)
        .map(|v| (v.code.as_str(), v))
        .collect();
    for f in features.iter_mut() {
        let code = f.id.as_str();
        let props = &mut f.properties;
        let v = values.get(code);
        props["indicator"] = json!(ip.indicator.id);
        props["period"] = json!(ip.period);
        let class = classes.as_ref().and_then(|c| c.classes.get(code).copied());
        for field in VALUE_FIELDS.iter().filter(|f| f.applies_to(level)) {
            props[field.name] = field.value_for(level, v.copied(), class);
        }
    }
    let mut canonical = vec![
        ("indicator".to_owned(), ip.indicator.id.clone()),
        ("period".to_owned(), ip.period.clone()),
    ];
    // What differs from the defaults, so the page links read back as the same request.
    if c.method != crate::classify::Method::Quantile {
        canonical.push(("method".to_owned(), c.method.as_str().to_owned()));
    }
    if c.method == crate::classify::Method::Manual {
        let breaks: Vec<String> = c.manual.iter().map(f64::to_string).collect();
        canonical.push(("breaks".to_owned(), breaks.join(",")));
    } else if c.classes != params::DEFAULT_CLASSES {
        canonical.push(("classes".to_owned(), c.classes.to_string()));
    }
    if c.level != params::ConfidenceLevel::default() {
        canonical.push(("level".to_owned(), c.level.as_str().to_owned()));
    }
    Ok(canonical)
}

/// Renames property keys to `layer`'s labels in `lang`.
pub fn relabel(features: &mut [Feature], layer: LayerId, lang: Lang) {
    for f in features.iter_mut() {
        if let Value::Object(props) = f.properties.take() {
            let renamed: Map<String, Value> = props
                .into_iter()
                .map(|(k, v)| (crate::catalog::layer_field_label(layer, &k, lang), v))
                .collect();
            f.properties = Value::Object(renamed);
        }
    }
}

/// Rounds attached indicator values to their unit's published precision, for CSV only
/// (GeoJSON keeps full precision). A no-op without `indicator`.
pub fn round_indicator_for_csv(features: &mut [Feature], ip: Option<&params::IndicatorPeriod<'_>>) {
    let Some(ip) = ip else {
        return;
    };
    for f in features.iter_mut() {
        crate::catalog::values::round_for_csv(&mut f.properties, &ip.indicator.unit);
    }
}

/// Features as CSV: a header of property names, one row each; UTF-8, no geometry unless
/// `geometry=wkt` was asked for; whole numbers as integers.
pub fn to_csv(features: &[Feature], columns: &[String]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns)?;
    for f in features {
        let row: Vec<String> = columns
            .iter()
            .map(|c| crate::http::csv_cell(&f.properties[c]))
            .collect();
        out.write_record(row)?;
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Features as a plain HTML table (no scripts), for people browsing the API.
pub fn to_html(title: &str, features: &[Feature], columns: &[String], links: &[Value]) -> String {
    let head: String = columns
        .iter()
        .map(|c| format!("<th>{}</th>", escape_xml(c)))
        .collect();
    let rows: String = features
        .iter()
        .map(|f| {
            let cells: String = columns
                .iter()
                .map(|c| {
                    let v = match &f.properties[c] {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    format!("<td>{}</td>", escape_xml(&v))
                })
                .collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    let nav: String = links
        .iter()
        .filter(|l| {
            matches!(
                l["rel"].as_str(),
                Some("next" | "prev" | "collection" | "alternate")
            )
        })
        .map(|l| {
            format!(
                "<a href=\"{}\">{}</a> ",
                escape_xml(l["href"].as_str().unwrap_or("")),
                escape_xml(l["title"].as_str().or(l["rel"].as_str()).unwrap_or(""))
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem}}table{{border-collapse:collapse;font-size:.85rem}}\
         td,th{{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}}</style></head>\
         <body><h1>{t}</h1><p>{nav}</p><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></body></html>",
        t = escape_xml(title)
    )
}
