"""Loads every collection of a cluster-atlas server through QGIS's own OGC API – Features
provider (the one behind Layer ▸ Add Layer ▸ Add WFS / OGC API – Features Layer), for tests/ogc.rs.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_oapif_check.py http://127.0.0.1:PORT
Prints JSON: {"qgis": "...", "collections": {"lsoa": {"valid": true, "features": 1909, "fields": [...], "sample": {...}}, ...}}
"""
import json
import sys

from qgis.core import Qgis, QgsApplication, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
base = sys.argv[1].rstrip("/")
report = {"qgis": Qgis.QGIS_VERSION, "collections": {}}
for collection in ["lsoa", "clusters", "health_boards"]:
    uri = f"url='{base}/' typename='{collection}' pagingEnabled='true' pageSize='1000' restrictToRequestBBOX='0'"
    layer = QgsVectorLayer(uri, collection, "OAPIF")
    entry = {"valid": layer.isValid()}
    if layer.isValid():
        features = list(layer.getFeatures())
        entry["features"] = len(features)
        entry["fields"] = [f.name() for f in layer.fields()]
        entry["crs"] = layer.crs().authid()
        codes = {f["code"]: f for f in features}
        probe = {"lsoa": "W01000240", "clusters": "7A1:anglesey", "health_boards": "W11000028"}[collection]
        if probe in codes:
            f = codes[probe]
            entry["sample"] = {name: (f[name] if not hasattr(f[name], "isNull") else None) for name in ("code", "name_en", "name_cy")}
        entry["geometry_ok"] = all(f.hasGeometry() and not f.geometry().isEmpty() for f in features)
    else:
        entry["error"] = layer.dataProvider().error().summary() if layer.dataProvider() else "no provider"
    report["collections"][collection] = entry
print(json.dumps(report, default=str))
