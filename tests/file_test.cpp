#include "file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
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

// Waits up to 10 s for "ahead" to have read "n" files ahead.
bool AwaitFetched(const ReadAhead& ahead, size_t n) {
  for (int i = 0; i < 10000 && ahead.fetched() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return ahead.fetched() == n;
}

// A count of blocks read from the disk that grows at every look: every
// read ahead seems to go to the disk, so every item is read ahead.
std::function<int64_t()> AlwaysFromDisk() {
  auto blocks = std::make_shared<std::atomic<int64_t>>(0);
  return [blocks] { return ++*blocks; };
}

TEST_CASE("file: read-ahead keeps its distance from the readers") {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 10; ++i) {
    paths.push_back(dir / std::to_string(i));
    WriteFile(paths.back(), std::string(100, 'x'));
  }
  std::atomic<size_t> taken{0};
  ReadAhead ahead(
      paths.size(),
      [&](size_t i) -> size_t { return AdviseContents(paths[i]); },
      [&] { return taken.load(); }, 3, 4, AlwaysFromDisk());
  REQUIRE(AwaitFetched(ahead, 3));  // Files 0-2, and no further.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(ahead.fetched() == 3);
  // Files the readers have taken are passed over (3 and 4), the next are
  // read ahead (5-7).
  taken = 5;
  REQUIRE(AwaitFetched(ahead, 6));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(ahead.fetched() == 6);
  taken = 8;  // To the end: 8 and 9.
  CHECK(AwaitFetched(ahead, 8));
}

TEST_CASE("file: read-ahead on several threads fetches each item once") {
  constexpr size_t kItems = 2000;
  std::vector<std::atomic<int>> fetched(kItems);
  ReadAhead ahead(
      kItems,
      [&](size_t i) -> size_t {
        ++fetched[i];
        return 2;  // Two files an item.
      },
      [] { return 0; }, kItems, 8, AlwaysFromDisk());
  REQUIRE(AwaitFetched(ahead, 2 * kItems));
  for (size_t i = 0; i < kItems; ++i) {
    INFO("item " << i);
    CHECK(fetched[i] == 1);
  }
}

TEST_CASE("file: read-ahead threads wait for the disk together") {
  // Each fetch waits until three are under way at once (or 10 s pass).
  std::mutex mu;
  std::condition_variable cv;
  int under_way = 0, most = 0;
  ReadAhead ahead(
      3,
      [&](size_t) -> size_t {
        std::unique_lock<std::mutex> lock(mu);
        most = std::max(most, ++under_way);
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return most >= 3; });
        --under_way;
        return 1;
      },
      [] { return 0; }, 3, 3, AlwaysFromDisk());
  REQUIRE(AwaitFetched(ahead, 3));
  CHECK(most == 3);
}

TEST_CASE("file: read-ahead reads every item only while it goes to the disk") {
  // Items 100-200 are on the disk: reading them ahead reads blocks.
  constexpr size_t kItems = 400;
  std::atomic<int64_t> blocks{0};
  std::vector<size_t> fetched;  // One thread: in order.
  ReadAhead ahead(
      kItems,
      [&](size_t i) -> size_t {
        fetched.push_back(i);
        if (i >= 100 && i <= 200) blocks += 8;
        return 1;
      },
      [] { return 0; }, kItems, 1, [&] { return blocks.load(); });
  constexpr size_t kInMemory = ReadAhead::kInMemory;
  constexpr size_t kProbeEvery = ReadAhead::kProbeEvery;
  static_assert(kInMemory % kProbeEvery == 0 && kInMemory < 96);
  std::vector<size_t> expected;
  // Every item, until kInMemory in a row are in memory.
  for (size_t i = 0; i < kInMemory; ++i) expected.push_back(i);
  // Probes, until one reads the disk (112); then every item, until
  // kInMemory in a row are in memory again (201 on).
  for (size_t i = kInMemory; i < 112; i += kProbeEvery) expected.push_back(i);
  for (size_t i = 112; i <= 200 + kInMemory; ++i) expected.push_back(i);
  for (size_t i = 272; i < kItems; i += kProbeEvery) expected.push_back(i);
  REQUIRE(AwaitFetched(ahead, expected.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(fetched == expected);
}

TEST_CASE("file: read-ahead with nothing to do") {
  std::atomic<int> calls{0};
  auto fetch = [&](size_t) -> size_t {
    ++calls;
    return 1;
  };
  {
    ReadAhead none(
        0, fetch, [] { return 0; }, 10, 8, AlwaysFromDisk());
  }
  {
    ReadAhead no_threads(
        5, fetch, [] { return 0; }, 10, 0, AlwaysFromDisk());
  }
  CHECK(calls == 0);
}

TEST_CASE("file: contents are read ahead of regular files only") {
  TempDir dir;
  WriteFile(dir / "file", "x");
  std::filesystem::create_directory(dir / "dir");
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  std::filesystem::create_symlink(dir / "file", dir / "to-file");
  std::filesystem::create_symlink(dir / "fifo", dir / "to-fifo");
  std::filesystem::create_symlink(dir / "missing", dir / "dangling");
  // Contents are read ahead of a regular file only (of a link's target);
  // the status of anything there is read, a FIFO's without opening it, a
  // link's without following it.
  struct Case {
    const char* name;
    bool contents, status;
  };
  for (const Case& c : {Case{"file", true, true}, Case{"to-file", true, true},
                        Case{"fifo", false, true}, Case{"to-fifo", false, true},
                        Case{"dangling", false, true}, Case{"dir", false, true},
                        Case{"missing", false, false}}) {
    INFO(c.name);
    CHECK(AdviseContents(dir / c.name) == c.contents);
    CHECK(LoadStatus(dir / c.name) == c.status);
  }
  CHECK_FALSE(AdviseContents(""));
  CHECK_FALSE(LoadStatus(""));
}

TEST_CASE("file: reading a FIFO ahead does not let its writer go") {
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // A writer opening a FIFO waits for a reader to open it.
  std::atomic<bool> opened{false};
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    opened = true;
    if (fd >= 0) ::close(fd);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(AdviseContents(fifo));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(opened);
  // The reader it waits for.
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.join();
  if (fd >= 0) ::close(fd);
  CHECK(opened);
}

TEST_CASE("file: read-ahead stops while it waits for the readers") {
  TempDir dir;
  WriteFile(dir / "a", "a");
  const auto start = std::chrono::steady_clock::now();
  {
    ReadAhead ahead(
        1000, [&](size_t) -> size_t { return AdviseContents(dir / "a"); },
        [] { return 0; }, 1, 4, AlwaysFromDisk());
    REQUIRE(AwaitFetched(ahead, 1));
  }  // Stops, though 999 files are left.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

}  // namespace
}  // namespace linkpage
