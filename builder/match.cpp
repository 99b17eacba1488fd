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

std::string Joined(const std::vector<std::string>& words) {
  std::string s = " ";
  for (const std::string& w : words) s += w + " ";
  return s;
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
  std::vector<std::string> title, other, cats;
  std::vector<std::pair<std::string, int>> weights;
  for (Link& link : links) {
    if (!seen.insert(NormalizeUrl(link.url)).second) {
      ++duplicates_;
      continue;
    }
    int id = static_cast<int>(links_.size());
    title.clear();
    other.clear();
    cats.clear();
    Words(link.title, &title);
    Words(link.description, &other);
    for (const std::string& c : link.categories) Words(c, &cats);
    // One posting per word and link, with the weight of the best field the
    // word appears in.
    weights.clear();
    for (const std::string& w : title) weights.emplace_back(w, -3);
    for (const std::string& w : cats) weights.emplace_back(w, -2);
    for (const std::string& w : other) weights.emplace_back(w, -1);
    std::sort(weights.begin(), weights.end());
    for (size_t i = 0; i < weights.size(); ++i) {
      if (i > 0 && weights[i].first == weights[i - 1].first) continue;
      if (!StopWords().count(weights[i].first)) {
        index_[weights[i].first].emplace_back(id, -weights[i].second);
      }
    }
    other.insert(other.end(), cats.begin(), cats.end());
    entries_.push_back({Joined(title), Joined(other)});
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

  // Query words, each counted once; at most 64 take part, so that each
  // link's matched words fit in one mask.
  std::vector<std::string> query = Terms(page.topic);
  std::vector<std::vector<std::string>> phrases;
  for (const std::string& k : page.keywords) {
    std::vector<std::string> t = Terms(k);
    if (t.size() > 1) phrases.push_back(t);
    query.insert(query.end(), t.begin(), t.end());
  }
  std::sort(query.begin(), query.end());
  query.erase(std::unique(query.begin(), query.end()), query.end());
  if (query.size() > 64) query.resize(64);

  // Scratch space per thread, sized to the index and reset after use.
  thread_local std::vector<int> score;
  thread_local std::vector<uint64_t> matched;
  thread_local std::vector<int> touched;
  if (score.size() < links_.size()) {
    score.assign(links_.size(), 0);
    matched.assign(links_.size(), 0);
  }
  touched.clear();
  for (size_t q = 0; q < query.size(); ++q) {
    auto it = index_.find(query[q]);
    if (it == index_.end()) continue;
    for (const auto& [id, wt] : it->second) {
      if (!allowed(id)) continue;
      if (score[id] == 0) touched.push_back(id);
      score[id] += wt;
      matched[id] |= uint64_t{1} << q;
    }
  }
  // A keyword phrase scores only where all its words matched, and only
  // then is the link's text searched for it whole.
  for (const std::vector<std::string>& words : phrases) {
    uint64_t mask = 0;
    for (const std::string& w : words) {
      auto q = std::lower_bound(query.begin(), query.end(), w);
      if (q == query.end() || *q != w) {
        mask = 0;
        break;
      }
      mask |= uint64_t{1} << (q - query.begin());
    }
    if (mask == 0) continue;
    std::string phrase = Joined(words);
    for (int id : touched) {
      if ((matched[id] & mask) != mask) continue;
      if (entries_[id].title_words.find(phrase) != std::string::npos) {
        score[id] += 3;
      }
      if (entries_[id].other_words.find(phrase) != std::string::npos) {
        score[id] += 1;
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
  for (int id : touched) {
    score[id] = 0;
    matched[id] = 0;
  }

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
