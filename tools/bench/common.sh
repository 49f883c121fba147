# Shared by the scripts in tools/bench/ (sourced after they `cd` to the repository root).

data=../shared/data

# bench_setup BINARY NEEDED: checks that NEEDED (a path under the shared data) and GNU time are
# there, builds BINARY when it is missing, and makes $work (removed at exit) holding the stand-in
# weights in $work/weights.
bench_setup() {
  [ -e "$data/$2" ] || { echo "needs $data/$2 (the shared test data)" >&2; exit 2; }
  [ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }
  [ -x "$1" ] || swift build -c release --product syncbench
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$1" weights standin "$work/weights" > /dev/null
}

# median "V1 V2 ...": the median of space-separated numbers.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# spread "V1 V2 ...": (max - min) / median, in whole per cent.
spread() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f", 100 * (v[NR] - v[1]) / m }'; }
