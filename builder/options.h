// What one run was asked to do: the command-line flags and the test seams.
#ifndef LINKPAGE_OPTIONS_H_
#define LINKPAGE_OPTIONS_H_

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <thread>

#include "config.h"

namespace linkpage {

struct Options {
  std::string site_dir = ".";
  std::string out_dir;  // Empty: SITE/out.
  bool offline = false;
  bool strict = false;
  int jobs = 0;  // 0: one per core.
  std::string report_path;
  bool progress = false;  // Show progress on the log (a terminal).
  // Write nothing, not even the parse notes (linkpage check); implies
  // nothing of "offline".
  bool read_only = false;
  // Seams for tests: the environment and the clock (seconds since the
  // epoch; std::nullopt: the real clock).
  EnvLookup env = ProcessEnv();
  std::optional<int64_t> now;
};

// The run's clock: options.now, else the real one.
inline int64_t Now(const Options& options) {
  return options.now ? *options.now : static_cast<int64_t>(std::time(nullptr));
}

// Threads for parsing, rendering and staging: options.jobs, else one per
// core.
inline int Jobs(const Options& options) {
  if (options.jobs > 0) return options.jobs;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return cores > 0 ? cores : 1;
}

}  // namespace linkpage

#endif  // LINKPAGE_OPTIONS_H_
