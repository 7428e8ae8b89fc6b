#!/bin/sh
# render.sh WORKBOOK.xlsx [OUTDIR] — renders a workbook with LibreOffice to a PDF and
# one PNG per page (60 dpi), to see what a reader sees: cut-off text, ##### cells.
#
# Each sheet becomes one page, as on screen. PAGES=print renders the printed pages
# instead (page breaks, orientation and scaling as the workbook sets them). DPI=100
# renders sharper pages (default 60).
#
# Needs soffice (libreoffice-calc), pdftoppm (poppler-utils) and a CJK font
# (fonts-noto-cjk). The sample workbook of the tests:
#   MINQING_SAMPLE_XLSX=/tmp/r/sample.xlsx go test ./reports -run TestRenderSample
#   reports/render.sh /tmp/r/sample.xlsx
set -eu
in=${1:?usage: render.sh WORKBOOK.xlsx [OUTDIR]}
out=${2:-$(dirname "$in")}
mkdir -p "$out"
base=$(basename "$in" .xlsx)
filter='pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
if [ "${PAGES:-}" = print ]; then
	filter=pdf
fi
# A private profile, so a desktop LibreOffice (or another render) does not lock us out.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out/$base".pdf "$out/$base"-*.png
soffice -env:UserInstallation="file://$profile" --headless --convert-to "$filter" \
	--outdir "$out" "$in" >/dev/null 2>&1
pdftoppm -png -r "${DPI:-60}" "$out/$base.pdf" "$out/$base"
ls "$out/$base".pdf "$out/$base"-*.png
