// Helpers shared by the tests: temporary directories and small files.
#ifndef LINKPAGE_TESTS_TEST_UTIL_H_
#define LINKPAGE_TESTS_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "options.h"

namespace linkpage::test {

namespace fs = std::filesystem;

// A copy of "text" that lasts as long as the test run, for the fields of a
// Page (which are views of text kept elsewhere, see TextRef).
inline TextRef Keep(std::string_view text) {
  static std::mutex mu;
  static StringArena arena;
  std::lock_guard<std::mutex> lock(mu);
  return arena.Add(text);
}

// The same, for a Page's lists.
inline std::span<const TextRef> Keep(const std::vector<std::string>& items) {
  static std::mutex mu;
  static StringArena arena;
  std::vector<TextRef> refs;
  for (const std::string& item : items) refs.push_back(Keep(item));
  std::lock_guard<std::mutex> lock(mu);
  return arena.Add(std::span<const TextRef>(refs));
}

// A page of topic "topic" that wants "n" links, its text kept by Keep().
inline Page MakePage(const std::string& slug, const std::string& topic, int n,
                     const std::vector<std::string>& keywords = {},
                     const std::vector<std::string>& feeds = {}) {
  Page p;
  p.slug = Keep(slug);
  p.topic = Keep(topic);
  p.settings.links_per_page = n;
  p.keywords = Keep(keywords);
  p.feeds = Keep(feeds);
  return p;
}

// A fresh directory under $TMPDIR, removed with its contents on scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "linkpage-test-XXXXXX")
                           .string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(std::string_view rel) const {
    return path_ + "/" + std::string(rel);
  }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file below "dir": relative path -> bytes.
inline std::map<std::string, std::string> Tree(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), dir).string()] = ReadFile(e.path());
    }
  }
  return files;
}

inline std::string SourceDir() { return LINKPAGE_SOURCE_DIR; }

// Copies the example site (the repository root) into "dir", without out/
// or the cache.
inline void CopyExampleSite(const std::string& dir) {
  for (const char* part : {"site.json", "articles", "link-feeds",
                           "templates"}) {
    fs::copy(SourceDir() + "/" + part, dir + "/" + part,
             fs::copy_options::recursive);
  }
}

// An environment holding only "vars".
inline EnvLookup FakeEnv(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Options for a build of the site in "site_dir" (into "out_dir", or
// SITE/out): offline, with FakeEnv() and a fixed clock. Offline, no feed
// cache is stored, so that a build from scratch sees the same feeds.
inline Options SiteOptions(const std::string& site_dir,
                           const std::string& out_dir = "") {
  Options o;
  o.site_dir = site_dir;
  o.out_dir = out_dir;
  o.offline = true;
  o.env = FakeEnv();
  o.now = 1700000000;
  return o;
}

}  // namespace linkpage::test

#endif  // LINKPAGE_TESTS_TEST_UTIL_H_
