// What a run remembers of the links a site was built with, so that a later
// run in which feeds changed picks links again only for the pages that the
// change can concern.
//
// Per feed and version of its links (their LinksHash()), a notes file
// SITE/.linkpage-cache/parsed/NAME@KEY (KEY: a hash of that and of the
// notes' format and the linkpage version, so that no build reads notes
// another version wrote) holds, per link in order, a hash of
// its content, a hash of its normalised URL and hashes of its words
// (AppendTermHashes() of its title, categories and description), each with
// its weight in the link (the best field it is in, as LinkIndex scores it),
// and the links themselves as records (records.h). It is written when the
// feed is parsed and no readable one is there.
// SITE/.linkpage-cache/published-links names the versions the published
// site was built with (LinksState).
//
// Why words are enough: a page that got links_per_page links that match it
// can only be given other links if a link was added, removed or changed
// that scores at least the lowest score of the links it got (PickNote::cut)
// for it; links that stayed but moved count as changed, but for the most
// of them that kept their order. A link's score for a page
// is bounded by the weights of the page's words in it, plus 4 for each
// keyword phrase whose words it has. Pages given filler (links that match
// nothing) depend on every link, and are picked again on any change.
#ifndef LINKPAGE_LINKNOTES_H_
#define LINKPAGE_LINKNOTES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "match.h"
#include "model.h"
#include "records.h"

namespace linkpage {

// The notes of one feed's links.
struct LinkNotes {
  struct Entry {
    uint64_t content = 0;      // Every field but the feed name.
    uint64_t url = 0;          // NormalizeUrl(url).
    uint32_t words_begin = 0;  // The link's word hashes are
    uint32_t words_end = 0;    // words[words_begin, words_end).
  };
  std::vector<Entry> links;
  // Per link: ascending, each word once, as its hash with the two low
  // bits replaced by its weight (3 title, 2 category, 1 description).
  std::vector<uint32_t> words;
};

// The notes of "links".
LinkNotes NoteLinks(const std::vector<Link>& links);

// Where the notes of "feed"'s links of LinksHash() "hash" are kept.
std::string LinkNotesPath(const std::string& cache_dir, std::string_view feed,
                          uint64_t hash);

// Writes "notes" to "path" atomically (temp file, rename), with the links
// themselves ("records", the links "notes" are of): a later run that needs
// the links of a feed it parsed before reads them back rather than parse
// the feed again. A checksum is kept with them: a torn file is not read
// back.
bool WriteLinkNotes(const std::string& path, const LinkNotes& notes,
                    const LinkRecords& records, std::string* err);
// Reads the notes at "path" of the links of LinksHash() "links_hash" into
// "*notes", and those links into "*records" (empty, of their feed), each
// when not null. False when there are none at "path", they are torn or
// corrupt, or they are of other links ("*notes" and "*records" then hold
// nothing worth keeping).
bool ReadLinkNotes(const std::string& path, uint64_t links_hash,
                   LinkNotes* notes, LinkRecords* records);

// The versions of the links a site was built with.
struct LinksState {
  uint64_t hash = 0;  // StateHash() of "feeds".
  // Feed name -> LinksHash() of its links, in name order.
  std::vector<std::pair<std::string, uint64_t>> feeds;
};

// The state SITE/.linkpage-cache/published-links records; false when
// there is none, or it is unreadable or does not add up.
bool ReadPublishedLinks(const std::string& cache_dir, LinksState* state);
// The hash of a state's feeds' hashes, in order (FeedLinks::hash()).
uint64_t StateHash(const std::vector<uint64_t>& feed_hashes);

// Records "state" as the published site's, and removes the notes of
// versions it does not have.
bool WritePublishedLinks(const std::string& cache_dir, const LinksState& state,
                         std::string* err);

// What changed from the links of one state to those of another.
class LinkChanges {
 public:
  // Compares the notes of "before" and "after" in "cache_dir". When
  // notes are missing, every page is concerned; notes that cannot be read
  // are removed, to be written anew when their feed is next parsed.
  LinkChanges(const std::string& cache_dir, const LinksState& before,
              const LinksState& after);

  // Whether picking links for "page" can give other links with "after"'s
  // links than with "before"'s, where it had "note" (PickNote{} when not
  // known).
  bool Concerns(const Page& page, const PickNote& note) const;

  // Links "after" drops as duplicates, or -1 when not known.
  int duplicates() const { return duplicates_; }

 private:
  // Past this many changed links in a feed, a page is concerned when
  // any of its words is in one, whatever its score: scoring each one
  // for every page would cost more than picking again.
  static constexpr size_t kMaxScored = 64;

  // A feed some of whose links changed.
  struct FeedChange {
    std::string name;
    // The words of the links that changed, as LinkNotes::words, per link
    // (links[i] is where link i's end; past kMaxScored links, "words" is
    // emptied and "links" holds kMaxScored + 1 zeros), and without
    // weights, ascending, once each.
    std::vector<uint32_t> words;
    std::vector<uint32_t> links;
    std::vector<uint32_t> all_words;
  };
  bool all_ = false;  // Notes are missing: every page is concerned.
  std::vector<FeedChange> changed_;
  int duplicates_ = -1;
};

}  // namespace linkpage

#endif  // LINKPAGE_LINKNOTES_H_
