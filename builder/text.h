// The one text model for feed content: whatever the format, titles and
// descriptions go through CleanText exactly once.
#ifndef LINKPAGE_TEXT_H_
#define LINKPAGE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace linkpage {

// Longest title and description kept, in bytes (cut at a UTF-8 boundary,
// with "…" appended when cut).
inline constexpr size_t kMaxTitleBytes = 200;
inline constexpr size_t kMaxDescriptionBytes = 600;

// Replaces each invalid UTF-8 sequence with U+FFFD.
std::string FixUtf8(std::string_view s);

// True when "s" is valid UTF-8 (FixUtf8 would return it unchanged).
bool IsValidUtf8(std::string_view s);

// Decodes HTML character references once: named (the HTML5 set commonly
// met in feeds, including &nbsp; &amp; &lt; &gt; &quot; &apos; &hellip;
// &mdash; ...), decimal and hexadecimal. Unknown or malformed references are
// left as they are. "&amp;lt;" becomes "&lt;", not "<".
std::string DecodeEntities(std::string_view s);

// Turns feed text that may hold HTML into plain text: invalid UTF-8 fixed,
// tags (and the content of <script> and <style>) removed, entities decoded
// once, control characters removed, whitespace collapsed to single spaces
// and trimmed, then cut to "max_bytes". "already_decoded" is true when an
// XML or JSON parser has decoded the text once already, in which case
// markup that was entity-encoded in the feed ("&lt;b&gt;") is still
// recognised as markup and removed, but no second decoding of entities
// happens.
std::string CleanText(std::string_view s, size_t max_bytes,
                      bool already_decoded = true);

// Cuts "s" to at most "max_bytes" at a UTF-8 boundary, appending "…" (which
// counts against the limit) when anything was cut.
std::string Truncate(std::string_view s, size_t max_bytes);

// ASCII lower-casing; other bytes unchanged.
std::string ToLower(std::string_view s);

}  // namespace linkpage

#endif  // LINKPAGE_TEXT_H_
