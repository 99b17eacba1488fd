#include "match.h"

#include <algorithm>
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

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c >= 0x80;
}

// Calls "fn(word)" for each word of "text", lower-cased, stop words
// included. The view is valid during the call only.
template <typename Fn>
void ForEachWord(std::string_view text, Fn fn) {
  std::string lower;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(text[i])) ++i;
    size_t begin = i;
    bool upper = false;
    while (i < text.size() && IsWordByte(text[i])) {
      upper |= text[i] >= 'A' && text[i] <= 'Z';
      ++i;
    }
    if (i == begin) break;
    std::string_view word = text.substr(begin, i - begin);
    if (upper) {
      lower.assign(word);
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      word = lower;
    }
    fn(word);
  }
}

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string ExpandParam(const std::string& value, const std::string& slug,
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
  ForEachWord(text, [&](std::string_view w) {
    if (!StopWords().count(w)) terms.emplace_back(w);
  });
  return terms;
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
  ForEachWord(text, [&](std::string_view w) {
    auto it = word_ids_.find(w);
    if (it == word_ids_.end()) {
      if (!StopWords().count(w)) ids.push_back(kUnknown);
    } else if (!stop_[it->second]) {
      ids.push_back(it->second);
    }
  });
  return ids;
}

LinkIndex::LinkIndex(std::vector<Link> links,
                     const std::vector<Page>& pages) {
  // What the pages look for: words, and pairs of words in keywords.
  for (std::string_view w : StopWords()) Intern(w);
  for (const Page& page : pages) {
    for (const std::string& t : Terms(page.topic)) Intern(t);
    for (const std::string& k : page.keywords) {
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

  // Duplicates are dropped in place: the links are held once.
  links_ = std::move(links);
  std::unordered_set<std::string> seen;
  seen.reserve(links_.size());
  size_t kept = 0;
  for (size_t i = 0; i < links_.size(); ++i) {
    if (!seen.insert(NormalizeUrl(links_[i].url)).second) {
      ++duplicates_;
      continue;
    }
    auto [it, added] = feed_ids_.emplace(
        links_[i].feed, static_cast<uint32_t>(feed_ids_.size()));
    feed_of_.push_back(it->second);
    feed_links_.resize(feed_ids_.size());
    ++feed_links_[it->second];
    if (kept != i) links_[kept] = std::move(links_[i]);
    ++kept;
  }
  links_.resize(kept);
}

void LinkIndex::IndexWords() const {
  // (word or pair id, link << 2 | weight or flags) in link order; per
  // link, (id << 2 | payload) before merging.
  std::vector<std::pair<uint32_t, uint32_t>> word_items, pair_items;
  std::vector<std::pair<uint32_t, uint32_t>> strong_items, weak_items;
  std::vector<uint64_t> words, pairs;
  auto add_field = [&](std::string_view text, uint32_t weight,
                       uint32_t pair_flag) {
    uint32_t prev = kUnknown;
    ForEachWord(text, [&](std::string_view w) {
      auto it = word_ids_.find(w);
      const uint32_t id = it == word_ids_.end() ? kUnknown : it->second;
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
  for (uint32_t id = 0; id < links_.size(); ++id) {
    const Link& link = links_[id];
    words.clear();
    pairs.clear();
    add_field(link.title, 3, kInTitle);
    for (const std::string& c : link.categories) add_field(c, 2, kElsewhere);
    add_field(link.description, 1, kElsewhere);
    // One posting per word and link, weighing as the best field it is in;
    // one per word pair, flagging the fields it is in.
    word_items.clear();
    merge(&words, id, [](uint32_t a, uint32_t b) { return std::max(a, b); },
          &word_items);
    weak_of_.start.push_back(static_cast<uint32_t>(weak_of_.entries.size()));
    for (const auto& item : word_items) {
      const bool weak = (item.second & 3) == 1;
      (weak ? weak_items : strong_items).push_back(item);
      if (weak) weak_of_.entries.push_back(item.first);
    }
    merge(&pairs, id, [](uint32_t a, uint32_t b) { return a | b; },
          &pair_items);
  }
  weak_of_.start.push_back(static_cast<uint32_t>(weak_of_.entries.size()));
  BuildPostings(strong_items, stop_.size(), &strong_.start, &strong_.entries);
  BuildPostings(weak_items, stop_.size(), &weak_.start, &weak_.entries);
  BuildPostings(pair_items, pair_ids_.size(), &pairs_.start, &pairs_.entries);
}

size_t LinkIndex::PickCount(const Page& page) const {
  size_t available = page.feeds.empty() ? links_.size() : 0;
  std::vector<char> counted(feed_ids_.size(), 0);
  for (const std::string& name : page.feeds) {
    auto it = feed_ids_.find(name);
    if (it != feed_ids_.end() && !counted[it->second]) {
      counted[it->second] = 1;
      available += feed_links_[it->second];
    }
  }
  return std::min(available, static_cast<size_t>(page.settings.links_per_page));
}

std::vector<Link> LinkIndex::Pick(const Page& page,
                                  const std::vector<FeedConfig>& feeds) const {
  const size_t want = static_cast<size_t>(page.settings.links_per_page);
  std::vector<Link> picked;
  if (want == 0 || links_.empty()) return picked;
  std::call_once(indexed_, [this] { IndexWords(); });

  // Which feeds the page draws from, by feed id.
  std::vector<char> allowed_feed(feed_ids_.size(), page.feeds.empty());
  for (const std::string& name : page.feeds) {
    auto it = feed_ids_.find(name);
    if (it != feed_ids_.end()) allowed_feed[it->second] = 1;
  }
  const bool every_feed = page.feeds.empty();
  auto allowed = [&](uint32_t id) {
    return every_feed || allowed_feed[feed_of_[id]] != 0;
  };

  // Query words, each counted once.
  std::vector<uint32_t> query = QueryTerms(page.topic);
  std::vector<std::vector<uint32_t>> phrases;
  for (const std::string& k : page.keywords) {
    std::vector<uint32_t> t = QueryTerms(k);
    if (t.size() > 1) phrases.push_back(t);
    query.insert(query.end(), t.begin(), t.end());
  }
  std::sort(query.begin(), query.end());
  query.erase(std::unique(query.begin(), query.end()), query.end());
  if (!query.empty() && query.back() == kUnknown) query.pop_back();

  // Scratch tallies per thread, sized to the index and reset after use.
  // A link is appended to "touched" when its score leaves 0 (without a
  // branch: the slot is overwritten otherwise).
  struct Tally {
    int score = 0;
    int strong = 0;  // Query words found in the title or a category.
  };
  thread_local std::vector<Tally> tallies;
  thread_local std::vector<uint32_t> touched_ids;
  if (tallies.size() < links_.size()) {
    tallies.assign(links_.size(), Tally());
    touched_ids.assign(links_.size() + 1, 0);
  }
  Tally* tally = tallies.data();
  uint32_t* touched = touched_ids.data();
  size_t touched_count = 0;
  auto add = [&](uint32_t id, int points) {
    touched[touched_count] = id;
    touched_count += tally[id].score == 0;
    tally[id].score += points;
  };
  // Titles and categories first; descriptions, which hold most postings,
  // last, and only if needed.
  for (uint32_t w : query) {
    for (uint32_t i = strong_.start[w]; i < strong_.start[w + 1]; ++i) {
      const uint32_t e = strong_.entries[i];
      if (allowed(e >> 2)) {
        add(e >> 2, static_cast<int>(e & 3));
        ++tally[e >> 2].strong;
      }
    }
  }
  // A keyword phrase counts where each of its word pairs stands, in the
  // same field kind: the intersection of the pairs' postings.
  std::vector<uint32_t> hits, both;
  for (const std::vector<uint32_t>& words : phrases) {
    hits.clear();
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      auto pair = words[i] == kUnknown || words[i + 1] == kUnknown
                      ? pair_ids_.end()
                      : pair_ids_.find(PairKey(words[i], words[i + 1]));
      if (pair == pair_ids_.end()) {
        hits.clear();
        break;
      }
      const uint32_t* b = pairs_.entries.data() + pairs_.start[pair->second];
      const uint32_t* b_end =
          pairs_.entries.data() + pairs_.start[pair->second + 1];
      if (i == 0) {
        hits.assign(b, b_end);
        continue;
      }
      both.clear();
      auto a = hits.begin();
      while (a != hits.end() && b != b_end) {
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
    }
    for (uint32_t e : hits) {
      if (allowed(e >> 2)) {
        add(e >> 2, (e & kInTitle ? 3 : 0) + (e & kElsewhere ? 1 : 0));
      }
    }
  }
  // Best scores first, ties by position (feed order): one pass keeping
  // the best "want" in order.
  auto better = [](std::pair<int, uint32_t> a, std::pair<int, uint32_t> b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  std::vector<std::pair<int, uint32_t>> top;  // (score, link)
  top.reserve(want + 1);
  auto consider = [&](int score, uint32_t id) {
    if (top.size() == want && !better({score, id}, top.back())) return;
    top.insert(std::upper_bound(top.begin(), top.end(),
                                std::pair{score, id}, better),
               {score, id});
    if (top.size() > want) top.pop_back();
  };
  for (size_t i = 0; i < touched_count; ++i) {
    consider(tally[touched[i]].score, touched[i]);
  }
  // Descriptions add at most 1 per query word not in the title or a
  // category. When the "want"-th best score so far beats that, links
  // without a title, category or phrase match cannot make the cut, and of
  // those with one only the links that could reach it need their
  // description words, from weak_of_.
  const int most = static_cast<int>(query.size());
  if (top.size() == want && top.back().first > most) {
    const int cut = top.back().first;
    top.clear();
    for (size_t i = 0; i < touched_count; ++i) {
      const uint32_t id = touched[i];
      Tally& t = tally[id];
      if (t.score + most - t.strong >= cut) {
        // Both ascending: count the words they share.
        auto q = query.begin();
        const uint32_t* w = weak_of_.entries.data() + weak_of_.start[id];
        const uint32_t* w_end =
            weak_of_.entries.data() + weak_of_.start[id + 1];
        while (q != query.end() && w != w_end) {
          if (*q < *w) {
            ++q;
          } else if (*w < *q) {
            ++w;
          } else {
            ++t.score;
            ++q;
            ++w;
          }
        }
        consider(t.score, id);
      }
    }
  } else {
    for (uint32_t w : query) {
      for (uint32_t i = weak_.start[w]; i < weak_.start[w + 1]; ++i) {
        const uint32_t e = weak_.entries[i];
        if (allowed(e >> 2)) add(e >> 2, 1);
      }
    }
    top.clear();
    for (size_t i = 0; i < touched_count; ++i) {
      consider(tally[touched[i]].score, touched[i]);
    }
  }
  std::vector<uint32_t> ids;
  for (const auto& [score, id] : top) ids.push_back(id);

  if (ids.size() < want) {
    const size_t count = links_.size();
    const size_t start = Fnv1a(page.slug) % count;
    for (size_t k = 0; k < count && ids.size() < want; ++k) {
      uint32_t id = static_cast<uint32_t>((start + k) % count);
      if (allowed(id) && tally[id].score == 0) ids.push_back(id);
    }
  }
  for (size_t i = 0; i < touched_count; ++i) tally[touched[i]] = Tally();

  for (uint32_t id : ids) {
    Link link = links_[id];
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
    picked.push_back(std::move(link));
  }
  return picked;
}

}  // namespace linkpage
