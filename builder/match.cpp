#include "match.h"

#include <algorithm>
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

// Lower-case words of "text", stop words included.
void Words(std::string_view text, std::vector<std::string>* out) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && IsWordByte(text[i])) ++i;
    if (i > start) {
      std::string w(text.substr(start, i - start));
      for (char& c : w) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      out->push_back(std::move(w));
    }
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
  std::vector<std::string> words;
  Words(text, &words);
  std::vector<std::string> terms;
  for (std::string& w : words) {
    if (!StopWords().count(w)) terms.push_back(std::move(w));
  }
  return terms;
}

LinkIndex::LinkIndex(std::vector<Link> links) {
  std::unordered_set<std::string> seen;
  std::vector<std::pair<std::string, int>> words, pairs;
  auto add_field = [&](std::string_view text, int weight, int pair_flag) {
    std::vector<std::string> terms = Terms(text);
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i + 1 < terms.size()) {
        pairs.emplace_back(terms[i] + " " + terms[i + 1], pair_flag);
      }
      words.emplace_back(std::move(terms[i]), weight);
    }
  };
  for (Link& link : links) {
    if (!seen.insert(NormalizeUrl(link.url)).second) {
      ++duplicates_;
      continue;
    }
    const int id = static_cast<int>(links_.size());
    words.clear();
    pairs.clear();
    add_field(link.title, 3, kInTitle);
    for (const std::string& c : link.categories) add_field(c, 2, kElsewhere);
    add_field(link.description, 1, kElsewhere);
    // One posting per word and link, weighing as the best field it is in;
    // one per word pair, flagging the fields it is in.
    std::sort(words.begin(), words.end());
    for (size_t i = 0; i < words.size(); ++i) {
      if (i + 1 < words.size() && words[i].first == words[i + 1].first) {
        continue;  // Sorted by weight too: the last is the heaviest.
      }
      index_[words[i].first].emplace_back(id, words[i].second);
    }
    std::sort(pairs.begin(), pairs.end());
    for (size_t i = 0; i < pairs.size();) {
      size_t j = i;
      int flags = 0;
      while (j < pairs.size() && pairs[j].first == pairs[i].first) {
        flags |= pairs[j++].second;
      }
      pairs_[pairs[i].first].emplace_back(id, flags);
      i = j;
    }
    auto [it, added] =
        feed_ids_.emplace(link.feed, static_cast<int>(feed_ids_.size()));
    feed_of_.push_back(it->second);
    links_.push_back(std::move(link));
  }
}

std::vector<Link> LinkIndex::Pick(const Page& page,
                                  const std::vector<FeedConfig>& feeds) const {
  const size_t want = static_cast<size_t>(page.settings.links_per_page);
  std::vector<Link> picked;
  if (want == 0 || links_.empty()) return picked;

  // Which feeds the page draws from, by feed id.
  std::vector<char> allowed_feed(feed_ids_.size(), page.feeds.empty());
  for (const std::string& name : page.feeds) {
    auto it = feed_ids_.find(name);
    if (it != feed_ids_.end()) allowed_feed[it->second] = 1;
  }
  auto allowed = [&](int id) { return allowed_feed[feed_of_[id]] != 0; };

  // Query words, each counted once.
  std::vector<std::string> query = Terms(page.topic);
  std::vector<std::vector<std::string>> phrases;
  for (const std::string& k : page.keywords) {
    std::vector<std::string> t = Terms(k);
    if (t.size() > 1) phrases.push_back(t);
    query.insert(query.end(), t.begin(), t.end());
  }
  std::sort(query.begin(), query.end());
  query.erase(std::unique(query.begin(), query.end()), query.end());

  // Scratch scores per thread, sized to the index and reset after use.
  thread_local std::vector<int> score;
  thread_local std::vector<int> touched;
  if (score.size() < links_.size()) score.assign(links_.size(), 0);
  touched.clear();
  auto add = [&](int id, int points) {
    if (score[id] == 0) touched.push_back(id);
    score[id] += points;
  };
  for (const std::string& w : query) {
    auto it = index_.find(w);
    if (it == index_.end()) continue;
    for (const auto& [id, weight] : it->second) {
      if (allowed(id)) add(id, weight);
    }
  }
  // A keyword phrase counts where each of its word pairs stands, in the
  // same field kind: the intersection of the pairs' postings.
  for (const std::vector<std::string>& words : phrases) {
    std::vector<std::pair<int, int>> hits;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      auto it = pairs_.find(words[i] + " " + words[i + 1]);
      if (it == pairs_.end()) {
        hits.clear();
        break;
      }
      if (i == 0) {
        hits = it->second;
        continue;
      }
      std::vector<std::pair<int, int>> both;
      auto a = hits.begin();
      auto b = it->second.begin();
      while (a != hits.end() && b != it->second.end()) {
        if (a->first < b->first) {
          ++a;
        } else if (b->first < a->first) {
          ++b;
        } else {
          if (a->second & b->second) {
            both.emplace_back(a->first, a->second & b->second);
          }
          ++a;
          ++b;
        }
      }
      hits.swap(both);
    }
    for (const auto& [id, flags] : hits) {
      if (allowed(id)) {
        add(id, (flags & kInTitle ? 3 : 0) + (flags & kElsewhere ? 1 : 0));
      }
    }
  }
  // Best scores first, ties by position (feed order).
  auto better = [&](int a, int b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  };
  std::vector<int> ids = touched;
  size_t n = std::min(want, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), better);
  ids.resize(n);

  if (ids.size() < want) {
    const size_t count = links_.size();
    const size_t start = Fnv1a(page.slug) % count;
    for (size_t k = 0; k < count && ids.size() < want; ++k) {
      int id = static_cast<int>((start + k) % count);
      if (allowed(id) && score[id] == 0) ids.push_back(id);
    }
  }
  for (int id : touched) score[id] = 0;

  for (int id : ids) {
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
