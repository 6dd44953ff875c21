"""Renders a GeoPackage download with a cluster-atlas SLD in QGIS and reports each feature's
colour, for tests/styles.rs (issue 23: the SLD must draw every class in its legend colour, and
its no-data rule must catch only features with no class).

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_sld_render.py FILE.gpkg LAYER STYLE.sld OUT.png [NULL_CODE]
With NULL_CODE, that feature's `class` is set to NULL first (a no-data feature).
Prints JSON: {"qgis": version, "renderer": type, "rules": [...], "colors": {code: "#rrggbb"}}
"""
import json
import sys

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

app = QgsApplication([], False)
app.initQgis()
gpkg, name, sld, out = sys.argv[1:5]
null_code = sys.argv[5] if len(sys.argv) > 5 else None
layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
if not layer.isValid():
    print(json.dumps({"error": f"cannot open {gpkg} layer {name}"}))
    sys.exit(1)
if null_code:
    field = layer.fields().indexOf("class")
    layer.startEditing()
    for f in layer.getFeatures():
        if f["code"] == null_code:
            layer.changeAttributeValue(f.id(), field, None)
    layer.commitChanges()
message, ok = layer.loadSldStyle(sld)
if not ok:
    print(json.dumps({"error": message}))
    sys.exit(1)
settings = QgsMapSettings()
settings.setLayers([layer])
settings.setDestinationCrs(layer.crs())
settings.setExtent(layer.extent())
settings.setOutputSize(QSize(1600, 1600))
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
image.save(out)
to_pixel = settings.mapToPixel()
colors = {}
for f in layer.getFeatures():
    # The pole of inaccessibility: the interior point farthest from any edge (and stroke).
    point = f.geometry().poleOfInaccessibility(10.0)[0].asPoint()
    pixel = to_pixel.transform(point)
    colors[f["code"]] = QColor(image.pixel(int(pixel.x()), int(pixel.y()))).name()
rules = []
root = layer.renderer().rootRule() if hasattr(layer.renderer(), "rootRule") else None
for rule in root.descendants() if root else []:
    rules.append({"label": rule.label(), "filter": rule.filterExpression(), "else": rule.isElse()})
print(json.dumps({"qgis": Qgis.QGIS_VERSION, "renderer": layer.renderer().type(), "rules": rules, "colors": colors}))
