#!/usr/bin/env bash
# linkpage benchmark: linkpage (cold, warm, after a feed change) against
# Hugo and against a file-system floor, on a synthetic site of N pages.
#
#   bench/run.sh [N]      N pages, default 10000 (bench/run.sh 100000 works)
#
# Environment: RUNS (runs per scenario, default 3; the median is reported),
# NO_HUGO=1 (skip the Hugo scenario), NO_MAPPED=1 (RSS/Atom/JSON Feed only),
# LINKPAGE=PATH (time this binary instead of building one).
# Installs what it needs (Debian's hugo, the build tools), builds linkpage
# in Release into bench/work/build, keeps all data under bench/work/, prints
# the table and rewrites bench/RESULTS.md. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
RUNS=${RUNS:-3}
[[ $N =~ ^[0-9]+$ && $N -ge 1 ]] || { echo "usage: bench/run.sh [PAGES]" >&2; exit 2; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || { echo "bench: RUNS must be a number" >&2; exit 2; }
WORK=bench/work
mkdir -p "$WORK"
say() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# --- 1. what the bench needs --------------------------------------------------
PACKAGES=(hugo python3 time gcc build-essential cmake pkg-config
  libcurl4-openssl-dev libpugixml-dev nlohmann-json3-dev
  libkainjow-mustache-dev libmd4c-dev libmd4c-html0-dev libcli11-dev libjemalloc-dev
  libsimdjson-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

LINKPAGE=${LINKPAGE:-}
if [[ -z $LINKPAGE ]]; then
  say "building linkpage (Release) in $WORK/build"
  cmake -S . -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DLINKPAGE_TESTS=OFF \
    -DLINKPAGE_BENCH=ON >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; exit 1; }
  cmake --build "$WORK/build" -j "$(nproc)" >>"$WORK/cmake.log" 2>&1 ||
    { tail -50 "$WORK/cmake.log" >&2; exit 1; }
  LINKPAGE=$WORK/build/linkpage
else
  say "using the linkpage binary $LINKPAGE (LINKPAGE is set; not building)"
fi
gcc -O2 -Wall -o "$WORK/floor" bench/floor.c

# --- 2. can this linkpage parse the mapped formats (csv, xml, json)? -----------
MAPPED=()
if [[ -z ${NO_MAPPED:-} ]]; then
  rm -rf "$WORK/probe"
  python3 bench/gen_site.py --probe --out "$WORK/probe"
  if "$LINKPAGE" build --site "$WORK/probe" --offline --report "$WORK/probe/report.json" \
      2>"$WORK/probe/stderr" &&
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
sys.exit(0 if all(f["status"]=="fresh" and f["links"]>0 for f in r["feeds"]) and len(r["feeds"])==3 else 1)' \
      "$WORK/probe/report.json"; then
    MAPPED=(--mapped)
    say "mapped formats (csv, xml, json) work: the site uses all six formats"
  else
    say "mapped formats do not build here (see $WORK/probe/stderr): RSS, Atom, JSON Feed only"
  fi
fi

# --- 3. scenarios, table, RESULTS.md -----------------------------------------
NO_HUGO_FLAG=()
[[ -n ${NO_HUGO:-} ]] && NO_HUGO_FLAG=(--no-hugo)
# The stage benchmarks beside the binary, when they were built with it.
STAGES=()
for b in parse_bench render_bench; do
  if [[ -x $(dirname "$LINKPAGE")/$b ]]; then
    STAGES+=("--${b%_bench}-bench" "$(dirname "$LINKPAGE")/$b")
  fi
done
python3 bench/bench.py --pages "$N" --runs "$RUNS" --linkpage "$LINKPAGE" \
  "${STAGES[@]}" \
  --floor "$WORK/floor" --work "$WORK" "${MAPPED[@]}" "${NO_HUGO_FLAG[@]}" \
  --command "$([[ $RUNS != 3 ]] && echo "RUNS=$RUNS ")$([[ -n ${NO_HUGO:-} ]] && echo "NO_HUGO=1 ")bench/run.sh $N"
python3 bench/report.py --work "$WORK" --linkpage "$LINKPAGE" --pages "$N"
