// Links to pages: score, de-duplicate, pick, add link parameters.
#ifndef LINKPAGE_MATCH_H_
#define LINKPAGE_MATCH_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model.h"

namespace linkpage {

// Splits text into lower-case words (ASCII letters and digits; bytes of
// multi-byte UTF-8 characters count as letters), dropping common English
// stop words.
std::vector<std::string> Terms(std::string_view text);

// Every link of the run, de-duplicated, with an index from words to links
// so that a page is matched without scanning every link.
class LinkIndex {
 public:
  // "links" in feed order (feeds sorted by name, items in document order).
  // Of links whose NormalizeUrl() is equal only the first is kept.
  explicit LinkIndex(std::vector<Link> links);
  LinkIndex(const LinkIndex&) = delete;
  LinkIndex& operator=(const LinkIndex&) = delete;

  // Links removed as duplicates.
  int duplicates() const { return duplicates_; }
  size_t size() const { return links_.size(); }

  // Picks up to page.settings.links_per_page links from the page's feeds
  // (every feed when page.feeds is empty): best score first (topic and
  // keyword words found in the title weigh 3, in categories 2, in the
  // description 1; a keyword phrase found whole, stop words aside, adds 3
  // in the title and 1 elsewhere), ties in feed order; then filled with unmatched links
  // starting at a point that depends on the slug, so that pages do not all
  // get the same filler. Link parameters of the link's feed are appended
  // with {slug} and {feed} expanded. The result depends only on the inputs.
  std::vector<Link> Pick(const Page& page,
                         const std::vector<FeedConfig>& feeds) const;

 private:
  static constexpr int kInTitle = 1;    // Word-pair flags.
  static constexpr int kElsewhere = 2;  // Description or categories.

  std::vector<Link> links_;
  std::vector<int> feed_of_;  // Link index -> feed id.
  std::unordered_map<std::string, int> feed_ids_;
  // Word -> (link index, weight), link indexes ascending.
  std::unordered_map<std::string, std::vector<std::pair<int, int>>> index_;
  // "word word" (stop words left out) -> (link index, field flags).
  std::unordered_map<std::string, std::vector<std::pair<int, int>>> pairs_;
  int duplicates_ = 0;
};

}  // namespace linkpage

#endif  // LINKPAGE_MATCH_H_
