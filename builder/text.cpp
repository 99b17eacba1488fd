#include "text.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bytes16.h"

// Speed matters here: every title, description and category of every feed
// passes through CleanText. The stages keep their simple definitions
// (FixUtf8, controls, tags, entities, whitespace, in that order) but copy
// runs of ordinary bytes at once instead of one character at a time, skip
// a stage when the text holds nothing it would change, and reuse
// per-thread scratch buffers; plain ASCII text without markup takes one
// pass.

namespace linkpage {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

void AppendUtf8(char32_t cp, std::string* out) {
  char buf[4];
  size_t len;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    len = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    len = 4;
  }
  out->append(buf, len);
}

// Decodes one code point of valid UTF-8 (as FixUtf8 produces) at "*i" and
// advances "*i" past it.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b = [&](size_t k) {
    return static_cast<unsigned char>(s[*i + k]);
  };
  unsigned char c = b(0);
  char32_t cp;
  size_t len;
  if (c < 0x80) {
    cp = c;
    len = 1;
  } else if (c < 0xE0) {
    cp = c & 0x1F;
    len = 2;
  } else if (c < 0xF0) {
    cp = c & 0x0F;
    len = 3;
  } else {
    cp = c & 0x07;
    len = 4;
  }
  if (*i + len > s.size()) {  // Not valid UTF-8 after all; be safe.
    ++*i;
    return kReplacement;
  }
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (b(k) & 0x3F);
  *i += len;
  return cp;
}

// The index of the first byte >= 0x80 at or after "i", or s.size().
size_t SkipAscii(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < n && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

// For the byte >= 0x80 at "i": the length (2-4) of the valid UTF-8
// sequence it starts, or 0 when it starts none. "*skip" is set to the bytes
// that one U+FFFD replaces when invalid: the longest valid prefix (the
// "maximal subpart" practice of Unicode and WHATWG), at least 1.
size_t ValidSequence(std::string_view s, size_t i, size_t* skip) {
  const size_t n = s.size();
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // Range of the second byte.
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // Overlong.
    if (c == 0xED) hi = 0x9F;  // Surrogates.
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // Overlong.
    if (c == 0xF4) hi = 0x8F;  // Past U+10FFFF.
  }
  if (len == 0) {  // Stray continuation byte, C0/C1 or F5-FF lead byte.
    *skip = 1;
    return 0;
  }
  size_t k = 1;
  while (k < len && i + k < n) {
    unsigned char b = static_cast<unsigned char>(s[i + k]);
    unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) break;
    ++k;
  }
  *skip = k;
  return k == len ? len : 0;
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool StartsWithNoCase(std::string_view s, size_t pos, std::string_view p) {
  if (s.size() - pos < p.size()) return false;
  for (size_t k = 0; k < p.size(); ++k) {
    if (LowerAscii(s[pos + k]) != LowerAscii(p[k])) return false;
  }
  return true;
}

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;

// The high bit of each byte of "w" that is zero, and no other bit.
uint64_t ZeroBytes(uint64_t w) { return ~(((w & kLow7) + kLow7) | w | kLow7); }

// The high bit of each byte of "w" equal to "c".
uint64_t BytesEqual(uint64_t w, char c) {
  return ZeroBytes(w ^ (kOnes * static_cast<unsigned char>(c)));
}

// The index of the first byte at or after "i" that is not printable ASCII
// (0x20-0x7E), or s.size().
size_t SkipPrintable(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (((w & ~kLow7) | ZeroBytes(w & (kOnes * 0x60)) | BytesEqual(w, 0x7F)) !=
        0) {
      break;
    }
    i += 8;
  }
  while (i < n && s[i] >= 0x20 && s[i] < 0x7F) ++i;
  return i;
}

// The index of the first '<' or ']' at or after "i", or s.size().
size_t FindMarkupByte(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((BytesEqual(w, '<') | BytesEqual(w, ']')) != 0) break;
    i += 8;
  }
  while (i < n && s[i] != '<' && s[i] != ']') ++i;
  return i;
}

// Named character references. Latin-1 and Greek are listed by code point.
const std::unordered_map<std::string_view, char32_t>& NamedEntities() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, char32_t>;
    static const char* const kLatin1[96] = {
        "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar",
        "sect",   "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",
        "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",   "acute",
        "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",
        "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",
        "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute",
        "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",
        "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
        "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",
        "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",
        "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave",
        "iacute", "icirc",  "iuml",   "eth",    "ntilde", "ograve", "oacute",
        "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave", "uacute",
        "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};
    for (int k = 0; k < 96; ++k) (*t)[kLatin1[k]] = 160 + k;
    static const char* const kGreekUpper[25] = {
        "Alpha",   "Beta", "Gamma", "Delta",  "Epsilon", "Zeta", "Eta",
        "Theta",   "Iota", "Kappa", "Lambda", "Mu",      "Nu",   "Xi",
        "Omicron", "Pi",   "Rho",   nullptr,  "Sigma",   "Tau",  "Upsilon",
        "Phi",     "Chi",  "Psi",   "Omega"};
    static const char* const kGreekLower[25] = {
        "alpha",   "beta", "gamma", "delta",  "epsilon", "zeta", "eta",
        "theta",   "iota", "kappa", "lambda", "mu",      "nu",   "xi",
        "omicron", "pi",   "rho",   "sigmaf", "sigma",   "tau",  "upsilon",
        "phi",     "chi",  "psi",   "omega"};
    for (int k = 0; k < 25; ++k) {
      if (kGreekUpper[k]) (*t)[kGreekUpper[k]] = 0x391 + k;
      (*t)[kGreekLower[k]] = 0x3B1 + k;
    }
    static const struct {
      const char* name;
      char32_t cp;
    } kOther[] = {
        {"quot", 34},     {"QUOT", 34},     {"amp", 38},
        {"AMP", 38},      {"apos", 39},     {"lt", 60},
        {"LT", 60},       {"gt", 62},       {"GT", 62},
        {"COPY", 169},    {"REG", 174},     {"half", 189},
        {"excl", 33},     {"num", 35},      {"dollar", 36},
        {"percnt", 37},   {"lpar", 40},     {"rpar", 41},
        {"ast", 42},      {"plus", 43},     {"comma", 44},
        {"period", 46},   {"sol", 47},      {"colon", 58},
        {"semi", 59},     {"equals", 61},   {"quest", 63},
        {"commat", 64},   {"lsqb", 91},     {"bsol", 92},
        {"rsqb", 93},     {"lowbar", 95},   {"grave", 96},
        {"lcub", 123},    {"verbar", 124},  {"vert", 124},
        {"rcub", 125},    {"Tab", 9},       {"NewLine", 10},
        {"OElig", 338},   {"oelig", 339},   {"Scaron", 352},
        {"scaron", 353},  {"Yuml", 376},    {"fnof", 402},
        {"circ", 710},    {"tilde", 732},   {"ensp", 8194},
        {"emsp", 8195},   {"thinsp", 8201}, {"hairsp", 8202},
        {"zwnj", 8204},   {"zwj", 8205},    {"lrm", 8206},
        {"rlm", 8207},    {"hyphen", 8208}, {"dash", 8208},
        {"ndash", 8211},  {"mdash", 8212},  {"horbar", 8213},
        {"lsquo", 8216},  {"rsquo", 8217},  {"rsquor", 8217},
        {"sbquo", 8218},  {"ldquo", 8220},  {"rdquo", 8221},
        {"rdquor", 8221}, {"bdquo", 8222},  {"dagger", 8224},
        {"Dagger", 8225}, {"bull", 8226},   {"bullet", 8226},
        {"hellip", 8230}, {"mldr", 8230},   {"permil", 8240},
        {"prime", 8242},  {"Prime", 8243},  {"lsaquo", 8249},
        {"rsaquo", 8250}, {"oline", 8254},  {"frasl", 8260},
        {"euro", 8364},   {"trade", 8482},  {"TRADE", 8482},
        {"larr", 8592},   {"uarr", 8593},   {"rarr", 8594},
        {"darr", 8595},   {"harr", 8596},   {"rArr", 8658},
        {"lArr", 8656},   {"minus", 8722},  {"sum", 8721},
        {"radic", 8730},  {"infin", 8734},  {"asymp", 8776},
        {"ne", 8800},     {"equiv", 8801},  {"le", 8804},
        {"ge", 8805},     {"loz", 9674},    {"spades", 9824},
        {"clubs", 9827},  {"hearts", 9829}, {"diams", 9830},
        {"starf", 9733},  {"star", 9734},   {"check", 10003},
        {"cross", 10007}, {"numero", 8470}, {"ZeroWidthSpace", 8203},
    };
    for (const auto& e : kOther) (*t)[e.name] = e.cp;
    return t;
  }();
  return *table;
}

// What a numeric reference to "cp" decodes to, following HTML5: NUL,
// surrogates and values past U+10FFFF become U+FFFD; 0x80-0x9F are read as
// windows-1252 (as browsers do); other control characters are dropped.
// Returns 0 for "drop".
char32_t NumericReference(char32_t cp) {
  static const char32_t kCp1252[32] = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kReplacement;
  }
  if (cp >= 0x80 && cp <= 0x9F) return kCp1252[cp - 0x80];
  if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
    return 0;
  }
  return cp;
}

// Tags whose removal must not glue words together get a space instead;
// these inline ones do not ("<b>Ho</b>t" stays one word).
bool IsInlineTag(std::string_view name) {
  static const std::string_view kInline[] = {
      "a",      "abbr", "b",   "bdi",  "bdo",  "big",   "cite", "code",
      "data",   "del",  "dfn", "em",   "font", "i",     "ins",  "kbd",
      "mark",   "nobr", "q",   "s",    "samp", "small", "span", "strike",
      "strong", "sub",  "sup", "time", "tt",   "u",     "var",  "wbr"};
  for (std::string_view t : kInline) {
    if (t == name) return true;
  }
  return false;
}

// Elements whose content is dropped along with the tags.
bool IsHiddenContentTag(std::string_view name) {
  static const std::string_view kHidden[] = {
      "script", "style", "iframe", "noscript", "template",
      "object", "svg",   "math",   "noembed",  "noframes"};
  for (std::string_view t : kHidden) {
    if (t == name) return true;
  }
  return false;
}

// From just after a tag name, returns the index after the closing '>'
// (or the end). A '>' inside a quoted attribute value does not end the tag.
size_t SkipTagBody(std::string_view s, size_t i) {
  const size_t n = s.size();
  while (i < n) {
    char c = s[i];
    if (c == '>') return i + 1;
    if (c == '=') {
      ++i;
      while (i < n && IsAsciiSpace(s[i])) ++i;
      if (i < n && (s[i] == '"' || s[i] == '\'')) {
        size_t close = s.find(s[i], i + 1);
        if (close == std::string_view::npos) return n;
        i = close + 1;
      }
      continue;
    }
    ++i;
  }
  return n;
}

// Finds "</name" (any case) followed by a non-name character, from "i".
size_t FindEndTag(std::string_view s, size_t i, std::string_view name) {
  while ((i = s.find("</", i)) != std::string_view::npos) {
    size_t after = i + 2 + name.size();
    if (StartsWithNoCase(s, i + 2, name) &&
        (after >= s.size() || IsAsciiSpace(s[after]) || s[after] == '/' ||
         s[after] == '>')) {
      return i;
    }
    i += 2;
  }
  return std::string_view::npos;
}

// A small HTML tokenizer that keeps only text: tags, comments, declarations
// and processing instructions go, as does the content of script-like
// elements. CDATA markers left over from double-wrapped feeds go, their
// content stays. A '<' that cannot start a tag stays as text. Appends to
// "*out", which must be empty.
void StripTags(std::string_view s, std::string* out) {
  // Removing markup must not join a literal '<' to what follows it into a
  // new tag ("<<b>b>" is "<" then "b>", never "<b>").
  const auto removed = [out] {
    if (!out->empty() && out->back() == '<') out->push_back(' ');
  };
  thread_local std::string name;
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    if (c != '<' && c != ']') {
      const size_t j = FindMarkupByte(s, i + 1);
      out->append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c == ']') {
      if (s.substr(i, 3) == "]]>") {
        i += 3;
        removed();
      } else {
        out->push_back(']');
        ++i;
      }
      continue;
    }
    if (s.substr(i, 4) == "<!--") {
      size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? n : end + 3;
      removed();
      continue;
    }
    if (StartsWithNoCase(s, i, "<![CDATA[")) {
      i += 9;
      removed();
      continue;
    }
    char next = i + 1 < n ? s[i + 1] : '\0';
    if (next == '!' || next == '?') {
      size_t end = s.find('>', i + 2);
      i = end == std::string_view::npos ? n : end + 1;
      out->push_back(' ');
      continue;
    }
    bool end_tag = next == '/';
    size_t name_start = i + (end_tag ? 2 : 1);
    if (name_start >= n || !IsAsciiAlpha(s[name_start])) {
      if (end_tag && name_start < n && s[name_start] == '>') {
        i = name_start + 1;  // "</>" is ignored by browsers.
        removed();
        continue;
      }
      if (end_tag && name_start >= n) {
        break;  // "</" at the end: nothing a reader would want.
      }
      if (end_tag) {
        // "</" then anything else opens a bogus comment up to the next
        // '>' (HTML tokenizer), e.g. "</?:em>" from a renamed element.
        size_t end = s.find('>', name_start);
        i = end == std::string_view::npos ? n : end + 1;
        out->push_back(' ');
        continue;
      }
      out->push_back('<');
      ++i;
      continue;
    }
    size_t j = name_start;
    while (j < n && !IsAsciiSpace(s[j]) && s[j] != '/' && s[j] != '>') ++j;
    name.assign(s.data() + name_start, j - name_start);
    for (char& ch : name) ch = LowerAscii(ch);
    i = SkipTagBody(s, j);
    if (IsInlineTag(name)) {
      removed();
    } else {
      out->push_back(' ');
    }
    if (!end_tag && IsHiddenContentTag(name)) {
      // As in HTML, "<script/>" still opens a script element.
      size_t close = FindEndTag(s, i, name);
      i = close == std::string_view::npos
              ? n
              : SkipTagBody(s, close + 2 + name.size());
    }
  }
}

// True when StripTags would change "s".
bool HasMarkup(std::string_view s) {
  return s.find('<') != std::string_view::npos ||
         s.find("]]>") != std::string_view::npos;
}

bool IsRemovedControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
         (cp >= 0x202A && cp <= 0x202E) ||  // Bidi embeddings, overrides.
         (cp >= 0x2066 && cp <= 0x2069) ||  // Bidi isolates.
         cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

// Appends FixUtf8 then control removal of "s" to "*out" in one pass: each
// invalid sequence becomes U+FFFD; tab, CR and LF become spaces; other
// control characters go.
void AppendSanitized(std::string_view s, std::string* out) {
  const size_t n = s.size();
  size_t run = 0, i = 0;  // s[run, i) is kept as it is.
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      i = SkipPrintable(s, i + 1);
      continue;
    }
    if (c < 0x80) {  // C0 control or DEL.
      out->append(s.data() + run, i - run);
      if (c == '\t' || c == '\n' || c == '\r') out->push_back(' ');
      run = ++i;
      continue;
    }
    size_t skip;
    const size_t len = ValidSequence(s, i, &skip);
    if (len == 0) {
      out->append(s.data() + run, i - run);
      out->append(kReplacementUtf8);
      i += skip;
      run = i;
      continue;
    }
    size_t next = i;
    if (IsRemovedControl(NextCodePoint(s, &next))) {
      out->append(s.data() + run, i - run);
      run = next;
    }
    i = next;
  }
  out->append(s.data() + run, n - run);
}

bool IsUnicodeSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
         cp == '\v' || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Truncate, in place.
void TruncateInPlace(std::string* s, size_t max_bytes) {
  if (s->size() <= max_bytes) return;
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  const bool room = max_bytes >= kEllipsis.size();
  size_t cut = room ? max_bytes - kEllipsis.size() : max_bytes;
  while (cut > 0 && (static_cast<unsigned char>((*s)[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  s->resize(cut);
  if (!room) return;
  while (!s->empty() && s->back() == ' ') s->pop_back();
  s->append(kEllipsis);
}

// Appends "s" with whitespace collapsed to single spaces and trimmed to
// "*out" (empty at first), then truncates it to "max_bytes". Stops reading
// once more than "max_bytes" are out: the rest cannot change what is kept.
void CollapseAndTruncate(std::string_view s, size_t max_bytes,
                         std::string* out) {
  const size_t n = s.size();
  bool pending_space = false;
  size_t i = 0;
  while (i < n && out->size() <= max_bytes) {
    const size_t start = i;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      if (IsAsciiSpace(s[i])) {
        pending_space = true;
        ++i;
        continue;
      }
      // ASCII words and the single spaces between them, as they are.
      ++i;
      while (i < n && static_cast<unsigned char>(s[i]) < 0x80) {
        if (IsAsciiSpace(s[i])) {
          if (s[i] != ' ' || i + 1 >= n ||
              static_cast<unsigned char>(s[i + 1]) >= 0x80 ||
              IsAsciiSpace(s[i + 1])) {
            break;
          }
          ++i;
        }
        ++i;
      }
    } else if (IsUnicodeSpace(NextCodePoint(s, &i))) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out->empty()) out->push_back(' ');
    pending_space = false;
    out->append(s.data() + start, i - start);
  }
  TruncateInPlace(out, max_bytes);
}

// The bytes IsCleanAscii refuses, for one byte or for Bytes16: non-ASCII,
// controls, DEL, '<', ']' and "amp" ('&', or 0 when '&' is allowed: NUL is
// refused anyway).
template <typename Byte>
auto SpecialIn(Byte c, unsigned char amp) {
  return (c < 0x20) | (c >= 0x7F) | (c == '<') | (c == ']') | (c == amp);
}

// Whether the sixteen bytes at "b" hold none of the bytes SpecialIn
// refuses and no two spaces in a row; "prev_space": the byte before them
// is a space.
[[gnu::always_inline]] inline bool BlockIsClean(const char* b, bool prev_space,
                                                unsigned char amp) {
  const Bytes16 v = Load16(b);
  if (Any(SpecialIn(v, amp))) return false;
  uint64_t spaces[2];
  // Two adjacent bytes are spaces: within either word (in either byte
  // order), across the two, or the first here and the byte before.
  Words(v == ' ', spaces);
  return (spaces[0] & (spaces[0] << 8)) == 0 &&
         (spaces[1] & (spaces[1] << 8)) == 0 && !(b[7] == ' ' && b[8] == ' ') &&
         !(prev_space && b[0] == ' ');
}

// True when CleanText leaves "s" as it is (before truncation): printable
// ASCII without '<', ']' or (unless "amp_ok") '&', no space at either end
// and never two spaces in a row. Sixteen bytes at a time; the last bytes
// as the sixteen that end the text (which overlap bytes already looked
// at), or, in a text shorter than that, padded with a letter.
bool IsCleanAscii(std::string_view s, bool amp_ok) {
  const size_t n = s.size();
  if (n == 0) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  const char* p = s.data();
  const unsigned char amp = amp_ok ? 0 : '&';
  if (n < 16) {
    char block[16];
    std::memset(block, 'a', sizeof(block));
    std::memcpy(block, p, n);
    return BlockIsClean(block, false, amp);
  }
  size_t i = 0;
  bool prev_space = false;  // The byte before p[i] is a space.
  for (; i + 16 <= n; i += 16) {
    if (!BlockIsClean(p + i, prev_space, amp)) return false;
    prev_space = p[i + 15] == ' ';
  }
  return i == n || BlockIsClean(p + n - 16, p[n - 17] == ' ', amp);
}

bool IsFastSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// CleanText for printable ASCII, spaces, tabs and line ends, without
// '<', "]]>" and (unless "already_decoded") '&', in one pass. Returns false, with "*out" in any state, on the first byte that
// needs the full pipeline. Like CollapseAndTruncate it stops reading once
// more than "max_bytes" are out, but not right after a ']': later bytes
// that the full pipeline removes could join it into a "]]>" to strip.
bool CleanAsciiRuns(std::string_view s, size_t max_bytes,
                     bool already_decoded, std::string* out) {
  const size_t n = s.size();
  bool pending_space = false;
  size_t i = 0;
  while (i < n && (out->size() <= max_bytes || out->back() == ']')) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = true;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n) {
      const unsigned char d = static_cast<unsigned char>(s[j]);
      if (d <= 0x20 || d >= 0x7F || d == '<' ||
          (d == '&' && !already_decoded)) {
        break;
      }
      if (d == ']' && s.substr(j, 3) == "]]>") return false;
      ++j;
    }
    if (j == i) return false;
    if (pending_space && !out->empty()) out->push_back(' ');
    pending_space = false;
    out->append(s.data() + i, j - i);
    i = j;
  }
  TruncateInPlace(out, max_bytes);
  return true;
}

// CleanText for the common case: printable ASCII without markup,
// entities or runs of spaces is only trimmed and truncated. Returns false
// when "s" is not such a text.
bool CleanPlainAscii(std::string_view s, size_t max_bytes,
                     bool already_decoded, std::string* out) {
  // Leading and trailing spaces, tabs and line ends always go.
  while (!s.empty() && IsFastSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsFastSpace(s.back())) s.remove_suffix(1);
  // Past "max_bytes" + 1 bytes only a space at the cut could change what
  // Truncate keeps (it might be the start of trailing space).
  if (s.size() > max_bytes && s.size() - max_bytes > 1) {
    s = s.substr(0, max_bytes + 1);
  }
  if (!IsCleanAscii(s, already_decoded)) return false;
  out->assign(s.data(), s.size());
  TruncateInPlace(out, max_bytes);
  return true;
}

// Two strings per thread that CleanText's stages write to in turn (each
// reads the one the stage before wrote), so that a text costs no
// allocation unless it is longer than any before.
class Scratch {
 public:
  // The buffer the previous Take() did not return, cleared.
  std::string* Take() {
    std::string* s = &buf_[next_];
    next_ ^= 1;
    s->clear();
    return s;
  }

  // Gives back memory after an unusually long text.
  void Trim() {
    for (std::string& s : buf_) {
      if (s.capacity() > kKeepBytes) std::string().swap(s);
    }
  }

 private:
  static constexpr size_t kKeepBytes = 1 << 20;
  std::string buf_[2];
  int next_ = 0;
};

void DecodeEntitiesTo(std::string_view s, std::string* out) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out->append(s.data() + i, n - i);
      break;
    }
    out->append(s.data() + i, amp - i);
    i = amp;
    // No reference is longer than this; looking no further keeps a text
    // full of '&' linear.
    size_t semi = s.substr(0, amp + 33).find(';', amp + 1);
    if (semi == std::string_view::npos) {
      out->push_back('&');
      ++i;
      continue;
    }
    std::string_view body = s.substr(amp + 1, semi - amp - 1);
    bool decoded = false;
    if (body.size() >= 2 && body[0] == '#') {
      bool hex = body[1] == 'x' || body[1] == 'X';
      std::string_view digits = body.substr(hex ? 2 : 1);
      uint32_t value = 0;
      bool ok = !digits.empty();
      for (char d : digits) {
        int v;
        if (IsAsciiDigit(d)) {
          v = d - '0';
        } else if (hex && LowerAscii(d) >= 'a' && LowerAscii(d) <= 'f') {
          v = LowerAscii(d) - 'a' + 10;
        } else {
          ok = false;
          break;
        }
        value = value * (hex ? 16 : 10) + v;
        if (value > 0x10FFFF) value = 0x110000;  // Saturate, no overflow.
      }
      if (ok) {
        char32_t cp = NumericReference(value);
        if (cp != 0) AppendUtf8(cp, out);
        decoded = true;
      }
    } else if (!body.empty()) {
      const auto& table = NamedEntities();
      auto it = table.find(body);
      if (it != table.end()) {
        AppendUtf8(it->second, out);
        decoded = true;
      }
    }
    if (decoded) {
      i = semi + 1;
    } else {
      out->push_back('&');
      ++i;
    }
  }
}

}  // namespace

std::string FixUtf8(std::string_view s) {
  std::string out;
  const size_t n = s.size();
  size_t run = 0, i = 0;  // s[run, i) is valid.
  while ((i = SkipAscii(s, i)) < n) {
    size_t skip;
    const size_t len = ValidSequence(s, i, &skip);
    if (len != 0) {
      i += len;
      continue;
    }
    if (out.empty()) out.reserve(n + 2);
    out.append(s.data() + run, i - run);
    out.append(kReplacementUtf8);
    i += skip;
    run = i;
  }
  if (run == 0) return std::string(s);
  out.append(s.data() + run, n - run);
  return out;
}

bool IsValidUtf8(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  while ((i = SkipAscii(s, i)) < n) {
    size_t skip;
    const size_t len = ValidSequence(s, i, &skip);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  DecodeEntitiesTo(s, &out);
  return out;
}

std::string CleanText(std::string_view s, size_t max_bytes,
                      bool already_decoded) {
  std::string out;
  if (CleanPlainAscii(s, max_bytes, already_decoded, &out)) return out;
  out.clear();
  if (CleanAsciiRuns(s, max_bytes, already_decoded, &out)) return out;
  out.clear();
  thread_local Scratch scratch;
  std::string* buf = scratch.Take();
  // Controls go before the tag pass, so that removing them later cannot
  // join "<" and a tag name into a new tag.
  AppendSanitized(s, buf);
  std::string_view text = *buf;
  if (HasMarkup(text)) {
    buf = scratch.Take();
    StripTags(text, buf);
    text = *buf;
  }
  if (!already_decoded) {
    // Raw HTML: its entities are decoded exactly once. Markup that was
    // escaped in the HTML ("&lt;b&gt;") would now read as a tag; it is
    // stripped too, so no tag-like text ever leaves this function. (So
    // is markup that the first pass joined, as "]]</>>" gives "]]>".)
    if (text.find('&') != std::string_view::npos) {
      buf = scratch.Take();
      DecodeEntitiesTo(text, buf);
      text = *buf;
      buf = scratch.Take();
      AppendSanitized(text, buf);  // Valid UTF-8 already: controls only.
      text = *buf;
    }
    if (HasMarkup(text)) {
      buf = scratch.Take();
      StripTags(text, buf);
      text = *buf;
    }
  }
  CollapseAndTruncate(text, max_bytes, &out);
  scratch.Trim();
  return out;
}

std::string Truncate(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  const bool room = max_bytes >= kEllipsis.size();
  size_t cut = room ? max_bytes - kEllipsis.size() : max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  std::string out(s.substr(0, cut));
  if (!room) return out;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out.append(kEllipsis);
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

}  // namespace linkpage
