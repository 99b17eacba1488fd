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
  RunOnThreads(4, 100, [&] {
    std::unique_lock<std::mutex> lock(mu);
    ids.insert(std::this_thread::get_id());
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(10),
                [&] { return ids.size() >= 4; });
  });
  CHECK(ids.size() == 4);
  CHECK(ids.count(std::this_thread::get_id()) == 1);
}

TEST_CASE("parallel: no more threads than items, and at least one") {
  struct Case {
    int jobs;
    size_t items, threads;
  };
  for (const Case& c : {Case{4, 2, 2}, Case{4, 1, 1}, Case{4, 0, 1},
                        Case{1, 9, 1}, Case{0, 9, 1}, Case{-3, 9, 1}}) {
    INFO("jobs " << c.jobs << ", items " << c.items);
    std::mutex mu;
    std::set<std::thread::id> ids;
    size_t runs = 0;
    RunOnThreads(c.jobs, c.items, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
      ++runs;
    });
    CHECK(runs == c.threads);
    CHECK(ids.size() == c.threads);
    CHECK(ids.count(std::this_thread::get_id()) == 1);
  }
}

TEST_CASE("parallel: a throw on the calling thread waits for the others") {
  std::atomic<int> finished{0};
  const std::thread::id caller = std::this_thread::get_id();
  CHECK_THROWS_AS(
      RunOnThreads(3, 3,
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
