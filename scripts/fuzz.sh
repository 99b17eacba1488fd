#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) into build-fuzz/ and runs
# each one, one after the other, for SECONDS seconds (default 60).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each target keeps its own corpus in build-fuzz/corpus/TARGET (git-ignored),
# seeded from tests/data/feeds/ and link-feeds/samples/. Targets run in
# process, one at a time (one core). Crashing inputs
# land in build-fuzz/crashes/TARGET/. Logs: build-fuzz/logs/TARGET.log.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) ||
  TARGETS=(fuzz_feed_auto fuzz_mapped_xml fuzz_mapped_json fuzz_mapped_csv
           fuzz_text)
OUT=build-fuzz

command -v clang++ >/dev/null || {
  echo "fuzz.sh: clang++ not found; apt-get install clang" >&2
  exit 1
}
cmake -S . -B "$OUT" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLINKPAGE_FUZZ=ON -DLINKPAGE_TESTS=OFF >/dev/null
cmake --build "$OUT" -j "$(nproc 2>/dev/null || echo 2)" --target "${TARGETS[@]}"

# seed TARGET DIR: the files a target starts from.
seed() {
  local target=$1 dir=$2
  mkdir -p "$dir"
  local patterns=()
  case "$target" in
    fuzz_feed_auto) patterns=('*.xml' '*.atom' '*.json' '*.rss') ;;
    fuzz_mapped_xml) patterns=('*.xml') ;;
    fuzz_mapped_json) patterns=('*.json') ;;
    fuzz_mapped_csv) patterns=('*.csv' '*.txt' '*.psv') ;;
    fuzz_text) patterns=('*') ;;
  esac
  local f
  for f in tests/data/feeds/* link-feeds/samples/*; do
    [[ -f $f ]] || continue
    for p in "${patterns[@]}"; do
      # shellcheck disable=SC2053
      if [[ $(basename "$f") == $p ]]; then
        if [[ $target == fuzz_mapped_csv ]]; then
          # The first byte picks delimiter and header (see the target).
          local b
          for b in '\x04' '\x0c' '\x06' '\x01' '\x02' '\x03'; do
            { printf "$b"; cat "$f"; } >"$dir/seed-$(basename "$f")-${b:2}"
          done
        else
          cp "$f" "$dir/seed-$(basename "$f")"
        fi
      fi
    done
  done
}

mkdir -p "$OUT/logs"
status=0
for t in "${TARGETS[@]}"; do
  corpus="$OUT/corpus/$t"
  crashes="$OUT/crashes/$t"
  mkdir -p "$crashes"
  [[ -d $corpus ]] || seed "$t" "$corpus"
  echo "fuzz.sh: $t for ${SECONDS_EACH}s" >&2
  if ! "$OUT/$t" -max_total_time="$SECONDS_EACH" \
      -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$corpus" >"$OUT/logs/$t.log" 2>&1; then
    echo "fuzz.sh: $t FAILED; see $OUT/logs/$t.log and $crashes/" >&2
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/logs/$t.log" |
          grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$OUT/logs/$t.log" | tail -1)
  echo "fuzz.sh: $t: ${execs:-?} executions, ${cov:-cov: ?}," \
       "corpus $(find "$corpus" -type f | wc -l) files" >&2
done
exit $status
