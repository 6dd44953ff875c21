"""Opens cluster-atlas as a QGIS XYZ vector tile layer with a style URL, the way a QGIS
"Vector Tiles" connection does, for tests/ogc.rs. Prints the encoded connection URI, whether
the layer is valid, and the style QGIS loaded from the style URL.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_vectortile_check.py BASE STYLE_PATH
"""
import json
import sys

from qgis.core import Qgis, QgsApplication, QgsDataSourceUri, QgsVectorTileLayer

app = QgsApplication([], False)
app.initQgis()
base = sys.argv[1].rstrip("/")
uri = QgsDataSourceUri()
uri.setParam("type", "xyz")
uri.setParam("url", f"{base}/tiles/wales/{{z}}/{{x}}/{{y}}")
uri.setParam("zmin", "0")
uri.setParam("zmax", "14")
uri.setParam("styleUrl", f"{base}{sys.argv[2]}")
encoded = bytes(uri.encodedUri()).decode()
layer = QgsVectorTileLayer(encoded, "cluster-atlas")
result = {"qgis": Qgis.QGIS_VERSION, "uri": encoded, "valid": layer.isValid()}
if layer.isValid():
    message, ok = layer.loadDefaultStyle()
    result["style_loaded"] = ok
    result["style_message"] = message
    result["styles"] = [
        {"name": s.styleName(), "layer": s.layerName(), "enabled": s.isEnabled()}
        for s in layer.renderer().styles()
    ]
    result["source_min_zoom"] = layer.sourceMinZoom()
    result["source_max_zoom"] = layer.sourceMaxZoom()
print(json.dumps(result))

