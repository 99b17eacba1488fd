#include "parallel.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace linkpage {
namespace {

TEST_CASE("parallel: work runs on every thread at once") {
  // Each thread waits until all four are in (or 10 s pass).
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> ids;
  RunOnThreads(4, [&] {
    std::unique_lock<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10),
                [&] { return ids.size() >= 4; });
  });
  CHECK(ids.size() == 4);
  CHECK(ids.count(std::this_thread::get_id()) == 1);
}

TEST_CASE("parallel: count 0 or 1 runs work once, on the calling thread") {
  for (size_t count : {0, 1}) {
    std::atomic<int> runs{0};
    std::thread::id where;
    RunOnThreads(count, [&] {
      ++runs;
      where = std::this_thread::get_id();
    });
    CHECK(runs == 1);
    CHECK(where == std::this_thread::get_id());
  }
}

TEST_CASE("parallel: a throw on the calling thread waits for the others") {
  std::atomic<int> finished{0};
  const std::thread::id caller = std::this_thread::get_id();
  CHECK_THROWS_AS(
      RunOnThreads(3,
                   [&] {
                     if (std::this_thread::get_id() == caller) {
                       throw std::runtime_error("failed");
                     }
                     std::this_thread::sleep_for(std::chrono::milliseconds(50));
                     ++finished;
                   }),
      std::runtime_error);
  CHECK(finished == 2);
}

}  // namespace
}  // namespace linkpage
