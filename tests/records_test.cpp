#include "records.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

namespace linkpage {
namespace {

// Every field of "l", the feed name first, one per line.
std::string Fields(const Link& l) {
  std::string s = l.feed + "\n";
  for (auto field : kRecordFields) s += l.*field + "\n";
  s += std::to_string(l.categories.size()) + "\n";
  for (const std::string& c : l.categories) s += c + "\n";
  return s;
}

// Link "i" of a set whose fields vary in length, lengths past 127 and
// 16,383 bytes (varints of two and three bytes) and empty ones among them,
// with bytes of every value.
Link Sample(const std::string& feed, size_t i) {
  Link l;
  l.feed = feed;
  size_t n = 0;
  for (auto field : kRecordFields) {
    const size_t size = (i * 7 + n * 13) % 5 == 0 ? 0
                        : (i + n) % 9 == 0        ? 20000 + i
                        : (i + n) % 4 == 0        ? 128 + i
                                                  : (i * 3 + n) % 120;
    std::string text(size, '\0');
    for (size_t j = 0; j < size; ++j) {
      text[j] = static_cast<char>((i * 31 + j * 7 + n) & 0xff);
    }
    l.*field = text;
    ++n;
  }
  for (size_t c = 0; c < i % 4; ++c) {
    l.categories.push_back(c == 1 ? std::string()
                                  : "cat " + std::to_string(i * c));
  }
  return l;
}

TEST_CASE("records: a link comes back from its record as it went in",
          "[records]") {
  std::vector<Link> links;
  for (size_t i = 0; i < 300; ++i) links.push_back(Sample("shop", i));
  std::vector<Link> copies = links;
  LinkRecords records("shop", std::move(copies));
  CHECK(copies.empty());
  REQUIRE(records.size() == links.size());
  CHECK(records.feed() == "shop");
  // Moved, the records stay where they are.
  const std::string_view first = records.record(0);
  LinkRecords moved = std::move(records);
  CHECK(moved.record(0).data() == first.data());
  for (size_t i = 0; i < links.size(); ++i) {
    INFO("link " << i);
    CHECK(Fields(moved.At(i)) == Fields(links[i]));
    RecordReader reader(moved.record(i));
    for (size_t f = 0; f < kUrlField; ++f) reader.Text();
    CHECK(reader.Text() == links[i].url);
  }
}

TEST_CASE("records: PackLinks keeps the order, one part per run of a feed",
          "[records]") {
  std::vector<Link> links;
  const char* feeds[] = {"a", "a", "b", "a", "c", "c"};
  for (size_t i = 0; i < std::size(feeds); ++i) {
    links.push_back(Sample(feeds[i], i));
  }
  const std::vector<LinkRecords> packed = PackLinks(links);
  std::string parts;
  for (const LinkRecords& r : packed) {
    parts += r.feed() + std::to_string(r.size()) + " ";
  }
  CHECK(parts == "a2 b1 a1 c2 ");
  const std::vector<Link> back = UnpackLinks(packed);
  REQUIRE(back.size() == links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    CHECK(Fields(back[i]) == Fields(links[i]));
  }
  CHECK(PackLinks({}).empty());
  CHECK(UnpackLinks({}).empty());
}

TEST_CASE("records: a record read back is added only when it is one",
          "[records]") {
  std::vector<Link> links;
  for (size_t i = 0; i < 40; ++i) links.push_back(Sample("f", i));
  const LinkRecords records("f", std::vector<Link>(links));
  LinkRecords copy("f");
  for (size_t i = 0; i < records.size(); ++i) {
    const std::string record(records.record(i));
    INFO("record " << i);
    REQUIRE(copy.AddRecord(record));
    CHECK(Fields(copy.At(copy.size() - 1)) == Fields(links[i]));
    // Cut short, one byte too many: not records.
    const size_t before = copy.size();
    for (size_t cut :
         {size_t{0}, size_t{1}, record.size() / 2, record.size() - 1}) {
      CHECK_FALSE(copy.AddRecord(record.substr(0, cut)));
    }
    CHECK_FALSE(copy.AddRecord(record + "x"));
    CHECK(copy.size() == before);
  }
  // A length past the end, a varint that never ends, a count of
  // categories past the end.
  CHECK_FALSE(copy.AddRecord(std::string("\x7f") + std::string(7, '\0')));
  CHECK_FALSE(copy.AddRecord(std::string(12, '\xff')));
  CHECK_FALSE(copy.AddRecord(std::string(8, '\0') + "\x05"));
  CHECK(copy.AddRecord(std::string(8, '\0') + std::string(1, '\0')));
  Link empty;
  empty.feed = "f";
  CHECK(Fields(copy.At(copy.size() - 1)) == Fields(empty));
}

TEST_CASE("records: varints and texts read back, and never past the end") {
  const std::vector<uint64_t> numbers = {
      0, 1, 127, 128, 16383, 16384, uint64_t{1} << 63, UINT64_MAX};
  std::string bytes;
  for (uint64_t n : numbers) AppendVarint(n, &bytes);
  AppendText("", &bytes);
  AppendText(std::string(300, 'x'), &bytes);
  CheckedReader in(bytes);
  for (uint64_t n : numbers) CHECK(in.Varint() == n);
  CHECK(in.Text().empty());
  CHECK(in.Text() == std::string(300, 'x'));
  CHECK(in.ok());
  CHECK(in.done());
  // Cut anywhere before the end: some read fails, none reads past it.
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CheckedReader part(std::string_view(bytes).substr(0, cut));
    for (size_t i = 0; i < numbers.size(); ++i) part.Varint();
    part.Text();
    part.Text();
    CHECK_FALSE(part.ok());
  }
  // A varint of more than 64 bits is not one.
  const std::string eleven = std::string(10, '\xff') + "\x01";
  CheckedReader too_long(eleven);
  too_long.Varint();
  CHECK_FALSE(too_long.ok());
}

}  // namespace
}  // namespace linkpage
