#include "text.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace linkpage {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
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
// content stays. A '<' that cannot start a tag stays as text.
std::string StripTags(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // Removing markup must not join a literal '<' to what follows it into a
  // new tag ("<<b>b>" is "<" then "b>", never "<b>").
  const auto removed = [&out] {
    if (!out.empty() && out.back() == '<') out.push_back(' ');
  };
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    if (c == ']' && s.substr(i, 3) == "]]>") {
      i += 3;
      removed();
      continue;
    }
    if (c != '<') {
      out.push_back(c);
      ++i;
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
      out.push_back(' ');
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
        out.push_back(' ');
        continue;
      }
      out.push_back('<');
      ++i;
      continue;
    }
    size_t j = name_start;
    while (j < n && !IsAsciiSpace(s[j]) && s[j] != '/' && s[j] != '>') ++j;
    std::string name = ToLower(s.substr(name_start, j - name_start));
    i = SkipTagBody(s, j);
    if (IsInlineTag(name)) {
      removed();
    } else {
      out.push_back(' ');
    }
    if (!end_tag && IsHiddenContentTag(name)) {
      // As in HTML, "<script/>" still opens a script element.
      size_t close = FindEndTag(s, i, name);
      i = close == std::string_view::npos
              ? n
              : SkipTagBody(s, close + 2 + name.size());
    }
  }
  return out;
}

bool IsRemovedControl(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
         (cp >= 0x202A && cp <= 0x202E) ||  // Bidi embeddings, overrides.
         (cp >= 0x2066 && cp <= 0x2069) ||  // Bidi isolates.
         cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

// Tab, CR and LF become spaces; other control characters go. Input must be
// valid UTF-8.
std::string RemoveControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = NextCodePoint(s, &i);
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out.push_back(' ');
    } else if (!IsRemovedControl(cp)) {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

bool IsUnicodeSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
         cp == '\v' || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string CollapseWhitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = NextCodePoint(s, &i);
    if (IsUnicodeSpace(cp)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.append(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string FixUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
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
      AppendUtf8(kReplacement, &out);
      ++i;
      continue;
    }
    // Consume the longest valid prefix; an incomplete sequence becomes one
    // U+FFFD (the "maximal subpart" practice of Unicode and WHATWG).
    size_t k = 1;
    while (k < len && i + k < n) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) break;
      ++k;
    }
    if (k == len) {
      out.append(s.substr(i, len));
    } else {
      AppendUtf8(kReplacement, &out);
    }
    i += k;
  }
  return out;
}

std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    i = amp;
    // No reference is longer than this; looking no further keeps a text
    // full of '&' linear.
    size_t semi = s.substr(0, amp + 33).find(';', amp + 1);
    if (semi == std::string_view::npos) {
      out.push_back('&');
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
        if (cp != 0) AppendUtf8(cp, &out);
        decoded = true;
      }
    } else if (!body.empty()) {
      const auto& table = NamedEntities();
      auto it = table.find(body);
      if (it != table.end()) {
        AppendUtf8(it->second, &out);
        decoded = true;
      }
    }
    if (decoded) {
      i = semi + 1;
    } else {
      out.push_back('&');
      ++i;
    }
  }
  return out;
}

std::string CleanText(std::string_view s, size_t max_bytes,
                      bool already_decoded) {
  // Controls go before the tag pass, so that removing them later cannot
  // join "<" and a tag name into a new tag.
  std::string text = StripTags(RemoveControls(FixUtf8(s)));
  if (!already_decoded) {
    // Raw HTML: its entities are decoded exactly once. Markup that was
    // escaped in the HTML ("&lt;b&gt;") would now read as a tag; it is
    // stripped too, so no tag-like text ever leaves this function.
    text = StripTags(RemoveControls(DecodeEntities(text)));
  }
  return Truncate(CollapseWhitespace(text), max_bytes);
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
