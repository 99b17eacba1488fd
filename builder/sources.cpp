#include "sources.h"

#include "feeds.h"
#include "fetch.h"

namespace linkpage {

bool GatherFeeds(const Site& site, const Options& options, std::ostream& log,
                 Report* report, std::vector<Link>* links, std::string* err) {
  for (const FeedConfig& feed : site.feeds) {
    FeedReport fr;
    fr.name = feed.name;
    FetchResult fetched;
    std::string local = LocalPath(site.dir, feed);
    if (!local.empty()) {
      fetched = ReadLocalFeed(site.dir, feed);
    } else {
      fetched.source = feed.url;
      fetched.error = "feed \"" + feed.name + "\": fetching " + feed.url +
                      (options.offline ? " is not allowed with --offline"
                                       : " over the network is not available "
                                         "in this build");
    }
    fr.source = fetched.source;
    fr.seconds = fetched.seconds;
    fr.bytes = static_cast<long long>(fetched.body.size());
    std::string problem = fetched.error;
    if (fetched.ok) {
      std::vector<Link> feed_links;
      FeedStats stats;
      if (ParseFeed(feed, fetched.body, &feed_links, &stats, &problem)) {
        fr.items = stats.items;
        fr.dropped_urls = stats.dropped_urls;
        fr.dropped_untitled = stats.dropped_untitled;
        fr.links = static_cast<int>(feed_links.size());
        if (feed_links.empty()) {
          problem = "feed \"" + feed.name + "\": no usable links in " +
                    fetched.source + " (" + std::to_string(stats.items) +
                    " items)";
        } else {
          fr.status = "fresh";
          links->insert(links->end(),
                        std::make_move_iterator(feed_links.begin()),
                        std::make_move_iterator(feed_links.end()));
          if (stats.dropped_urls > 0) {
            log << "linkpage: feed \"" << feed.name << "\": "
                << stats.dropped_urls
                << " items dropped for a link that is not http(s)\n";
          }
        }
      }
    }
    if (fr.status.empty()) {
      fr.error = problem;
      fr.status = feed.required ? "failed" : "dropped";
      log << "linkpage: " << (feed.required ? "error" : "warning") << ": "
          << problem << (feed.required ? "" : "; its links are left out")
          << "\n";
    } else {
      log << "linkpage: feed \"" << feed.name << "\": " << fr.status << ", "
          << fr.links << " links\n";
    }
    report->feeds.push_back(fr);
    if (fr.status == "failed") {
      *err = problem + " (the feed is required)";
      return false;
    }
    if (options.strict && fr.status != "fresh") {
      *err = "feed \"" + feed.name + "\" is " + fr.status +
             " and --strict is set";
      return false;
    }
  }
  return true;
}

}  // namespace linkpage
