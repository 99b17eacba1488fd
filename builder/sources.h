// Usable links for every feed of a site: fetch, parse, and decide what to
// trust.
#ifndef LINKPAGE_SOURCES_H_
#define LINKPAGE_SOURCES_H_

#include <ostream>
#include <string>
#include <vector>

#include "model.h"
#include "options.h"
#include "report.h"

namespace linkpage {

// Fetches and parses every feed of "site", appending the links of each
// usable feed to "*links" (feeds in name order) and one FeedReport per
// feed to report->feeds; logs one line per feed. Returns false, with "*err"
// naming the feed, when the run must not publish: a required feed has no
// usable copy, or options.strict is set and a feed is degraded.
bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, std::vector<Link>* links, std::string* err);

}  // namespace linkpage

#endif  // LINKPAGE_SOURCES_H_
