// fetch.cpp against real servers on 127.0.0.1 (tests/http_server.h).
#include "fetch.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "http_server.h"

namespace linkpage {
namespace {

using test::HttpServer;
using test::RawServer;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

FeedConfig Feed(const std::string& url, int timeout_seconds = 5) {
  FeedConfig f;
  f.name = "test";
  f.file = "link-feeds/test.json";
  f.url = url;
  f.timeout_seconds = timeout_seconds;
  return f;
}

FetchResult FetchOne(const FeedConfig& feed, const FetchPolicy& policy = {},
                     const std::string& etag = "",
                     const std::string& last_modified = "") {
  HttpRequest request;
  request.feed = &feed;
  request.if_none_match = etag;
  request.if_modified_since = last_modified;
  std::vector<FetchResult> r = FetchHttp({request}, policy);
  REQUIRE(r.size() == 1);
  return r[0];
}

// Retries quickly, so that retry tests stay fast.
FetchPolicy FastRetries() {
  FetchPolicy p;
  p.first_backoff_seconds = 0.05;
  p.max_backoff_seconds = 0.2;
  return p;
}

const char kBody[] = "<rss version=\"2.0\"><channel></channel></rss>";

TEST_CASE("fetch: 200 returns the body, validators and sends our headers") {
  HttpServer s;
  s.server().Get("/feed", [](const httplib::Request&, httplib::Response& r) {
    r.set_header("ETag", "\"v1\"");
    r.set_header("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();
  FeedConfig feed = Feed(s.Url("/feed"));
  feed.headers = {{"Authorization", "Bearer secret"}};
  FetchResult r = FetchOne(feed);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK_FALSE(r.not_modified);
  CHECK(r.body == kBody);
  CHECK(r.http_status == 200);
  CHECK(r.attempts == 1);
  CHECK(r.etag == "\"v1\"");
  CHECK(r.last_modified == "Tue, 14 Nov 2023 22:13:20 GMT");
  CHECK(r.source == feed.url);
  CHECK(s.LastHeader("/feed", "User-Agent") == "linkpage/" LINKPAGE_VERSION);
  CHECK(s.LastHeader("/feed", "Authorization") == "Bearer secret");
  CHECK_THAT(s.LastHeader("/feed", "Accept-Encoding"),
             Catch::Contains("gzip"));
  CHECK(s.LastHeader("/feed", "If-None-Match").empty());
}

TEST_CASE("fetch: 304 answers a conditional request") {
  HttpServer s;
  s.server().Get("/etag", [](const httplib::Request& q, httplib::Response& r) {
    if (q.get_header_value("If-None-Match") == "\"v1\"") {
      r.status = 304;
      r.set_header("ETag", "\"v1\"");
      return;
    }
    r.set_content(kBody, "application/rss+xml");
  });
  s.server().Get("/lm", [](const httplib::Request& q, httplib::Response& r) {
    if (q.has_header("If-Modified-Since")) {
      r.status = 304;
      return;
    }
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();

  FeedConfig by_etag = Feed(s.Url("/etag"));
  FetchResult r = FetchOne(by_etag, {}, "\"v1\"");
  INFO(r.error);
  CHECK(r.ok);
  CHECK(r.not_modified);
  CHECK(r.body.empty());
  CHECK(r.http_status == 304);
  CHECK(r.etag == "\"v1\"");
  CHECK(s.LastHeader("/etag", "If-None-Match") == "\"v1\"");

  FeedConfig by_date = Feed(s.Url("/lm"));
  const std::string date = "Tue, 14 Nov 2023 22:13:20 GMT";
  r = FetchOne(by_date, {}, "", date);
  CHECK(r.ok);
  CHECK(r.not_modified);
  CHECK(s.LastHeader("/lm", "If-Modified-Since") == date);

  // Without validators the server sends the body.
  r = FetchOne(by_date);
  CHECK(r.ok);
  CHECK_FALSE(r.not_modified);
  CHECK(r.body == kBody);
}

TEST_CASE("fetch: 404 is final and not retried") {
  HttpServer s;
  s.server().Get("/gone", [](const httplib::Request&, httplib::Response& r) {
    r.status = 404;
  });
  s.Start();
  FetchResult r = FetchOne(Feed(s.Url("/gone")), FastRetries());
  CHECK_FALSE(r.ok);
  CHECK(r.http_status == 404);
  CHECK(r.attempts == 1);
  CHECK_THAT(r.error, Catch::Contains("HTTP 404") &&
                          Catch::Contains(s.Url("/gone")));
  CHECK(s.Hits("/gone") == 1);
}

TEST_CASE("fetch: 500 then 200 is retried and succeeds") {
  HttpServer s;
  std::atomic<int> calls{0};
  s.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& r) {
    if (calls++ == 0) {
      r.status = 500;
      return;
    }
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();
  FetchResult r = FetchOne(Feed(s.Url("/flaky")), FastRetries());
  INFO(r.error);
  CHECK(r.ok);
  CHECK(r.body == kBody);
  CHECK(r.attempts == 2);
  CHECK(s.Hits("/flaky") == 2);
}

TEST_CASE("fetch: 5xx retries stop within timeout_seconds") {
  HttpServer s;
  s.server().Get("/down", [](const httplib::Request&, httplib::Response& r) {
    r.status = 503;
  });
  s.Start();
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(s.Url("/down"), 1));  // Default backoff.
  CHECK(Since(start) < 1.5);
  CHECK_FALSE(r.ok);
  CHECK(r.attempts >= 2);
  CHECK(s.Hits("/down") == r.attempts);
  CHECK_THAT(r.error, Catch::Contains("HTTP 503"));
}

TEST_CASE("fetch: 429 waits for Retry-After, then succeeds") {
  HttpServer s;
  std::atomic<int> calls{0};
  s.server().Get("/busy", [&](const httplib::Request&, httplib::Response& r) {
    if (calls++ == 0) {
      r.status = 429;
      r.set_header("Retry-After", "1");
      return;
    }
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(s.Url("/busy")), FastRetries());
  double took = Since(start);
  INFO(r.error);
  CHECK(r.ok);
  CHECK(r.attempts == 2);
  CHECK(took >= 0.95);  // Retry-After, not the 0.05 s backoff.
  CHECK(took < 3);
}

TEST_CASE("fetch: a Retry-After beyond the budget is not waited for") {
  HttpServer s;
  s.server().Get("/busy", [](const httplib::Request&, httplib::Response& r) {
    r.status = 429;
    r.set_header("Retry-After", "30");
  });
  s.Start();
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(s.Url("/busy"), 2));
  CHECK(Since(start) < 1);
  CHECK_FALSE(r.ok);
  CHECK(s.Hits("/busy") == 1);
  CHECK_THAT(r.error, Catch::Contains("Retry-After"));
}

TEST_CASE("fetch: a server that never answers is cut off at timeout") {
  RawServer silent("", RawServer::Mode::kSilent);
  REQUIRE(silent.port() > 0);
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(silent.Url("/feed"), 1));
  double took = Since(start);
  CHECK_FALSE(r.ok);
  CHECK(took >= 0.9);
  CHECK(took < 2.5);
  CHECK_THAT(r.error, Catch::Contains("timeout_seconds"));
}

TEST_CASE("fetch: a handler slower than the timeout is cut off") {
  HttpServer s;
  s.server().Get("/slow", [&](const httplib::Request&, httplib::Response& r) {
    s.Sleep(milliseconds(10000));
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(s.Url("/slow"), 1));
  CHECK(Since(start) < 2.5);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.error, Catch::Contains("timeout_seconds"));
}

TEST_CASE("fetch: a trickling body is cut off at timeout") {
  HttpServer s;
  s.server().Get("/trickle", [&](const httplib::Request&,
                                 httplib::Response& r) {
    r.set_chunked_content_provider(
        "application/rss+xml", [&](size_t offset, httplib::DataSink& sink) {
          if (!s.Sleep(milliseconds(200))) return false;
          if (offset >= 200) {
            sink.done();
            return true;
          }
          return sink.write("x", 1);
        });
  });
  s.Start();
  auto start = Clock::now();
  FetchResult r = FetchOne(Feed(s.Url("/trickle"), 1));
  double took = Since(start);
  CHECK_FALSE(r.ok);
  CHECK(took >= 0.9);
  CHECK(took < 2.5);
  CHECK_THAT(r.error, Catch::Contains("timeout_seconds"));
}

TEST_CASE("fetch: max_bytes is enforced while downloading") {
  HttpServer s;
  const size_t kChunk = 64 * 1024, kTotal = 64 * 1024 * 1024;
  std::atomic<size_t> sent{0};
  s.server().Get("/stream", [&](const httplib::Request&,
                                httplib::Response& r) {
    r.set_chunked_content_provider(
        "application/octet-stream",
        [&](size_t offset, httplib::DataSink& sink) {
          if (offset >= kTotal) {
            sink.done();
            return true;
          }
          std::string chunk(kChunk, 'x');
          if (!sink.write(chunk.data(), chunk.size())) return false;
          sent += kChunk;
          return true;
        });
  });
  s.server().Get("/declared", [](const httplib::Request&,
                                 httplib::Response& r) {
    r.set_content(std::string(300 * 1024, 'x'), "application/octet-stream");
  });
  s.Start();

  FeedConfig streamed = Feed(s.Url("/stream"));
  streamed.max_bytes = 256 * 1024;
  FetchResult r = FetchOne(streamed);
  CHECK_FALSE(r.ok);
  CHECK(r.body.empty());
  CHECK_THAT(r.error, Catch::Contains("max_bytes") &&
                          Catch::Contains("link-feeds/test.json"));
  CHECK(s.Hits("/stream") == 1);  // Not worth a retry.
  CHECK(sent < kTotal / 4);       // Aborted early, not read to the end.

  FeedConfig declared = Feed(s.Url("/declared"));
  declared.max_bytes = 256 * 1024;
  r = FetchOne(declared);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.error, Catch::Contains("max_bytes"));
}

TEST_CASE("fetch: a truncated body is a failure") {
  RawServer truncated(
      "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
      "Content-Length: 1000\r\nConnection: close\r\n\r\n" +
      std::string(100, 'x'));
  REQUIRE(truncated.port() > 0);
  FetchResult r = FetchOne(Feed(truncated.Url("/feed"), 1), FastRetries());
  CHECK_FALSE(r.ok);
  CHECK(r.body.empty());
  CHECK(r.attempts >= 2);  // A cut connection is worth another try.
  CHECK(truncated.connections() == r.attempts);
  CHECK_THAT(r.error, Catch::Contains("900 bytes remaining"));
}

TEST_CASE("fetch: a gzip-encoded body is decoded") {
  std::string plain;
  for (int i = 0; i < 200; ++i) plain += kBody;
  std::string gz;
  httplib::detail::gzip_compressor compressor;
  REQUIRE(compressor.compress(plain.data(), plain.size(), true,
                              [&](const char* data, size_t n) {
                                gz.append(data, n);
                                return true;
                              }));
  REQUIRE(gz.size() < plain.size());
  HttpServer s;
  s.server().Get("/gz", [&](const httplib::Request&, httplib::Response& r) {
    r.set_header("Content-Encoding", "gzip");
    // A type cpp-httplib does not compress again.
    r.set_content(gz, "application/octet-stream");
  });
  s.Start();
  FeedConfig feed = Feed(s.Url("/gz"));
  feed.max_bytes = static_cast<int64_t>(plain.size());
  FetchResult r = FetchOne(feed);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.body == plain);
}

TEST_CASE("fetch: redirects are followed, within limits") {
  HttpServer s;
  for (int i = 1; i <= 3; ++i) {
    std::string next = i == 3 ? "/final" : "/hop" + std::to_string(i + 1);
    s.server().Get("/hop" + std::to_string(i),
                   [next](const httplib::Request&, httplib::Response& r) {
                     r.set_redirect(next);
                   });
  }
  s.server().Get("/final", [](const httplib::Request&, httplib::Response& r) {
    r.set_content(kBody, "application/rss+xml");
  });
  s.server().Get("/loop", [](const httplib::Request&, httplib::Response& r) {
    r.set_redirect("/loop");
  });
  s.server().Get("/evil", [](const httplib::Request&, httplib::Response& r) {
    r.set_redirect("file:///etc/passwd");
  });
  s.Start();

  FetchResult r = FetchOne(Feed(s.Url("/hop1")));
  INFO(r.error);
  CHECK(r.ok);
  CHECK(r.body == kBody);

  r = FetchOne(Feed(s.Url("/loop")));
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.error, Catch::Contains("redirects"));
  CHECK(s.Hits("/loop") == 6);  // The first request and 5 redirects.

  r = FetchOne(Feed(s.Url("/evil")));
  CHECK_FALSE(r.ok);
  CHECK(r.body.empty());
  CHECK_THAT(r.error, Catch::Contains("only http and https"));
}

TEST_CASE("fetch: feeds are fetched concurrently") {
  HttpServer s;
  s.server().Get(R"(/slow/(\d+))", [&](const httplib::Request&,
                                       httplib::Response& r) {
    s.Sleep(milliseconds(1000));
    r.set_content(kBody, "application/rss+xml");
  });
  s.Start();
  const int kFeeds = 12;
  std::vector<FeedConfig> feeds;
  for (int i = 0; i < kFeeds; ++i) {
    feeds.push_back(Feed(s.Url("/slow/" + std::to_string(i))));
  }
  std::vector<HttpRequest> requests;
  for (const FeedConfig& f : feeds) requests.push_back({&f, "", ""});
  auto start = Clock::now();
  std::vector<FetchResult> results = FetchHttp(requests);
  double took = Since(start);
  REQUIRE(results.size() == kFeeds);
  for (const FetchResult& r : results) CHECK(r.ok);
  CHECK(took < 2.0);  // ~1 s, not 12 s.

  // jobs bounds what is in flight: 2 feeds one at a time take 2 s.
  FetchPolicy one;
  one.jobs = 1;
  requests.resize(2);
  start = Clock::now();
  results = FetchHttp(requests, one);
  CHECK(Since(start) >= 1.9);
  for (const FetchResult& r : results) CHECK(r.ok);
}

TEST_CASE("fetch: a refused connection is retried, then reported") {
  int port;
  {
    RawServer gone("", RawServer::Mode::kSilent);
    port = gone.port();
  }  // Closed: connections to it are refused now.
  FeedConfig feed =
      Feed("http://127.0.0.1:" + std::to_string(port) + "/feed", 1);
  FetchResult r = FetchOne(feed, FastRetries());
  CHECK_FALSE(r.ok);
  CHECK(r.attempts == FastRetries().max_attempts);
  CHECK_THAT(r.error, Catch::Contains("127.0.0.1") &&
                          Catch::Contains("attempts"));
}

}  // namespace
}  // namespace linkpage
