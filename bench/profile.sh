#!/usr/bin/env bash
# Where does linkpage spend its time? Profiles one cold build of a generated
# site (the same generator as bench/run.sh).
#
#   bench/profile.sh [PAGES]            perf, default 1000 pages
#   TOOL=callgrind bench/profile.sh 100 callgrind (slow: ~50x; use few pages)
#
# Builds linkpage RelWithDebInfo with frame pointers into
# bench/work/build-prof, writes bench/work/profile-PAGES/{perf.data or
# callgrind.out, top.txt} and prints the top of the profile.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
TOOL=${TOOL:-perf}
WORK=bench/work
OUT=$WORK/profile-$N
mkdir -p "$OUT"

need=()
case $TOOL in
  perf) command -v perf >/dev/null || need+=(linux-perf) ;;
  callgrind) command -v valgrind >/dev/null || need+=(valgrind) ;;
  *) echo "profile: TOOL must be perf or callgrind" >&2; exit 2 ;;
esac
if ((${#need[@]})); then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${need[@]}" >/dev/null
fi

cmake -S . -B "$WORK/build-prof" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLINKPAGE_TESTS=OFF -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer" >/dev/null
cmake --build "$WORK/build-prof" -j "$(nproc)" >/dev/null
BIN=$WORK/build-prof/linkpage

mapped=(--mapped)
[[ -n ${NO_MAPPED:-} ]] && mapped=()
python3 bench/gen_site.py --pages "$N" --out "$OUT/site" "${mapped[@]}"
CMD=("$BIN" build --site "$OUT/site" --offline --report "$OUT/report.json")

case $TOOL in
  perf)
    perf record -q -F 999 --call-graph fp -o "$OUT/perf.data" "${CMD[@]}" 2>/dev/null
    {
      echo "== self time (perf, --no-children) =="
      perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none \
        2>/dev/null | grep -E '^ +[0-9]' | head -25
      echo
      echo "== inclusive time (perf, --children) =="
      perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none \
        2>/dev/null | grep -E '^ +[0-9]' | head -40
    } | cut -c1-160 >"$OUT/top.txt"
    ;;
  callgrind)
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" "${CMD[@]}" 2>/dev/null
    callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null |
      grep -E '^ *[0-9][0-9,]+ \(' | head -45 | cut -c1-200 >"$OUT/top.txt"
    ;;
esac
echo "== stage timings (report) ==" >>"$OUT/top.txt"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_seconds"])' \
  "$OUT/report.json" >>"$OUT/top.txt"
cat "$OUT/top.txt"
