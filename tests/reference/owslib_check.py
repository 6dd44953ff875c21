"""OWSLib (the standard Python OGC API client) against a running cluster-atlas, with its
default settings: landing page, collections, items in EPSG:27700, queryables and a CQL2
filter. Prints one JSON report line for tests/ogc.rs.

Usage: owslib_check.py BASE_URL
"""
import json
import sys

from owslib.ogcapi.features import Features

BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
FILTER = "wimd_quintile = 1 AND hb_code = 'W11000028'"

base = sys.argv[1]
api = Features(base)  # defaults: no headers, Accept: */*
report = {"landing_links": sorted({link["rel"] for link in api.links})}
report["conformance"] = api.conformance()["conformsTo"]
report["collections"] = [c["id"] for c in api.collections()["collections"]]
report["feature_collections"] = api.feature_collections()
items = api.collection_items("lsoa", limit=5, crs=BNG)
report["bng_content_crs"] = api.response_headers.get("Content-Crs")
first = items["features"][0]["geometry"]["coordinates"]
while isinstance(first[0], list):
    first = first[0]
report["bng_first_position"] = first
report["queryables"] = sorted(api.collection_queryables("lsoa")["properties"])
filtered = api.collection_items("lsoa", limit=1000, filter=FILTER)
report["filter_matched"] = filtered["numberMatched"]
report["filter_codes"] = sorted(f["id"] for f in filtered["features"])
item = api.collection_item("lsoa", "W01000240")
report["item_id"] = item["id"]
print(json.dumps(report))
