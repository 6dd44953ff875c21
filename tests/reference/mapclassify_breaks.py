"""Reference class breaks from PySAL's mapclassify, for tests/classify_reference.rs.

Reads JSON from stdin: {"cases": [{"values": [...], "method": "quantile", "k": 5}, ...]}
Writes JSON to stdout: {"bins": [[...], ...], "version": "..."}
"""
import json
import sys
import warnings

import mapclassify

warnings.simplefilter("ignore")
METHODS = {
    "quantile": mapclassify.Quantiles,
    "equal_interval": mapclassify.EqualInterval,
    "fisher_jenks": mapclassify.FisherJenks,
}
request = json.load(sys.stdin)
out = []
for case in request["cases"]:
    classifier = METHODS[case["method"]](case["values"], k=case["k"])
    out.append([float(b) for b in classifier.bins])
json.dump({"bins": out, "version": mapclassify.__version__}, sys.stdout)
