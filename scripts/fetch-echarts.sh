#!/bin/sh
# Re-fetch the vendored Apache ECharts build served by central (no CDN).
# Usage: scripts/fetch-echarts.sh [VERSION]   (default: the version pinned below)
# Takes dist/echarts.common.min.js (line, bar, pie, scatter + common components,
# ~0.7 MB) from the npm package and writes it with its licence under central/console/static/vendor/.
set -eu
VERSION="${1:-6.1.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/central/console/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "echarts@$VERSION" >/dev/null
tar xzf "echarts-$VERSION.tgz" package/dist/echarts.common.min.js package/LICENSE package/NOTICE
mkdir -p "$DEST"
cp package/dist/echarts.common.min.js "$DEST/echarts.min.js"
cp package/LICENSE "$DEST/echarts.LICENSE.txt"
cp package/NOTICE "$DEST/echarts.NOTICE.txt"
SUM="$(sha256sum "$DEST/echarts.min.js" | cut -d' ' -f1)"
cat > "$DEST/echarts.VERSION.txt" <<META
package: echarts (npm registry)
version: $VERSION
file: dist/echarts.common.min.js (copied as echarts.min.js)
licence: Apache-2.0 (echarts.LICENSE.txt, echarts.NOTICE.txt)
sha256: $SUM
fetched with: scripts/fetch-echarts.sh $VERSION
META
echo "echarts $VERSION -> $DEST/echarts.min.js ($SUM)"
