#!/bin/sh
# look.sh [OUTDIR] — writes the sample workbooks of the tests (the district's, one
# township's, and the district's auditor copy) and renders their printed pages to
# PNG, to look at what a reader prints: cut-off Chinese, ##### columns, charts,
# page breaks. Pages come in sheet order: 封面 and 目录, then 概览 (tables, then the charts on a
# page of their own), 超期及逾期办结 after 综合排名.
#
#   reports/look.sh /tmp/look && ls /tmp/look/*.png
set -eu
out=${1:-/tmp/minqing-look}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
MINQING_SAMPLE_XLSX="$out/district.xlsx" MINQING_SAMPLE_SCOPE=district \
	go test "$here" -run '^TestRenderSample$' -count=1 >/dev/null
MINQING_SAMPLE_XLSX="$out/township.xlsx" MINQING_SAMPLE_SCOPE=township \
	go test "$here" -run '^TestRenderSample$' -count=1 >/dev/null
MINQING_SAMPLE_XLSX="$out/auditor.xlsx" MINQING_SAMPLE_SCOPE=auditor \
	go test "$here" -run '^TestRenderSample$' -count=1 >/dev/null
for f in district township auditor; do
	PAGES=print DPI=${DPI:-80} "$here/render.sh" "$out/$f.xlsx" "$out"
done
