#!/usr/bin/env bash
# linkpage set-up and build driver.
#
#   ./make.sh site    install what is missing, build, and build the example
#                     site (offline, bundled feeds) into out/
#   ./make.sh test    install what is missing, build, and run every test;
#                     then build again with ASan+UBSan (build-asan/) and
#                     run every test there too
#
# Debian 12 packages are installed with apt-get (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libpugixml-dev nlohmann-json3-dev catch2
  libkainjow-mustache-dev libmd4c-dev libmd4c-html0-dev libcli11-dev
  libcpp-httplib-dev libjemalloc-dev libsimdjson-dev
)
JOBS=$(nproc 2>/dev/null || echo 2)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "make.sh: installing ${missing[*]}" >&2
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [cmake options...]
build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DLINKPAGE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

case "${1:-}" in
  site)
    install_packages
    build build -DCMAKE_BUILD_TYPE=Release -DLINKPAGE_TESTS=OFF
    ./build/linkpage build --site . --offline
    echo "make.sh: open out/index.html, or serve out/ with: python3 -m http.server -d out" >&2
    ;;
  test)
    install_packages
    build build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
    (cd build-test && ctest -j "$JOBS" --output-on-failure)
    # The same suite again under AddressSanitizer and UBSan.
    # -O1 -g1: quick to build, fast enough to run, with line numbers.
    # No -Werror: GCC's flow warnings give false positives under the
    # sanitizers (the known one, in std::regex from Catch2, is turned off
    # in CMakeLists.txt); build-test keeps -Werror.
    build build-asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" \
      -DLINKPAGE_SANITIZE=ON -DLINKPAGE_WERROR=OFF
    (cd build-asan &&
      ASAN_OPTIONS=detect_leaks=${LINKPAGE_DETECT_LEAKS:-1}:abort_on_error=1:strict_string_checks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      ctest -j "$JOBS" --output-on-failure)
    ;;
  *)
    sed -n '2,11p' "$0" >&2
    exit 2
    ;;
esac
