#!/usr/bin/env bash
# Checks the layout of the Swift code against .swift-format with the toolchain's formatter:
# `swift format lint --strict` (indentation of 4 spaces, line breaks and spacing as swift-format
# prints them, lines of at most 200 characters). Only layout: every lint rule (naming, force
# unwraps, documentation, …) is off in .swift-format; the check is format, not taste.
#
# Files that did not follow that layout when the check was introduced are listed in
# tools/format-baseline.txt and not checked; every other Swift file must pass. Reformat a listed
# file (`swift format -i --configuration .swift-format FILE`) when you own its changes, then
# delete its line; the check names listed files that already pass.
#
# Usage: tools/check-format.sh        Exit status 0 when every checked file passes, 1 otherwise.
# Without `swift format` in the toolchain (Swift < 6) it says so and passes.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

if ! swift format --version >/dev/null 2>&1; then
    echo "format: skipped (this toolchain has no 'swift format')" >&2
    exit 0
fi

baseline=tools/format-baseline.txt
mapfile -t files < <(
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard -- '*.swift'
    else
        find . -name '*.swift' -not -path './.build/*' -not -path '*/.venv/*' | sed 's|^\./||'
    fi | grep -v -e '^\.build/' -e '/\.venv/' | sort
)
declare -A listed=()
if [ -f "$baseline" ]; then
    while IFS= read -r line; do
        line=${line%%#*}
        line=${line%"${line##*[![:space:]]}"}
        [ -n "$line" ] && listed[$line]=1
    done <"$baseline"
fi

# One run over every file (listed ones too, to tell which of them already pass).
findings=$(swift format lint --strict --parallel --configuration .swift-format "${files[@]}" 2>&1 || true)
declare -A failing=()
while IFS= read -r finding; do
    [ -n "$finding" ] || continue
    file=${finding%%:*}
    file=${file#"$PWD/"}
    failing[$file]=1
    [ -n "${listed[$file]+x}" ] || echo "$finding" >&2
done <<<"$findings"

status=0
for file in "${!failing[@]}"; do
    [ -n "${listed[$file]+x}" ] || status=1
done
for file in "${!listed[@]}"; do
    if [ ! -f "$file" ]; then
        echo "format: note: $baseline lists $file, which does not exist: delete its line" >&2
    elif [ -z "${failing[$file]+x}" ]; then
        echo "format: note: $file now passes: delete its line from $baseline" >&2
    fi
done
if [ $status -eq 0 ]; then
    echo "format: ok (${#files[@]} files, ${#listed[@]} in $baseline unchecked)"
else
    echo "format: the findings above break .swift-format's layout (swift format -i --configuration .swift-format FILE fixes them)" >&2
fi
exit $status
