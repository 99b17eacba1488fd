#include "fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>

#include "file.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

bool StartsWithNoCase(const std::string& s, const char* prefix) {
  size_t n = std::strlen(prefix);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() &&
        std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// ---- libcurl handles, owned ----------------------------------------------

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct MultiDeleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

struct EasyDeleter {
  void operator()(CURL* e) const { curl_easy_cleanup(e); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// One HTTP request in flight: an easy handle added to the multi handle,
// and what its callbacks collect. Removes itself from the multi handle on
// destruction, so it must die before the multi handle does.
class Attempt {
 public:
  Attempt(CURLM* multi, size_t job, int64_t max_bytes)
      : multi_(multi), job_(job), max_bytes_(max_bytes) {}
  ~Attempt() {
    if (added_) curl_multi_remove_handle(multi_, easy_.get());
  }
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;

  // Sets up the easy handle; false when libcurl is out of memory.
  bool Init(const HttpRequest& request, long timeout_ms,
            long connect_timeout_ms, bool* conditional) {
    const FeedConfig& feed = *request.feed;
    easy_.reset(curl_easy_init());
    if (!easy_) return false;
    CURL* e = easy_.get();
    errbuf_[0] = '\0';
    SlistPtr headers;
    auto add_header = [&](const std::string& line) {
      curl_slist* l = curl_slist_append(headers.get(), line.c_str());
      if (!l) return false;
      (void)headers.release();
      headers.reset(l);
      return true;
    };
    for (const auto& [name, value] : feed.headers) {
      if (!add_header(name + ": " + value)) return false;
    }
    *conditional = false;
    if (!request.if_none_match.empty()) {
      if (!add_header("If-None-Match: " + request.if_none_match)) {
        return false;
      }
      *conditional = true;
    }
    if (!request.if_modified_since.empty()) {
      if (!add_header("If-Modified-Since: " + request.if_modified_since)) {
        return false;
      }
      *conditional = true;
    }
    headers_ = std::move(headers);
    bool ok =
        curl_easy_setopt(e, CURLOPT_URL, feed.url.c_str()) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PRIVATE, this) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf_) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Attempt::OnData) ==
            CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_WRITEDATA, this) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_.get()) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_USERAGENT, "linkpage/" LINKPAGE_VERSION) ==
            CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") ==
            CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") ==
            CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms) ==
            CURLE_OK &&
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(max_bytes_)) == CURLE_OK;
    if (!ok) return false;
    // Optional features: a libcurl built without HTTP/2 or without zlib
    // still fetches, plainly.
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                     static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    return true;
  }

  bool Add() {
    added_ = curl_multi_add_handle(multi_, easy_.get()) == CURLM_OK;
    return added_;
  }

  CURL* easy() const { return easy_.get(); }
  size_t job() const { return job_; }
  std::string& body() { return body_; }
  bool too_big() const { return too_big_; }
  const char* errbuf() const { return errbuf_; }

  // A response header of the last response (after redirects), or "".
  std::string Header(const char* name) const {
    curl_header* h = nullptr;
    if (curl_easy_header(easy_.get(), name, 0, CURLH_HEADER, -1, &h) !=
            CURLHE_OK ||
        !h || !h->value) {
      return "";
    }
    return h->value;
  }

 private:
  static size_t OnData(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Attempt*>(user);
    const size_t bytes = size * n;
    long status = 0;
    curl_easy_getinfo(self->easy_.get(), CURLINFO_RESPONSE_CODE, &status);
    // Only a 2xx body is kept; an error page is read and thrown away.
    if (status < 200 || status > 299) return bytes;
    if (static_cast<int64_t>(self->body_.size() + bytes) > self->max_bytes_) {
      self->too_big_ = true;
      return 0;  // Aborts the transfer with CURLE_WRITE_ERROR.
    }
    self->body_.append(data, bytes);
    return bytes;
  }

  CURLM* multi_;
  size_t job_;  // Index of its Job.
  int64_t max_bytes_;
  EasyPtr easy_;
  SlistPtr headers_;
  std::string body_;
  bool too_big_ = false;
  bool added_ = false;
  char errbuf_[CURL_ERROR_SIZE];
};

// Failures worth another attempt: the network or the server may do better
// a moment later.
bool TransientCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool TransientStatus(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

// One request's progress through its attempts.
struct Job {
  const HttpRequest* request = nullptr;
  FetchResult result;
  Clock::time_point start, deadline, not_before;
  bool conditional = false;
  std::unique_ptr<Attempt> attempt;  // While a request is in flight.
};

// A retry may start only with at least this much of the budget left.
constexpr auto kMinAttemptTime = std::chrono::milliseconds(250);

class Scheduler {
 public:
  Scheduler(const std::vector<HttpRequest>& requests,
            const FetchPolicy& policy)
      : policy_(policy), jobs_(requests.size()), rng_(std::random_device{}()) {
    const Clock::time_point now = Clock::now();
    for (size_t i = 0; i < requests.size(); ++i) {
      Job& job = jobs_[i];
      job.request = &requests[i];
      job.result.source = requests[i].feed->url;
      job.start = now;  // Reset when it actually starts.
      ready_.push_back(i);
    }
  }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  std::vector<FetchResult> Run() {
    GlobalInit();
    multi_.reset(curl_multi_init());
    if (!multi_) {
      for (Job& job : jobs_) job.result.error = "libcurl is out of memory";
      return Results();
    }
    const long jobs = std::max(1, policy_.jobs);
    // Every transfer gets a connection at once: a transfer curl queued
    // for a free connection would spend its timeout_seconds waiting.
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, jobs);
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, jobs);
    curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, jobs);
    for (;;) {
      const Clock::time_point now = Clock::now();
      // Retries whose wait is over go first: their budget is running.
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (jobs_[*it].not_before <= now) {
          ready_.push_front(*it);
          it = waiting_.erase(it);
        } else {
          ++it;
        }
      }
      while (active_ < jobs && !ready_.empty()) {
        size_t i = ready_.front();
        ready_.pop_front();
        Start(i);
      }
      if (active_ == 0 && ready_.empty() && waiting_.empty()) break;
      int running = 0;
      curl_multi_perform(multi_.get(), &running);
      bool finished = false;
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Attempt* attempt = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &attempt);
        if (attempt && attempt->job() < jobs_.size() &&
            jobs_[attempt->job()].attempt.get() == attempt) {
          Finish(attempt->job(), msg->data.result);
          finished = true;
        }
      }
      if (finished) continue;  // Free slots: start the next transfers.
      // Sleep until curl has work, a retry is due, or at most a second;
      // curl_multi_poll also wakes for curl's own timers.
      auto wait = std::chrono::milliseconds(1000);
      for (size_t i : waiting_) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(
                         jobs_[i].not_before - now) +
                     std::chrono::milliseconds(1);
        wait = std::min(wait, until);
      }
      wait = std::max(wait, std::chrono::milliseconds(0));
      curl_multi_poll(multi_.get(), nullptr, 0,
                      static_cast<int>(wait.count()), nullptr);
    }
    return Results();
  }

 private:
  std::vector<FetchResult> Results() {
    std::vector<FetchResult> out;
    out.reserve(jobs_.size());
    for (Job& job : jobs_) out.push_back(std::move(job.result));
    return out;
  }

  void Start(size_t i) {
    Job& job = jobs_[i];
    const FeedConfig& feed = *job.request->feed;
    const Clock::time_point now = Clock::now();
    if (job.result.attempts == 0) {
      job.start = now;
      job.deadline = now + std::chrono::seconds(feed.timeout_seconds);
    }
    long left_ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline -
                                                              now)
            .count());
    left_ms = std::max(left_ms, 1L);
    long connect_ms = std::min(left_ms, kConnectTimeoutSeconds * 1000L);
    job.attempt = std::make_unique<Attempt>(multi_.get(), i, feed.max_bytes);
    if (!job.attempt->Init(*job.request, left_ms, connect_ms,
                           &job.conditional) ||
        !job.attempt->Add()) {
      job.attempt.reset();
      job.result.error = feed.url + ": libcurl could not start the request";
      Done(i);
      return;
    }
    ++job.result.attempts;
    ++active_;
  }

  void Done(size_t i) {
    Job& job = jobs_[i];
    job.result.seconds = Seconds(Clock::now() - job.start);
  }

  // Classifies a finished attempt: success, a final failure, or a retry.
  void Finish(size_t i, CURLcode rc) {
    Job& job = jobs_[i];
    std::unique_ptr<Attempt> attempt = std::move(job.attempt);
    --active_;
    const FeedConfig& feed = *job.request->feed;
    FetchResult& r = job.result;
    long status = 0;
    curl_easy_getinfo(attempt->easy(), CURLINFO_RESPONSE_CODE, &status);
    r.http_status = status;
    curl_off_t retry_after = 0;
    bool transient = false;
    r.error.clear();
    if (rc == CURLE_OK && status >= 200 && status <= 299) {
      r.ok = true;
      r.body = std::move(attempt->body());
      r.etag = attempt->Header("ETag");
      r.last_modified = attempt->Header("Last-Modified");
    } else if (rc == CURLE_OK && status == 304 && job.conditional) {
      r.ok = true;
      r.not_modified = true;
      r.etag = attempt->Header("ETag");
      r.last_modified = attempt->Header("Last-Modified");
    } else if (rc == CURLE_OK) {
      transient = TransientStatus(status);
      r.error = "HTTP " + std::to_string(status) + " from " + feed.url;
      if (status == 429 || status == 503) {
        curl_easy_getinfo(attempt->easy(), CURLINFO_RETRY_AFTER, &retry_after);
      }
    } else if (attempt->too_big() || rc == CURLE_FILESIZE_EXCEEDED) {
      r.error = feed.url + " sent more than max_bytes (" +
                std::to_string(feed.max_bytes) + " bytes); raise " +
                "\"max_bytes\" in " + feed.file + " if that is expected";
    } else if (rc == CURLE_OPERATION_TIMEDOUT &&
               Clock::now() + kMinAttemptTime >= job.deadline) {
      r.error = "no complete response from " + feed.url +
                " within timeout_seconds (" +
                std::to_string(feed.timeout_seconds) + " s, set in " +
                feed.file + ")";
    } else {
      transient = TransientCurlError(rc);
      std::string detail =
          attempt->errbuf()[0] ? attempt->errbuf() : curl_easy_strerror(rc);
      r.error = feed.url + ": " + detail;
      if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        r.error += " (only http and https are followed)";
      }
    }
    attempt.reset();
    if (!transient) {
      if (!r.ok && r.attempts > 1) {
        r.error += " (after " + std::to_string(r.attempts) + " attempts)";
      }
      Done(i);
      return;
    }
    // Transient: wait, then try again, if that fits in the budget.
    const Clock::time_point now = Clock::now();
    double backoff = std::min(
        policy_.max_backoff_seconds,
        policy_.first_backoff_seconds * std::pow(2.0, r.attempts - 1));
    backoff *= std::uniform_real_distribution<double>(0.8, 1.2)(rng_);
    if (retry_after > 0) backoff = std::max(backoff, double(retry_after));
    auto wait = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(backoff));
    if (r.attempts >= policy_.max_attempts) {
      r.error += " (after " + std::to_string(r.attempts) + " attempts)";
      Done(i);
      return;
    }
    if (now + wait + kMinAttemptTime > job.deadline) {
      r.error += retry_after > 0
                     ? "; its Retry-After (" + std::to_string(retry_after) +
                           " s) does not fit in timeout_seconds (" +
                           std::to_string(feed.timeout_seconds) + " s)"
                     : "; no time left to retry within timeout_seconds (" +
                           std::to_string(feed.timeout_seconds) + " s)";
      if (r.attempts > 1) {
        r.error += " (after " + std::to_string(r.attempts) + " attempts)";
      }
      Done(i);
      return;
    }
    job.not_before = now + wait;
    waiting_.push_back(i);
  }

  const FetchPolicy& policy_;
  MultiPtr multi_;  // Declared before jobs_: outlives every Attempt.
  std::vector<Job> jobs_;
  std::deque<size_t> ready_;
  std::vector<size_t> waiting_;
  long active_ = 0;
  std::minstd_rand rng_;
};

}  // namespace

std::string LocalPath(const std::string& site_dir, const FeedConfig& feed) {
  const std::string& url = feed.url;
  if (StartsWithNoCase(url, "http://") || StartsWithNoCase(url, "https://")) {
    return "";
  }
  if (StartsWithNoCase(url, "file://")) {
    std::string rest = url.substr(7);
    // file://localhost/path and file:///path; a relative file:path too.
    if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
    return PercentDecode(rest);
  }
  fs::path p(url);
  return p.is_absolute() ? url : (fs::path(site_dir) / p).string();
}

FetchResult ReadLocalFeed(const std::string& site_dir,
                          const FeedConfig& feed) {
  auto start = Clock::now();
  FetchResult r;
  r.source = LocalPath(site_dir, feed);
  std::string why;
  switch (ReadWholeFile(r.source, feed.max_bytes, &r.body, &why)) {
    case ReadResult::kOk:
      break;
    case ReadResult::kTooLarge:
      r.error = r.source + " is larger than max_bytes (" +
                std::to_string(feed.max_bytes) + "); raise \"max_bytes\" in " +
                feed.file + " if it is expected";
      return r;
    case ReadResult::kFailed:
      r.error = "cannot read " + r.source + ": " + why + " (from \"url\" in " +
                feed.file + ")";
      return r;
  }
  r.ok = true;
  r.seconds = Seconds(Clock::now() - start);
  return r;
}

std::vector<FetchResult> FetchHttp(const std::vector<HttpRequest>& requests,
                                   const FetchPolicy& policy) {
  if (requests.empty()) return {};
  Scheduler scheduler(requests, policy);
  return scheduler.Run();
}

}  // namespace linkpage
