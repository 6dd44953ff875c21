#!/usr/bin/env bash
# Re-fetch the vendored MapLibre GL JS from the npm registry (never a CDN) and
# copy the files the map page uses into static/vendor/maplibre-gl/.
#
#   static/vendor/update-maplibre.sh            # the pinned version below
#   MAPLIBRE_VERSION=6.17.0 static/vendor/update-maplibre.sh
#
# 6.x ships ES modules only: maplibre-gl.mjs starts its web workers from
# maplibre-gl-worker.mjs next to it (same origin, allowed by worker-src 'self').
set -euo pipefail

VERSION="${MAPLIBRE_VERSION:-6.17.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$HERE/maplibre-gl"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

( cd "$TMP" && npm pack --silent "maplibre-gl@$VERSION" >/dev/null )
tar -xzf "$TMP"/maplibre-gl-"$VERSION".tgz -C "$TMP"
PKG="$TMP/package"

mkdir -p "$DEST"
rm -f "$DEST"/*
cp "$PKG/dist/maplibre-gl.mjs" \
   "$PKG/dist/maplibre-gl-worker.mjs" \
   "$PKG/dist/maplibre-gl.css" \
   "$DEST/"
# LICENSE.txt sits in dist/ in some releases and at the package root in others.
if [ -f "$PKG/dist/LICENSE.txt" ]; then cp "$PKG/dist/LICENSE.txt" "$DEST/"; else cp "$PKG/LICENSE.txt" "$DEST/"; fi
echo "$VERSION" > "$DEST/VERSION"
echo "maplibre-gl $VERSION -> $DEST"
ls -l "$DEST"
