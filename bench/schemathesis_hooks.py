"""Schemathesis hooks for cluster-atlas (loaded by bench/schemathesis.sh).

OpenAPI 3.0 cannot say that one parameter's allowed values depend on another's, so a
schema-valid request can still break a rule that /api states in words. Before each
*positive* test case (one that schemathesis means to be valid) is sent, this hook makes it
obey those rules, so that `positive_data_acceptance` tests everything else strictly.
Negative cases (meant to be rejected) are never touched.

The rules, as the server enforces them and /api describes them:
  1. `period` must be one of the named indicator's own periods (from /indicators).
  2. `breaks` goes with `method=manual` and only with it, and must be increasing.
  3. `indicator` on tiles needs the layer its values ride on: clusters, or lsoa for the
     LSOA-level indicators (the WIMD 2019 ones, whose levels include "lsoa").
  4. Tile x and y must lie inside the 2^z grid (and URI-template placeholders such as
     "{z}", which stateful runs copy out of /catalog, are not tile addresses).
  5. bbox: latitudes within ±90, west ≤ east, south ≤ north (in EPSG:4326, `bbox-crs`'s
     axis order puts latitudes first).
  6. `filter` is CQL2 on the collection's queryables (a grammar no schema states): a
     positive case gets a valid filter in its `filter-lang`; tiles take one only with the
     lsoa or clusters layer.
  7. `vintage` (the WIMD edition): 2025 has no domains, so a domain other than `overall`
     goes with 2019; on TileJSON the edition is the LSOA layer's own (2019 for lsoa and
     wales, 2025 for lsoa21), and lsoa21 has no domains.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request

import schemathesis

BASE_URL = os.environ.get("CA_BASE_URL", "http://127.0.0.1:8080").rstrip("/")

with urllib.request.urlopen(f"{BASE_URL}/indicators", timeout=30) as response:
    _INDICATORS = json.load(response)["indicators"]
    PERIODS = {i["id"]: i["periods"] for i in _INDICATORS}
    LSOA_LEVEL = {i["id"] for i in _INDICATORS if "lsoa" in i.get("levels", [])}


def _indicator(case) -> str | None:
    query = case.query or {}
    if "indicator" in query:
        return query["indicator"]
    path_id = (case.path_parameters or {}).get("indicator")
    if path_id is not None:
        return re.sub(r"\.(csv|json)$", "", str(path_id))
    return None


def _numbers(text: str) -> list[float]:
    out = []
    for part in str(text).split(","):
        try:
            out.append(float(part))
        except ValueError:
            pass
    return out


def _repair_query(case) -> None:
    query = case.query
    if query is None:
        return
    indicator = _indicator(case)
    # 1. A period of the indicator itself.
    if indicator in PERIODS and "period" in query and query["period"] not in PERIODS[indicator]:
        query["period"] = PERIODS[indicator][-1]
    # 2. breaks <=> method=manual, increasing.
    if "breaks" in query or query.get("method") == "manual":
        values = sorted(set(_numbers(query.get("breaks", ""))))
        if len(values) < 2:
            values = [1.0, 2.0]
        query["method"] = "manual"
        query["breaks"] = ",".join(repr(v) for v in values[:8])
    # 7. WIMD 2025 has no domains.
    if query.get("vintage") == "2025" and query.get("domain", "overall") != "overall":
        query["vintage"] = "2019"
    # 5. bbox ordering and latitude range.
    bbox = query.get("bbox")
    parts = bbox.split(",") if isinstance(bbox, str) else bbox
    if isinstance(parts, (list, tuple)) and len(parts) == 4:
        try:
            w, s, e, n = (float(v) for v in parts)
        except (TypeError, ValueError):
            return
        if str(query.get("bbox-crs", "")).endswith("/EPSG/0/4326"):
            w, s, e, n = s, w, n, e
        s, n = (max(-90.0, min(90.0, v)) for v in (s, n))
        w, e = min(w, e), max(w, e)
        s, n = min(s, n), max(s, n)
        if str(query.get("bbox-crs", "")).endswith("/EPSG/0/4326"):
            w, s, e, n = s, w, n, e
        query["bbox"] = ",".join(repr(v) for v in (w, s, e, n)) if isinstance(bbox, str) else [w, s, e, n]


VALID_FILTERS = {
    "cql2-text": "NOT code IS NULL",
    "cql2-json": '{"op":"not","args":[{"op":"isNull","args":[{"property":"code"}]}]}',
}


def _repair_filter(case) -> None:
    query = case.query
    if not query or "filter" not in query:
        return
    # 6. A valid CQL2 filter; tiles filter only their lsoa and clusters layers.
    path = case.path_parameters or {}
    layers = path.get("layers", path.get("collectionId"))
    if layers is not None and str(layers) != "wales" and not {"lsoa", "clusters"} & set(str(layers).split(",")):
        query.pop("filter")
        return
    query["filter"] = VALID_FILTERS.get(query.get("filter-lang", "cql2-text"), VALID_FILTERS["cql2-text"])


def _repair_tile(case) -> None:
    path = case.path_parameters or {}
    query = case.query or {}
    layers = path.get("layers", path.get("collectionId"))
    # 3. Indicator tiles need the layer the indicator's values ride on.
    if layers is not None and "indicator" in query:
        names = str(layers).removesuffix(".json")
        needed = "lsoa" if query["indicator"] in LSOA_LEVEL else "clusters"
        if names != "wales" and needed not in names.split(","):
            query.pop("indicator")
    # 7. TileJSON's legend is its LSOA layer's own edition (path values arrive
    # percent-encoded: `lsoa%2Clsoa21`).
    if layers is not None and ("vintage" in query or "domain" in query):
        from urllib.parse import unquote

        names = unquote(str(layers)).removesuffix(".json")
        names = ["lsoa", "clusters", "health_boards"] if names == "wales" else names.split(",")
        lsoa = next((n for n in names if n in ("lsoa", "lsoa21")), None)
        if lsoa == "lsoa21":
            query.pop("domain", None)
            if "vintage" in query:
                query["vintage"] = "2025"
        elif lsoa == "lsoa" and "vintage" in query:
            query["vintage"] = "2019"
    # 4. x and y inside the grid.
    z_key, x_key, y_key = ("z", "x", "y") if "z" in path else ("tileMatrix", "tileCol", "tileRow")
    # Stateful runs take values from earlier responses, including the URI templates in
    # /catalog and TileJSON ("{z}"): those are placeholders, not values.
    for key in (z_key, x_key, y_key):
        if isinstance(path.get(key), str) and path[key].startswith(("{", "%7B")):
            path[key] = 0
    z = _whole(path.get(z_key))
    if z is None or z > 22:
        return
    size = 1 << z
    for key in (x_key, y_key):
        value = path.get(key)
        m = re.fullmatch(r"([0-9]+)(\.pbf|\.mvt)?", str(value))
        if m is None:
            continue
        wrapped = int(m.group(1)) % size
        path[key] = wrapped if isinstance(value, int) and not m.group(2) else f"{wrapped}{m.group(2) or ''}"


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    _repair_query(case)
    _repair_tile(case)
    _repair_filter(case)


def _limit_above_maximum_only(case) -> bool:
    """Whether the query is schema-valid but for a `limit` above its documented maximum,
    which OGC API Features says to cap rather than refuse (/req/core/fc-limit-response-1)."""
    from schemathesis.core.parameters import ParameterLocation

    query = dict(case.query or {})
    limit = query.get("limit")
    if not (isinstance(limit, int) and not isinstance(limit, bool)) and not (
        isinstance(limit, str) and limit.isdigit()
    ):
        return False
    parameters = case.operation.get_parameter_set(ParameterLocation.QUERY)
    if parameters is None:
        return False
    query["limit"] = 1
    return parameters.get_strict_validator().is_valid(query)


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """Drop known false positives of negative_data_rejection: a documented cap (`limit`
    above its maximum is capped, as OGC API Features requires), and a path quirk.

    Schemathesis keeps path parameters percent-encoded, so a layer list such as
    `health_boards,lsoa` is checked against the schema as `health_boards%2Clsoa`, fails the
    enum, and the case counts as invalid although the server received exactly
    `health_boards,lsoa`. A failure is dropped only when the path is the sole invalid part of
    the case and its values, decoded as the server decodes them, satisfy the schema.
    """
    from urllib.parse import unquote

    from schemathesis.core.parameters import ParameterLocation

    if type(failure).__name__ != "AcceptedNegativeData" or case.meta is None:
        return True
    negative = [loc for loc, c in case.meta.components.items() if c.mode.is_negative]
    if negative == [ParameterLocation.QUERY] and _limit_above_maximum_only(case):
        log = os.environ.get("CA_FILTERED_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{case.operation.label} limit={case.query.get('limit')!r} -> {response.status_code} (capped)\n")
        return False
    if negative != [ParameterLocation.PATH]:
        return True
    decoded = {
        k: unquote(v) if isinstance(v, str) else v for k, v in (case.path_parameters or {}).items()
    }
    parameters = case.operation.get_parameter_set(ParameterLocation.PATH)
    if parameters is None or not parameters.get_strict_validator().is_valid(decoded):
        return True
    log = os.environ.get("CA_FILTERED_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{case.operation.label} {case.path_parameters!r} -> {response.status_code}\n")
    return False
