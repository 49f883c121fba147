#!/usr/bin/env bash
# Renders a SyncBench report in headless Chromium, saves screenshots, and fails on JavaScript errors.
#
#   tools/report/check-in-browser.sh REPORT_DIR [SHOTS_DIR]
#
# REPORT_DIR is what `syncbench report --out` (or ReportWriter) wrote. Screenshots go to SHOTS_DIR
# (default REPORT_DIR/screenshots): index.png (1400x2400 window: header, leaderboard, first charts),
# index-full.png (1400x9000: the whole page) and sample.png (the page of the first scored sample
# of the index's sample table, or of its first sample when none is scored). For each page the check
#   1. dumps the DOM after the scripts ran (--dump-dom) and requires <body data-ready="ok"> (set by
#      the last statement of the page's script) and no data-js-error attribute (set by the page's
#      window "error" handler);
#   2. reads Chromium's console log (--enable-logging=stderr) and fails on "Uncaught" errors and
#      on console messages of level ERROR;
#   3. fails when the rendered DOM points at anything outside the page (src/href/url() with a
#      scheme or protocol-relative URL; data: URIs and relative links are fine) or Chromium logged a
#      failed load. Host names resolve to nothing, so an external reference can never be fetched.
# Exit status: 0 when every page passes, 1 on a check failure, 2 on a usage error.
set -euo pipefail

usage() { echo "usage: $0 REPORT_DIR [SHOTS_DIR]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
report_dir=$(cd "$1" && pwd) || usage
shots_dir=${2:-$report_dir/screenshots}
mkdir -p "$shots_dir"
shots_dir=$(cd "$shots_dir" && pwd)
[[ -f $report_dir/index.html ]] || { echo "error: $report_dir/index.html not found" >&2; exit 2; }
browser=${CHROMIUM:-chromium}
command -v "$browser" >/dev/null || { echo "error: $browser not found (apt-get install chromium, or set CHROMIUM)" >&2; exit 2; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
    --user-data-dir="$profile" --host-resolver-rules="MAP * ~NOTFOUND" --disable-background-networking
    --disable-component-update --disable-sync --enable-logging=stderr --v=0 --run-all-compositor-stages-before-draw
    --virtual-time-budget=5000)

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# check_page URL NAME: DOM markers and console errors.
check_page() {
    local url=$1 name=$2 dom log
    dom="$shots_dir/$name.dom.html"
    log="$shots_dir/$name.console.log"
    "$browser" "${flags[@]}" --dump-dom "$url" >"$dom" 2>"$log" || fail "$name: chromium exited with $?"
    grep -q 'data-ready="ok"' "$dom" || fail "$name: the page script did not finish (no data-ready=\"ok\" on <body>)"
    if grep -o 'data-js-error="[^"]*"' "$dom"; then fail "$name: JavaScript error recorded by the page"; fi
    if grep -E 'Uncaught|CONSOLE\([0-9]+\).*(Error|error)|:ERROR:CONSOLE' "$log"; then fail "$name: JavaScript error in the console"; fi
    if grep -E 'net::ERR_|Failed to load resource' "$log"; then fail "$name: the page tried to load a resource"; fi
    if grep -oiE '(src|href|action|poster)="(https?:|ftp:)?//[^"]*"|url\((["'"'"'])?(https?:)?//' "$dom"; then
        fail "$name: external reference in the page"
    fi
}

# screenshot URL FILE WIDTH HEIGHT
screenshot() {
    "$browser" "${flags[@]}" --window-size="$3,$4" --screenshot="$2" "$1" 2>>"$shots_dir/screenshots.log" \
        || fail "screenshot $2: chromium exited with $?"
    [[ -s $2 ]] || fail "screenshot $2 was not written"
}

index_url="file://$report_dir/index.html"
check_page "$index_url" index
screenshot "$index_url" "$shots_dir/index.png" 1400 2400
screenshot "$index_url" "$shots_dir/index-full.png" 1400 9000

# The first scored sample's page (it has a confidence curve and thumbnails), else the first one.
samples_section=$(sed -n '/<section id="samples">/,$p' "$report_dir/index.html")
first_sample=$( (grep '<span class="status">ok</span>' <<<"$samples_section" || true; grep 'href="samples/' <<<"$samples_section") \
    | grep -o 'href="samples/[^"]*\.html"' | head -n 1 | sed 's/^href="//; s/"$//')
if [[ -z $first_sample ]]; then
    fail "index.html links to no sample page"
else
    sample_url="file://$report_dir/$first_sample"
    check_page "$sample_url" sample
    screenshot "$sample_url" "$shots_dir/sample.png" 1400 2000
fi

if ((failures > 0)); then
    echo "$failures check(s) failed; logs and DOM dumps in $shots_dir" >&2
    exit 1
fi
echo "ok: index.html and $first_sample render without JavaScript errors; screenshots in $shots_dir"
