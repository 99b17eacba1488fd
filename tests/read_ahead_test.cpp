#include "read_ahead.h"

#include <sys/inotify.h>
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
#include "unique_fd.h"

namespace linkpage {
namespace {

using test::ReadFile;
using test::TempDir;
using test::WriteFile;

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

TEST_CASE("read-ahead: keeps its distance from the readers") {
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

TEST_CASE("read-ahead: on several threads fetches each item once") {
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

TEST_CASE("read-ahead: threads wait for the disk together") {
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

TEST_CASE("read-ahead: reads every item only while it goes to the disk") {
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
  static_assert(kInMemory % kProbeEvery == 0 && kInMemory < 100);
  std::vector<size_t> expected;
  // Every item, until kInMemory in a row are in memory.
  for (size_t i = 0; i < kInMemory; ++i) expected.push_back(i);
  // Probes, until one reads the disk (the first at 100 or after); then
  // every item, until kInMemory in a row are in memory again (201 on);
  // then probes.
  const size_t on = (100 + kProbeEvery - 1) / kProbeEvery * kProbeEvery;
  const size_t off = 200 + kInMemory;
  for (size_t i = kInMemory; i < on; i += kProbeEvery) expected.push_back(i);
  for (size_t i = on; i <= off; ++i) expected.push_back(i);
  for (size_t i = (off / kProbeEvery + 1) * kProbeEvery; i < kItems;
       i += kProbeEvery) {
    expected.push_back(i);
  }
  REQUIRE(AwaitFetched(ahead, expected.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(fetched == expected);
}

TEST_CASE("read-ahead: with nothing to do") {
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

TEST_CASE(
    "read-ahead: contents of regular files only; the status of anything") {
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

TEST_CASE("read-ahead: a FIFO is never opened") {
  // Opening a FIFO would let a writer waiting on it go. inotify reports
  // every open of a watched file: none for the FIFO, one for a regular
  // file (the check that the watch works).
  TempDir dir;
  const std::string fifo = dir / "fifo", file = dir / "file";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  WriteFile(file, "x");
  UniqueFd watch(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  REQUIRE(watch.get() >= 0);
  REQUIRE(::inotify_add_watch(watch.get(), fifo.c_str(), IN_OPEN) >= 0);
  REQUIRE(::inotify_add_watch(watch.get(), file.c_str(), IN_OPEN) >= 0);
  auto opens = [&] {
    alignas(struct inotify_event) char buf[4096];
    const ssize_t n = ::read(watch.get(), buf, sizeof buf);
    return n > 0 ? n / static_cast<ssize_t>(sizeof(struct inotify_event)) : 0;
  };
  CHECK_FALSE(AdviseContents(fifo));
  CHECK(opens() == 0);
  CHECK(AdviseContents(file));
  CHECK(opens() == 1);
}

TEST_CASE("read-ahead: stops while it waits for the readers") {
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

TEST_CASE("read-ahead: a thread's blocks read, where they are counted") {
  const int64_t first = ThreadBlocksRead();
  if (::access("/proc/self/io", F_OK) != 0) {
    CHECK(first == -1);  // Not counted: every item is read ahead.
    return;
  }
  CHECK(first >= 0);
  CHECK(ThreadBlocksRead() >= first);  // Never fewer.
}

}  // namespace
}  // namespace linkpage
