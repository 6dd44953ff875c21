#!/usr/bin/env bash
# Regenerates glyphs/ (the SDF glyph ranges served at /fonts/{fontstack}/{range}.pbf) from
# Debian's Noto Sans (fonts-noto-core, SIL Open Font License 1.1), with its licence beside
# them. Run once after changing scripts/make-glyphs.py; the output is committed, so neither
# the build nor the tests need FreeType. Needs apt (as root) and pip (freetype-py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fonts=/usr/share/fonts/truetype/noto
if [ ! -f "$fonts/NotoSans-Regular.ttf" ]; then
    apt-get install -y --no-install-recommends fonts-noto-core
fi
venv="$root/.venv-glyphs"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q 'freetype-py==2.5.1'
rm -rf "$root/glyphs"
"$venv/bin/python" "$root/scripts/make-glyphs.py" "$fonts" "$root/glyphs"
{
    echo "The glyphs under this folder are rendered from Noto Sans (Regular and Bold),"
    echo "Debian package fonts-noto-core $(dpkg-query -W -f '${Version}' fonts-noto-core),"
    echo "by scripts/make-glyphs.sh. They are a Modified Version of the Font Software and"
    echo "are distributed under the same licence."
    echo
    echo "Copyright 2010, 2012-2020 Google Inc.; 2015-2020 Google LLC."
    echo "This Font Software is licensed under the SIL Open Font License, Version 1.1."
    echo
    # The licence text, from Debian's copyright file (its "License: OFL-1.1" stanza).
    awk 'prev == "" && /^License: OFL-1.1$/ { on = 1; next }
         { prev = $0 }
         on && /^[^ ]/ { exit }
         on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print }' \
        /usr/share/doc/fonts-noto-core/copyright
} >"$root/glyphs/OFL.txt"
echo "glyphs/ regenerated"
