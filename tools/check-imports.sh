#!/usr/bin/env bash
# Checks that Package.swift says what the code does (docs/architecture.md, "Layer rules"):
#
#  1. every module a target's Swift files import is a direct dependency of that target in
#     Package.swift (a target, or a product such as Crypto or GRDB), or a module of the toolchain
#     (Foundation, Dispatch, Glibc, Synchronization, …; Testing and XCTest in test targets only);
#  2. each C module is imported, and declared as a dependency, only by its owner target:
#     CFFmpeg and CJPEG by Media, COpenBLAS, CBFloat16 and CPrefetch by Tensor, CCairo by Reports;
#  3. inside Media, only the files of Sources/Media/LibAV/ call FFmpeg functions (libavformat,
#     libavcodec, libavutil, libswscale, libswresample: a call `av_…(`, `avcodec_…(`,
#     `avformat_…(`, `avio_…(`, `sws_…(`, `swr_…(`, or a `cffmpeg_…` shim symbol) — the one layer
#     every FFmpeg call passes through (docs/architecture.md). Comments are not checked.
#
# Package.swift is read as text: each `.target(`, `.executableTarget(` and `.testTarget(` call with
# its `name:`, optional `path:` (default Sources/NAME, Tests/NAME for test targets) and the quoted
# names in its `dependencies: [...]` (`.product(name: "Crypto", package: …)` counts as Crypto).
# An import is a line `import M`, `@testable import M`, `import struct M.T`, … outside a
# block comment; `M.Sub` counts as M.
#
# Usage: tools/check-imports.sh        Exit status 0 when every import is declared, 1 otherwise
# (each problem printed as FILE:LINE: …). Needs bash, grep, sed and awk only.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

# Owner target of each C module.
declare -A owner=([CFFmpeg]=Media [CJPEG]=Media [COpenBLAS]=Tensor [CBFloat16]=Tensor [CPrefetch]=Tensor [CCairo]=Reports)
# Modules of the toolchain any target may import.
system=" Foundation FoundationEssentials FoundationInternationalization FoundationNetworking FoundationXML Dispatch Glibc Musl Darwin Android WinSDK Synchronization Observation RegexBuilder Distributed Swift _Concurrency _StringProcessing "
# ... and test targets in addition.
testing=" Testing XCTest "

status=0
problem() {
    echo "$1" >&2
    status=1
}

# One line per target: KIND<TAB>NAME<TAB>PATH<TAB>DEP DEP …
targets=$(
    sed -E 's://.*$::' Package.swift | awk '
    { text = text $0 "\n" }
    END {
        while (match(text, /\.(target|executableTarget|testTarget)\(/)) {
            kind = substr(text, RSTART + 1, RLENGTH - 2)
            rest = substr(text, RSTART + RLENGTH)
            depth = 1
            for (i = 1; i <= length(rest) && depth > 0; i++) {
                c = substr(rest, i, 1)
                if (c == "(" || c == "[") depth++
                else if (c == ")" || c == "]") depth--
            }
            call = substr(rest, 1, i - 2)
            text = substr(rest, i)
            if (!match(call, /name: *"[^"]+"/)) continue
            name = substr(call, RSTART, RLENGTH); sub(/^name: *"/, "", name); sub(/"$/, "", name)
            path = (kind == "testTarget" ? "Tests/" : "Sources/") name
            if (match(call, /path: *"[^"]+"/)) {
                path = substr(call, RSTART, RLENGTH); sub(/^path: *"/, "", path); sub(/"$/, "", path)
            }
            deps = ""
            if (match(call, /dependencies: *\[/)) {
                list = substr(call, RSTART + RLENGTH)
                depth = 1
                for (i = 1; i <= length(list) && depth > 0; i++) {
                    c = substr(list, i, 1)
                    if (c == "[" || c == "(") depth++
                    else if (c == "]" || c == ")") depth--
                }
                list = substr(list, 1, i - 2)
                gsub(/package: *"[^"]*"/, "", list)
                while (match(list, /"[^"]+"/)) {
                    deps = deps " " substr(list, RSTART + 1, RLENGTH - 2)
                    list = substr(list, RSTART + RLENGTH)
                }
            }
            printf "%s\t%s\t%s\t%s\n", kind, name, path, deps
        }
    }'
)
if [ -z "$targets" ]; then
    echo "check-imports: no targets found in Package.swift" >&2
    exit 1
fi

while IFS=$'\t' read -r kind name path deps; do
    declared=" $deps "
    # Rule 2 for Package.swift: only the owner declares a C module.
    for dep in $deps; do
        if [ -n "${owner[$dep]+x}" ] && [ "${owner[$dep]}" != "$name" ]; then
            problem "Package.swift: target $name depends on $dep, which only ${owner[$dep]} may use"
        fi
    done
    [ -d "$path" ] || { problem "Package.swift: target $name: no folder $path"; continue; }
    allowed="$system"
    [ "$kind" = "testTarget" ] && allowed+="$testing"
    while IFS= read -r hit; do
        [ -n "$hit" ] || continue
        file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
        module=$(sed -E 's/^[[:space:]]*((@[A-Za-z_]+|public|package|internal|private|fileprivate)[[:space:]]+)*import[[:space:]]+((typealias|struct|class|enum|protocol|let|var|func)[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*).*/\5/' <<<"$text")
        if [ -n "${owner[$module]+x}" ]; then
            if [ "${owner[$module]}" != "$name" ]; then
                problem "$file:$line: $name imports $module, a C module only ${owner[$module]} may import"
                continue
            fi
        fi
        case "$allowed" in *" $module "*) continue ;; esac
        [ "$module" = "$name" ] && continue
        case "$declared" in *" $module "*) continue ;; esac
        problem "$file:$line: $name imports $module, which Package.swift does not list among its dependencies"
    done < <(find "$path" -name '*.swift' -type f -print0 | sort -z |
        xargs -0 -r awk '
            FNR == 1 { comment = 0 }
            {
                line = $0
                if (comment) { if (index(line, "*/")) { comment = 0; sub(/.*\*\//, "", line) } else next }
                if (line ~ /^[[:space:]]*\/\*/ && !index(line, "*/")) { comment = 1; next }
                if (line ~ /^[[:space:]]*((@[A-Za-z_]+|public|package|internal|private|fileprivate)[[:space:]]+)*import[[:space:]]+[A-Za-z_]/)
                    print FILENAME ":" FNR ":" line
            }')
done <<<"$targets"

# Rule 3: FFmpeg is called only from Media's LibAV layer.
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    problem "$hit: an FFmpeg call outside Sources/Media/LibAV/ (go through the LibAV layer)"
done < <(find Sources -name '*.swift' -type f -not -path 'Sources/Media/LibAV/*' -print0 | sort -z |
    xargs -0 -r awk '
        FNR == 1 { comment = 0 }
        {
            line = $0
            if (comment) { if (index(line, "*/")) { comment = 0; sub(/.*\*\//, "", line) } else next }
            if (line ~ /^[[:space:]]*\/\*/ && !index(line, "*/")) { comment = 1; next }
            sub(/\/\/.*$/, "", line)
            gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
            if (line ~ /(^|[^A-Za-z0-9_.])(av|avcodec|avformat|avio|avutil|sws|swr|swscale|swresample)_[a-z0-9_]+[[:space:]]*\(/ || line ~ /cffmpeg_/)
                print FILENAME ":" FNR ": " $0
        }')

if [ $status -eq 0 ]; then
    echo "imports: ok ($(wc -l <<<"$targets") targets)"
fi
exit $status
