#include "read_ahead.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include "unique_fd.h"

namespace linkpage {

bool AdviseContents(const std::string& path) {
  struct stat st;
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return false;
  }
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return false;
  }
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_WILLNEED);
  return true;
}

bool LoadStatus(const std::string& path) {
  struct stat st;
  return !path.empty() && ::lstat(path.c_str(), &st) == 0;
}

int64_t ThreadBlocksRead() {
  // Without task I/O accounting the count stays 0, and /proc/self/io,
  // which shows the same counts, is not there.
  static const bool counted = ::access("/proc/self/io", F_OK) == 0;
  struct rusage usage;
  if (!counted || ::getrusage(RUSAGE_THREAD, &usage) != 0) return -1;
  return usage.ru_inblock;
}

ReadAhead::ReadAhead(size_t count, std::function<size_t(size_t)> fetch,
                     std::function<size_t()> position, size_t ahead,
                     int threads, std::function<int64_t()> blocks_read)
    : count_(count),
      fetch_(std::move(fetch)),
      position_(std::move(position)),
      ahead_(ahead),
      blocks_read_(std::move(blocks_read)) {
  const size_t wanted =
      std::min(static_cast<size_t>(std::max(threads, 0)), count);
  try {
    threads_.reserve(wanted);
    while (threads_.size() < wanted) {
      threads_.emplace_back(&ReadAhead::Run, this);
    }
  } catch (const std::exception&) {
    // No more threads to spare: those started do it, or the readers alone.
  }
}

ReadAhead::~ReadAhead() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
}

void ReadAhead::Run() {
  try {
    for (size_t i; !stop_ && (i = next_++) < count_;) {
      size_t taken;
      while (i >= (taken = position_()) + ahead_) {
        if (stop_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (i < taken) continue;  // Its reader has it already.
      if (!from_disk_ && i % kProbeEvery != 0) continue;
      const int64_t before = blocks_read_();
      fetched_ += fetch_(i);
      if (before < 0 || blocks_read_() != before) {
        in_memory_ = 0;
        from_disk_ = true;
      } else if (from_disk_ && ++in_memory_ >= kInMemory) {
        from_disk_ = false;
      }
    }
  } catch (const std::exception&) {
    // Out of memory, say: the files are read as they come.
  }
}

}  // namespace linkpage
