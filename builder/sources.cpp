#include "sources.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <utility>

#include "build.h"
#include "cache.h"
#include "config.h"
#include "feeds.h"
#include "fetch.h"
#include "file.h"
#include "hash.h"
#include "linknotes.h"
#include "lock.h"
#include "parallel.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

std::string CacheDir(const Site& site) {
  return (fs::path(site.dir) / ".linkpage-cache").string();
}

std::string OneDecimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// ParseFeed's messages start with the feed's name; the log line and the
// report already say which feed it is.
std::string WithoutFeedPrefix(const FeedConfig& feed, std::string message) {
  const std::string prefix = "feed \"" + feed.name + "\": ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  return message;
}

// The key of a parse note: everything the links ParseFeed gives depend on.
// Not the path of the file that configures the feed, which only its error
// messages name: a site reached by another path (a symbolic link, a moved
// directory) keeps its notes.
uint64_t ParseKey(const FeedConfig& feed, std::string_view body) {
  Hasher h;
  h.Add(LINKPAGE_VERSION).Add(feed.name).Add(feed.format);
  h.Add(feed.max_bytes).Add(feed.mapping.items);
  h.Add(static_cast<int64_t>(feed.mapping.fields.size()));
  for (const auto& [k, v] : feed.mapping.fields) h.Add(k).Add(v);
  h.Add(static_cast<int64_t>(feed.mapping.namespaces.size()));
  for (const auto& [k, v] : feed.mapping.namespaces) h.Add(k).Add(v);
  h.Add(int64_t{feed.mapping.delimiter}).Add(int64_t{feed.mapping.header});
  h.Add(body);
  return h.value();
}

// A parse note: "linkpage-parse KEY ITEMS DROPPED_URLS DROPPED_UNTITLED
// IGNORED LINKS HASH". Returns false when there is none for "key".
bool ReadParseNote(const std::string& path, uint64_t key, FeedStats* stats,
                   int* count, uint64_t* hash) {
  std::string text, why;
  if (ReadWholeFile(path, 4096, &text, &why) != ReadResult::kOk) return false;
  unsigned long long k = 0, h = 0;
  FeedStats st;
  int n = 0;
  if (std::sscanf(text.c_str(), "linkpage-parse %llx %d %d %d %d %d %llx\n",
                  &k, &st.items, &st.dropped_urls, &st.dropped_untitled,
                  &st.ignored_items, &n, &h) != 7 ||
      k != key || n <= 0) {
    return false;
  }
  *stats = st;
  *count = n;
  *hash = h;
  return true;
}

// Best effort: a note that cannot be written means the next run parses.
void WriteParseNote(const std::string& path, uint64_t key,
                    const FeedStats& st, int count, uint64_t hash) {
  char text[256];
  std::snprintf(text, sizeof text,
                "linkpage-parse %llx %d %d %d %d %d %llx\n",
                static_cast<unsigned long long>(key), st.items,
                st.dropped_urls, st.dropped_untitled, st.ignored_items, count,
                static_cast<unsigned long long>(hash));
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string err;
  WriteAtomically(path, text, &err);
}

// "links", all of feed "feed", packed; their notes (linknotes.h) are
// written to "notes_path" first, unless it is empty.
LinkRecords PackAndNote(const std::string& feed, std::vector<Link> links,
                        const std::string& notes_path) {
  if (notes_path.empty()) return LinkRecords(feed, std::move(links));
  const LinkNotes notes = NoteLinks(links);
  LinkRecords records(feed, std::move(links));
  std::string err;
  // Best effort: without notes, every page picks again and the feed is
  // parsed when its links are needed.
  WriteLinkNotes(notes_path, notes, records, &err);
  return records;
}

// Parses "body" and checks it has usable links; a document the parse note
// in "cache_dir" describes is not parsed (out->deferred, out->body left
// empty: the caller keeps the document). Unless "read_only", the parse
// note and the notes of the links (linknotes.h) are written when missing,
// the latter left to FeedLinks::Take() for a document not parsed. On
// failure returns false with "*problem" saying why.
bool ParseUsable(const FeedConfig& feed, const std::string& body,
                 const std::string& source, const std::string& cache_dir,
                 bool read_only, FeedPart* out, FeedStats* stats,
                 std::string* problem) {
  *out = FeedPart();
  out->feed = &feed;
  *stats = FeedStats{};
  const std::string note_path = cache_dir + "/parsed/" + feed.name;
  const uint64_t key = ParseKey(feed, body);
  if (ReadParseNote(note_path, key, stats, &out->count, &out->hash)) {
    out->deferred = true;
    if (!read_only) out->parse_note_path = note_path;
    out->notes_path = LinkNotesPath(cache_dir, feed.name, out->hash);
    out->write_notes = !read_only;
    return true;
  }
  std::string err;
  std::vector<Link> links;
  if (!ParseFeed(feed, body, &links, stats, &err)) {
    *problem = "unusable response: " + WithoutFeedPrefix(feed, err);
    return false;
  }
  if (links.empty()) {
    *problem = "unusable response: no usable links in " + source + " (" +
               std::to_string(stats->items) + " items)";
    return false;
  }
  out->count = static_cast<int>(links.size());
  out->hash = LinksHash(links);
  const std::string notes = LinkNotesPath(cache_dir, feed.name, out->hash);
  if (!read_only) {
    WriteParseNote(note_path, key, *stats, out->count, out->hash);
  }
  // Packed now: the Links of every feed parsed are not held at once.
  out->links = PackAndNote(
      feed.name, std::move(links),
      !read_only && ::access(notes.c_str(), F_OK) != 0 ? notes : "");
  return true;
}

// What GatherFeeds decided about one feed.
struct Outcome {
  FeedReport report;
  FeedPart part;
  // When part.deferred: the document it was read from.
  const std::string* body = nullptr;
  std::string message;  // The log line, after "linkpage: ".
};

Outcome Decide(const FeedConfig& feed, const Options& options,
               const FetchResult& fetched, bool local,
               const std::optional<CacheEntry>& cached,
               const std::string& cache_error, FeedCache* cache,
               std::ostream& log) {
  Outcome out;
  FeedReport& fr = out.report;
  fr.name = feed.name;
  fr.source = fetched.source;
  fr.seconds = fetched.seconds;
  fr.http_status = fetched.http_status;
  fr.attempts = fetched.attempts;
  const int64_t now = Now(options);
  const int64_t age_seconds =
      cached ? std::max<int64_t>(0, now - cached->fetched_at) : 0;
  const double age_hours = static_cast<double>(age_seconds) / 3600.0;
  const bool copy_usable =
      cached && age_seconds <= int64_t{feed.max_stale_hours} * 3600;
  const std::string quoted = "feed \"" + feed.name + "\": ";

  FeedStats stats;
  std::string problem;
  if (fetched.ok && fetched.not_modified) {
    if (cached && ParseUsable(feed, cached->body, fetched.source, cache->dir(),
                              options.read_only, &out.part, &stats, &problem)) {
      out.body = &cached->body;
      fr.status = "not_modified";
      fr.from_cache = true;
      fr.bytes = static_cast<long long>(cached->body.size());
      CacheEntry refreshed = *cached;
      refreshed.fetched_at = now;
      if (!fetched.etag.empty()) refreshed.etag = fetched.etag;
      if (!fetched.last_modified.empty()) {
        refreshed.last_modified = fetched.last_modified;
      }
      std::string err;
      if (!options.offline && !cache->Refresh(feed.name, refreshed, &err)) {
        log << "linkpage: warning: " << quoted << err << "\n";
      }
      out.message = quoted + "not modified, " +
                    std::to_string(out.part.count) +
                    " links (HTTP 304, the cached copy is current)";
    } else {
      problem = "the server answered 304 Not Modified but the cached copy "
                "is unusable";
    }
  } else if (fetched.ok) {
    if (ParseUsable(feed, fetched.body, fetched.source, cache->dir(),
                    options.read_only, &out.part, &stats, &problem)) {
      out.body = &fetched.body;
      const int n = out.part.count;
      if (copy_usable && cached->links > 0 &&
          n < cached->links * kMinLinksRatio) {
        problem = "unusable response: " + fetched.source + " shrank from " +
                  std::to_string(cached->links) + " to " + std::to_string(n) +
                  " usable links";
        out.part = FeedPart();
      } else {
        fr.status = "fresh";
        fr.bytes = static_cast<long long>(fetched.body.size());
        if (!options.offline) {
          CacheEntry entry;
          entry.url = feed.url;
          entry.body = fetched.body;
          entry.etag = fetched.etag;
          entry.last_modified = fetched.last_modified;
          entry.fetched_at = now;
          entry.items = stats.items;
          entry.links = n;
          std::string err;
          if (!cache->Store(feed.name, &entry, &err)) {
            log << "linkpage: warning: " << quoted
                << "the feed cache was not updated: " << err << "\n";
          }
        }
        out.message = quoted + "fresh, " + std::to_string(n) + " links (" +
                      (local ? fetched.source
                             : "HTTP " + std::to_string(fetched.http_status)) +
                      ", " + std::to_string(fetched.body.size()) + " bytes" +
                      (fetched.attempts > 1
                           ? ", " + std::to_string(fetched.attempts) +
                                 " attempts"
                           : "") +
                      ")";
      }
    }
  } else if (options.offline && !local) {
    problem = "offline";
  } else {
    problem = "fetch failed: " + fetched.error;
  }

  if (fr.status.empty()) {
    // Not trusted: the last good copy, while it is young enough.
    fr.error = problem;
    std::string copy_problem;
    if (copy_usable &&
        ParseUsable(feed, cached->body, cached->url, cache->dir(),
                    options.read_only, &out.part, &stats, &copy_problem)) {
      out.body = &cached->body;
      fr.status = "stale";
      fr.from_cache = true;
      fr.age_hours = age_hours;
      fr.bytes = static_cast<long long>(cached->body.size());
      out.message = "warning: " + quoted + "stale (" + problem +
                    "; using the copy from " + OneDecimal(age_hours) +
                    " hours ago), " + std::to_string(out.part.count) +
                    " links";
    } else {
      std::string why;
      if (!cached) {
        why = cache_error.empty() ? "no cached copy" : cache_error;
      } else if (!copy_usable) {
        why = "the last good copy is " + OneDecimal(age_hours) +
              " hours old, past max_stale_hours (" +
              std::to_string(feed.max_stale_hours) + ")";
      } else {
        why = "the cached copy is unusable too: " + copy_problem;
      }
      out.part = FeedPart();
      stats = FeedStats{};
      fr.status = feed.required ? "failed" : "dropped";
      fr.error = problem + "; " + why;
      out.message = std::string(feed.required ? "error: " : "warning: ") +
                    quoted + fr.status + " (" + fr.error + "); " +
                    (feed.required ? "the feed is required"
                                   : "its links are left out");
      if (problem == "offline") {
        out.message += "; run \"linkpage fetch\" to fill the cache";
      }
    }
  }
  fr.items = stats.items;
  fr.dropped_urls = stats.dropped_urls;
  fr.dropped_untitled = stats.dropped_untitled;
  fr.ignored_items = stats.ignored_items;
  fr.links = out.part.count;
  if (!out.part.deferred) out.body = nullptr;
  return out;
}

}  // namespace

bool IsDegraded(const FeedReport& feed) {
  return feed.status != "fresh" && feed.status != "not_modified";
}

bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, FeedLinks* links, std::string* err) {
  const size_t n = site.feeds.size();
  FeedCache cache(CacheDir(site));
  std::vector<std::optional<CacheEntry>> cached(n);
  std::vector<std::string> cache_errors(n);
  std::vector<FetchResult> fetched(n);
  std::vector<bool> local(n);
  std::vector<HttpRequest> requests;
  std::vector<size_t> request_feed;
  for (size_t i = 0; i < n; ++i) {
    const FeedConfig& feed = site.feeds[i];
    CacheEntry entry;
    if (cache.Load(feed.name, &entry, &cache_errors[i])) {
      cached[i] = std::move(entry);
    }
    local[i] = !LocalPath(site.dir, feed).empty();
    if (local[i]) {
      // Read when its turn to be parsed comes: one feed's bytes at a time.
    } else if (options.offline) {
      fetched[i].source = feed.url;
    } else {
      HttpRequest request;
      request.feed = &feed;
      // Validators belong to the URL that sent them.
      if (cached[i] && cached[i]->url == feed.url) {
        request.if_none_match = cached[i]->etag;
        request.if_modified_since = cached[i]->last_modified;
      }
      requests.push_back(std::move(request));
      request_feed.push_back(i);
    }
  }
  FetchPolicy policy;
  if (options.jobs > 0) policy.jobs = options.jobs;
  std::vector<FetchResult> results = FetchHttp(requests, policy);
  for (size_t k = 0; k < results.size(); ++k) {
    fetched[request_feed[k]] = std::move(results[k]);
  }

  // Feeds are parsed on "jobs" threads; what each one logs is kept and
  // written in feed order.
  std::vector<Outcome> outcomes(n);
  std::vector<std::string> logs(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < n;) {
      std::ostringstream feed_log;
      if (local[i]) fetched[i] = ReadLocalFeed(site.dir, site.feeds[i]);
      Outcome& out = outcomes[i];
      out = Decide(site.feeds[i], options, fetched[i], local[i], cached[i],
                   cache_errors[i], &cache, feed_log);
      if (out.body == &fetched[i].body && local[i]) {
        out.part.local_path = fetched[i].source;
      } else if (out.body == &fetched[i].body) {
        out.part.body = std::move(fetched[i].body);
      } else if (cached[i] && out.body == &cached[i]->body) {
        out.part.body = std::move(cached[i]->body);
      }
      out.body = nullptr;
      // The bytes are parsed: let them go. (Assigning an empty string
      // keeps the old one's buffer; taking the value out frees it.)
      std::exchange(fetched[i], FetchResult());
      cached[i].reset();
      logs[i] = feed_log.str();
    }
  };
  RunOnThreads(Jobs(options), n, work);

  std::string first_error;
  for (size_t i = 0; i < n; ++i) {
    const FeedConfig& feed = site.feeds[i];
    Outcome& out = outcomes[i];
    log << logs[i];
    log << "linkpage: " << out.message << "\n";
    if (out.report.dropped_urls > 0) {
      log << "linkpage: feed \"" << feed.name << "\": "
          << out.report.dropped_urls
          << " items dropped for a link that is not http(s)\n";
    }
    if (out.report.ignored_items > 0) {
      log << "linkpage: warning: feed \"" << feed.name << "\": "
          << out.report.items << " items, only the first " << kMaxItemsPerFeed
          << " used\n";
    }
    if (out.part.count > 0) links->parts.push_back(std::move(out.part));
    if (first_error.empty()) {
      if (out.report.status == "failed") {
        first_error = "feed \"" + feed.name + "\" is required and has no "
                      "usable copy: " + out.report.error;
      } else if (options.strict && IsDegraded(out.report)) {
        first_error = "feed \"" + feed.name + "\" is " + out.report.status +
                      " (" + out.report.error + ") and --strict is set";
      }
    }
    report->feeds.push_back(std::move(out.report));
  }
  if (!first_error.empty()) {
    *err = first_error;
    return false;
  }
  return true;
}

bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, std::vector<Link>* links, std::string* err) {
  FeedLinks gathered;
  const bool ok = GatherFeeds(site, options, log, report, &gathered, err);
  std::vector<Link> all = UnpackLinks(gathered.Take(Jobs(options)));
  if (links->empty()) {
    *links = std::move(all);
  } else {
    links->insert(links->end(), std::make_move_iterator(all.begin()),
                  std::make_move_iterator(all.end()));
  }
  return ok;
}

Hasher& AddLinkFields(const Link& l, Hasher* h) {
  for (auto field : kRecordFields) h->Add(l.*field);
  h->Add(static_cast<int64_t>(l.categories.size()));
  for (const std::string& c : l.categories) h->Add(c);
  return *h;
}

uint64_t LinksHash(const std::vector<Link>& links) {
  Hasher h;
  h.Add(static_cast<int64_t>(links.size()));
  for (const Link& l : links) AddLinkFields(l, &h.Add(l.feed));
  return h.value();
}

uint64_t LinksHash(const LinkRecords& links) {
  // As LinksHash() of the Links, field by field as AddLinkFields() adds
  // them, from the records: the fields of kRecordFields, in its order.
  Hasher h;
  h.Add(static_cast<int64_t>(links.size()));
  for (size_t i = 0; i < links.size(); ++i) {
    h.Add(links.feed());
    RecordReader r(links.record(i));
    for (size_t f = 0; f < std::size(kRecordFields); ++f) h.Add(r.Text());
    const uint64_t count = r.Varint();
    h.Add(static_cast<int64_t>(count));
    for (uint64_t c = 0; c < count; ++c) h.Add(r.Text());
  }
  return h.value();
}

uint64_t FeedLinks::hash() const {
  std::vector<uint64_t> hashes;
  for (const FeedPart& p : parts) hashes.push_back(p.hash);
  return StateHash(hashes);
}

std::vector<LinkRecords> FeedLinks::Take(int jobs) {
  std::vector<LinkRecords> links(parts.size());
  std::atomic<size_t> next{0};
  std::vector<uint8_t> changed(parts.size(), 0);  // One writer each.
  auto work = [&] {
    for (size_t i; (i = next++) < parts.size();) {
      FeedPart& p = parts[i];
      if (p.deferred) {
        p.deferred = false;
        // The links as the notes hold them, if they can be read: they are
        // those of p.hash (ReadLinkNotes checks), whatever happened to the
        // document since.
        LinkRecords stored(p.feed->name);
        if (ReadLinkNotes(p.notes_path, p.hash, nullptr, &stored)) {
          std::exchange(p.body, std::string());  // Frees it.
          links[i] = std::move(stored);
          continue;
        }
        FeedStats stats;
        std::string err;
        if (!p.local_path.empty()) {
          // A local file's bytes were not kept: read again.
          ReadWholeFile(p.local_path, p.feed->max_bytes, &p.body, &err);
        }
        std::vector<Link> parsed;
        parsed.reserve(static_cast<size_t>(p.count));
        ParseFeed(*p.feed, p.body, &parsed, &stats, &err);
        std::exchange(p.body, std::string());  // Frees it.
        // Not the links hash() covers: a local file changed since it was
        // read, or the parse note is wrong. The run then fails, and the
        // next one parses the document anew.
        const bool same = LinksHash(parsed) == p.hash;
        changed[i] = !same;
        if (!same && !p.parse_note_path.empty()) {
          ::unlink(p.parse_note_path.c_str());
        }
        p.links = PackAndNote(p.feed->name, std::move(parsed),
                              p.write_notes && same ? p.notes_path : "");
      }
      links[i] = std::move(p.links);
    }
  };
  RunOnThreads(jobs, parts.size(), work);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (changed[i]) changed_while_taken.push_back(parts[i].feed->name);
  }
  parts.clear();
  return links;
}

int FetchOnly(const Options& options, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  Site site;
  std::string err;
  if (!LoadSite(options.site_dir, options.env, &site, &err)) {
    log << "linkpage: error: " << err << "\n";
    return kExitFailed;
  }
  std::error_code ec;
  fs::path cache = CacheDir(site);
  fs::create_directories(cache, ec);
  SiteLock lock;
  if (!lock.Acquire((cache / "lock").string(), &err)) {
    log << "linkpage: error: " << err << "\n";
    return kExitFailed;
  }
  Report report;
  FeedLinks links;  // Not needed: the feeds already parsed stay unparsed.
  const bool ok = GatherFeeds(site, options, log, &report, &links, &err);
  int counts[5] = {0, 0, 0, 0, 0};
  const char* kStatuses[5] = {"fresh", "not_modified", "stale", "dropped",
                              "failed"};
  for (const FeedReport& f : report.feeds) {
    for (int s = 0; s < 5; ++s) counts[s] += f.status == kStatuses[s];
  }
  char secs[32];
  std::snprintf(
      secs, sizeof secs, "%.2f",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  if (!ok) log << "linkpage: error: " << err << "\n";
  log << "linkpage: fetched " << site.feeds.size() << " feeds into " +
                                                         cache.string()
      << " (" << counts[0] << " fresh, " << counts[1] << " not modified, "
      << counts[2] << " stale, " << counts[3] << " dropped, " << counts[4]
      << " failed) in " << secs << "s\n";
  return ok ? kExitPublished : kExitFailed;
}

}  // namespace linkpage
