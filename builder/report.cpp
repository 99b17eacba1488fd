#include "report.h"

#include <nlohmann/json.hpp>

#include "file.h"

namespace linkpage {

namespace {

using Json = nlohmann::ordered_json;

// "value" as indented JSON text, its lines after the first indented by
// "indent" more spaces. Feed text is untrusted: invalid UTF-8 is replaced
// rather than thrown on.
void AppendJson(const Json& value, int indent, std::string* out) {
  const std::string text =
      value.dump(2, ' ', false, Json::error_handler_t::replace);
  for (char c : text) {  // JSON strings hold no raw newline.
    out->push_back(c);
    if (c == '\n') out->append(static_cast<size_t>(indent), ' ');
  }
}

// Whether "text" is printable ASCII that JSON writes as it is.
bool Plain(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

std::string ReportToJson(const Report& r) {
  // The report is written out as it is made, one page at a time: a JSON
  // value of every page would cost a few hundred bytes a page.
  std::string out = "{";
  auto key = [&](const char* name) {
    out += out.size() > 1 ? ",\n  \"" : "\n  \"";
    out += name;
    out += "\": ";
  };
  key("published");
  AppendJson(r.published, 2, &out);
  if (!r.error.empty()) {
    key("error");
    AppendJson(r.error, 2, &out);
  }
  Json feeds = Json::array();
  int degraded = 0;
  for (const FeedReport& f : r.feeds) {
    if (f.status != "fresh" && f.status != "not_modified") ++degraded;
    Json o;
    o["name"] = f.name;
    o["status"] = f.status;
    o["source"] = f.source;
    o["items"] = f.items;
    o["links"] = f.links;
    o["dropped_urls"] = f.dropped_urls;
    o["dropped_untitled"] = f.dropped_untitled;
    o["ignored_items"] = f.ignored_items;
    o["bytes"] = f.bytes;
    o["from_cache"] = f.from_cache;
    o["age_hours"] = f.age_hours;
    o["error"] = f.error.empty() ? Json(nullptr) : Json(f.error);
    o["seconds"] = f.seconds;
    o["http_status"] = f.http_status;
    o["attempts"] = f.attempts;
    feeds.push_back(o);
  }
  key("feeds");
  AppendJson(feeds, 2, &out);
  key("pages");
  int added = 0, changed = 0, unchanged = 0;
  out += r.pages.empty() ? "[]" : "[";
  for (size_t i = 0; i < r.pages.size(); ++i) {
    const PageReport& p = r.pages[i];
    out += i == 0 ? "\n    " : ",\n    ";
    if (Plain(p.slug) && Plain(p.change)) {
      // What AppendJson() gives, without a JSON value a page: slugs are
      // plain ASCII (site.json allows a-z, 0-9 and '-').
      out += "{\n      \"slug\": \"";
      out += p.slug;
      out += "\",\n      \"links\": ";
      out += std::to_string(p.links);
      out += ",\n      \"change\": \"";
      out += p.change;
      out += "\"\n    }";
    } else {
      AppendJson(Json{{"slug", p.slug},
                      {"links", p.links},
                      {"change", std::string(p.change)}},
                 4, &out);
    }
    added += p.change == "added";
    changed += p.change == "changed";
    unchanged += p.change == "unchanged";
  }
  if (!r.pages.empty()) out += "\n  ]";
  key("removed_pages");
  AppendJson(r.removed_pages, 2, &out);
  key("totals");
  AppendJson({{"feeds", r.feeds.size()},
              {"degraded_feeds", degraded},
              {"pages", r.pages.size()},
              {"pages_added", added},
              {"pages_changed", changed},
              {"pages_unchanged", unchanged},
              {"pages_removed", r.removed_pages.size()},
              {"links_placed", r.links_total},
              {"duplicate_links", r.duplicate_links},
              {"pages_picked", r.pages_picked}},
             2, &out);
  Json timings = Json::object();
  for (const auto& [stage, seconds] : r.timings) timings[stage] = seconds;
  key("timings_seconds");
  AppendJson(timings, 2, &out);
  out += "\n}\n";
  return out;
}

bool WriteReport(const Report& report, const std::string& path,
                 std::string* err) {
  std::string why;
  if (!WriteAtomically(path, ReportToJson(report), &why)) {
    *err = "cannot write the report " + path + ": " + why;
    return false;
  }
  return true;
}

}  // namespace linkpage
