//! OGC SLD 1.0 export of a [`Legend`](super::legend::Legend), which QGIS imports
//! (Layer Properties ▸ Style ▸ Load Style) for downloaded GeoJSON or any vector layer.

use super::legend::{Legend, MapKind};

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => xml(s),
        other => other.to_string(),
    }
}

/// The SLD document. Indicator classes filter on `value` ranges (right-closed, the
/// first class including its minimum) so they work on data without a `class` column;
/// other maps match the same property the tiles carry.
pub fn sld(legend: &Legend) -> String {
    let mut rules = String::new();
    for (i, e) in legend.entries.iter().enumerate() {
        let filter = match (legend.kind, e.lower, e.upper) {
            (MapKind::Indicator, Some(lower), Some(upper)) => {
                let lower_op = if i == 0 {
                    "PropertyIsGreaterThanOrEqualTo"
                } else {
                    "PropertyIsGreaterThan"
                };
                format!(
                    "<ogc:And><ogc:{lower_op}><ogc:PropertyName>value</ogc:PropertyName><ogc:Literal>{lower}</ogc:Literal></ogc:{lower_op}>\
                     <ogc:PropertyIsLessThanOrEqualTo><ogc:PropertyName>value</ogc:PropertyName><ogc:Literal>{upper}</ogc:Literal></ogc:PropertyIsLessThanOrEqualTo></ogc:And>"
                )
            }
            _ => format!(
                "<ogc:PropertyIsEqualTo><ogc:PropertyName>{}</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:PropertyIsEqualTo>",
                xml(&legend.property),
                literal(&e.key)
            ),
        };
        rules.push_str(&format!(
            "<se:Rule><se:Name>{name}</se:Name><se:Description><se:Title>{name}</se:Title></se:Description>\
             <ogc:Filter>{filter}</ogc:Filter><se:PolygonSymbolizer><se:Fill><se:SvgParameter name=\"fill\">{color}</se:SvgParameter></se:Fill>\
             <se:Stroke><se:SvgParameter name=\"stroke\">#333333</se:SvgParameter><se:SvgParameter name=\"stroke-width\">0.3</se:SvgParameter></se:Stroke>\
             </se:PolygonSymbolizer></se:Rule>",
            name = xml(&e.label),
            color = xml(&e.color),
        ));
    }
    rules.push_str(&format!(
        "<se:Rule><se:Name>{name}</se:Name><se:ElseFilter/><se:PolygonSymbolizer><se:Fill><se:SvgParameter name=\"fill\">{color}</se:SvgParameter></se:Fill>\
         </se:PolygonSymbolizer></se:Rule>",
        name = xml(&legend.no_data.label),
        color = xml(&legend.no_data.color),
    ));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <StyledLayerDescriptor version=\"1.1.0\" xmlns=\"http://www.opengis.net/sld\" xmlns:ogc=\"http://www.opengis.net/ogc\" \
         xmlns:se=\"http://www.opengis.net/se\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\
         <NamedLayer><se:Name>{layer}</se:Name><UserStyle><se:Name>{title}</se:Name>\
         <se:Description><se:Title>{title}</se:Title><se:Abstract>{subtitle}</se:Abstract></se:Description>\
         <se:FeatureTypeStyle>{rules}</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n",
        layer = legend.layer.as_str(),
        title = xml(&legend.title),
        subtitle = xml(&legend.subtitle),
    )
}
