#include "render.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <kainjow/mustache.hpp>

#include "text.h"

namespace linkpage {

namespace fs = std::filesystem;
namespace mu = kainjow::mustache;

struct Renderer::Templates {
  // kainjow's render() is not const; rendering does not change the parsed
  // template, so a const Renderer may render.
  mutable mu::mustache page{""};
  mutable mu::mustache index{""};
  mutable mu::mustache privacy{""};
};

namespace {

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

std::string LineCol(const std::string& text, size_t offset) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

// Checks the syntax of one template file; "*err" names file and line.
bool CheckSyntax(const std::string& text, const std::string& file,
                 std::string* err) {
  mu::mustache tmpl(text);
  if (tmpl.is_valid()) return true;
  std::string msg = tmpl.error_message();
  // kainjow ends its messages with " at OFFSET".
  std::string where = file;
  size_t at = msg.rfind(" at ");
  if (at != std::string::npos && at + 4 < msg.size() &&
      msg.find_first_not_of("0123456789", at + 4) == std::string::npos) {
    where += ":" + LineCol(text, std::stoul(msg.substr(at + 4)));
    msg.resize(at);
  }
  *err = where + ": template error: " + msg;
  return false;
}

// Replaces each {{> name}} in "text" (from "file") by the partial's text,
// recursively, checking the syntax of every file on the way.
bool ExpandPartials(const fs::path& dir, const std::string& file,
                    const std::string& text, int depth, std::string* out,
                    std::string* err) {
  if (!CheckSyntax(text, file, err)) return false;
  if (depth > 8) {
    *err = file + ": partials nested more than 8 deep (a partial that "
                  "includes itself?)";
    return false;
  }
  out->clear();
  size_t last = 0;
  for (size_t open = text.find("{{>"); open != std::string::npos;
       open = text.find("{{>", last)) {
    size_t close = text.find("}}", open);
    if (close == std::string::npos) break;  // CheckSyntax reported it.
    std::string name = text.substr(open + 3, close - open - 3);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (name.empty() ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                               "tuvwxyz0123456789_.-") != std::string::npos) {
      *err = file + ":" + LineCol(text, open) + ": partial name \"" + name +
             "\" is not valid; use letters, digits, '_', '.' and '-'";
      return false;
    }
    out->append(text, last, open - last);
    last = close + 2;
    fs::path path = dir / "partials" / (name + ".mustache");
    std::string partial;
    if (!ReadFile(path, &partial)) {
      *err = file + ":" + LineCol(text, open) + ": partial \"" + name +
             "\" not found; expected " + path.string();
      return false;
    }
    std::string expanded;
    if (!ExpandPartials(dir, path.string(), partial, depth + 1, &expanded,
                        err)) {
      return false;
    }
    out->append(expanded);
  }
  out->append(text, last, std::string::npos);
  return true;
}

bool LoadTemplate(const fs::path& dir, const char* name, mu::mustache* tmpl,
                  std::string* expanded_out, std::string* err) {
  fs::path path = dir / name;
  std::string text;
  if (!ReadFile(path, &text)) {
    *err = path.string() + ": cannot read this template";
    return false;
  }
  std::string expanded;
  if (!ExpandPartials(dir, path.string(), text, 0, &expanded, err)) {
    return false;
  }
  *expanded_out = expanded;
  *tmpl = mu::mustache(expanded);
  if (!tmpl->is_valid()) {
    *err = path.string() + ": template error after expanding partials: " +
           tmpl->error_message();
    return false;
  }
  return true;
}

// Fields every template receives.
mu::data Common(const Site& site, int year, const std::string& root,
                const std::string& path, const std::string& title,
                const std::string& description) {
  const SiteInfo& s = site.info;
  mu::data d;
  d.set("lang", s.language);
  d.set("site_title", s.title);
  d.set("base_url", s.base_url);
  d.set("company", s.company);
  d.set("address", s.address);
  d.set("email", s.email);
  d.set("year", std::to_string(year));
  d.set("root", root);
  d.set("canonical", s.base_url + "/" + path);
  d.set("title", title);
  d.set("description", description);
  return d;
}

// Sets "key" to "value", or to false when the value is empty, so that a
// {{#key}} section is skipped for it (kainjow treats "" as true; leaving the
// key out would let the lookup find a key of the same name further out).
void SetOptional(mu::data* d, const std::string& key,
                 const std::string& value) {
  if (value.empty()) {
    d->set(key, mu::data(false));
  } else {
    d->set(key, value);
  }
}

// The first words of the article, for <meta name="description">. Only the
// first paragraph is read: the whole article would cost more than the rest
// of the page.
std::string MetaDescription(const std::string& article_html) {
  constexpr size_t kMaxBytes = 160;
  size_t start = article_html.find("<p>");
  size_t end = start == std::string::npos
                   ? std::string::npos
                   : article_html.find("</p>", start);
  std::string_view text = article_html;
  if (end != std::string::npos) {
    text = text.substr(start + 3, end - start - 3);
  }
  // Cut long before the end of a long paragraph (CleanText drops a tag
  // left open by the cut).
  return CleanText(text.substr(0, 4 * kMaxBytes), kMaxBytes, false);
}

std::string Heading(const Page& page) {
  return page.settings.heading_prefix.empty()
             ? page.topic
             : page.settings.heading_prefix + " " + page.topic;
}

}  // namespace

std::string FormatPrice(const std::string& price,
                        const std::string& currency) {
  if (price.empty()) return "";
  static const std::map<std::string, std::string> kSymbols = {
      {"USD", "$"}, {"EUR", "€"}, {"GBP", "£"}, {"JPY", "¥"},
      {"AUD", "A$"}, {"CAD", "C$"}, {"INR", "₹"}};
  if (currency.empty()) return price;
  auto it = kSymbols.find(currency);
  if (it != kSymbols.end()) return it->second + price;
  return price + " " + currency;
}

std::string SitemapXml(const Site& site, const std::string& lastmod) {
  auto xml_escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
      }
    }
    return out;
  };
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  auto add = [&](const std::string& path) {
    out += "  <url><loc>" + xml_escape(site.info.base_url + "/" + path) +
           "</loc>" +
           (lastmod.empty() ? "" : "<lastmod>" + lastmod + "</lastmod>") +
           "</url>\n";
  };
  add("");
  for (const Page& page : site.pages) add(page.slug + "/");
  add("privacy-policy/");
  out += "</urlset>\n";
  return out;
}

std::string RobotsTxt(const Site& site) {
  return "User-agent: *\nAllow: /\n\nSitemap: " + site.info.base_url +
         "/sitemap.xml\n";
}

Renderer::Renderer() : t_(std::make_unique<Templates>()) {}
Renderer::~Renderer() = default;

bool Renderer::Load(const std::string& dir, std::string* err) {
  std::string page, index, privacy;
  if (!LoadTemplate(dir, "page.mustache", &t_->page, &page, err) ||
      !LoadTemplate(dir, "index.mustache", &t_->index, &index, err) ||
      !LoadTemplate(dir, "privacy.mustache", &t_->privacy, &privacy, err)) {
    return false;
  }
  page_source_ = page;
  index_source_ = index;
  privacy_source_ = privacy;
  return true;
}

void Renderer::LoadFrom(const Renderer& other) {
  page_source_ = other.page_source_;
  index_source_ = other.index_source_;
  privacy_source_ = other.privacy_source_;
  t_->page = mu::mustache(page_source_);
  t_->index = mu::mustache(index_source_);
  t_->privacy = mu::mustache(privacy_source_);
}

std::string Renderer::RenderPage(const Site& site, int year, const Page& page,
                                 const std::vector<Link>& links,
                                 const std::string& article_html) const {
  std::string description = MetaDescription(article_html);
  mu::data d = Common(site, year, "../", page.slug + "/",
                      page.topic + " | " + site.info.title, description);
  d.set("slug", page.slug);
  d.set("topic", page.topic);
  d.set("heading", Heading(page));
  d.set("disclosure", page.settings.disclosure);
  d.set("closing_line", page.settings.closing_line);
  d.set("article", article_html);
  mu::data list{mu::data::type::list};
  for (const Link& link : links) {
    mu::data l;
    l.set("title", link.title);
    l.set("url", link.url);
    SetOptional(&l, "description", link.description);
    l.set("display_host", link.display_host);
    SetOptional(&l, "price", FormatPrice(link.price, link.currency));
    SetOptional(&l, "advertiser", link.advertiser);
    SetOptional(&l, "image", link.image);
    l.set("feed", link.feed);
    list.push_back(l);
  }
  d.set("links", list);
  d.set("has_links", links.empty() ? mu::data(false) : mu::data(true));
  if (page.image) {
    mu::data img;
    img.set("src", page.image->src);
    img.set("alt", page.image->alt);
    d.set("image", img);
  }
  return t_->page.render(d);
}

std::string Renderer::RenderIndex(const Site& site, int year) const {
  mu::data d = Common(site, year, "", "", site.info.title,
                      site.info.title + ": " +
                          std::to_string(site.pages.size()) + " topics");
  mu::data list{mu::data::type::list};
  for (const Page& page : site.pages) {
    mu::data p;
    p.set("slug", page.slug);
    p.set("topic", page.topic);
    p.set("heading", Heading(page));
    p.set("href", page.slug + "/");
    list.push_back(p);
  }
  d.set("pages", list);
  return t_->index.render(d);
}

std::string Renderer::RenderPrivacy(const Site& site, int year) const {
  mu::data d = Common(site, year, "../", "privacy-policy/",
                      "Privacy Policy | " + site.info.title,
                      "Privacy Policy of " + site.info.title + ", operated "
                      "by " + site.info.company + ".");
  d.set("effective_date", "January 1, " + std::to_string(year));
  return t_->privacy.render(d);
}

}  // namespace linkpage
