// Loads and validates site.json and link-feeds/*.json into a Site.
#ifndef LINKPAGE_CONFIG_H_
#define LINKPAGE_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "model.h"

namespace linkpage {

// Looks up an environment variable; std::nullopt when unset. A seam so
// tests can expand ${VAR} without touching the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup ProcessEnv();

// Replaces each ${NAME} in "text" with its value. Returns false with "*err"
// naming the first unset variable ("context" says where it was used).
bool ExpandVars(const std::string& text, const EnvLookup& env,
                const std::string& context, std::string* out,
                std::string* err);

// Whether "name" may name a feed: letters, digits, '-', '_' and '.',
// starting with a letter or digit (so never '@', '/' or a dot file).
bool IsValidFeedName(std::string_view name);

// Where LoadSite() keeps a copy of what it read of site.json, and reads
// that instead while site.json keeps its stamp (FileStamp at "now_ns",
// the run's clock): "dir", the site's cache directory, which must exist.
struct SiteJsonCache {
  std::string dir;
  int64_t now_ns = 0;
};

// Reads "dir"/site.json and every "dir"/link-feeds/*.json (sorted by file
// name). On failure returns false and sets "*err" to one message naming the
// file and, where it applies, the key, page or line and column. With
// "cache", site.json is read from the copy kept there when it can be.
bool LoadSite(const std::string& dir, const EnvLookup& env, Site* site,
              std::string* err, const SiteJsonCache* cache = nullptr);

}  // namespace linkpage

#endif  // LINKPAGE_CONFIG_H_
