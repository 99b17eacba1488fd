// RAII for POSIX file descriptors.
#ifndef LINKPAGE_UNIQUE_FD_H_
#define LINKPAGE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace linkpage {

// Owns a file descriptor (or -1) and closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Owns "fd" from now on, closing the one it held.
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now, reporting the error close(2) may return.
  bool Close() {
    int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_ = -1;
};

}  // namespace linkpage

#endif  // LINKPAGE_UNIQUE_FD_H_
