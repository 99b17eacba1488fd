#include "render.h"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

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

// kainjow's html_escape, with the same five replacements, but finding them
// with strcspn (vectorised in glibc) and copying the runs between them at
// once; kainjow appends byte by byte, into twice the input's size reserved.
std::string HtmlEscape(const std::string& s) {
  static constexpr char kSpecial[] = "&<>\"'";
  const char* const begin = s.c_str();
  const char* const end = begin + s.size();
  const char* p = begin + std::strcspn(begin, kSpecial);
  if (p == end) return s;  // Nothing to escape (the common case): one copy.
  std::string out;
  out.reserve(s.size() + s.size() / 4 + 16);
  const char* last = begin;
  while (p < end) {
    out.append(last, p);
    switch (*p) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&apos;"); break;
      default: out.push_back('\0'); break;  // A NUL byte stopped strcspn.
    }
    last = ++p;
    p += std::strcspn(p, kSpecial);
  }
  out.append(last, end);
  return out;
}

// A parsed template that escapes with HtmlEscape.
mu::mustache Parse(const std::string& text) {
  mu::mustache tmpl(text);
  tmpl.set_custom_escape(HtmlEscape);
  return tmpl;
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
  *tmpl = Parse(expanded);
  if (!tmpl->is_valid()) {
    *err = path.string() + ": template error after expanding partials: " +
           tmpl->error_message();
    return false;
  }
  return true;
}

// The values of one kainjow object, by key. RenderPage sets the same keys,
// from the same lines, in the same order, in data it keeps from page to
// page (see there); a Slots kept with that data finds each value by the
// address of the key's literal, mostly at the first place it looks,
// instead of hashing the key (a fifth of the template stage's work when
// it did). The values of an unordered_map keep their address until their
// key is erased, which nothing here does.
class Slots {
 public:
  explicit Slots(mu::data* object) : object_(object) {}

  // (*object)[key]; "key" must be a string literal (its address stands
  // for its text from one call to the next).
  mu::data& operator[](const char* key) {
    if (next_ < found_.size() && found_[next_].first == key) {
      return *found_[next_++].second;
    }
    for (size_t i = 0; i < found_.size(); ++i) {
      if (found_[i].first == key) {
        next_ = i + 1;
        return *found_[i].second;
      }
    }
    mu::data* value = &(*object_)[key];
    found_.emplace_back(key, value);
    next_ = found_.size();
    return *value;
  }

 private:
  mu::data* object_;
  std::vector<std::pair<const char*, mu::data*>> found_;
  size_t next_ = 0;  // Where the key after the last one found was.
};

// The string in "slot", made a string if it is not one (kainjow's set()
// would store a deep copy of its argument; a move does not).
//
// Page data is reused from page to page (see RenderPage), so that a value
// that is a string already takes the new value in the capacity it has:
// kainjow hands out only const references to the strings it owns, but each
// is a non-const std::string of its own heap allocation, so writing through
// const_cast is well-defined.
std::string& StringIn(mu::data& slot) {
  if (!slot.is_string()) slot = mu::data(mu::data::type::string);
  return const_cast<std::string&>(slot.string_value());
}

// Sets "slot" to the concatenation of "parts" (which must not point into
// it).
void Put(mu::data& slot, std::initializer_list<std::string_view> parts) {
  std::string& value = StringIn(slot);
  value.clear();
  for (std::string_view part : parts) value.append(part);
}

void Put(mu::data& slot, std::string_view value) {
  StringIn(slot).assign(value);
}

// The list in "slot", made an empty list if it is not one ("*made" set
// then). Owned by the slot and not const: see StringIn().
mu::list& ListIn(mu::data& slot, bool* made = nullptr) {
  if (made) *made = !slot.is_list();
  if (!slot.is_list()) slot = mu::data(mu::data::type::list);
  return const_cast<mu::list&>(slot.list_value());
}

// Sets "slot" to "value", or to false when the value is empty, so that a
// {{#key}} section is skipped for it (kainjow treats "" as true; leaving the
// key out would let the lookup find a key of the same name further out).
void PutOptional(mu::data& slot, std::string_view value) {
  if (!value.empty()) {
    Put(slot, value);
  } else if (!slot.is_false()) {
    slot = mu::data(false);
  }
}

// Fields every template receives. "path" is the page's URL path below the
// site root, in parts.
void Common(const Site& site, int year, std::string_view root,
            std::initializer_list<std::string_view> path,
            std::initializer_list<std::string_view> title,
            std::string_view description, Slots& d) {
  const SiteInfo& s = site.info;
  Put(d["lang"], s.language);
  Put(d["site_title"], s.title);
  Put(d["base_url"], s.base_url);
  Put(d["company"], s.company);
  Put(d["address"], s.address);
  Put(d["email"], s.email);
  Put(d["year"], std::to_string(year));
  Put(d["root"], root);
  std::string& canonical = StringIn(d["canonical"]);
  canonical.assign(s.base_url).append("/");
  for (std::string_view part : path) canonical.append(part);
  Put(d["title"], title);
  Put(d["description"], description);
}

// Renders "tmpl" into one string, without kainjow's std::ostringstream
// and the copy of its contents.
std::string Render(mu::mustache& tmpl, const mu::data& d, size_t expect) {
  std::string out;
  out.reserve(expect);
  tmpl.render(d, [&out](const std::string& s) { out.append(s); });
  return out;
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

// Sets "*out" to the page's heading, in the capacity it has.
void Heading(const Page& page, std::string* out) {
  const std::string& prefix = page.settings.heading_prefix;
  if (prefix.empty()) {
    out->assign(page.topic);
  } else {
    out->assign(prefix).append(" ").append(page.topic);
  }
}

// The output of a render: appends every piece kainjow hands out to a
// string, or only counts their bytes when "out" is nullptr.
struct Sink {
  std::string* out = nullptr;
  size_t size = 0;
};

Sink& operator<<(Sink& sink, const std::string& s) {
  if (sink.out) sink.out->append(s);
  sink.size += s.size();
  return sink;
}

// The context of the home page's render: the template data "root", whose
// "pages" list holds placeholders (kainjow "true" values, which own no
// memory) instead of one kainjow object per page. kainjow renders the
// template as it renders any (sections, inverted sections, standalone
// lines and all) and walks that list as it walks any list, pushing each
// item in turn on this context; only the lookups differ: below a
// placeholder, one finds that page's "slug", "topic", "heading" and
// "href", made when first asked for, in strings reused from page to page.
// Lookups are otherwise kainjow's context<std::string>::get step by step,
// so that the output is byte for byte that of a list of objects with those
// four keys.
class IndexContext : public mu::basic_context<std::string> {
 public:
  // "pages[i]" is the index in site.pages of the i-th placeholder of
  // "placeholders" (nullptr: i itself).
  IndexContext(const Site& site, const mu::data& root,
               const mu::list& placeholders, const std::vector<size_t>* pages)
      : site_(site), placeholders_(placeholders), pages_(pages) {
    push(&root);
  }

  void push(const mu::data* data) override {
    Item item{data, nullptr};
    const mu::data* first = placeholders_.data();
    std::less<const mu::data*> less;
    if (!less(data, first) && less(data, first + placeholders_.size())) {
      const size_t i = static_cast<size_t>(data - first);
      if (open_pages_ == pool_.size()) {
        pool_.push_back(std::make_unique<PageFields>());
      }
      PageFields* fields = pool_[open_pages_++].get();
      fields->page = &site_.pages[pages_ ? (*pages_)[i] : i];
      fields->made = 0;
      item.page = fields;
    }
    items_.push_back(item);
  }

  void pop() override {
    if (items_.back().page) --open_pages_;
    items_.pop_back();
  }

  // kainjow's context<std::string>::get, with Find(item, name) for
  // item->get(name).
  const mu::data* get(const std::string& name) const override {
    if (name.size() == 1 && name[0] == '.') return items_.back().data;
    if (name.find('.') == std::string::npos) {
      for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
        if (const mu::data* var = Find(*it, name)) return var;
      }
      return nullptr;
    }
    const std::vector<std::string> names = mu::split(name, '.');
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
      const mu::data* var = it->data;
      for (size_t i = 0; i < names.size(); ++i) {
        var = i == 0 ? Find(*it, names[i]) : var->get(names[i]);
        if (!var) break;
      }
      if (var) return var;
    }
    return nullptr;
  }

  const mu::data* get_partial(const std::string& name) const override {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
      if (const mu::data* var = Find(*it, name)) return var;
    }
    return nullptr;
  }

 private:
  // The four values of one page, made when first looked up.
  struct PageFields {
    const Page* page = nullptr;
    unsigned made = 0;  // Bit k: values[k] holds this page's value.
    std::array<mu::data, 4> values = {
        mu::data(mu::data::type::string), mu::data(mu::data::type::string),
        mu::data(mu::data::type::string), mu::data(mu::data::type::string)};
  };
  struct Item {
    const mu::data* data;
    PageFields* page;  // Set for a placeholder.
  };

  // item->get(key), a placeholder answering as the object
  // {slug, topic, heading, href} of its page.
  static const mu::data* Find(const Item& item, const std::string& key) {
    if (!item.page) return item.data->get(key);
    static constexpr std::array<std::string_view, 4> kKeys = {
        "slug", "topic", "heading", "href"};
    size_t k = 0;
    while (k < kKeys.size() && kKeys[k] != key) ++k;
    if (k == kKeys.size()) return nullptr;
    PageFields& f = *item.page;
    mu::data& value = f.values[k];
    if (!(f.made & (1u << k))) {
      // Owned by "value" and not const: see StringIn().
      std::string& s = const_cast<std::string&>(value.string_value());
      const Page& page = *f.page;
      switch (k) {
        case 0: s.assign(page.slug); break;
        case 1: s.assign(page.topic); break;
        case 2: Heading(page, &s); break;
        default: s.assign(page.slug).append("/"); break;
      }
      f.made |= 1u << k;
    }
    return &value;
  }

  const Site& site_;
  const mu::list& placeholders_;
  const std::vector<size_t>* pages_;
  std::vector<Item> items_;  // The innermost last.
  // PageFields for the placeholders on the stack, the innermost last; kept
  // from one page to the next (and never moved: pointers to their values
  // are handed out).
  std::vector<std::unique_ptr<PageFields>> pool_;
  size_t open_pages_ = 0;
};

// Renders the index template with the data "root" and a "pages" list of
// one placeholder per entry of "pages" (nullptr: every page of the site),
// into "*out" or, when "out" is nullptr, only counting the bytes.
size_t RenderIndexInto(mu::mustache& tmpl, const Site& site, mu::data* root,
                       const std::vector<size_t>* pages, std::string* out) {
  mu::list& list = ListIn((*root)["pages"]);
  list = mu::list(pages ? pages->size() : site.pages.size(), mu::data(true));
  IndexContext ctx(site, *root, list, pages);
  Sink sink{out};
  tmpl.render(ctx, sink);
  list = mu::list();
  return sink.size;
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
  // Made in two passes over the same pieces, the first only counting, so
  // that the string is allocated once at its size: for 100,000 pages it
  // would otherwise grow by doubling, holding the old copy and the new.
  // "escape": the piece is text, XML-escaped.
  auto pieces = [&](auto&& emit) {
    emit("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
         false);
    auto url = [&](std::string_view path, std::string_view suffix) {
      emit("  <url><loc>", false);
      emit(site.info.base_url, true);
      emit("/", false);
      emit(path, true);
      emit(suffix, false);
      emit("</loc>", false);
      if (!lastmod.empty()) {
        emit("<lastmod>", false);
        emit(lastmod, false);
        emit("</lastmod>", false);
      }
      emit("</url>\n", false);
    };
    url("", "");
    for (const Page& page : site.pages) url(page.slug, "/");
    url("privacy-policy/", "");
    emit("</urlset>\n", false);
  };
  auto escaped = [](char c) -> std::string_view {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '"': return "&quot;";
      case '\'': return "&apos;";
      default: return {};
    }
  };
  // Most text has nothing to escape (slugs never have).
  auto plain = [](std::string_view piece) {
    return piece.find_first_of("&<>\"'") == std::string_view::npos;
  };
  size_t size = 0;
  pieces([&](std::string_view piece, bool escape) {
    size += piece.size();
    if (escape && !plain(piece)) {
      for (char c : piece) {
        if (std::string_view e = escaped(c); !e.empty()) size += e.size() - 1;
      }
    }
  });
  std::string out;
  out.reserve(size);
  pieces([&](std::string_view piece, bool escape) {
    if (!escape || plain(piece)) {
      out.append(piece);
      return;
    }
    for (char c : piece) {
      if (std::string_view e = escaped(c); !e.empty()) {
        out.append(e);
      } else {
        out.push_back(c);
      }
    }
  });
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
  t_->page = Parse(page_source_);
  t_->index = Parse(index_source_);
  t_->privacy = Parse(privacy_source_);
}

std::string Renderer::RenderPage(const Site& site, int year, const Page& page,
                                 const std::vector<Link>& links,
                                 const std::string& article_html) const {
  // The page data of this thread's previous page, overwritten value by
  // value: every page sets the same keys, and a kainjow data tree built
  // anew costs several hundred allocations (each value, map and map node
  // has its own).
  struct Data {
    mu::data root;
    Slots slots{&root};
    // One Slots per item of the "links" list, and where the items were:
    // kainjow's data has no noexcept move, so when the list grows past its
    // capacity its items are copied, and the copies' values are elsewhere.
    std::vector<Slots> links;
    const mu::data* links_at = nullptr;
  };
  thread_local Data data;
  Slots& d = data.slots;
  Common(site, year, "../", {page.slug, "/"},
         {page.topic, " | ", site.info.title}, MetaDescription(article_html),
         d);
  Put(d["slug"], page.slug);
  Put(d["topic"], page.topic);
  if (page.settings.heading_prefix.empty()) {
    Put(d["heading"], page.topic);
  } else {
    Put(d["heading"], {page.settings.heading_prefix, " ", page.topic});
  }
  Put(d["disclosure"], page.settings.disclosure);
  Put(d["closing_line"], page.settings.closing_line);
  Put(d["article"], article_html);
  bool made = false;
  mu::list& list = ListIn(d["links"], &made);
  list.resize(links.size());
  if (made || list.data() != data.links_at) {
    data.links.clear();
    data.links_at = list.data();
  }
  // Items past the new size were destroyed; new ones get Slots of their own.
  if (data.links.size() > list.size()) {
    data.links.erase(data.links.begin() + static_cast<long>(list.size()),
                     data.links.end());
  }
  while (data.links.size() < list.size()) {
    data.links.emplace_back(&list[data.links.size()]);
  }
  size_t link_bytes = 0;
  for (size_t i = 0; i < links.size(); ++i) {
    const Link& link = links[i];
    Slots& l = data.links[i];
    Put(l["title"], link.title);
    Put(l["url"], link.url);
    PutOptional(l["description"], link.description);
    Put(l["display_host"], link.display_host);
    PutOptional(l["price"], FormatPrice(link.price, link.currency));
    PutOptional(l["advertiser"], link.advertiser);
    PutOptional(l["image"], link.image);
    Put(l["feed"], link.feed);
    link_bytes += link.title.size() + link.url.size() +
                  link.description.size() + link.display_host.size() +
                  link.price.size() + link.currency.size() +
                  link.advertiser.size() + link.image.size() + link.feed.size();
  }
  d["has_links"] = mu::data(!links.empty());
  // No image: false, which a lookup treats as the key left out (the root
  // has no context further out).
  mu::data& img = d["image"];
  if (page.image) {
    if (!img.is_object()) img = mu::data();
    Put(img["src"], page.image->src);
    Put(img["alt"], page.image->alt);
  } else if (!img.is_false()) {
    img = mu::data(false);
  }
  // The output's size, with room for the link block of the template (and
  // escaping) per link, so that the string does not grow while rendering.
  const size_t expect = page_source_.size() + article_html.size() + link_bytes +
                        link_bytes / 4 + 512 * links.size() + 4096;
  return Render(t_->page, data.root, expect);
}

std::string Renderer::RenderIndex(const Site& site, int year) const {
  std::string out;
  if (!t_->index.is_valid()) return out;  // As kainjow's render(data).
  mu::data d;
  Slots slots(&d);
  Common(site, year, "", {}, {site.info.title},
         site.info.title + ": " + std::to_string(site.pages.size()) + " topics",
         slots);
  // The page is rendered straight into one string, which should not grow
  // on the way (a std::string grows into a buffer twice the size of the
  // one it leaves, both held while it copies). Its size comes from
  // rendering, only counting the bytes, the page with one page of the site
  // and with a sample spread over the site.
  const size_t n = site.pages.size();
  constexpr size_t kSample = 256;
  size_t expect = index_source_.size() + 128 * n;
  if (n > 4 * kSample) {
    std::vector<size_t> sample(kSample);
    for (size_t i = 0; i < kSample; ++i) sample[i] = i * (n / kSample);
    const size_t all = RenderIndexInto(t_->index, site, &d, &sample, nullptr);
    sample.resize(1);
    const size_t one = RenderIndexInto(t_->index, site, &d, &sample, nullptr);
    const size_t per_page = all > one ? (all - one) / (kSample - 1) : 0;
    expect = one + per_page * (n - 1);
    // A margin, in address space: a large buffer is mapped on demand, and
    // the pages never written take no memory.
    expect += expect / 4 + 4096;
  }
  out.reserve(expect);
  RenderIndexInto(t_->index, site, &d, nullptr, &out);
  return out;
}

std::string Renderer::RenderPrivacy(const Site& site, int year) const {
  mu::data d;
  Slots slots(&d);
  Common(site, year, "../", {"privacy-policy/"},
         {"Privacy Policy | ", site.info.title},
         "Privacy Policy of " + site.info.title + ", operated by " +
             site.info.company + ".",
         slots);
  Put(slots["effective_date"], "January 1, " + std::to_string(year));
  return Render(t_->privacy, d, privacy_source_.size() + 1024);
}

}  // namespace linkpage
