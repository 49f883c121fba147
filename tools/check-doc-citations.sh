#!/usr/bin/env bash
# Checks the citations of the project's specification (docs/reference/):
#
#  1. nothing cites the specification files that used to live outside the repository
#     (PIPELINE.md, NETWORKS.md, TORCH_FORMAT.md, PROTOCOLS.md, ../shared/reference/);
#  2. every `docs/reference/NAME.md` cited exists;
#  3. every section cited with it exists in that file: `§3.4`, ranges `§3.3–3.5` and `§6–§11`
#     (both ends), `section 7.1`, `§9.2 of docs/reference/pipeline.md`, `Appendix A`,
#     `Appendices A and B`, and quirks `Q5` (defined as **Q5** in the file).
#
# A citation is the text after `docs/reference/NAME.md` up to the next `*.md` on the same line
# (a citation continued on the next line is not checked). Sections are the numbers and appendix
# letters that start the file's Markdown headings (`### 3.4 …`, `## Appendix A: …`).
#
# Usage: tools/check-doc-citations.sh [PATH …]   (default: the repository's tracked and
# untracked, not ignored, files under Sources Tests tools docs README.md Package.swift .ci)
# Exit status 0 when every citation holds, 1 otherwise (each problem printed as FILE:LINE: …).
set -euo pipefail
# Byte semantics: in patterns below, a multi-byte character (§, –) is only ever grouped, as (§)?.
export LC_ALL=C
cd "$(dirname "$0")/.."

paths=("$@")
if [ ${#paths[@]} -eq 0 ]; then
    paths=(Sources Tests tools docs README.md Package.swift .ci)
fi

files() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files -co --exclude-standard -- "${paths[@]}"
    else
        find "${paths[@]}" -type f -not -path '*/.venv/*' -not -path '*/.build/*'
    fi | grep -v -e '/\.venv/' -e '/\.build/' -e '^tools/check-doc-citations\.sh$' || true
}

status=0
problem() {
    echo "$1" >&2
    status=1
}

# --- 1. citations of files outside the repository -----------------------------------------
outside='(PIPELINE|NETWORKS|TORCH_FORMAT|PROTOCOLS)\.md|shared/reference'
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    f=${hit%%:*}; rest=${hit#*:}; n=${rest%%:*}; text=${rest#*:}
    text=$(sed -E 's/^[[:space:]]+//' <<<"$text")
    problem "$f:$n: cites a specification outside the repository (cite docs/reference/ instead): ${text:0:120}"
done < <(files | tr '\n' '\0' | xargs -0 -r grep -I -n -H -E "$outside" -- 2>/dev/null || true)

# --- 2./3. citations of docs/reference/NAME.md and their sections --------------------------
declare -A sections=()   # "name" -> " 1 2 2.3 A … Q1 … "
load_sections() {
    local name=$1 file="docs/reference/$1.md" list=" "
    if [ -f "$file" ]; then
        list+=$(grep -E '^#{1,6} +([0-9]+(\.[0-9]+)*[. ]|Appendix [A-Z]\b)' "$file" |
            sed -E 's/^#+ +//; s/^Appendix ([A-Z]).*/\1/; s/^([0-9]+(\.[0-9]+)*).*/\1/' | tr '\n' ' ' || true)
        list+=$(grep -oE '\*\*Q[0-9]+\*\*' "$file" | tr -d '*' | tr '\n' ' ' || true)
        sections[$name]="$list"
    else
        sections[$name]="MISSING"
    fi
}

# Checks every section, appendix and quirk named in $3 (a citation's text) against $2.
check_refs() {
    local where=$1 name=$2 text=$3 token ref
    [ -n "${sections[$name]+x}" ] || load_sections "$name"
    if [ "${sections[$name]}" = "MISSING" ]; then
        problem "$where: cites docs/reference/$name.md, which does not exist"
        return
    fi
    local refs=()
    # §N, §N.M, ranges §A–B / §A–§B / §A-B (both ends), "section N"
    while IFS= read -r token; do
        [ -n "$token" ] || continue
        token=${token//§/}
        token=${token//section /}
        token=${token// /}
        token=${token//–/ }
        token=${token//-/ }
        for ref in $token; do refs+=("$ref"); done
    done < <(grep -oE '(§ ?|section )[0-9]+(\.[0-9]+)*((–|-)(§)?[0-9]+(\.[0-9]+)*)?' <<<"$text" || true)
    # Appendix A, Appendices A and B, Appendices A, B and C
    while IFS= read -r token; do
        [ -n "$token" ] || continue
        token=${token#Appendices}
        token=${token#Appendix}
        for ref in $(grep -oE '[A-Z]' <<<"$token" || true); do refs+=("$ref"); done
    done < <(grep -oE 'Appendi(x|ces) [A-Z]((, | and |, and )[A-Z])*([^A-Za-z0-9]|$)' <<<"$text" || true)
    # quirks
    while IFS= read -r token; do
        [ -n "$token" ] && refs+=("${token#?}")
    done < <(grep -oE '(^|[^A-Za-z0-9_])Q[0-9]+' <<<" $text" || true)
    for ref in "${refs[@]}"; do
        case "${sections[$name]}" in *" $ref "*) continue ;; esac
        case "$ref" in
        [0-9]*) problem "$where: cites docs/reference/$name.md §$ref, which has no such section" ;;
        Q*) problem "$where: cites docs/reference/$name.md quirk $ref, which it does not define" ;;
        *) problem "$where: cites docs/reference/$name.md Appendix $ref, which it does not have" ;;
        esac
    done
}

while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    file=${hit%%:*}
    rest=${hit#*:}
    lineno=${rest%%:*}
    line=${rest#*:}
    where="$file:$lineno"
    # "§9.2 of docs/reference/pipeline.md"
    while IFS= read -r before; do
        [ -n "$before" ] || continue
        name=$(sed -E 's/.*docs\/reference\/([A-Za-z0-9_-]+)\.md$/\1/' <<<"$before")
        check_refs "$where" "$name" "${before%% of *}"
    done < <(grep -oE '§ ?[0-9]+(\.[0-9]+)*((–|-)(§)?[0-9]+(\.[0-9]+)*)? of `?docs/reference/[A-Za-z0-9_-]+\.md' <<<"$line" || true)
    # "docs/reference/pipeline.md §3.4, quirk Q1": the text up to the next *.md
    while [[ $line =~ docs/reference/([A-Za-z0-9_-]+)\.md(.*)$ ]]; do
        name=${BASH_REMATCH[1]}
        line=${BASH_REMATCH[2]}
        text=$(sed -E 's/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md.*//' <<<"$line")
        check_refs "$where" "$name" "$text"
    done
done < <(files | tr '\n' '\0' | xargs -0 -r grep -I -n -H -E 'docs/reference/[A-Za-z0-9_-]+\.md' -- 2>/dev/null || true)

if [ $status -eq 0 ]; then
    echo "doc citations: ok"
fi
exit $status
