#include "file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "unique_fd.h"

namespace linkpage {

namespace fs = std::filesystem;

ReadResult ReadWholeFile(const std::string& path, int64_t max_bytes,
                         std::string* out, std::string* why) {
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
  }
  if (static_cast<int64_t>(have) > max_bytes) return too_large();
  out->resize(have);
  return ReadResult::kOk;
}

bool WriteAtomically(const fs::path& path, std::string_view bytes,
                     std::string* err) {
  static std::atomic<unsigned> counter{0};
  fs::path tmp = path.parent_path() /
                 (".tmp-" + path.filename().string() + "-" +
                  std::to_string(::getpid()) + "-" +
                  std::to_string(counter.fetch_add(1)));
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                     0644));
  if (fd.get() < 0) {
    *err = "cannot create " + tmp.string() + ": " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *err = "cannot write " + tmp.string() + ": " + std::strerror(errno);
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (!fd.Close()) {
    *err = "cannot write " + tmp.string() + ": " + std::strerror(errno);
    std::error_code ec;
    fs::remove(tmp, ec);
    return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    *err = "cannot rename " + tmp.string() + " to " + path.string() + ": " +
           ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
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
