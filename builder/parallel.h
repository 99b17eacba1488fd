// Work shared by a number of threads.
#ifndef LINKPAGE_PARALLEL_H_
#define LINKPAGE_PARALLEL_H_

#include <algorithm>
#include <cstddef>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace linkpage {

// Runs "work" on "jobs" threads at once, no more than there are "items"
// to share and at least one, the calling thread one of them, and returns
// once every one has returned. An exception "work" throws on the calling
// thread comes out after that (on another thread, as from any std::thread,
// it ends the process). "work" takes its share from a queue of its own:
// when no more threads can be started (a limit on processes, say), those
// that did start, or the calling thread alone, do it all.
inline void RunOnThreads(int jobs, size_t items,
                         const std::function<void()>& work) {
  const size_t count = std::max<size_t>(
      1, std::min(static_cast<size_t>(std::max(jobs, 0)), items));
  std::vector<std::thread> threads;
  struct Join {  // Also when "work" throws on the calling thread.
    std::vector<std::thread>& threads;
    ~Join() {
      for (std::thread& t : threads) t.join();
    }
  } join{threads};
  try {
    threads.reserve(count - 1);
    while (threads.size() + 1 < count) threads.emplace_back(work);
  } catch (const std::exception&) {
    // As many as could be started.
  }
  work();
}

}  // namespace linkpage

#endif  // LINKPAGE_PARALLEL_H_
