"""Imports a cluster-atlas MapLibre style with QGIS's own converter and reports the colour
QGIS gives each legend class, for tests/qgis.rs.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_style_check.py style.json
Prints JSON: {"qgis": "3.22.16-...", "warnings": [...], "labels": [label layer ids QGIS made], "fill_layer": ..., "colors": {"<key>": "#rrggbb", ...}}
where each key is a legend entry's tile property value, evaluated through the data-defined
fill colour (or the rule filters) that QGIS built from the style.
"""
import json
import sys

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsExpressionContext,
    QgsExpressionContextScope,
    QgsFeature,
    QgsFields,
    QgsField,
    QgsMapBoxGlStyleConverter,
    QgsProperty,
    QgsSymbolLayer,
)
from qgis.PyQt.QtCore import QVariant

app = QgsApplication([], False)
app.initQgis()

style = json.load(open(sys.argv[1]))
legend = style["metadata"]["cluster-atlas:legend"]
prop = legend["property"]
converter = QgsMapBoxGlStyleConverter()
result = converter.convert(style)
renderer = converter.renderer()
fill_id = next(l["id"] for l in style["layers"] if l["type"] == "fill")
target = None
for s in renderer.styles():
    if s.styleName() == fill_id:
        target = s
if target is None:
    print(json.dumps({"error": "QGIS did not convert the fill layer", "warnings": converter.warnings()}))
    sys.exit(1)

symbol_layer = target.symbol().symbolLayer(0)
dd = symbol_layer.dataDefinedProperties().property(QgsSymbolLayer.PropertyFillColor)

fields = QgsFields()
is_text = any(isinstance(e["key"], str) for e in legend["entries"])
fields.append(QgsField(prop, QVariant.String if is_text else QVariant.Int))
colors = {}
for entry in legend["entries"]:
    feature = QgsFeature(fields)
    feature.setAttribute(0, entry["key"])
    context = QgsExpressionContext()
    scope = QgsExpressionContextScope()
    scope.setFeature(feature)
    scope.setFields(fields)
    context.appendScope(scope)
    context.setFeature(feature)
    if dd and dd.isActive():
        color, ok = dd.valueAsColor(context, symbol_layer.color())
    else:
        color = symbol_layer.color()
    colors[str(entry["key"])] = color.name()
labeling = converter.labeling()
labels = [s.styleName() for s in labeling.styles()] if labeling else []
print(json.dumps({
    "qgis": Qgis.QGIS_VERSION,
    "labels": labels,
    "result": int(result),
    "warnings": converter.warnings(),
    "fill_layer": target.layerName(),
    "colors": colors,
}))
