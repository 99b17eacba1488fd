// Bytes for each feed: local files, and http(s) URLs fetched concurrently
// with the libcurl multi interface. Deciding whether the bytes can be
// trusted (and falling back to the cache) is sources.cpp's job.
#ifndef LINKPAGE_FETCH_H_
#define LINKPAGE_FETCH_H_

#include <string>
#include <vector>

#include "model.h"

namespace linkpage {

// Transfers in flight at once when Options::jobs is 0. Feeds are network
// bound, not CPU bound, so this is not the core count: it is high enough
// that a few hanging servers (each holding a slot for its whole
// timeout_seconds) do not hold up the rest, and low enough to be polite
// (curl --parallel defaults to 50).
inline constexpr int kDefaultFetchJobs = 32;

// Connection timeout of one attempt, in seconds (capped by the time left
// in the feed's timeout_seconds).
inline constexpr int kConnectTimeoutSeconds = 10;

struct FetchResult {
  bool ok = false;            // "body" holds the document.
  bool not_modified = false;  // HTTP 304: the cached copy is current
                              // (ok is true, body empty).
  std::string body;
  std::string error;   // Set when !ok: the cause, naming the path or URL
                       // and what to do; not the feed (the caller adds it).
  std::string source;  // The path or URL read.
  double seconds = 0;  // Wall time, retries and waits included.
  long http_status = 0;  // Of the last response; 0 when there was none.
  int attempts = 0;      // HTTP requests made (1 + retries).
  std::string etag;           // Validators of a 200 or 304 response;
  std::string last_modified;  // "" when absent.
};

// Resolves a feed's url to a local path when it is a file:// URL or a path
// (relative paths are relative to "site_dir"); "" for http(s) URLs.
std::string LocalPath(const std::string& site_dir, const FeedConfig& feed);

// Reads a local feed, refusing one larger than feed.max_bytes.
FetchResult ReadLocalFeed(const std::string& site_dir, const FeedConfig& feed);

// One http(s) feed to fetch. "feed" must stay live during FetchHttp.
struct HttpRequest {
  const FeedConfig* feed = nullptr;
  std::string if_none_match;      // ETag of the cached copy, or "".
  std::string if_modified_since;  // Last-Modified of the cached copy, or "".
};

// How FetchHttp schedules and retries.
struct FetchPolicy {
  int jobs = kDefaultFetchJobs;  // Transfers in flight at once (>= 1).
  int max_attempts = 4;          // Per feed, first attempt included.
  // Backoff before retry n (n = 1, 2, ...): first_backoff * 2^(n-1),
  // capped at max_backoff, +-20% jitter; a 429's Retry-After, when longer,
  // wins. No retry starts unless it fits in the feed's timeout_seconds.
  double first_backoff_seconds = 0.5;
  double max_backoff_seconds = 8;
};

// Fetches every request concurrently (at most policy.jobs transfers at
// once, connections reused) and returns one result per request, in the
// same order. Per feed: everything, retries and waits included, ends
// within feed.timeout_seconds; at most feed.max_bytes are accepted
// (decoded); at most 5 redirects, http and https only, TLS verified;
// gzip/deflate/br accepted; headers sent as configured, plus
// "User-Agent: linkpage/VERSION" and the conditional headers of the
// request. Connection failures, timeouts, HTTP 408, 429 and 5xx are
// retried while the budget lasts; other failures are final. A 304 to a
// conditional request is ok with not_modified set. Never throws for
// network errors; blocks until every request is done.
std::vector<FetchResult> FetchHttp(const std::vector<HttpRequest>& requests,
                                   const FetchPolicy& policy = {});

}  // namespace linkpage

#endif  // LINKPAGE_FETCH_H_
