"""Loads a cluster-atlas SLD into a QGIS memory layer and reports its rules, for tests/styles.rs.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_sld_check.py style.sld
Prints JSON: {"renderer": "...", "rules": [{"label": ..., "filter": ..., "color": "#rrggbb"}, ...]}
"""
import json
import sys

from qgis.core import QgsApplication, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
layer = QgsVectorLayer(
    "Polygon?crs=EPSG:4326&field=value:double&field=class:integer&field=wimd_quintile:integer"
    "&field=sig_vs_wales:string&field=sig_vs_hb:string&field=income_quintile:integer&field=housing_quintile:integer",
    "test",
    "memory",
)
message, ok = layer.loadSldStyle(sys.argv[1])
if not ok:
    print(json.dumps({"error": message}))
    sys.exit(1)
renderer = layer.renderer()
rules = []
root = getattr(renderer, "rootRule", None)
if root is not None:
    for rule in root().descendants():
        symbol = rule.symbol()
        rules.append({
            "label": rule.label(),
            "filter": rule.filterExpression(),
            "else": rule.isElse(),
            "color": symbol.color().name() if symbol else None,
        })
print(json.dumps({"renderer": renderer.type(), "rules": rules}))
