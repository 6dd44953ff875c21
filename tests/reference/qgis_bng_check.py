"""QGIS in British National Grid, for tests/ogc.rs: an OGC API – Features layer asked for
in EPSG:27700 through QGIS's own OAPIF provider, and a GeoPackage download opened as QGIS
opens any file (its fields and their types).

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_bng_check.py BASE_URL FILE.gpkg
Prints JSON: {"oapif": {...}, "gpkg": {...}}
"""
import json
import sys

from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsVectorLayer

app = QgsApplication([], False)
app.initQgis()
base, gpkg = sys.argv[1].rstrip("/"), sys.argv[2]
report = {}
uri = f"url='{base}/' typename='clusters' srsname='EPSG:27700' pagingEnabled='true' pageSize='100' restrictToRequestBBOX='0'"
layer = QgsVectorLayer(uri, "clusters", "OAPIF")
entry = {"valid": layer.isValid()}
if layer.isValid():
    features = list(layer.getFeatures())
    entry["features"] = len(features)
    entry["crs"] = layer.crs().authid()
    # Wherever the provider reprojected, the extent must be British National Grid metres.
    extent = layer.extent()
    if layer.crs().authid() != "EPSG:27700":
        from qgis.core import QgsCoordinateTransform, QgsProject
        t = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:27700"), QgsProject.instance())
        extent = t.transformBoundingBox(extent)
    entry["extent"] = [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()]
else:
    entry["error"] = layer.dataProvider().error().summary() if layer.dataProvider() else "no provider"
report["oapif"] = entry
file_layer = QgsVectorLayer(f"{gpkg}|layername=lsoa", "lsoa", "ogr")
entry = {"valid": file_layer.isValid()}
if file_layer.isValid():
    entry["crs"] = file_layer.crs().authid()
    entry["features"] = file_layer.featureCount()
    entry["fields"] = {f.name(): f.typeName() for f in file_layer.fields()}
report["gpkg"] = entry
print(json.dumps(report, default=str))
