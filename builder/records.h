// Links packed as records of their text.
#ifndef LINKPAGE_RECORDS_H_
#define LINKPAGE_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arena.h"
#include "model.h"

namespace linkpage {

// A record holds the fields of kRecordFields and then the categories, each
// as its length and its bytes, the categories after their count. Lengths
// and the count are varints (LEB128: 7 bits a byte, low bits first, the top
// bit set on every byte but the last), so a field of under 128 bytes costs
// one byte more, and any length fits. The feed name is not in the record:
// it is kept once per feed.
inline constexpr std::string Link::*kRecordFields[] = {
    &Link::title, &Link::url,   &Link::description, &Link::display_host,
    &Link::image, &Link::price, &Link::currency,    &Link::advertiser};
// Where kRecordFields has them.
inline constexpr size_t kTitleField = 0;
inline constexpr size_t kUrlField = 1;
inline constexpr size_t kDescriptionField = 2;

// Appends "n" as a varint, and "text" as its length (a varint) and its
// bytes: the parts of a record, and of other files made of such parts.
void AppendVarint(uint64_t n, std::string* out);
void AppendText(std::string_view text, std::string* out);

// Reads what AppendVarint() and AppendText() wrote, from bytes that may be
// damaged (read back from a file): never past the end, ok() turning false
// instead, and 0 or "" returned.
class CheckedReader {
 public:
  explicit CheckedReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ == in_.size(); }
  std::string_view rest() const { return in_.substr(at_); }

  uint64_t Varint() {
    uint64_t n = 0;
    for (int shift = 0; ok_ && shift < 64; shift += 7) {
      if (at_ == in_.size()) break;
      const auto byte = static_cast<unsigned char>(in_[at_++]);
      n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return n;
    }
    ok_ = false;
    return 0;
  }
  std::string_view Text() {
    const uint64_t size = Varint();
    if (!ok_ || size > in_.size() - at_) {
      ok_ = false;
      return {};
    }
    std::string_view text = in_.substr(at_, size);
    at_ += size;
    return text;
  }

 private:
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

// Reads a record's parts in order, from its first byte on: Text() for each
// field of kRecordFields, Varint() for the count of categories, Text() for
// each category. The record must be whole (LinkRecords holds only such).
class RecordReader {
 public:
  explicit RecordReader(std::string_view record) : at_(record.data()) {}

  uint64_t Varint() {
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<unsigned char>(*at_++);
      n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return n;
    }
  }
  std::string_view Text() {
    const size_t size = static_cast<size_t>(Varint());
    std::string_view text(at_, size);
    at_ += size;
    return text;
  }

 private:
  const char* at_;
};

// One feed's links, each a record of its text in an arena: about half the
// memory of a std::vector<Link>, which holds a 312-byte struct a link and
// an allocation per string too long to fit in it. Moving it leaves its
// records where they are.
class LinkRecords {
 public:
  explicit LinkRecords(std::string feed = {}) : feed_(std::move(feed)) {}
  // "links", all of feed "feed", packed and freed one by one: their memory
  // goes as the records' comes. "links" is left empty.
  LinkRecords(std::string feed, std::vector<Link>&& links);

  const std::string& feed() const { return feed_; }
  size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  // Adds "link", whose feed name is taken to be feed().
  void Add(const Link& link);
  // Adds a record as record() gives it, read back from a file: false,
  // adding nothing, when it is not one (its lengths and count do not add
  // up to its size).
  bool AddRecord(std::string_view record);
  // The record of link "i".
  std::string_view record(size_t i) const { return records_[i]; }
  // Link "i", whole.
  Link At(size_t i) const { return Decode(feed_, records_[i]); }

  // The link "record" holds, of feed "feed".
  static Link Decode(std::string_view feed, std::string_view record);

 private:
  std::string feed_;
  StringArena text_;
  std::vector<std::string_view> records_;  // Into text_.
  std::string scratch_;                    // Add()'s.
};

// "links" (moved from), one LinkRecords per run of links of one feed. Each
// link's memory goes as its record's comes.
std::vector<LinkRecords> PackLinks(std::vector<Link> links);

// "links" as a std::vector<Link>, in order.
std::vector<Link> UnpackLinks(const std::vector<LinkRecords>& links);

}  // namespace linkpage

#endif  // LINKPAGE_RECORDS_H_
