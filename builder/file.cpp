#include "file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "hash.h"
#include "unique_fd.h"

namespace linkpage {

namespace fs = std::filesystem;

ReadResult ReadWholeFile(const std::string& path, int64_t max_bytes,
                         std::string* out, std::string* why,
                         struct stat* st_out) {
  out->clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  struct stat st;
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    *why = std::strerror(errno);
    return ReadResult::kFailed;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = "not a regular file";
    return ReadResult::kFailed;
  }
  auto too_large = [&] {
    out->clear();
    return ReadResult::kTooLarge;
  };
  if (st.st_size > max_bytes) return too_large();
  // One byte more than fstat says, so that a file that grew shows.
  out->resize(static_cast<size_t>(st.st_size) + 1);
  size_t have = 0;
  for (;;) {
    if (have == out->size()) {
      if (static_cast<int64_t>(have) > max_bytes) return too_large();
      out->resize(have * 2);
    }
    ssize_t n = ::read(fd.get(), out->data() + have, out->size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *why = std::strerror(errno);
      out->clear();
      return ReadResult::kFailed;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
    // Short of the byte asked for beyond the size: the end of a regular
    // file, as fstat saw it (no second read to be told so).
    if (static_cast<int64_t>(have) == st.st_size && have < out->size()) break;
  }
  if (static_cast<int64_t>(have) > max_bytes) return too_large();
  out->resize(have);
  if (st_out) *st_out = st;
  return ReadResult::kOk;
}

uint64_t FileStamp(const struct stat& st, int64_t now_ns) {
  if (!S_ISREG(st.st_mode)) return 0;
  const int64_t mtime = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
  const int64_t ctime = st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
  if (std::max(mtime, ctime) > now_ns - 2000000000LL) return 0;
  return Hasher()
      .Add(static_cast<int64_t>(st.st_size))
      .Add(mtime)
      .Add(ctime)
      .Add(static_cast<int64_t>(st.st_ino))
      .Add(static_cast<int64_t>(st.st_dev))
      .value();
}

uint64_t FileStamp(const std::string& path, int64_t now_ns) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? FileStamp(st, now_ns) : 0;
}

bool ForEachLine(const std::string& path,
                 const std::function<void(std::string_view)>& line) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return false;
  constexpr size_t kChunk = 1 << 20;
  std::string buf;
  size_t have = 0;  // Bytes of buf read and not yet given as lines.
  for (;;) {
    if (buf.size() < have + kChunk) buf.resize(have + kChunk);
    ssize_t n = ::read(fd.get(), buf.data() + have, kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;  // A last line with no newline is not one.
    const char* p = buf.data();
    const char* end = buf.data() + have + static_cast<size_t>(n);
    for (const char* eol;
         (eol = static_cast<const char*>(std::memchr(p, '\n', end - p)));
         p = eol + 1) {
      line(std::string_view(p, static_cast<size_t>(eol - p)));
    }
    have = static_cast<size_t>(end - p);
    std::memmove(buf.data(), p, have);  // The start of a line.
  }
}

AtomicWriter::AtomicWriter(fs::path path) : path_(std::move(path)) {
  static std::atomic<unsigned> counter{0};
  tmp_ = path_.parent_path() / (".tmp-" + path_.filename().string() + "-" +
                                std::to_string(::getpid()) + "-" +
                                std::to_string(counter.fetch_add(1)));
  fd_.Reset(
      ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  created_ = fd_.get() >= 0;
  if (!created_) {
    error_ = "cannot create " + tmp_.string() + ": " + std::strerror(errno);
  }
}

AtomicWriter::~AtomicWriter() {
  if (fd_.get() < 0) return;  // Committed, or never created.
  fd_.Reset(-1);
  std::error_code ec;
  fs::remove(tmp_, ec);
}

void AtomicWriter::Write(std::string_view bytes) {
  while (error_.empty() && !bytes.empty()) {
    ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = "cannot write " + tmp_.string() + ": " + std::strerror(errno);
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void AtomicWriter::Append(std::string_view bytes) {
  if (!error_.empty()) return;
  if (buffer_.size() + bytes.size() < kChunk) {
    buffer_.append(bytes);
    return;
  }
  Write(buffer_);
  buffer_.clear();
  if (bytes.size() >= kChunk) {
    Write(bytes);
  } else {
    buffer_.append(bytes);
  }
}

bool AtomicWriter::Commit(std::string* err) {
  if (error_.empty()) Write(buffer_);
  std::string().swap(buffer_);
  if (fd_.get() >= 0 && !fd_.Close() && error_.empty()) {
    error_ = "cannot write " + tmp_.string() + ": " + std::strerror(errno);
  }
  std::error_code ec;
  if (error_.empty()) {
    fs::rename(tmp_, path_, ec);
    if (ec) {
      error_ = "cannot rename " + tmp_.string() + " to " + path_.string() +
               ": " + ec.message();
    }
  }
  if (error_.empty()) return true;
  if (created_) fs::remove(tmp_, ec);
  *err = error_;
  return false;
}

bool WriteAtomically(const fs::path& path, std::string_view bytes,
                     std::string* err) {
  AtomicWriter writer(path);
  writer.Append(bytes);
  return writer.Commit(err);
}

BackgroundFlush::BackgroundFlush(std::string dir, int64_t every)
    : dir_(std::move(dir)), every_(every) {}

BackgroundFlush::~BackgroundFlush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void BackgroundFlush::Wrote(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  unflushed_ += bytes;
  if (unflushed_ < every_) return;
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread(&BackgroundFlush::Run, this);
    } catch (const std::system_error&) {
      every_ = INT64_MAX;  // No thread to spare: the final flush does it.
      return;
    }
  }
  wake_.notify_one();
}

int BackgroundFlush::flushes() {
  std::lock_guard<std::mutex> lock(mu_);
  return flushes_;
}

void BackgroundFlush::Run() {
  UniqueFd dir(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || unflushed_ >= every_; });
    if (stop_) return;
    unflushed_ = 0;
    ++flushes_;
    lock.unlock();
    if (dir.get() >= 0) ::syncfs(dir.get());
    lock.lock();
  }
}

}  // namespace linkpage
