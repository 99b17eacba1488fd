#include "lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace linkpage {

SiteLock::~SiteLock() {
  if (fd_ >= 0) ::close(fd_);  // Closing releases the flock.
}

bool SiteLock::Acquire(const std::string& path, std::string* err) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = "cannot open the lock file " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    if (e != EWOULDBLOCK) {
      *err = "cannot lock " + path + ": " + std::strerror(e);
      return false;
    }
    std::string pid = n > 0 ? std::string(buf, n) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
      pid.pop_back();
    }
    *err = "another linkpage run (pid " + pid + ") is working on this site "
           "(lock " + path + "); this run does nothing";
    return false;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) !=
          static_cast<ssize_t>(pid.size())) {
    // The pid is informational only; the flock is what excludes.
  }
  fd_ = fd;
  return true;
}

}  // namespace linkpage
