// Mustache templates + page data -> HTML text.
#ifndef LINKPAGE_RENDER_H_
#define LINKPAGE_RENDER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model.h"

namespace linkpage {

// "19.99" + "USD" -> "$19.99"; unknown currencies as "19.99 CHF".
std::string FormatPrice(const std::string& price, const std::string& currency);

// sitemaps.org sitemap of the home page, every page and the privacy page,
// with absolute URLs from site.info.base_url and, when "lastmod" is not
// empty, that <lastmod> date on every URL.
std::string SitemapXml(const Site& site, const std::string& lastmod = "");

// robots.txt allowing everything, with a Sitemap: line.
std::string RobotsTxt(const Site& site);

// The page, index and privacy templates of a site, parsed once.
//
// Every {{variable}} is HTML-escaped; only {{{article}}} is raw, and it holds
// the HTML rendered from the site's own Markdown. Partials ({{> name}}) come
// from templates/partials/NAME.mustache and are expanded when the templates
// are loaded.
class Renderer {
 public:
  Renderer();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Reads templates/{page,index,privacy}.mustache and the partials they use
  // from "dir". On failure "*err" names the template file and the line.
  bool Load(const std::string& dir, std::string* err);

  // The same templates as "other" (which has been loaded), parsed anew:
  // one Renderer per thread, all from one reading of the files.
  void LoadFrom(const Renderer& other);

  // "year" is the copyright year printed in the footer. The template data is
  // kept per thread from one call to the next (it is costly to build), so
  // that calls from several threads, on one Renderer or several, are safe.
  std::string RenderPage(const Site& site, int year, const Page& page,
                         const std::vector<Link>& links,
                         const std::string& article_html) const;
  // The home page. Its list of pages is rendered without a kainjow object
  // per page, straight into the string returned, which is sized up front.
  std::string RenderIndex(const Site& site, int year) const;
  // The index template with its partials expanded.
  const std::string& index_source() const { return index_source_; }
  // The page template with its partials expanded: what RenderPage's output
  // depends on besides its arguments.
  const std::string& page_source() const { return page_source_; }
  std::string RenderPrivacy(const Site& site, int year) const;

 private:
  struct Templates;
  std::unique_ptr<Templates> t_;
  std::string page_source_;
  std::string index_source_;
  std::string privacy_source_;
};

}  // namespace linkpage

#endif  // LINKPAGE_RENDER_H_
