// Bytes for each feed: local files today; the network seam lives here.
#ifndef LINKPAGE_FETCH_H_
#define LINKPAGE_FETCH_H_

#include <string>
#include <vector>

#include "model.h"

namespace linkpage {

struct FetchResult {
  bool ok = false;
  std::string body;
  std::string error;   // Set when !ok: names the feed and the cause.
  std::string source;  // The path or URL read.
  double seconds = 0;
};

// Resolves a feed's url to a local path when it is a file:// URL or a path
// (relative paths are relative to "site_dir"); "" for http(s) URLs.
std::string LocalPath(const std::string& site_dir, const FeedConfig& feed);

// Reads a local feed, refusing one larger than feed.max_bytes.
FetchResult ReadLocalFeed(const std::string& site_dir, const FeedConfig& feed);

}  // namespace linkpage

#endif  // LINKPAGE_FETCH_H_
