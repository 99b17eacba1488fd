#!/usr/bin/env bash
# Fetch-stage benchmark: 200 feeds on a local server (20 hang, 20 answer
# 500), timed concurrently and one at a time. See bench/fetch/README.md.
#
#   bench/fetch/run.sh [JOBS...]     default: 0 (the default, 32), 16, 1
#
# Builds the library (Release) into build-bench/, then the bench program.
# Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build-bench
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLINKPAGE_TESTS=OFF \
  >/dev/null
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" \
  --target linkpage_lib >/dev/null
VERSION=$(sed -n 's/^project(linkpage VERSION \([0-9.]*\).*/\1/p' \
  CMakeLists.txt)
# shellcheck disable=SC2046
g++ -std=c++20 -O2 -Wall -Wextra -Wshadow -Ibuilder -Itests \
  -DLINKPAGE_VERSION="\"$VERSION\"" $(pkg-config --cflags cpp-httplib) \
  bench/fetch/fetch_bench.cpp "$BUILD/liblinkpage_lib.a" \
  $(pkg-config --libs libcurl cpp-httplib) -lpugixml -lmd4c-html -lmd4c \
  -pthread -o "$BUILD/fetch_bench"
exec "$BUILD/fetch_bench" "$@"
