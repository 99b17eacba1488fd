#include "read_ahead.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/mman.h>
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

// Whether any page of the file at "path" is in the page cache.
bool AnyPageCached(const std::string& path, size_t size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return true;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) return true;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> cached((size + page - 1) / page);
  const bool ok = ::mincore(map, size, cached.data()) == 0;
  ::munmap(map, size);
  return !ok || std::any_of(cached.begin(), cached.end(),
                            [](unsigned char c) { return (c & 1) != 0; });
}

TEST_CASE("read-ahead: a thread's blocks read, where they are counted") {
  const int64_t first = ThreadBlocksRead();
  if (::access("/proc/self/io", F_OK) != 0) {
    CHECK(first == -1);  // Not counted: every item is read ahead.
    return;
  }
  REQUIRE(first >= 0);

  // A file on the disk and not in memory: written, flushed, and dropped
  // from the page cache.
  TempDir dir;
  const std::string path = dir / "on-disk";
  constexpr size_t kSize = 1 << 20;
  WriteFile(path, std::string(kSize, 'x'));
  {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd.get() >= 0);
    REQUIRE(::fdatasync(fd.get()) == 0);
    REQUIRE(::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED) == 0);
  }
  if (AnyPageCached(path, kSize)) {
    // A file system the page cache is the store of (tmpfs) keeps it.
    WARN("the page cache keeps " << path << ": no disk read to count");
    CHECK(ThreadBlocksRead() >= first);
    return;
  }
  // Another thread's reads are not this thread's.
  const int64_t before = ThreadBlocksRead();
  int64_t other_before = 0, other_after = 0;
  std::thread([&] {
    other_before = ThreadBlocksRead();
    CHECK(AdviseContents(path));
    other_after = ThreadBlocksRead();
  }).join();
  CHECK(other_after > other_before);  // The kernel's read, asked here.
  CHECK(ThreadBlocksRead() == before);
}

}  // namespace
}  // namespace linkpage
