// The feed cache: the last good copy of every feed, in
// SITE/.linkpage-cache/feeds/.
//
// Per feed, two files: NAME.json (the metadata) and the body it names,
// NAME@STAMP.body. A store writes a new body file first, then replaces
// NAME.json atomically (temp file, rename), then removes the old body; so a
// reader, or a run killed half-way, always sees a metadata file and the
// body it describes. The metadata holds the body's size and checksum: a
// copy torn by a power cut (nothing is fsynced) is detected and ignored.
// Feed names never contain '@' (config.cpp), so one feed's files never
// match another's.
#ifndef LINKPAGE_CACHE_H_
#define LINKPAGE_CACHE_H_

#include <cstdint>
#include <string>

namespace linkpage {

// One cached copy of a feed.
struct CacheEntry {
  std::string url;   // The URL (or local path) it was read from.
  std::string body;  // The feed document as received (decoded).
  std::string etag;           // Validators for conditional requests;
  std::string last_modified;  // "" when the server sent none.
  int64_t fetched_at = 0;     // Options' clock, seconds since the epoch.
  int items = 0;              // Item nodes the document held.
  int links = 0;              // Usable links parsed from it.
  std::string body_file;      // Set by Load and Store; used by Refresh.
};

class FeedCache {
 public:
  // "dir" is SITE/.linkpage-cache; the feeds/ folder below it is created
  // by the first Store.
  explicit FeedCache(std::string dir);
  FeedCache(const FeedCache&) = delete;
  FeedCache& operator=(const FeedCache&) = delete;

  // Reads the cached copy of feed "name". Returns false when there is none
  // ("*err" left empty) or it cannot be used ("*err" says why: unreadable,
  // corrupt, body missing or of the wrong size).
  bool Load(const std::string& name, CacheEntry* entry,
            std::string* err) const;

  // Makes "*entry" the cached copy of feed "name" (sets entry->body_file).
  // On failure the previous copy, if any, is still intact.
  bool Store(const std::string& name, CacheEntry* entry, std::string* err);

  // Rewrites only the metadata of a copy read with Load (new fetched_at or
  // validators after a 304); the body file is kept.
  bool Refresh(const std::string& name, const CacheEntry& entry,
               std::string* err);

  const std::string& dir() const { return dir_; }

 private:
  std::string FeedsDir() const;

  std::string dir_;
};

}  // namespace linkpage

#endif  // LINKPAGE_CACHE_H_
