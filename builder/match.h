// Links to pages: score, de-duplicate, pick, add link parameters.
#ifndef LINKPAGE_MATCH_H_
#define LINKPAGE_MATCH_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model.h"
#include "records.h"

namespace linkpage {

// Splits text into lower-case words (ASCII letters and digits; bytes of
// multi-byte UTF-8 characters count as letters), dropping common English
// stop words.
std::vector<std::string> Terms(std::string_view text);

// Appends a 32-bit hash of each word Terms(text) gives to "*out": what a
// run keeps to tell, later, which pages a changed link could concern.
void AppendTermHashes(std::string_view text, std::vector<uint32_t>* out);

// What a later run needs to know of a page's pick (see linknotes.h).
struct PickNote {
  // Fewer than links_per_page links matched: the pick depends on the
  // links that match nothing too.
  bool filler = true;
  // Else the lowest score of the links picked: no link scoring less can
  // be picked.
  int cut = 0;
};

// Every link of the run, de-duplicated, with an index from words to links
// so that a page is matched without scanning every link.
class LinkIndex {
 public:
  // "links" in feed order (feeds sorted by name, items in document order).
  // Of links whose NormalizeUrl() is equal only the first is kept. "pages"
  // are the pages to be matched: only the words and keyword phrases they
  // look for are indexed, so Pick() must be given one of them.
  LinkIndex(std::vector<LinkRecords> links, const std::vector<Page>& pages);
  LinkIndex(std::vector<Link> links, const std::vector<Page>& pages);
  LinkIndex(const LinkIndex&) = delete;
  LinkIndex& operator=(const LinkIndex&) = delete;

  // Links removed as duplicates.
  int duplicates() const { return duplicates_; }
  // Links kept.
  size_t size() const { return records_.size(); }

  // Picks up to page.settings.links_per_page links from the page's feeds
  // (every feed when page.feeds is empty): best score first (topic and
  // keyword words found in the title weigh 3, in categories 2, in the
  // description 1; a keyword phrase found whole, stop words aside, adds 3
  // in the title and 1 elsewhere), ties in feed order; then filled with
  // unmatched links starting at a point that depends on the slug, so that pages
  // do not all get the same filler. Link parameters of the link's feed are
  // appended with {slug} and {feed} expanded. The result depends only on the
  // inputs.
  // "*note", when given, receives what a later run needs to know of it.
  std::vector<Link> Pick(const Page& page, const std::vector<FeedConfig>& feeds,
                         PickNote* note = nullptr) const;

  // Builds now what the first Pick() would otherwise build (the index
  // from words to links). Safe to call from several threads at once.
  void Prepare() const;

  // How many links Pick(page, ...) returns, without picking them.
  size_t PickCount(const Page& page) const;

 private:
  static constexpr uint32_t kInTitle = 1;    // Word-pair flags.
  static constexpr uint32_t kElsewhere = 2;  // Description or categories.

  // Postings lists, all in one array: list i is
  // entries[start[i]] .. entries[start[i + 1]], each entry
  // (link index << 2) | payload, link indexes ascending.
  struct Postings {
    std::vector<uint32_t> start;
    std::vector<uint32_t> entries;
  };
  // Hash and equality that also take string_view: lookups allocate nothing.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  using WordIds =
      std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

  // What Pick() looks for, and where.
  struct Query {
    size_t want = 0;  // links_per_page.
    std::string_view slug;
    bool every_feed = false;         // The page takes every feed.
    std::vector<char> allowed_feed;  // Feed id -> the page takes it.
    // Link index spans [first, last) that hold the page's links (and,
    // when a feed's links are not together, others), ascending, apart.
    std::vector<std::pair<uint32_t, uint32_t>> spans;
    bool all_allowed = false;     // The spans hold the page's links only.
    std::vector<uint32_t> words;  // Word ids, ascending, each once.
    // Keyword phrases of more than one word: word ids, in order.
    std::vector<std::vector<uint32_t>> phrases;
  };

  // Builds the postings, on the first Pick(): a run that picks nothing
  // does not pay for them.
  void IndexWords() const;
  // The id of a lower-case word, a new one if the word is new.
  uint32_t Intern(std::string_view word);
  // The ids of the words of "text" but stop words; UINT32_MAX for a word
  // no page looks for.
  std::vector<uint32_t> QueryTerms(std::string_view text) const;
  // The indexes of the links Pick() returns, best first, then filler;
  // scores are tallied in "Count", which must hold the largest possible.
  template <typename Count>
  std::vector<uint32_t> Rank(const Query& q, PickNote* note) const;

  // The link of index "id" as Pick() returns it, before link parameters.
  Link LinkAt(uint32_t id) const;

  // Every link given, duplicates too, as records (records.h); records_[i]
  // is kept link i's.
  std::vector<LinkRecords> links_;
  std::vector<std::string_view> records_;
  std::vector<std::string> feed_names_;  // Feed id -> name.
  std::vector<uint32_t> feed_of_;        // Link index -> feed id.
  std::vector<size_t> feed_links_;    // Feed id -> links.
  // Feed id -> [first link index, last + 1).
  std::vector<std::pair<uint32_t, uint32_t>> feed_span_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>
      feed_ids_;
  // The words pages look for, and the stop words: lower-case word -> id.
  WordIds word_ids_;
  std::vector<bool> stop_;  // Word id -> is a stop word.
  // Word id -> the links that have the word, payload its weight in the
  // best field it is in: 3 title, 2 a category, 1 the description.
  mutable std::once_flag indexed_;
  mutable Postings words_;
  // Two word ids that stand together in a page's keyword -> pair id.
  std::unordered_map<uint64_t, uint32_t> pair_ids_;
  mutable Postings pairs_;  // Pair id -> links, payload field flags.
  int duplicates_ = 0;
};

}  // namespace linkpage

#endif  // LINKPAGE_MATCH_H_
