#include "records.h"

#include <iterator>
#include <utility>

namespace linkpage {

void AppendVarint(uint64_t n, std::string* out) {
  for (; n >= 0x80; n >>= 7) out->push_back(static_cast<char>(n | 0x80));
  out->push_back(static_cast<char>(n));
}

void AppendText(std::string_view text, std::string* out) {
  AppendVarint(text.size(), out);
  out->append(text);
}

void LinkRecords::Add(const Link& link) {
  scratch_.clear();
  for (auto field : kRecordFields) AppendText(link.*field, &scratch_);
  AppendVarint(link.categories.size(), &scratch_);
  for (const std::string& c : link.categories) AppendText(c, &scratch_);
  records_.push_back(text_.Add(scratch_));
}

LinkRecords::LinkRecords(std::string feed, std::vector<Link>&& links)
    : feed_(std::move(feed)) {
  records_.reserve(links.size());
  // Each link is moved into a temporary, which frees its strings before the
  // next record is written (assigning an empty string would keep them).
  for (Link& link : links) Add(std::exchange(link, Link()));
  std::vector<Link>().swap(links);
}

bool LinkRecords::AddRecord(std::string_view record) {
  // RecordReader's reads, each checked against what is left.
  CheckedReader in(record);
  for (size_t f = 0; f < std::size(kRecordFields); ++f) in.Text();
  const uint64_t count = in.Varint();
  if (count > in.rest().size()) return false;  // Each takes a byte.
  for (uint64_t c = 0; c < count && in.ok(); ++c) in.Text();
  if (!in.ok() || !in.done()) return false;
  records_.push_back(text_.Add(record));
  return true;
}

Link LinkRecords::Decode(std::string_view feed, std::string_view record) {
  Link link;
  link.feed = feed;
  RecordReader reader(record);
  for (auto field : kRecordFields) link.*field = std::string(reader.Text());
  const size_t count = static_cast<size_t>(reader.Varint());
  link.categories.reserve(count);
  for (size_t c = 0; c < count; ++c)
    link.categories.emplace_back(reader.Text());
  return link;
}

std::vector<LinkRecords> PackLinks(std::vector<Link> links) {
  std::vector<LinkRecords> packed;
  for (Link& l : links) {
    const Link link = std::exchange(l, Link());  // Freed after its record.
    if (packed.empty() || packed.back().feed() != link.feed) {
      packed.emplace_back(link.feed);
    }
    packed.back().Add(link);
  }
  return packed;
}

std::vector<Link> UnpackLinks(const std::vector<LinkRecords>& links) {
  std::vector<Link> all;
  size_t n = 0;
  for (const LinkRecords& r : links) n += r.size();
  all.reserve(n);
  for (const LinkRecords& r : links) {
    for (size_t i = 0; i < r.size(); ++i) all.push_back(r.At(i));
  }
  return all;
}

}  // namespace linkpage
