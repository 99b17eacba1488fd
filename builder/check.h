// The compliance rules of SPEC §5, applied to rendered pages before they
// are published (and by `linkpage check` to an existing out/).
#ifndef LINKPAGE_CHECK_H_
#define LINKPAGE_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

#include "model.h"

namespace linkpage {

// What kind of file a checked page is.
enum class PageKind { kTopic, kIndex, kPrivacy };

// Checks one rendered page. "page" is the site.json page for kTopic pages
// (nullptr otherwise); "links" the links placed on it, when known (nullptr
// when checking an existing out/). Returns "" when the page complies, else
// one message naming the rule broken, e.g. `rule "footer": ...`.
//
// Rules: the page is well-formed XML (polyglot HTML5); every page has a
// <footer> holding "© YEAR COMPANY", the address, a mailto: link to the
// e-mail and a link to /privacy-policy/. Topic pages also: the first <h1>
// is heading_prefix + " " + topic; the disclosure comes before the first
// sponsored link; every link outside <article>, <header> and <footer> that
// leaves the site carries rel="sponsored" (and every placed link is
// there); the article sits in an <article> element after the links; the
// closing line follows the article; an <img> with alt text follows the
// closing line. The privacy page has the <h1> "Privacy Policy" and names
// the company and the e-mail address.
//
// An index page (the home page, which lists every page of the site and is
// the one large page) is read without a DOM when it is well-formed and
// written in the XML the templates produce; only its <footer> is parsed.
// Anything else gets the DOM of the whole page, and the same verdict.
std::string CheckPage(std::string_view html, const Site& site, int year,
                      PageKind kind, const Page* page,
                      const std::vector<Link>* links);

// Whether CheckPage reads "html", as an index page, without a DOM of the
// whole page (for tests).
bool CheckedWithoutDom(std::string_view html);

}  // namespace linkpage

#endif  // LINKPAGE_CHECK_H_
