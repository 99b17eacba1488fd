// Usable links for every feed of a site: fetch, parse, and decide what to
// trust, falling back to the feed cache (cache.h) when the fresh copy is
// not trustworthy.
#ifndef LINKPAGE_SOURCES_H_
#define LINKPAGE_SOURCES_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "hash.h"
#include "model.h"
#include "options.h"
#include "records.h"
#include "report.h"

namespace linkpage {

// A fresh copy with fewer usable links than this share of the last good
// copy's is not trusted (a half-empty export, a truncated listing): the
// last good copy is used instead while it is younger than max_stale_hours.
// Once that copy has expired, the smaller feed is taken as the new normal.
inline constexpr double kMinLinksRatio = 0.5;

// One feed's part of a run's links.
struct FeedPart {
  const FeedConfig* feed = nullptr;
  LinkRecords links;        // Empty while "deferred".
  int count = 0;            // Links, parsed or not.
  uint64_t hash = 0;        // LinksHash() of the links.
  // The document was parsed by an earlier run into "count" links of
  // "hash" (the parse note in the cache says so): it is parsed again,
  // from "body", only when the links are needed; a local file's bytes are
  // not kept but read again from "local_path".
  bool deferred = false;
  std::string body;
  std::string local_path;
  // The parse note, removed by Take() if the document does not give the
  // links it says (empty: leave it).
  std::string parse_note_path;
  // The notes of the links (linknotes.h), which hold the links too: Take()
  // reads a deferred part's links from them when it can, and parses the
  // document only when it cannot; it then writes them if "write_notes".
  std::string notes_path;
  bool write_notes = false;
};

// The links of a run's usable feeds, feed by feed in name order.
class FeedLinks {
 public:
  // Of every link, in order: equal links, equal hash. Parses nothing.
  uint64_t hash() const;
  // Every link, in order, a feed's LinkRecords a part, on up to "jobs"
  // threads. A deferred feed's links are read from its notes, or, when
  // they cannot be, parsed from its document; each feed is packed as soon
  // as it is parsed, so that the Links of all feeds are never held at
  // once. Leaves "parts" empty.
  std::vector<LinkRecords> Take(int jobs);

  std::vector<FeedPart> parts;
  // Set by Take(): the feeds whose links are not those hash() covers,
  // which can only be when their notes could not be read and the document
  // was parsed again: a local file that changed between its read and its
  // parse, or a wrong parse note.
  std::vector<std::string> changed_while_taken;
};

// A hash of "links" and their order.
uint64_t LinksHash(const std::vector<Link>& links);
// The same, of the links "links" holds.
uint64_t LinksHash(const LinkRecords& links);

// Adds every field of "link" but its feed name to "*h", in a fixed order;
// returns "*h".
Hasher& AddLinkFields(const Link& link, Hasher* h);

// Fetches and parses every feed of "site" (http(s) feeds concurrently, at
// most options.jobs transfers at once, kDefaultFetchJobs when 0), appending
// the links of each usable feed to "*links" (feeds in name order) and one
// FeedReport per feed to report->feeds; logs one line per feed.
//
// A fresh copy is trusted when it was fetched (or read), parses, has at
// least one usable link and has not shrunk below kMinLinksRatio of the
// cached copy; only a trusted copy is written to the cache, SITE/
// .linkpage-cache/feeds/. Otherwise the cached copy is used while it is no
// older than the feed's max_stale_hours (status "stale"), else the feed's
// links are left out ("dropped", or "failed" for a required feed).
//
// options.offline: no network; http(s) feeds are served from the cache
// ("stale", error "offline") and the cache is only read, never written.
//
// Returns false, with "*err" naming the feed, when the run must not
// publish: a required feed has no usable copy, or options.strict is set and
// a feed is degraded (IsDegraded; with --offline any http(s) feed is).
// Every feed is processed and reported either way.
//
// A feed whose document and settings are those of an earlier successful
// parse is not parsed now: SITE/.linkpage-cache/parsed/NAME notes the
// count and hash of the links that parse gave (FeedPart::deferred).
bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, FeedLinks* links, std::string* err);
// The same, with every link parsed and appended to "*links".
bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, std::vector<Link>* links, std::string* err);

// Whether a feed was served stale, dropped or failed ("fresh" and
// "not_modified" are healthy).
bool IsDegraded(const FeedReport& feed);

// linkpage fetch: loads the site, takes the site lock and refreshes the
// feed cache (GatherFeeds without rendering; out/ is not touched). Logs one
// line per feed and a summary. Returns kExitPublished (0), or kExitFailed
// (1) when the site cannot be loaded or locked, or GatherFeeds fails.
int FetchOnly(const Options& options, std::ostream& log);

}  // namespace linkpage

#endif  // LINKPAGE_SOURCES_H_
