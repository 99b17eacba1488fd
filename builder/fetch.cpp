#include "fetch.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace linkpage {

namespace fs = std::filesystem;

namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) &&
        std::isxdigit(s[i + 2])) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string LocalPath(const std::string& site_dir, const FeedConfig& feed) {
  const std::string& url = feed.url;
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
    return "";
  }
  if (url.rfind("file://", 0) == 0) {
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
  auto start = std::chrono::steady_clock::now();
  FetchResult r;
  r.source = LocalPath(site_dir, feed);
  std::unique_ptr<FILE, FileCloser> f(std::fopen(r.source.c_str(), "rb"));
  if (!f) {
    r.error = "feed \"" + feed.name + "\": cannot read " + r.source + ": " +
              std::strerror(errno) + " (from \"url\" in " + feed.file + ")";
    return r;
  }
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (static_cast<int64_t>(r.body.size() + n) > feed.max_bytes) {
      r.body.clear();
      r.error = "feed \"" + feed.name + "\": " + r.source + " is larger than "
                "max_bytes (" + std::to_string(feed.max_bytes) +
                "); raise \"max_bytes\" in " + feed.file + " if it is expected";
      return r;
    }
    r.body.append(buf, n);
  }
  if (std::ferror(f.get())) {
    r.body.clear();
    r.error = "feed \"" + feed.name + "\": error reading " + r.source;
    return r;
  }
  r.ok = true;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                  .count();
  return r;
}

}  // namespace linkpage
