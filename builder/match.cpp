#include "match.h"

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <mutex>
#include <unordered_set>

#include "url.h"

namespace linkpage {

namespace {

const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> kWords = {
      "a",     "about", "above", "after", "again", "all",   "also",  "am",
      "an",    "and",   "any",   "are",   "as",    "at",    "be",    "been",
      "being", "best",  "but",   "by",    "can",   "could", "did",   "do",
      "does",  "doing", "for",   "from",  "get",   "had",   "has",   "have",
      "he",    "her",   "here",  "him",   "his",   "how",   "i",     "if",
      "in",    "into",  "is",    "it",    "its",   "just",  "me",    "more",
      "most",  "my",    "new",   "no",    "nor",   "not",   "now",   "of",
      "off",   "on",    "once",  "only",  "or",    "other", "our",   "out",
      "over",  "own",   "same",  "she",   "should", "so",   "some",  "such",
      "than",  "that",  "the",   "their", "them",  "then",  "there", "these",
      "they",  "this",  "those", "through", "to",  "too",   "top",   "under",
      "until", "up",    "very",  "was",   "we",    "were",  "what",  "when",
      "where", "which", "while", "who",   "whom",  "why",   "will",  "with",
      "you",   "your",  "yours"};
  return kWords;
}

// Byte -> the byte lower-cased when it is part of a word (ASCII letters
// and digits, and every byte of a multi-byte UTF-8 character), else 0: one
// lookup a byte for the words of every link's title, categories and
// description.
constexpr std::array<unsigned char, 256> MakeWordBytes() {
  std::array<unsigned char, 256> lower{};
  for (int c = 0; c < 256; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      lower[static_cast<size_t>(c)] = static_cast<unsigned char>(c);
    } else if (c >= 'A' && c <= 'Z') {
      lower[static_cast<size_t>(c)] = static_cast<unsigned char>(c - 'A' + 'a');
    }
  }
  return lower;
}

constexpr std::array<unsigned char, 256> kWordBytes = MakeWordBytes();

unsigned char WordByte(char c) {
  return kWordBytes[static_cast<unsigned char>(c)];
}

constexpr uint32_t kFnvBasis = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = kFnvBasis;
  for (unsigned char c : s) h = (h ^ c) * kFnvPrime;
  return h;
}

// Calls "fn(word, hash)" for each word of "text", lower-cased, stop words
// included, "hash" being Fnv1a(word), made in the same pass. The view is
// valid during the call only.
template <typename Fn>
void ForEachWord(std::string_view text, Fn fn) {
  std::string lower;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    while (p < end && !WordByte(*p)) ++p;
    const char* const begin = p;
    uint32_t hash = kFnvBasis;
    bool upper = false;
    for (; p < end; ++p) {
      const unsigned char c = WordByte(*p);
      if (c == 0) break;
      upper |= c != static_cast<unsigned char>(*p);
      hash = (hash ^ c) * kFnvPrime;
    }
    if (p == begin) break;
    std::string_view word(begin, static_cast<size_t>(p - begin));
    if (upper) {
      lower.resize(word.size());
      for (size_t k = 0; k < word.size(); ++k) {
        lower[k] = static_cast<char>(WordByte(word[k]));
      }
      word = lower;
    }
    fn(word, hash);
  }
}

std::string ExpandParam(const std::string& value, std::string_view slug,
                        const std::string& feed) {
  std::string out;
  for (size_t i = 0; i < value.size();) {
    if (value.compare(i, 6, "{slug}") == 0) {
      out += slug;
      i += 6;
    } else if (value.compare(i, 6, "{feed}") == 0) {
      out += feed;
      i += 6;
    } else {
      out += value[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> Terms(std::string_view text) {
  std::vector<std::string> terms;
  ForEachWord(text, [&](std::string_view w, uint32_t) {
    if (!StopWords().count(w)) terms.emplace_back(w);
  });
  return terms;
}

void AppendTermHashes(std::string_view text, std::vector<uint32_t>* out) {
  ForEachWord(text, [&](std::string_view w, uint32_t hash) {
    if (!StopWords().count(w)) out->push_back(hash);
  });
}

namespace {

constexpr uint32_t kUnknown = UINT32_MAX;  // A word no page looks for.

uint64_t PairKey(uint32_t a, uint32_t b) {
  return static_cast<uint64_t>(a) << 32 | b;
}

// Postings from (list id, entry) pairs given in entry order.
void BuildPostings(const std::vector<std::pair<uint32_t, uint32_t>>& items,
                   size_t lists, std::vector<uint32_t>* start,
                   std::vector<uint32_t>* entries) {
  start->assign(lists + 1, 0);
  for (const auto& [list, entry] : items) ++(*start)[list + 1];
  for (size_t i = 0; i < lists; ++i) (*start)[i + 1] += (*start)[i];
  std::vector<uint32_t> fill(start->begin(), start->end() - 1);
  entries->resize(items.size());
  for (const auto& [list, entry] : items) (*entries)[fill[list]++] = entry;
}

// LinkIndex::Rank() looks for the best scores by blocks of kBlock links
// and sub-blocks of kSubBlock; for links_per_page up to kMaxSeedWant, it
// first bounds the "want"-th best score by the blocks' largest scores.
constexpr uint32_t kBlock = 256;
constexpr uint32_t kSubBlock = 32;
constexpr size_t kMaxSeedWant = 64;

constexpr size_t kCacheLine = 64;  // Bytes.

// The largest of the n counts at "p", as an int; with n a constant, a
// loop the compiler vectorises.
template <uint32_t n, typename Count>
int BlockMax(const Count* p) {
  Count most = 0;
  for (uint32_t i = 0; i < n; ++i) most = std::max(most, p[i]);
  return static_cast<int>(most);
}
template <typename Count>
int BlockMax(const Count* p, uint32_t n) {
  Count most = 0;
  for (uint32_t i = 0; i < n; ++i) most = std::max(most, p[i]);
  return static_cast<int>(most);
}

}  // namespace

uint32_t LinkIndex::Intern(std::string_view word) {
  auto it = word_ids_.find(word);
  if (it != word_ids_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(stop_.size());
  word_ids_.emplace(std::string(word), id);
  stop_.push_back(StopWords().count(word) != 0);
  return id;
}

std::vector<uint32_t> LinkIndex::QueryTerms(std::string_view text) const {
  std::vector<uint32_t> ids;
  ForEachWord(text, [&](std::string_view w, uint32_t) {
    auto it = word_ids_.find(w);
    if (it == word_ids_.end()) {
      if (!StopWords().count(w)) ids.push_back(kUnknown);
    } else if (!stop_[it->second]) {
      ids.push_back(it->second);
    }
  });
  return ids;
}

LinkIndex::LinkIndex(std::vector<Link> links, const std::vector<Page>& pages)
    : LinkIndex(PackLinks(std::move(links)), pages) {}

LinkIndex::LinkIndex(std::vector<LinkRecords> links,
                     const std::vector<Page>& pages) {
  // What the pages look for: words, and pairs of words in keywords.
  for (std::string_view w : StopWords()) Intern(w);
  for (const Page& page : pages) {
    for (const std::string& t : Terms(page.topic)) Intern(t);
    for (std::string_view k : page.keywords) {
      uint32_t prev = kUnknown;
      for (const std::string& t : Terms(k)) {
        uint32_t id = Intern(t);
        if (prev != kUnknown) {
          pair_ids_.try_emplace(PairKey(prev, id),
                                static_cast<uint32_t>(pair_ids_.size()));
        }
        prev = id;
      }
    }
  }

  // The links kept (the first of each normalised URL), and their feeds.
  // Their records stay where they are, in "links", which the index keeps.
  size_t total = 0;
  for (const LinkRecords& feed : links) total += feed.size();
  std::unordered_set<std::string> seen;
  seen.reserve(total);
  records_.reserve(total);
  for (const LinkRecords& feed : links) {
    for (size_t i = 0; i < feed.size(); ++i) {
      RecordReader reader(feed.record(i));
      for (size_t f = 0; f < kUrlField; ++f) reader.Text();
      if (!seen.insert(NormalizeUrl(reader.Text())).second) {
        ++duplicates_;
        continue;
      }
      auto [it, added] = feed_ids_.emplace(
          feed.feed(), static_cast<uint32_t>(feed_ids_.size()));
      const uint32_t at = static_cast<uint32_t>(records_.size());
      if (added) {
        feed_names_.push_back(feed.feed());
        feed_links_.push_back(0);
        feed_span_.emplace_back(at, at);
      }
      records_.push_back(feed.record(i));
      feed_of_.push_back(it->second);
      ++feed_links_[it->second];
      feed_span_[it->second].second = at + 1;
    }
  }
  links_ = std::move(links);
}

void LinkIndex::Prepare() const {
  if (size() == 0) return;  // Nothing to pick from: nothing to index.
  std::call_once(indexed_, [this] { IndexWords(); });
}

void LinkIndex::IndexWords() const {
  // (word or pair id, link << 2 | weight or flags) in link order; per
  // link, (id << 2 | payload) before merging.
  std::vector<std::pair<uint32_t, uint32_t>> word_items, pair_items;
  std::vector<uint64_t> words, pairs;
  // Most words of a link are no page's (brands, models, numbers): a bitmap
  // of the hashes of the words pages look for turns most of those away
  // before a lookup in word_ids_. A set bit only means "look it up".
  constexpr uint32_t kFilterBits = 1 << 18;  // 32 KiB.
  std::vector<uint64_t> filter(kFilterBits / 64, 0);
  for (const auto& [word, id] : word_ids_) {
    const uint32_t b = Fnv1a(word) & (kFilterBits - 1);
    filter[b / 64] |= uint64_t{1} << (b % 64);
  }
  auto add_field = [&](std::string_view text, uint32_t weight,
                       uint32_t pair_flag) {
    uint32_t prev = kUnknown;
    ForEachWord(text, [&](std::string_view w, uint32_t hash) {
      uint32_t id = kUnknown;
      if (const uint32_t b = hash & (kFilterBits - 1);
          filter[b / 64] >> (b % 64) & 1) {
        auto it = word_ids_.find(w);
        if (it != word_ids_.end()) id = it->second;
      }
      if (id != kUnknown && stop_[id]) return;  // Pairs skip stop words.
      if (id != kUnknown) words.push_back(uint64_t{id} << 2 | weight);
      if (prev != kUnknown && id != kUnknown) {
        auto pair = pair_ids_.find(PairKey(prev, id));
        if (pair != pair_ids_.end()) {
          pairs.push_back(uint64_t{pair->second} << 2 | pair_flag);
        }
      }
      prev = id;
    });
  };
  // A link's (id << 2 | payload) values as one item per id, the payloads
  // combined by "combine".
  auto merge = [](std::vector<uint64_t>* v, uint32_t link, auto combine,
                  std::vector<std::pair<uint32_t, uint32_t>>* items) {
    std::sort(v->begin(), v->end());
    for (size_t i = 0; i < v->size();) {
      size_t j = i;
      uint32_t payload = 0;
      for (; j < v->size() && (*v)[j] >> 2 == (*v)[i] >> 2; ++j) {
        payload = combine(payload, static_cast<uint32_t>((*v)[j] & 3));
      }
      items->emplace_back(static_cast<uint32_t>((*v)[i] >> 2),
                          link << 2 | payload);
      i = j;
    }
  };
  for (uint32_t id = 0; id < size(); ++id) {
    words.clear();
    pairs.clear();
    RecordReader record(records_[id]);
    std::string_view fields[std::size(kRecordFields)];
    for (std::string_view& field : fields) field = record.Text();
    add_field(fields[kTitleField], 3, kInTitle);
    for (uint64_t c = record.Varint(); c > 0; --c) {
      add_field(record.Text(), 2, kElsewhere);
    }
    add_field(fields[kDescriptionField], 1, kElsewhere);
    // One posting per word and link, weighing as the best field it is in;
    // one per word pair, flagging the fields it is in.
    merge(&words, id, [](uint32_t a, uint32_t b) { return std::max(a, b); },
          &word_items);
    merge(&pairs, id, [](uint32_t a, uint32_t b) { return a | b; },
          &pair_items);
  }
  BuildPostings(word_items, stop_.size(), &words_.start, &words_.entries);
  BuildPostings(pair_items, pair_ids_.size(), &pairs_.start, &pairs_.entries);
}

size_t LinkIndex::PickCount(const Page& page) const {
  size_t available = page.feeds.empty() ? size() : 0;
  std::vector<char> counted(feed_ids_.size(), 0);
  for (std::string_view name : page.feeds) {
    auto it = feed_ids_.find(name);
    if (it != feed_ids_.end() && !counted[it->second]) {
      counted[it->second] = 1;
      available += feed_links_[it->second];
    }
  }
  return std::min(available, static_cast<size_t>(page.settings.links_per_page));
}

template <typename Count>
std::vector<uint32_t> LinkIndex::Rank(const Query& q, PickNote* note) const {
  // Scores are tallied for every link of the spans at once, in a scratch
  // array per thread: one byte a link while scores fit (50,000 links:
  // 50 KB, in the L1 and L2 caches), sized to the index and a block more,
  // all zero between calls.
  thread_local std::vector<Count> tallies;
  if (tallies.size() < size() + kBlock) {
    tallies.assign(size() + kBlock, 0);
  }
  Count* tally = tallies.data();
  struct Clear {  // Clears the spans' tallies on the way out.
    Count* tally;
    const std::vector<std::pair<uint32_t, uint32_t>>& spans;
    ~Clear() {
      for (const auto& [first, last] : spans) {
        std::fill(tally + first, tally + last, Count{0});
      }
    }
  } clear{tally, q.spans};
  auto allowed = [&](uint32_t id) {
    return q.every_feed || q.allowed_feed[feed_of_[id]] != 0;
  };

  // Adds points(payload) for each posting in [begin, end) of a link of
  // the spans. Links of the spans but not of the page's feeds (when a
  // feed's links are not together) are tallied too, and passed over in
  // the search below.
  const uint32_t link_count = static_cast<uint32_t>(size());
  auto add = [&](const uint32_t* begin, const uint32_t* end, auto points) {
    for (const auto& [first, last] : q.spans) {
      const uint32_t* e =
          first == 0 ? begin : std::lower_bound(begin, end, first << 2);
      const uint32_t* e_end =
          last == link_count ? end : std::lower_bound(e, end, last << 2);
      // Four at a time: the adds do not depend on each other (a link is
      // once in a list), and this loop is most of the work of Pick().
      for (; e_end - e >= 4; e += 4) {
        const uint32_t e0 = e[0], e1 = e[1], e2 = e[2], e3 = e[3];
        tally[e0 >> 2] += points(e0 & 3);
        tally[e1 >> 2] += points(e1 & 3);
        tally[e2 >> 2] += points(e2 & 3);
        tally[e3 >> 2] += points(e3 & 3);
      }
      for (; e != e_end; ++e) tally[*e >> 2] += points(*e & 3);
    }
  };
  // Each query word adds its weight: one pass over its postings. Every
  // posting is read; what is cut short is the search for the best.
  for (uint32_t w : q.words) {
    add(words_.entries.data() + words_.start[w],
        words_.entries.data() + words_.start[w + 1],
        [](uint32_t weight) { return static_cast<Count>(weight); });
  }
  // A keyword phrase counts where each of its word pairs stands, in the
  // same field kind: the intersection of the pairs' postings.
  std::vector<uint32_t> hits, both;
  for (const std::vector<uint32_t>& words : q.phrases) {
    const uint32_t* b = nullptr;
    const uint32_t* b_end = nullptr;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      auto pair = words[i] == kUnknown || words[i + 1] == kUnknown
                      ? pair_ids_.end()
                      : pair_ids_.find(PairKey(words[i], words[i + 1]));
      if (pair == pair_ids_.end()) {
        b = b_end = nullptr;
        break;
      }
      const uint32_t* a = b;
      const uint32_t* a_end = b_end;
      b = pairs_.entries.data() + pairs_.start[pair->second];
      b_end = pairs_.entries.data() + pairs_.start[pair->second + 1];
      if (i == 0) continue;  // A two-word phrase: the pair's postings.
      both.clear();
      while (a != a_end && b != b_end) {
        if (*a >> 2 < *b >> 2) {
          ++a;
        } else if (*b >> 2 < *a >> 2) {
          ++b;
        } else {
          if (*a & *b & 3) both.push_back((*a & ~3u) | (*a & *b & 3));
          ++a;
          ++b;
        }
      }
      hits.swap(both);
      b = hits.data();
      b_end = b + hits.size();
    }
    // 3 points in the title, 1 elsewhere: by field flags, from a table
    // (a branch on the flags would often be mispredicted).
    static constexpr Count kPoints[4] = {0, 3, 1, 4};
    static_assert(kInTitle == 1 && kElsewhere == 2);
    add(b, b_end, [](uint32_t flags) { return kPoints[flags]; });
  }

  // The best "want" by score, ties by position (feed order), are looked
  // for by blocks of kBlock links (the last of a span may be shorter), in
  // two passes. Links scoring below "need" are not looked at, and "need"
  // only ever is a score no link below it can make the cut with.
  //
  // First pass: the largest score of each block, a quick, vectorised
  // loop. When every link of the spans is of the page's feeds, a
  // different link has the largest score of each block (blocks do not
  // overlap), so at least "want" links score as much as the "want"-th
  // largest of them: the "want"-th best score is no lower, and "need"
  // starts there. A link that only ties with it can still make the cut,
  // by position: "need" is that score, not one more.
  thread_local std::vector<int> block_most;
  block_most.clear();
  for (const auto& [first, last] : q.spans) {
    for (uint32_t block = first; block < last; block += kBlock) {
      block_most.push_back(last - block >= kBlock
                               ? BlockMax<kBlock>(tally + block)
                               : BlockMax(tally + block, last - block));
    }
  }
  int need = 1;  // Unmatched links are filler, not picked by score.
  if (q.all_allowed && q.want <= kMaxSeedWant) {
    std::vector<int> largest;  // The "want" largest, descending.
    for (int most : block_most) {
      if (largest.size() == q.want && most <= largest.back()) continue;
      largest.insert(std::upper_bound(largest.begin(), largest.end(), most,
                                      std::greater<>()),
                     most);
      if (largest.size() > q.want) largest.pop_back();
    }
    if (largest.size() == q.want) need = std::max(need, largest.back());
  }
  // Second pass: the blocks again, in position order, so that a link goes
  // after the kept links of its score. Once "want" are kept, a link, which
  // comes after them all, gets in only with a score above the last kept
  // one: "need" rises to that plus one. A block, or a sub-block of
  // kSubBlock links, none of which reaches "need" is passed over whole
  // (a sub-block may run past a span into the next one, or into the
  // spare zeros at the end of the tallies).
  std::vector<std::pair<int, uint32_t>> top;  // (score, link)
  top.reserve(std::min(q.want, size()) + 1);
  size_t block_index = 0;
  for (const auto& [first, last] : q.spans) {
    for (uint32_t block = first; block < last; block += kBlock) {
      if (block_most[block_index++] < need) continue;
      const uint32_t block_end = std::min(last, block + kBlock);
      for (uint32_t sub = block; sub < block_end; sub += kSubBlock) {
        if (BlockMax<kSubBlock>(tally + sub) < need) continue;
        const uint32_t sub_end = std::min(block_end, sub + kSubBlock);
        for (uint32_t id = sub; id < sub_end; ++id) {
          const int score = tally[id];
          if (score < need || !allowed(id)) continue;
          top.insert(
              std::find_if(top.begin(), top.end(),
                           [&](const auto& t) { return t.first < score; }),
              {score, id});
          if (top.size() > q.want) top.pop_back();
          if (top.size() == q.want) need = top.back().first + 1;
        }
      }
    }
  }
  std::vector<uint32_t> ids;
  for (const auto& [score, id] : top) ids.push_back(id);

  // Then filler: links of the page's feeds that match nothing. (With
  // fewer than "want" kept, "need" stayed 1: every match was kept.)
  note->filler = ids.size() < q.want;
  note->cut = top.empty() ? 0 : top.back().first;
  if (ids.size() < q.want) {
    const size_t count = size();
    const size_t start = Fnv1a(q.slug) % count;
    for (size_t k = 0; k < count && ids.size() < q.want; ++k) {
      uint32_t id = static_cast<uint32_t>((start + k) % count);
      if (allowed(id) && tally[id] == 0) ids.push_back(id);
    }
  }
  return ids;
}

Link LinkIndex::LinkAt(uint32_t id) const {
  return LinkRecords::Decode(feed_names_[feed_of_[id]], records_[id]);
}

std::vector<Link> LinkIndex::Pick(const Page& page,
                                  const std::vector<FeedConfig>& feeds,
                                  PickNote* note) const {
  Query q;
  q.want = static_cast<size_t>(page.settings.links_per_page);
  std::vector<Link> picked;
  PickNote unused;
  if (!note) note = &unused;
  *note = PickNote{q.want > 0, 0};
  if (q.want == 0 || size() == 0) return picked;
  Prepare();
  q.slug = page.slug;

  // Which feeds the page draws from, by feed id, and the spans of link
  // indexes that hold their links, ascending and apart. (A feed's links
  // are one span of their own when links come in feed order.)
  q.every_feed = page.feeds.empty();
  q.allowed_feed.assign(feed_ids_.size(), q.every_feed);
  if (q.every_feed) {
    q.spans.emplace_back(0, static_cast<uint32_t>(size()));
  }
  for (std::string_view name : page.feeds) {
    auto it = feed_ids_.find(name);
    if (it != feed_ids_.end() && !q.allowed_feed[it->second]) {
      q.allowed_feed[it->second] = 1;
      q.spans.push_back(feed_span_[it->second]);
    }
  }
  size_t page_links = 0;  // Links of the page's feeds.
  for (size_t f = 0; f < feed_links_.size(); ++f) {
    if (q.allowed_feed[f]) page_links += feed_links_[f];
  }
  std::sort(q.spans.begin(), q.spans.end());
  size_t spans = 0;
  for (const auto& span : q.spans) {
    if (spans > 0 && span.first <= q.spans[spans - 1].second) {
      q.spans[spans - 1].second =
          std::max(q.spans[spans - 1].second, span.second);
    } else {
      q.spans[spans++] = span;
    }
  }
  q.spans.resize(spans);
  size_t span_links = 0;
  for (const auto& [first, last] : q.spans) span_links += last - first;
  q.all_allowed = span_links == page_links;

  // Query words, each counted once.
  q.words = QueryTerms(page.topic);
  for (std::string_view k : page.keywords) {
    std::vector<uint32_t> t = QueryTerms(k);
    q.words.insert(q.words.end(), t.begin(), t.end());
    if (t.size() > 1) q.phrases.push_back(std::move(t));
  }
  std::sort(q.words.begin(), q.words.end());
  q.words.erase(std::unique(q.words.begin(), q.words.end()), q.words.end());
  if (!q.words.empty() && q.words.back() == kUnknown) q.words.pop_back();

  // A word adds at most 3, a phrase at most 4: bytes hold the scores of
  // all but very long queries.
  const size_t most = 3 * q.words.size() + 4 * q.phrases.size();
  std::vector<uint32_t> ids =
      most <= UINT8_MAX ? Rank<uint8_t>(q, note) : Rank<uint32_t>(q, note);

  // The records are seldom in the caches: ask for all their bytes first,
  // so that the cache misses of the copies below overlap rather than come
  // one after the other.
  for (uint32_t id : ids) {
    const std::string_view record = records_[id];
    const char* first = record.data();
    const char* last = first + record.size();
    // Each cache line the record touches, the last one too.
    for (const char* p = first; p < last; p += kCacheLine) {
      __builtin_prefetch(p);
    }
    __builtin_prefetch(last - 1);
  }
  picked.reserve(ids.size());
  for (uint32_t id : ids) {
    Link& link = picked.emplace_back(LinkAt(id));
    auto feed = std::find_if(feeds.begin(), feeds.end(),
                             [&](const FeedConfig& f) {
                               return f.name == link.feed;
                             });
    if (feed != feeds.end() && !feed->link_params.empty()) {
      std::vector<std::pair<std::string, std::string>> params;
      for (const auto& [k, v] : feed->link_params) {
        params.emplace_back(k, ExpandParam(v, page.slug, link.feed));
      }
      link.url = AppendQuery(link.url, params);
    }
  }
  return picked;
}

}  // namespace linkpage
