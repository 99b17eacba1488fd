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
  for (Link& link : links) {
    if (!seen.insert(NormalizeUrl(link.url)).second) {
      ++duplicates_;
      continue;
    }
    int id = static_cast<int>(links_.size());
    std::vector<std::string> title, other;
    Words(link.title, &title);
    Words(link.description, &other);
    for (const std::string& c : link.categories) Words(c, &other);
    // One weight per word and link: the best field it appears in.
    std::unordered_map<std::string, int> weight;
    for (const std::string& w : other) weight[w] = std::max(weight[w], 1);
    std::vector<std::string> cats;
    for (const std::string& c : link.categories) Words(c, &cats);
    for (const std::string& w : cats) weight[w] = std::max(weight[w], 2);
    for (const std::string& w : title) weight[w] = 3;
    for (const auto& [w, wt] : weight) {
      if (!StopWords().count(w)) index_[w].emplace_back(id, wt);
    }
    entries_.push_back({Joined(title), Joined(other)});
    links_.push_back(std::move(link));
  }
}

std::vector<Link> LinkIndex::Pick(const Page& page,
                                  const std::vector<FeedConfig>& feeds) const {
  const size_t want = static_cast<size_t>(page.settings.links_per_page);
  std::vector<Link> picked;
  if (want == 0 || links_.empty()) return picked;

  auto allowed = [&](int id) {
    return page.feeds.empty() ||
           std::find(page.feeds.begin(), page.feeds.end(),
                     links_[id].feed) != page.feeds.end();
  };

  // Query words, each counted once.
  std::vector<std::string> query = Terms(page.topic);
  std::vector<std::string> phrases;
  for (const std::string& k : page.keywords) {
    std::vector<std::string> t = Terms(k);
    if (t.size() > 1) phrases.push_back(Joined(t));
    query.insert(query.end(), t.begin(), t.end());
  }
  std::sort(query.begin(), query.end());
  query.erase(std::unique(query.begin(), query.end()), query.end());

  std::unordered_map<int, int> score;
  for (const std::string& w : query) {
    auto it = index_.find(w);
    if (it == index_.end()) continue;
    for (const auto& [id, wt] : it->second) {
      if (allowed(id)) score[id] += wt;
    }
  }
  std::vector<std::pair<int, int>> ranked;  // (-score, id)
  ranked.reserve(score.size());
  for (const auto& [id, s] : score) {
    int total = s;
    for (const std::string& p : phrases) {
      if (entries_[id].title_words.find(p) != std::string::npos) total += 3;
      if (entries_[id].other_words.find(p) != std::string::npos) total += 1;
    }
    ranked.emplace_back(-total, id);
  }
  size_t n = std::min(want, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + n, ranked.end());
  std::vector<int> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(ranked[i].second);

  if (ids.size() < want) {
    const size_t count = links_.size();
    const size_t start = Fnv1a(page.slug) % count;
    for (size_t k = 0; k < count && ids.size() < want; ++k) {
      int id = static_cast<int>((start + k) % count);
      if (allowed(id) && !score.count(id)) ids.push_back(id);
    }
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
