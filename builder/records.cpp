#include "records.h"

#include <iterator>
#include <utility>

namespace linkpage {

namespace {

void AppendVarint(uint64_t n, std::vector<char>* out) {
  for (; n >= 0x80; n >>= 7) out->push_back(static_cast<char>(n | 0x80));
  out->push_back(static_cast<char>(n));
}

void AppendText(std::string_view text, std::vector<char>* out) {
  AppendVarint(text.size(), out);
  out->insert(out->end(), text.begin(), text.end());
}

}  // namespace

void LinkRecords::Add(const Link& link) {
  scratch_.clear();
  for (auto field : kRecordFields) AppendText(link.*field, &scratch_);
  AppendVarint(link.categories.size(), &scratch_);
  for (const std::string& c : link.categories) AppendText(c, &scratch_);
  records_.push_back(
      text_.Add(std::string_view(scratch_.data(), scratch_.size())));
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
  size_t at = 0;
  auto varint = [&](uint64_t* n) {
    *n = 0;
    for (int shift = 0; at < record.size() && shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(record[at++]);
      *n |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  };
  auto text = [&] {
    uint64_t size;
    if (!varint(&size) || size > record.size() - at) return false;
    at += static_cast<size_t>(size);
    return true;
  };
  for (size_t f = 0; f < std::size(kRecordFields); ++f) {
    if (!text()) return false;
  }
  uint64_t count;
  if (!varint(&count) || count > record.size() - at) return false;
  for (uint64_t c = 0; c < count; ++c) {
    if (!text()) return false;
  }
  if (at != record.size()) return false;
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
