#include "file.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "test_util.h"

namespace linkpage {
namespace {

using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// Waits up to 10 s for "flush" to have started "n" flushes.
bool AwaitFlushes(BackgroundFlush* flush, int n) {
  for (int i = 0; i < 10000 && flush->flushes() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return flush->flushes() >= n;
}

TEST_CASE("file: a background flush starts once enough has been written") {
  TempDir dir;
  BackgroundFlush flush(dir.path(), 1000);
  WriteFile(dir / "a", std::string(999, 'a'));
  flush.Wrote(999);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(flush.flushes() == 0);  // Not due: no thread, no flush.

  WriteFile(dir / "b", "b");
  flush.Wrote(1);
  REQUIRE(AwaitFlushes(&flush, 1));
  // The count starts again after each flush.
  flush.Wrote(500);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(flush.flushes() == 1);
  flush.Wrote(500);
  REQUIRE(AwaitFlushes(&flush, 2));
  CHECK(ReadFile(dir / "a") == std::string(999, 'a'));
}

TEST_CASE("file: a background flush stops with writes still coming") {
  TempDir dir;
  // Destroyed right after flushes are due, one possibly under way, and
  // never started at all: neither hangs nor crashes.
  {
    BackgroundFlush flush(dir.path(), 1);
    for (int i = 0; i < 100; ++i) flush.Wrote(1);
  }
  { BackgroundFlush unused(dir.path(), 1); }
  // A directory that is not there: nothing to flush, nothing fails.
  BackgroundFlush missing(dir / "missing", 1);
  missing.Wrote(10);
  CHECK(AwaitFlushes(&missing, 1));
}

}  // namespace
}  // namespace linkpage
