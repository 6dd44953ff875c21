//! OGC SLD 1.0 export of a [`Legend`](super::legend::Legend), which QGIS imports
//! (Layer Properties ▸ Style ▸ Load Style) for downloaded GeoJSON or any vector layer.

use super::legend::Legend;
use crate::markup::escape_xml;

fn literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => escape_xml(s),
        other => other.to_string(),
    }
}

/// The SLD document. Rules match the same integer or text property the tiles and the
/// MapLibre style use (`class`, `wimd_quintile`, `sig_vs_wales`, …), never value ranges:
/// QGIS keeps rule filters as text with 6 significant digits, so a value sitting exactly on
/// a break (quantile and Fisher–Jenks breaks are data values) would change class. `/data`
/// carries `class` for the same parameters; the ranges are in each rule's description.
///
/// The no-data rule is an explicit `PropertyIsNull` on that property, not `ElseFilter`:
/// QGIS 3.22 imports `ElseFilter` as a rule with no filter, which matches every feature and
/// paints the whole map in the no-data colour over the classes. `download` is the file the
/// rules are written for (it has the property), named in the style's abstract.
pub fn sld(legend: &Legend, download: &str) -> String {
    let mut rules = String::new();
    for e in &legend.entries {
        let filter = format!(
            "<ogc:PropertyIsEqualTo><ogc:PropertyName>{}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:PropertyIsEqualTo>",
            escape_xml(&legend.property),
            literal(&e.key)
        );
        let range = match (e.lower, e.upper) {
            (Some(lower), Some(upper)) => {
                format!("<se:Abstract>value from {lower} to {upper}</se:Abstract>")
            }
            _ => String::new(),
        };
        rules.push_str(&format!(
            "<se:Rule><se:Name>{name}</se:Name><se:Description><se:Title>{name}</se:Title>{range}</se:Description>\
             <ogc:Filter>{filter}</ogc:Filter><se:PolygonSymbolizer><se:Fill><se:SvgParameter name=\"fill\">{color}</se:SvgParameter></se:Fill>\
             <se:Stroke><se:SvgParameter name=\"stroke\">#333333</se:SvgParameter><se:SvgParameter name=\"stroke-width\">0.3</se:SvgParameter></se:Stroke>\
             </se:PolygonSymbolizer></se:Rule>",
            name = escape_xml(&e.label),
            color = escape_xml(&e.color),
        ));
    }
    rules.push_str(&format!(
        "<se:Rule><se:Name>{name}</se:Name>\
         <ogc:Filter><ogc:PropertyIsNull><ogc:PropertyName>{property}</ogc:PropertyName></ogc:PropertyIsNull></ogc:Filter>\
         <se:PolygonSymbolizer><se:Fill><se:SvgParameter name=\"fill\">{color}</se:SvgParameter></se:Fill>\
         </se:PolygonSymbolizer></se:Rule>",
        name = escape_xml(&legend.no_data.label),
        color = escape_xml(&legend.no_data.color),
        property = escape_xml(&legend.property),
    ));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <StyledLayerDescriptor version=\"1.1.0\" xmlns=\"http://www.opengis.net/sld\" xmlns:ogc=\"http://www.opengis.net/ogc\" \
         xmlns:se=\"http://www.opengis.net/se\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\
         <NamedLayer><se:Name>{layer}</se:Name><UserStyle><se:Name>{title}</se:Name>\
         <se:Description><se:Title>{title}</se:Title><se:Abstract>{subtitle}. The rules read the `{property}` column of {download} (GeoPackage; .geojson, .fgb and .csv have it too).</se:Abstract></se:Description>\
         <se:FeatureTypeStyle>{rules}</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n",
        layer = legend.layer.as_str(),
        title = escape_xml(&legend.title),
        subtitle = escape_xml(&legend.subtitle),
        property = escape_xml(&legend.property),
        download = escape_xml(download),
    )
}
