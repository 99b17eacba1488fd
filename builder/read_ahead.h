// Reading files ahead of the threads that will read them.
#ifndef LINKPAGE_READ_AHEAD_H_
#define LINKPAGE_READ_AHEAD_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace linkpage {

// Asks the kernel to start reading a regular file's contents
// (posix_fadvise WILLNEED) and returns at once; false when "path" is not
// a regular file that can be opened (its reader reports that). Only what
// stat() calls a regular file is opened: opening a FIFO would let a
// writer waiting on it go.
bool AdviseContents(const std::string& path);

// Reads the status of "path" (lstat: a symbolic link is not followed), for
// the file-system metadata on the way to it to be in memory when it is
// needed; false when there is none.
bool LoadStatus(const std::string& path);

// The blocks the calling thread has asked the disk for so far (getrusage's
// ru_inblock: reads it submitted, data and file-system metadata, its
// posix_fadvise's included); -1 where the system does not count them (no
// task I/O accounting: no /proc/self/io).
int64_t ThreadBlocksRead();

// Reads ahead for readers that take items 0, 1, ... of "count" in order.
// "fetch(i)" (AdviseContents, LoadStatus) reads item i ahead and returns
// how many files it read; it is called on threads of the read-ahead's own,
// "threads" at once (no more than "count"), for items the readers have not
// taken yet and at most "ahead" past them ("position()": how many they
// have taken). Both are called from several threads at once, and must
// stay valid until the destructor, which waits for the calls under way.
//
// A build whose inputs are not in memory (a nightly run) then has many
// reads under way instead of waiting for the disk once per file; one whose
// inputs are (a run soon after another) would only pay for reading twice.
// So every item is read ahead only while reading ahead goes to the disk
// ("blocks_read()" grows on the fetching thread, or is -1: the system
// cannot tell): from the first item until kInMemory in a row are found in
// memory, then from the next item in kProbeEvery that goes to the disk
// (one in kProbeEvery is read ahead, to notice) until kInMemory in a row
// are again, and so on. Where reads are not counted as the thread's (a
// network file system's metadata), the read-ahead mostly only probes.
class ReadAhead {
 public:
  static constexpr size_t kProbeEvery = 16;
  static constexpr size_t kInMemory = 64;

  ReadAhead(size_t count, std::function<size_t(size_t)> fetch,
            std::function<size_t()> position, size_t ahead, int threads,
            std::function<int64_t()> blocks_read = ThreadBlocksRead);
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead();  // Stops.

  // Files fetch() read so far.
  size_t fetched() const { return fetched_.load(); }

 private:
  void Run();

  const size_t count_;
  const std::function<size_t(size_t)> fetch_;
  const std::function<size_t()> position_;
  const size_t ahead_;
  const std::function<int64_t()> blocks_read_;
  std::atomic<size_t> next_{0};  // The next item to read ahead.
  std::atomic<bool> stop_{false};
  std::atomic<bool> from_disk_{true};  // Every item is read ahead.
  std::atomic<size_t> in_memory_{0};   // Items found in memory since the disk.
  std::atomic<size_t> fetched_{0};
  std::vector<std::thread> threads_;
};

}  // namespace linkpage

#endif  // LINKPAGE_READ_AHEAD_H_
