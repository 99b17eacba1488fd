#include "linknotes.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <type_traits>
#include <unordered_map>

#include "config.h"
#include "file.h"
#include "hash.h"
#include "match.h"
#include "sources.h"
#include "url.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

// A notes file: kNotesMagic; then, each a uint64_t, the number of links,
// of words, of bytes of the links' records, the LinksHash() of the links
// and a checksum of the notes; then the notes: the entries, the words and
// the records' sizes (a uint32_t each) as they are in memory; then the
// records. The records are checked by their LinksHash(), not by the
// checksum: a run that reads only the notes does not hash them. The cache
// is this machine's only.
constexpr std::string_view kNotesMagic = "linkpage-link-notes 4\n";
// Changes with what the notes mean (the words, their weights, the fields
// hashed, the records): it is part of their file names.
constexpr int64_t kNotesFormat = 4;
constexpr int64_t kMaxNotesBytes = int64_t{1} << 30;
static_assert(std::is_trivially_copyable_v<LinkNotes::Entry> &&
              sizeof(LinkNotes::Entry) == 24);

constexpr std::string_view kStateMagic = "linkpage-published-links 1";

constexpr uint32_t kWeightBits = 3;  // Of a word in LinkNotes::words.

std::string Hex(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, v);
  return text;
}

std::string StatePath(const std::string& cache_dir) {
  return cache_dir + "/published-links";
}

template <typename T>
void AppendRaw(const T* data, size_t count, std::string* out) {
  out->append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

// The weight of the word "word" (without weight bits) in a link's words
// (LinkNotes::words), 0 when it has not got it.
uint32_t WeightIn(const uint32_t* begin, const uint32_t* end, uint32_t word) {
  const uint32_t* it = std::lower_bound(begin, end, word);
  return it != end && (*it & ~kWeightBits) == word ? *it & kWeightBits : 0;
}

// The words of "text" as Terms() gives them, without weight bits.
void AppendWords(std::string_view text, std::vector<uint32_t>* out) {
  const size_t from = out->size();
  AppendTermHashes(text, out);
  for (size_t i = from; i < out->size(); ++i) (*out)[i] &= ~kWeightBits;
}

// The links of one state that are kept (the first of each normalised URL;
// see LinkIndex), by URL hash.
struct KeptLink {
  size_t feed = 0;  // Index into the state's feeds.
  const LinkNotes* notes = nullptr;
  const LinkNotes::Entry* entry = nullptr;
};

// The name of the notes file of "feed"'s links of LinksHash() "hash".
std::string LinkNotesName(std::string_view feed, uint64_t hash) {
  // Feed names hold no '@' (config.cpp): NAME@KEY is no other feed's.
  const uint64_t key = Hasher()
                           .Add(LINKPAGE_VERSION)
                           .Add(kNotesFormat)
                           .Add(static_cast<int64_t>(hash))
                           .value();
  return std::string(feed) + "@" + Hex(key);
}

}  // namespace

LinkNotes NoteLinks(const std::vector<Link>& links) {
  LinkNotes n;
  n.links.reserve(links.size());
  for (const Link& l : links) {
    LinkNotes::Entry e;
    Hasher h;
    e.content = AddLinkFields(l, &h).value();
    e.url = Hasher().Add(NormalizeUrl(l.url)).value();
    const size_t begin = n.words.size();
    auto add = [&](std::string_view text, uint32_t weight) {
      const size_t from = n.words.size();
      AppendTermHashes(text, &n.words);
      for (size_t i = from; i < n.words.size(); ++i) {
        n.words[i] = (n.words[i] & ~kWeightBits) | weight;
      }
    };
    add(l.title, 3);
    for (const std::string& c : l.categories) add(c, 2);
    add(l.description, 1);
    // Each word once, with its best weight: the last of its run.
    std::sort(n.words.begin() + begin, n.words.end());
    size_t out = begin;
    for (size_t i = begin; i < n.words.size(); ++i) {
      if (i + 1 < n.words.size() &&
          (n.words[i + 1] & ~kWeightBits) == (n.words[i] & ~kWeightBits)) {
        continue;
      }
      n.words[out++] = n.words[i];
    }
    n.words.resize(out);
    e.words_begin = static_cast<uint32_t>(begin);
    e.words_end = static_cast<uint32_t>(n.words.size());
    n.links.push_back(e);
  }
  return n;
}

std::string LinkNotesPath(const std::string& cache_dir, std::string_view feed,
                          uint64_t hash) {
  return cache_dir + "/parsed/" + LinkNotesName(feed, hash);
}

uint64_t StateHash(const std::vector<uint64_t>& feed_hashes) {
  Hasher h;
  h.Add(static_cast<int64_t>(feed_hashes.size()));
  for (uint64_t f : feed_hashes) h.Add(static_cast<int64_t>(f));
  return h.value();
}

bool WriteLinkNotes(const std::string& path, const LinkNotes& notes,
                    const LinkRecords& records, std::string* err) {
  if (records.size() != notes.links.size()) {
    *err = "the links and their notes differ in number";
    return false;
  }
  std::string text;
  AppendRaw(notes.links.data(), notes.links.size(), &text);
  AppendRaw(notes.words.data(), notes.words.size(), &text);
  uint64_t record_bytes = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const uint32_t size = static_cast<uint32_t>(records.record(i).size());
    AppendRaw(&size, 1, &text);
    record_bytes += size;
  }
  const uint64_t header[5] = {notes.links.size(), notes.words.size(),
                              record_bytes, LinksHash(records),
                              Hasher().Add(text).value()};
  if (kNotesMagic.size() + sizeof header + text.size() + record_bytes >
      static_cast<uint64_t>(kMaxNotesBytes)) {
    *err = "the notes would be too large to read back";
    return false;
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  // The records go from their arena to the file, not copied first.
  AtomicWriter out(path);
  out.Append(kNotesMagic);
  out.Append(
      std::string_view(reinterpret_cast<const char*>(header), sizeof header));
  out.Append(text);
  for (size_t i = 0; i < records.size(); ++i) out.Append(records.record(i));
  return out.Commit(err);
}

bool ReadLinkNotes(const std::string& path, uint64_t links_hash,
                   LinkNotes* notes, LinkRecords* records) {
  std::string text, why;
  constexpr size_t at = kNotesMagic.size() + sizeof(uint64_t[5]);
  if (ReadWholeFile(path, kMaxNotesBytes, &text, &why) != ReadResult::kOk ||
      text.compare(0, kNotesMagic.size(), kNotesMagic) != 0 ||
      text.size() < at) {
    return false;
  }
  uint64_t header[5];
  std::memcpy(header, text.data() + kNotesMagic.size(), sizeof header);
  const uint64_t links = header[0], words = header[1], bytes = header[2];
  const uint64_t size = text.size();
  if (header[3] != links_hash || links > size / sizeof(LinkNotes::Entry) ||
      words > size / sizeof(uint32_t) || bytes > size) {
    return false;
  }
  const uint64_t notes_size =
      links * (sizeof(LinkNotes::Entry) + sizeof(uint32_t)) +
      words * sizeof(uint32_t);
  if (size - at != notes_size + bytes ||
      Hasher().Add(std::string_view(text).substr(at, notes_size)).value() !=
          header[4]) {
    return false;
  }
  const char* entries = text.data() + at;
  const char* word_data = entries + links * sizeof(LinkNotes::Entry);
  const char* sizes = word_data + words * sizeof(uint32_t);
  if (notes) {
    notes->links.resize(links);
    notes->words.resize(words);
    if (links > 0) {
      std::memcpy(notes->links.data(), entries,
                  links * sizeof(LinkNotes::Entry));
    }
    if (words > 0) {
      std::memcpy(notes->words.data(), word_data, words * sizeof(uint32_t));
    }
    for (const LinkNotes::Entry& e : notes->links) {
      if (e.words_begin > e.words_end || e.words_end > words) return false;
    }
  }
  if (records) {
    const char* record = sizes + links * sizeof(uint32_t);
    const char* end = text.data() + text.size();
    for (uint64_t i = 0; i < links; ++i) {
      uint32_t n;
      std::memcpy(&n, sizes + i * sizeof n, sizeof n);
      if (n > end - record || !records->AddRecord({record, n})) return false;
      record += n;
    }
    if (record != end || LinksHash(*records) != links_hash) return false;
  }
  return true;
}

bool ReadPublishedLinks(const std::string& cache_dir, LinksState* state) {
  std::string text, why;
  if (ReadWholeFile(StatePath(cache_dir), int64_t{16} << 20, &text, &why) !=
      ReadResult::kOk) {
    return false;
  }
  *state = LinksState();
  size_t line_end = text.find('\n');
  char hex[17];
  if (line_end == std::string::npos ||
      text.compare(0, kStateMagic.size(), kStateMagic) != 0 ||
      std::sscanf(text.c_str() + kStateMagic.size(), " %16[0-9a-f]", hex) !=
          1) {
    return false;
  }
  state->hash = std::strtoull(hex, nullptr, 16);
  for (size_t at = line_end + 1; at < text.size(); at = line_end + 1) {
    line_end = text.find('\n', at);
    if (line_end == std::string::npos) return false;
    const std::string line = text.substr(at, line_end - at);
    const size_t space = line.find(' ');
    if (space != 16 || !IsValidFeedName(std::string_view(line).substr(17))) {
      return false;
    }
    state->feeds.emplace_back(line.substr(17),
                              std::strtoull(line.c_str(), nullptr, 16));
  }
  // A file cut short, or edited, does not add up.
  std::vector<uint64_t> hashes;
  for (const auto& [name, hash] : state->feeds) hashes.push_back(hash);
  return StateHash(hashes) == state->hash;
}

bool WritePublishedLinks(const std::string& cache_dir, const LinksState& state,
                         std::string* err) {
  std::string text = std::string(kStateMagic) + " " + Hex(state.hash) + "\n";
  std::set<std::string> keep;
  for (const auto& [name, hash] : state.feeds) {
    text += Hex(hash) + " " + name + "\n";
    keep.insert(LinkNotesName(name, hash));
  }
  if (!WriteAtomically(StatePath(cache_dir), text, err)) return false;
  // The notes of other versions will not be compared with again.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache_dir + "/parsed", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find('@') != std::string::npos && !keep.count(name)) {
      fs::remove(entry.path(), ec);
    }
  }
  return true;
}

LinkChanges::LinkChanges(const std::string& cache_dir, const LinksState& before,
                         const LinksState& after) {
  if (before.hash == after.hash) return;
  // Every version's notes, each read once.
  std::unordered_map<std::string, LinkNotes> notes;
  auto load = [&](const LinksState& state, std::vector<const LinkNotes*>* out) {
    for (const auto& [name, hash] : state.feeds) {
      const std::string path = LinkNotesPath(cache_dir, name, hash);
      auto [it, added] = notes.try_emplace(path);
      if (added && !ReadLinkNotes(path, hash, &it->second, nullptr)) {
        std::error_code ec;
        fs::remove(path, ec);  // Torn or corrupt: not to be tried again.
        return false;
      }
      out->push_back(&it->second);
    }
    return true;
  };
  std::vector<const LinkNotes*> before_notes, after_notes;
  if (!load(before, &before_notes) || !load(after, &after_notes)) {
    all_ = true;
    return;
  }
  auto kept_links = [](const LinksState& state,
                       const std::vector<const LinkNotes*>& feed_notes,
                       std::vector<uint64_t>* order, int* duplicates) {
    *duplicates = 0;
    std::unordered_map<uint64_t, KeptLink> kept;
    size_t total = 0;
    for (const LinkNotes* f : feed_notes) total += f->links.size();
    kept.reserve(total);  // Not grown link by link.
    order->reserve(total);
    for (size_t f = 0; f < state.feeds.size(); ++f) {
      for (const LinkNotes::Entry& e : feed_notes[f]->links) {
        if (kept.try_emplace(e.url, KeptLink{f, feed_notes[f], &e}).second) {
          order->push_back(e.url);
        } else {
          ++*duplicates;
        }
      }
    }
    return kept;
  };
  std::vector<uint64_t> before_order, after_order;
  int before_duplicates;
  const auto before_kept =
      kept_links(before, before_notes, &before_order, &before_duplicates);
  const auto after_kept =
      kept_links(after, after_notes, &after_order, &duplicates_);

  std::unordered_map<std::string_view, FeedChange> changed;
  auto add_words = [&](const std::string& feed, const KeptLink& k) {
    FeedChange& c = changed[feed];
    const auto begin = k.notes->words.begin() + k.entry->words_begin;
    const auto end = k.notes->words.begin() + k.entry->words_end;
    for (auto it = begin; it != end; ++it) {
      c.all_words.push_back(*it & ~kWeightBits);
    }
    if (c.links.size() < kMaxScored) {
      c.words.insert(c.words.end(), begin, end);
      c.links.push_back(static_cast<uint32_t>(c.words.size()));
    } else {
      c.words.clear();  // Too many to score: by words alone.
      c.links.assign(kMaxScored + 1, 0);
    }
  };
  auto same = [](const LinksState& a, const KeptLink& x, const LinksState& b,
                 const KeptLink& y) {
    return x.entry->content == y.entry->content &&
           a.feeds[x.feed].first == b.feeds[y.feed].first;
  };
  // Links kept in one state and not in the other, or kept as others.
  for (const auto& [url, k] : before_kept) {
    auto it = after_kept.find(url);
    if (it == after_kept.end() || !same(before, k, after, it->second)) {
      add_words(before.feeds[k.feed].first, k);
    }
  }
  for (const auto& [url, k] : after_kept) {
    auto it = before_kept.find(url);
    if (it == before_kept.end() || !same(after, k, before, it->second)) {
      add_words(after.feeds[k.feed].first, k);
    }
  }
  // Links kept in both, the same, may have moved (feeds come in name
  // order in both states, so within their feed only). The most of them
  // that kept their order (a longest increasing run of their old
  // positions, taken in their new order) stand; a page can only be given
  // other links by the others, which count as changed.
  std::unordered_map<uint64_t, uint32_t> before_at;  // URL -> position.
  before_at.reserve(before_order.size());
  for (uint64_t url : before_order) {
    auto it = after_kept.find(url);
    if (it != after_kept.end() &&
        same(before, before_kept.at(url), after, it->second)) {
      before_at.emplace(url, static_cast<uint32_t>(before_at.size()));
    }
  }
  std::vector<uint64_t> moved;  // In their new order, by URL.
  std::vector<uint32_t> at;     // Their old positions.
  for (uint64_t url : after_order) {
    auto it = before_at.find(url);
    if (it != before_at.end()) {
      moved.push_back(url);
      at.push_back(it->second);
    }
  }
  // Patience sorting: tails[k] is where the least last position of a run
  // of k + 1 ends; "prev" links each one to the one before it in its run.
  std::vector<uint32_t> tails;
  std::vector<int64_t> prev(at.size(), -1);
  for (uint32_t j = 0; j < at.size(); ++j) {
    const size_t k = static_cast<size_t>(
        std::lower_bound(tails.begin(), tails.end(), at[j],
                         [&](uint32_t t, uint32_t v) { return at[t] < v; }) -
        tails.begin());
    if (k > 0) prev[j] = tails[k - 1];
    if (k == tails.size()) {
      tails.push_back(j);
    } else {
      tails[k] = j;
    }
  }
  std::vector<char> stands(at.size(), 0);
  for (int64_t j = tails.empty() ? -1 : tails.back(); j >= 0; j = prev[j]) {
    stands[j] = 1;
  }
  for (size_t j = 0; j < moved.size(); ++j) {
    if (!stands[j]) {
      const KeptLink& k = after_kept.at(moved[j]);
      add_words(after.feeds[k.feed].first, k);
    }
  }
  for (auto& [name, c] : changed) {
    c.name = std::string(name);
    std::sort(c.all_words.begin(), c.all_words.end());
    c.all_words.erase(std::unique(c.all_words.begin(), c.all_words.end()),
                      c.all_words.end());
    changed_.push_back(std::move(c));
  }
}

bool LinkChanges::Concerns(const Page& page, const PickNote& note) const {
  if (all_) return true;
  if (changed_.empty()) return false;
  if (note.filler) return true;
  // The page's words, each once, and its keyword phrases, as Pick() has
  // them. Words are told apart by their text: two with one hash both
  // count, as they do in Pick().
  std::vector<std::string> terms = Terms(page.topic);
  std::vector<std::vector<uint32_t>> phrases;
  for (std::string_view k : page.keywords) {
    std::vector<std::string> phrase = Terms(k);
    if (phrase.size() > 1) {
      std::vector<uint32_t>& hashes = phrases.emplace_back();
      for (const std::string& t : phrase) AppendWords(t, &hashes);
    }
    terms.insert(terms.end(), phrase.begin(), phrase.end());
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::vector<uint32_t> words;
  for (const std::string& t : terms) AppendWords(t, &words);
  const int cut = std::max(note.cut, 1);
  for (const FeedChange& c : changed_) {
    if (!page.feeds.empty() && std::find(page.feeds.begin(), page.feeds.end(),
                                         c.name) == page.feeds.end()) {
      continue;
    }
    if (std::none_of(words.begin(), words.end(), [&](uint32_t w) {
          return std::binary_search(c.all_words.begin(), c.all_words.end(), w);
        })) {
      continue;
    }
    if (c.links.size() > kMaxScored) return true;
    // The most each changed link can score for the page.
    uint32_t begin = 0;
    for (const uint32_t end : c.links) {
      const uint32_t* first = c.words.data() + begin;
      const uint32_t* last = c.words.data() + end;
      begin = end;
      int most = 0;
      for (uint32_t w : words) most += WeightIn(first, last, w);
      for (const std::vector<uint32_t>& phrase : phrases) {
        if (std::all_of(phrase.begin(), phrase.end(), [&](uint32_t w) {
              return WeightIn(first, last, w) != 0;
            })) {
          most += 4;  // In the title and elsewhere: 3 + 1.
        }
      }
      if (most >= cut) return true;
    }
  }
  return false;
}

}  // namespace linkpage
