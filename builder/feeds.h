// Feed documents (bytes) to Link records.
#ifndef LINKPAGE_FEEDS_H_
#define LINKPAGE_FEEDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace linkpage {

// Most items read from one feed; the rest are counted in FeedStats::items
// but not read (ParseFeed then returns a warning in "*err").
inline constexpr int kMaxItemsPerFeed = 100000;

// Detects "rss", "atom" or "jsonfeed" from the document, or "" when it is
// none of them.
std::string SniffFormat(std::string_view bytes);

// Parses "bytes" as the format of "feed" ("auto" sniffs). Appends the
// items with a title and a placeable URL to "*links" (Link::feed set to the
// feed's name, text cleaned, display_host defaulted) and counts the rest in
// "*stats". Returns false with "*err" set (naming the feed and what is
// wrong), and no links appended, when the document cannot be used at all:
// empty, larger than feed.max_bytes, malformed, nested deeper than the
// caps (JSON 64, XML 256 levels) or a CSV quoted field never closed.
// Items past kMaxItemsPerFeed are ignored and counted in
// stats->ignored_items. Never throws.
bool ParseFeed(const FeedConfig& feed, std::string_view bytes,
               std::vector<Link>* links, FeedStats* stats, std::string* err);

}  // namespace linkpage

#endif  // LINKPAGE_FEEDS_H_
