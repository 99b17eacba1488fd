// One run at a time per site.
#ifndef LINKPAGE_LOCK_H_
#define LINKPAGE_LOCK_H_

#include <string>

namespace linkpage {

// An exclusive flock(2) on a file, released when this object dies (or the
// process does, so a lock left by a killed run never blocks the next one).
class SiteLock {
 public:
  SiteLock() = default;
  ~SiteLock();
  SiteLock(const SiteLock&) = delete;
  SiteLock& operator=(const SiteLock&) = delete;

  // Takes the lock on "path" (created if missing) without waiting and
  // writes this process's pid into it. When another process holds it,
  // returns false with "*err" naming that process's pid.
  bool Acquire(const std::string& path, std::string* err);

 private:
  int fd_ = -1;
};

}  // namespace linkpage

#endif  // LINKPAGE_LOCK_H_
