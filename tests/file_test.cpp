#include "file.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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

// The names in "dir", sorted.
std::vector<std::string> Names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("file: an atomic writer puts the whole file in place on commit") {
  TempDir dir;
  const std::filesystem::path path = std::filesystem::path(dir.path()) / "m";
  WriteFile(path.string(), "old");
  // Pieces small and large, past the 1 MiB it writes out at a time.
  std::string want;
  {
    AtomicWriter w(path);
    for (size_t i = 0; i < 3000; ++i) {
      const std::string piece =
          i % 1000 == 999 ? std::string(1500000, static_cast<char>('a' + i % 7))
                          : "line " + std::to_string(i) + "\n";
      w.Append(piece);
      want += piece;
      // Readers see the old file until the commit.
      if (i == 2500) CHECK(ReadFile(path.string()) == "old");
    }
    std::string err;
    REQUIRE(w.Commit(&err));
    CHECK(err.empty());
  }
  CHECK(ReadFile(path.string()) == want);
  CHECK(Names(dir.path()) == std::vector<std::string>{"m"});

  // Not committed: the old file stays, and no temp file.
  {
    AtomicWriter w(path);
    w.Append(std::string(3 << 20, 'x'));
  }
  CHECK(ReadFile(path.string()) == want);
  CHECK(Names(dir.path()) == std::vector<std::string>{"m"});

  // Cannot be created: the commit says why.
  AtomicWriter lost(std::filesystem::path(dir.path()) / "no-such-dir" / "m");
  lost.Append("x");
  std::string err;
  CHECK_FALSE(lost.Commit(&err));
  CHECK(err.find("cannot create") != std::string::npos);
  CHECK(err.find("no-such-dir") != std::string::npos);

  // Cannot be put in place (a directory is there): the commit says why,
  // and no temp file stays.
  const std::filesystem::path taken =
      std::filesystem::path(dir.path()) / "taken";
  std::filesystem::create_directories(taken / "inside");
  AtomicWriter blocked(taken);
  blocked.Append("x");
  CHECK_FALSE(blocked.Commit(&err));
  CHECK(err.find("cannot rename") != std::string::npos);
  CHECK(Names(dir.path()) == std::vector<std::string>{"m", "taken"});

  // WriteAtomically, the same in one piece.
  REQUIRE(WriteAtomically(path, "new", &err));
  CHECK(ReadFile(path.string()) == "new");
  CHECK(Names(dir.path()) == std::vector<std::string>{"m", "taken"});
}

TEST_CASE("file: ForEachLine gives every whole line, across reads") {
  TempDir dir;
  const std::string path = (std::filesystem::path(dir.path()) / "f").string();
  // Lines short and long, past the MiB read at a time, an empty one, and
  // a last one with no newline, which is not given.
  std::vector<std::string> want;
  std::string text;
  for (size_t i = 0; i < 5000; ++i) {
    std::string line = i % 1000 == 10 ? std::string(700000, 'a' + i % 7)
                       : i == 7       ? std::string()
                                      : "line " + std::to_string(i);
    text += line + "\n";
    want.push_back(line);
  }
  WriteFile(path, text + "no newline");
  std::vector<std::string> got;
  bool after_newline = true;
  REQUIRE(ForEachLine(path, [&](std::string_view line) {
    got.emplace_back(line);
    after_newline = after_newline && line.data()[line.size()] == '\n';
  }));
  CHECK(got == want);
  CHECK(after_newline);
  CHECK_FALSE(ForEachLine(path + "-none", [](std::string_view) {}));
}

TEST_CASE("file: a whole file is read, with its status, or says why not") {
  TempDir dir;
  const std::string path = dir / "f";
  std::string out, why;
  struct stat st {};
  // Sizes around the read that stops at the size fstat gave.
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096},
                      size_t{65537}, size_t{300000}}) {
    INFO("size " << size);
    std::string bytes(size, 'x');
    if (size > 0) bytes[size - 1] = '\0';
    WriteFile(path, bytes);
    REQUIRE(ReadWholeFile(path, 1 << 20, &out, &why, &st) == ReadResult::kOk);
    CHECK(out == bytes);
    struct stat want {};
    REQUIRE(::stat(path.c_str(), &want) == 0);
    CHECK(st.st_ino == want.st_ino);
    CHECK(st.st_size == static_cast<off_t>(size));
  }
  CHECK(ReadWholeFile(path, 299999, &out, &why) == ReadResult::kTooLarge);
  CHECK(out.empty());
  CHECK(ReadWholeFile(path + ".gone", 100, &out, &why) == ReadResult::kFailed);
  CHECK(why == "No such file or directory");
  CHECK(ReadWholeFile(dir.path(), 100, &out, &why) == ReadResult::kFailed);
  CHECK(why == "not a regular file");
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
