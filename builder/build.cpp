#include "build.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_set>

#include "article.h"
#include "check.h"
#include "file.h"
#include "hash.h"
#include "linknotes.h"
#include "lock.h"
#include "match.h"
#include "parallel.h"
#include "publish.h"
#include "read_ahead.h"
#include "render.h"
#include "sources.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string OutDir(const Options& options) {
  return options.out_dir.empty()
             ? (fs::path(options.site_dir) / "out").string()
             : options.out_dir;
}

// The sitemap's <lastmod>: the UTC date of SOURCE_DATE_EPOCH, or "" (none)
// when it is not set, so that output depends on inputs alone.
std::string LastMod(const Options& options) {
  std::optional<std::string> sde = options.env("SOURCE_DATE_EPOCH");
  if (!sde || sde->empty()) return "";
  char* end = nullptr;
  long long v = std::strtoll(sde->c_str(), &end, 10);
  if (*end != '\0' || v < 0) return "";
  std::time_t t = static_cast<std::time_t>(v);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Changes when what the manifest keeps of a topic page changes meaning
// (FileNote::tag, PageSources(), PageInputs()): no page is then kept on
// the strength of what an older build noted.
constexpr int64_t kPageNotesFormat = 2;

// A hash of everything a topic page is made from but the page itself.
uint64_t SiteInputs(const Site& site, int year, const Renderer& renderer) {
  const SiteInfo& s = site.info;
  Hasher h;
  h.Add(LINKPAGE_VERSION).Add(kPageNotesFormat);
  h.Add(renderer.page_source()).Add(year);
  for (const std::string* f : {&s.title, &s.base_url, &s.language,
                               &s.company, &s.address, &s.email}) {
    h.Add(*f);
  }
  return h.value();
}

// A hash of everything a topic page's inputs (PageInputs) are derived
// from: the page, its article, and every link it could be given. Equal
// sources mean equal inputs, so that a page is kept without picking its
// links when nothing it depends on changed.
uint64_t PageSources(uint64_t site_inputs, uint64_t links_hash,
                     const Site& site, const Page& page,
                     uint64_t article_hash) {
  Hasher h;
  h.Add(static_cast<int64_t>(site_inputs)).Add(static_cast<int64_t>(links_hash));
  h.Add(static_cast<int64_t>(site.feeds.size()));
  for (const FeedConfig& f : site.feeds) {
    h.Add(f.name).Add(static_cast<int64_t>(f.link_params.size()));
    for (const auto& [k, v] : f.link_params) h.Add(k).Add(v);
  }
  h.Add(page.slug).Add(page.topic);
  h.Add(static_cast<int64_t>(page.keywords.size()));
  for (std::string_view k : page.keywords) h.Add(k);
  h.Add(static_cast<int64_t>(page.feeds.size()));
  for (std::string_view f : page.feeds) h.Add(f);
  const PageSettings& ps = page.settings;
  h.Add(ps.links_per_page).Add(ps.heading_prefix).Add(ps.disclosure);
  h.Add(ps.closing_line);
  h.Add(page.image ? page.image->src : "\x01");
  h.Add(page.image ? page.image->alt : "");
  h.Add(static_cast<int64_t>(article_hash));
  return h.value();
}

// A hash of everything a topic page is made from: "article_hash" is one of
// its article's bytes.
uint64_t PageInputs(uint64_t site_inputs, const Page& page,
                    uint64_t article_hash, const std::vector<Link>& links) {
  Hasher h;
  h.Add(static_cast<int64_t>(site_inputs)).Add(page.slug).Add(page.topic);
  const PageSettings& ps = page.settings;
  h.Add(ps.heading_prefix).Add(ps.disclosure).Add(ps.closing_line);
  h.Add(page.image ? page.image->src : "\x01").Add(page.image ? page.image->alt : "");
  h.Add(static_cast<int64_t>(article_hash));
  h.Add(static_cast<int64_t>(links.size()));
  for (const Link& l : links) {
    h.Add(l.feed).Add(l.title).Add(l.url).Add(l.description);
    h.Add(l.display_host).Add(l.image).Add(l.price).Add(l.currency);
    h.Add(l.advertiser);
  }
  return h.value();
}

// The link index, built on first use: a run in which every page is kept
// parses no feed again and indexes nothing. One thread builds it; the
// others, rather than wait idle, do what "meanwhile" gives them to do.
class LazyIndex {
 public:
  LazyIndex(FeedLinks* links, const std::vector<Page>& pages, int jobs)
      : links_(links), pages_(pages), jobs_(jobs) {}

  // The index. While another thread builds it, calls "meanwhile" until it
  // is built or "meanwhile" returns false (nothing left to do).
  template <typename Meanwhile>
  const LinkIndex& Get(Meanwhile meanwhile) {
    State s = state_.load(std::memory_order_acquire);
    if (s == kNone && state_.compare_exchange_strong(s, kBuilding)) {
      index_.emplace(links_->Take(jobs_), pages_);
      index_->Prepare();
      state_.store(kBuilt, std::memory_order_release);
      state_.notify_all();
      return *index_;
    }
    while (state_.load(std::memory_order_acquire) == kBuilding &&
           meanwhile()) {
    }
    state_.wait(kBuilding, std::memory_order_acquire);
    return *index_;
  }
  const LinkIndex& Get() {
    return Get([] { return false; });
  }
  // Not to be called while another thread may be in Get().
  bool built() const { return state_ == kBuilt; }
  // Whether another thread is building it (Get() would wait).
  bool building() const {
    return state_.load(std::memory_order_acquire) == kBuilding;
  }
  // Frees the index and the links; Get() may not be called after.
  void Release() { index_.reset(); }

 private:
  enum State { kNone, kBuilding, kBuilt };
  FeedLinks* links_;
  const std::vector<Page>& pages_;
  int jobs_;
  std::atomic<State> state_{kNone};
  std::optional<LinkIndex> index_;
};

// This run's links, and what changed since those of the published site.
struct RunLinks {
  uint64_t hash = 0;  // FeedLinks::hash().
  LinksState state;
  // When the published site was made with other links: their hash, and
  // what changed since (from the notes of both).
  uint64_t published_hash = 0;
  std::optional<LinkChanges> changes;
};

// FileNote::tag of a topic page: how many links it holds (bits 0-31),
// and of its pick whether it had filler (bit 32) and its cut (from bit 33;
// see PickNote).
constexpr int64_t kFillerTag = int64_t{1} << 32;
constexpr int kCutShift = 33;
int64_t PickTag(size_t links, const PickNote& pick) {
  // A cut past 30 bits (it cannot be) is noted as filler: safe either way.
  const bool filler = pick.filler || pick.cut >= (1 << 30);
  return static_cast<int64_t>(links) | (filler ? kFillerTag : 0) |
         (filler ? 0 : int64_t{pick.cut} << kCutShift);
}
int32_t LinksOfTag(int64_t tag) {
  return static_cast<int32_t>(tag & (kFillerTag - 1));
}
PickNote PickOfTag(int64_t tag) {
  return PickNote{(tag & kFillerTag) != 0, static_cast<int>(tag >> kCutShift)};
}

// How many links were dropped as duplicates, remembered with the links'
// hash in SITE/.linkpage-cache/duplicate-links, for runs that build no
// index.
int DuplicateLinks(const std::string& cache_dir, const RunLinks& links,
                   LazyIndex* index) {
  const std::string path = cache_dir + "/duplicate-links";
  const uint64_t links_hash = links.hash;
  std::string text, why;
  unsigned long long h = 0;
  int duplicates = 0;
  if (!index->built() &&
      ReadWholeFile(path, 256, &text, &why) == ReadResult::kOk &&
      std::sscanf(text.c_str(), "linkpage-links %llx %d", &h, &duplicates) ==
          2 &&
      h == links_hash) {
    return duplicates;
  }
  duplicates =
      !index->built() && links.changes && links.changes->duplicates() >= 0
          ? links.changes->duplicates()
          : index->Get().duplicates();
  char line[64];
  std::snprintf(line, sizeof line, "linkpage-links %llx %d\n",
                static_cast<unsigned long long>(links_hash), duplicates);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  WriteAtomically(path, line, &why);  // Best effort: a note.
  return duplicates;
}

// What rendering one topic page did. The report is made from these once
// the links are let go.
struct PageOutcome {
  int32_t links = 0;
  FileChange change = FileChange::kUnchanged;
  bool picked = false;  // Its links were picked in this run.
};

const char* ChangeName(FileChange change) {
  return change == FileChange::kAdded     ? "added"
         : change == FileChange::kChanged ? "changed"
                                          : "unchanged";
}

// Where a topic page's article is read from, and where the page goes in
// out/.
std::string ArticlePath(const Site& site, const Page& page) {
  return (fs::path(site.dir) / page.article()).string();
}
std::string PagePath(const Page& page) { return page.slug + "/index.html"; }

}  // namespace

PageReadAhead ReadAheadFor(const Site& site, const Page& page,
                           const Publisher& publisher) {
  const std::string path = PagePath(page);
  if (!publisher.HasRecord(path)) return {ArticlePath(site, page), {}};
  return {"", {ArticlePath(site, page), publisher.out_dir() + "/" + path}};
}

size_t PageReadAhead::Fetch() const {
  size_t files = contents.empty() ? 0 : AdviseContents(contents);
  for (const std::string& path : statuses) files += LoadStatus(path);
  return files;
}

namespace {

// Renders, checks and stages one topic page; a page whose sources or
// inputs are those of the published copy is kept as it is, without
// picking links or without rendering. So is a page made from the same
// sources but the published site's links, when what changed in the links
// does not concern it. With "deferred" given, a published page that needs
// links while another thread builds the index is left for later: the
// function returns true with "*deferred" set, having changed nothing.
bool RenderPage(const Site& site, int year, uint64_t site_inputs,
                const RunLinks& run_links, int64_t start_ns, const Page& page,
                const Renderer& renderer, LazyIndex* index,
                const std::function<bool()>& meanwhile, Publisher* publisher,
                PageOutcome* out, std::string* err, bool* deferred) {
  const std::string article = ArticlePath(site, page);
  const std::string path = PagePath(page);
  // An article with the stamp it had when the published page was made
  // is not read unless the page must be made anew.
  const std::optional<FileNote> recorded = publisher->Recorded(path);
  FileNote note;
  std::string markdown;
  bool have_markdown = false;
  if (recorded) note.input_stamp = FileStamp(article, start_ns);
  if (recorded && note.input_stamp != 0 &&
      recorded->input_stamp == note.input_stamp) {
    note.input_hash = recorded->input_hash;
  } else {
    // The stamp of what is read: the status of the file as it was opened.
    struct stat st;
    if (!ReadArticle(article, page.slug, &markdown, err, &st)) return false;
    note.input_stamp = FileStamp(st, start_ns);
    have_markdown = true;
    note.input_hash = Hasher().Add(markdown).value();
  }
  uint64_t sources =
      PageSources(site_inputs, run_links.hash, site, page, note.input_hash);
  if (recorded) {
    note.tag = recorded->tag;
    const uint64_t published_sources =
        run_links.changes &&
                !run_links.changes->Concerns(page, PickOfTag(recorded->tag))
            ? PageSources(site_inputs, run_links.published_hash, site, page,
                          note.input_hash)
            : 0;
    if (publisher->Keep(path, 0, sources, &note, published_sources)) {
      *out = {LinksOfTag(recorded->tag), FileChange::kUnchanged};
      return true;
    }
  }
  std::vector<Link> links;  // A page that takes none needs no index.
  PickNote pick{false, 0};  // No links wanted: none depend on the links.
  if (page.settings.links_per_page > 0) {
    if (deferred && recorded && index->building()) {
      *deferred = true;
      return true;
    }
    links = index->Get(meanwhile).Pick(page, site.feeds, &pick);
  }
  note.tag = PickTag(links.size(), pick);
  // The article, when not read, is the one its stamp vouches for.
  uint64_t inputs = PageInputs(site_inputs, page, note.input_hash, links);
  if (publisher->Keep(path, inputs, sources, &note)) {
    *out = {static_cast<int32_t>(links.size()), FileChange::kUnchanged,
            page.settings.links_per_page > 0};
    return true;
  }
  if (!have_markdown) {
    if (!ReadArticle(article, page.slug, &markdown, err)) return false;
    const uint64_t read_hash = Hasher().Add(markdown).value();
    if (read_hash != note.input_hash) {  // Changed since it was stamped.
      note.input_hash = read_hash;
      note.input_stamp = 0;
      sources = PageSources(site_inputs, run_links.hash, site, page, read_hash);
      inputs = PageInputs(site_inputs, page, read_hash, links);
    }
  }
  std::string html;
  if (!MarkdownToHtml(markdown, &html, err)) {
    *err = "page \"" + page.slug + "\": " + page.article() + ": " + *err;
    return false;
  }
  std::string bytes = renderer.RenderPage(site, year, page, links, html);
  std::string violation =
      CheckPage(bytes, site, year, PageKind::kTopic, &page, &links);
  if (!violation.empty()) {
    *err = "page \"" + page.slug + "\" breaks the compliance " + violation +
           "; fix templates/page.mustache";
    return false;
  }
  FileChange change;
  if (!publisher->Write(path, bytes, &change, err, inputs, sources, note)) {
    return false;
  }
  *out = {static_cast<int32_t>(links.size()), change,
          page.settings.links_per_page > 0};
  return true;
}

// How many pages are read ahead of the renderers: enough for the disk to
// have many reads under way, few enough (1.6 MB of 3 KB articles) to stay
// in the page cache until read. And by how many threads: the status of a
// published page waits for one read of its directory, and the threads'
// reads are under way together.
constexpr size_t kReadAhead = 512;
constexpr int kReadAheadThreads = 8;

// Renders the topic pages on "jobs" threads, each with its own copy of the
// templates. On failure "*err" is the error of the first failing page in
// site order among those rendered.
bool RenderPages(const Site& site, int year, int jobs, const RunLinks& links,
                 int64_t start_ns, const Renderer& templates, LazyIndex* index,
                 Publisher* publisher, std::ostream* progress,
                 std::vector<PageOutcome>* outcomes, std::string* err) {
  const size_t n = site.pages.size();
  outcomes->assign(n, PageOutcome());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<size_t> next_dir{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  size_t failed_at = n;  // Guarded by mu.
  // While the link index is being built: the directories of pages not
  // yet taken, when the staging tree lacks them.
  const std::function<bool()> prepare_dir = [&] {
    if (!publisher->dirs_missing()) return false;
    for (size_t j; (j = next_dir++) < n && !failed;) {
      if (j < next) continue;  // Taken: its renderer makes it.
      std::string e;  // Write() reports what fails here.
      publisher->PrepareDir(PagePath(site.pages[j]), &e);
      return true;
    }
    return false;
  };
  // Published pages that needed links while another thread built the
  // index (guarded by mu): each thread takes them once the site's pages
  // are all taken, and only a thread that has yet to take them adds one.
  std::vector<size_t> later;
  // The next page, and whether it may be left for later.
  auto take = [&](size_t* i, bool* may_defer) {
    if ((*i = next++) < n) {
      *may_defer = true;
      return true;
    }
    std::lock_guard<std::mutex> lock(mu);
    if (later.empty()) return false;
    *i = later.back();
    later.pop_back();
    *may_defer = false;
    return true;
  };
  auto work = [&] {
    Renderer renderer;
    renderer.LoadFrom(templates);
    std::string e;
    const uint64_t site_inputs = SiteInputs(site, year, renderer);
    size_t i;
    bool may_defer;
    while (!failed && take(&i, &may_defer)) {
      bool deferred = false;
      if (!RenderPage(site, year, site_inputs, links, start_ns, site.pages[i],
                      renderer, index, prepare_dir, publisher, &(*outcomes)[i],
                      &e, may_defer ? &deferred : nullptr)) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < failed_at) {
          failed_at = i;
          *err = e;
        }
        failed = true;
      }
      if (deferred) {
        std::lock_guard<std::mutex> lock(mu);
        later.push_back(i);
        continue;
      }
      size_t d = ++done;
      if (progress && (d % 500 == 0 || d == n)) {
        std::lock_guard<std::mutex> lock(mu);
        *progress << "\rlinkpage: rendered " << d << "/" << n << " pages"
                  << (d == n ? "\n" : "") << std::flush;
      }
    }
  };
  // The kernel starts on what the renderers will read (ReadAheadFor())
  // ahead of them: of a page with nothing to render, the statuses are the
  // part of a build that waits on the disk when the site is not in memory.
  ReadAhead read_ahead(
      n,
      [&](size_t i) {
        return ReadAheadFor(site, site.pages[i], *publisher).Fetch();
      },
      [&] { return next.load(std::memory_order_relaxed); }, kReadAhead,
      kReadAheadThreads);
  RunOnThreads(jobs, n, work);
  return !failed;
}

// Renders the pages made from the site alone: the home page, the privacy
// policy, the sitemap, robots.txt, the assets. Done before the topic
// pages: the home page and the sitemap grow with the site (at 100,000
// pages, 14 and 10 MB), and are then held while the link index is not.
// One page at a time, each let go once it is staged.
bool RenderSitePages(const Site& site, const Options& options, int year,
                     const Renderer& renderer, Publisher* publisher,
                     std::string* err) {
  FileChange change;
  for (const PageKind kind : {PageKind::kIndex, PageKind::kPrivacy}) {
    const bool home = kind == PageKind::kIndex;
    const std::string html = home ? renderer.RenderIndex(site, year)
                                  : renderer.RenderPrivacy(site, year);
    const char* name = home ? "index" : "privacy";
    std::string violation = CheckPage(html, site, year, kind, nullptr, nullptr);
    if (!violation.empty()) {
      *err = std::string("the ") + name + " page breaks the compliance " +
             violation + "; fix templates/" + name + ".mustache";
      return false;
    }
    if (!publisher->Write(home ? "index.html" : "privacy-policy/index.html",
                          html, &change, err)) {
      return false;
    }
  }
  return publisher->Write("sitemap.xml", SitemapXml(site, LastMod(options)),
                          &change, err) &&
         publisher->Write("robots.txt", RobotsTxt(site), &change, err) &&
         publisher->CopyTree(
             (fs::path(site.dir) / "templates" / "assets").string(), "assets",
             err);
}

// Renders everything the site consists of.
bool RenderSite(const Site& site, const Options& options, const RunLinks& links,
                const Renderer& renderer, LazyIndex* index,
                Publisher* publisher, std::ostream* progress, Report* report,
                std::string* err) {
  const int year = CopyrightYear(site, options.env, Now(options));
  const int jobs = Jobs(options);
  if (!RenderSitePages(site, options, year, renderer, publisher, err)) {
    return false;
  }
  std::vector<PageOutcome> outcomes;
  const bool rendered =
      RenderPages(site, year, jobs, links, Now(options) * 1000000000LL,
                  renderer, index, publisher, progress, &outcomes, err);
  if (rendered) {
    report->duplicate_links = DuplicateLinks(
        (fs::path(site.dir) / ".linkpage-cache").string(), links, index);
  }
  // The links are not needed any more: their memory goes before the
  // report's, which grows with the site, is taken.
  index->Release();
  report->text = site.page_text;
  report->pages.resize(outcomes.size());
  report->links_total = 0;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    PageReport& p = report->pages[i];
    p.slug = site.pages[i].slug;
    p.links = outcomes[i].links;
    p.change = ChangeName(outcomes[i].change);
    report->links_total += p.links;
    report->pages_picked += outcomes[i].picked;
  }
  return rendered;
}

// Slugs that had a page in the live site and have none now.
std::vector<std::string> RemovedPages(const Site& site,
                                      const std::string& out_dir) {
  std::unordered_set<std::string_view> slugs;  // Views of the pages' text.
  slugs.reserve(site.pages.size());
  for (const Page& page : site.pages) slugs.insert(page.slug);
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string& path = entry.path().native();
    const std::string_view name =
        std::string_view(path).substr(path.rfind('/') + 1);
    if (!slugs.count(name) && name != "assets" && name != "privacy-policy" &&
        entry.is_directory(ec) && fs::exists(entry.path() / "index.html", ec)) {
      removed.emplace_back(name);
    }
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

int Fail(std::ostream& log, Report* report, const std::string& err) {
  log << "linkpage: error: " << err << "\n";
  log << "linkpage: nothing was published; the previous site is untouched\n";
  report->published = false;
  report->error = err;
  return kExitFailed;
}

int BuildInto(const Options& options, std::ostream& log, Report* report) {
  const auto start = Clock::now();
  auto stage = start;
  auto lap = [&](const char* name) {
    report->timings.emplace_back(name, Since(stage));
    stage = Clock::now();
  };
  Site site;
  std::string err;
  std::error_code ec;
  fs::path cache = fs::path(options.site_dir) / ".linkpage-cache";
  // The cache directory is made for a site only: a --site that names
  // none is told so, and left as it was.
  if (fs::is_regular_file(fs::path(options.site_dir) / "site.json", ec)) {
    fs::create_directories(cache, ec);
  }
  const SiteJsonCache site_cache{cache.string(), Now(options) * 1000000000LL};
  if (!LoadSite(options.site_dir, options.env, &site, &err,
                fs::is_directory(cache, ec) ? &site_cache : nullptr)) {
    return Fail(log, report, err);
  }
  SiteLock lock;
  if (!lock.Acquire((cache / "lock").string(), &err)) {
    return Fail(log, report, err);
  }
  Renderer renderer;
  if (!renderer.Load((fs::path(site.dir) / "templates").string(), &err)) {
    return Fail(log, report, err);
  }
  lap("config");

  FeedLinks links;
  if (!GatherFeeds(site, options, log, report, &links, &err)) {
    return Fail(log, report, err);
  }
  lap("feeds");
  RunLinks run_links;
  run_links.hash = links.hash();
  run_links.state.hash = run_links.hash;
  for (const FeedPart& part : links.parts) {
    run_links.state.feeds.emplace_back(part.feed->name, part.hash);
  }
  LinksState published;
  const bool have_published = ReadPublishedLinks(cache.string(), &published);
  if (have_published && published.hash != run_links.hash) {
    run_links.published_hash = published.hash;
    run_links.changes.emplace(cache.string(), published, run_links.state);
  }
  LazyIndex index(&links, site.pages, Jobs(options));

  const std::string out_dir = OutDir(options);
  // The swap replaces the whole output directory: never the site itself.
  fs::path out_abs = fs::weakly_canonical(fs::absolute(out_dir), ec);
  fs::path site_abs = fs::weakly_canonical(fs::absolute(site.dir), ec);
  if (!ec) {
    auto [o, s] = std::mismatch(out_abs.begin(), out_abs.end(),
                                site_abs.begin(), site_abs.end());
    if (o == out_abs.end()) {
      return Fail(log, report,
                  "--out " + out_dir + " is the site directory or holds "
                  "it; choose a directory of its own, such as SITE/out");
    }
  }
  Publisher publisher(out_dir, Jobs(options));
  if (!publisher.Begin(&err) ||
      !RenderSite(site, options, run_links, renderer, &index, &publisher,
                  options.progress ? &log : nullptr, report, &err)) {
    return Fail(log, report, err);
  }
  lap("render");
  if (!links.changed_while_taken.empty()) {
    // Pages were picked from links other than those their sources name.
    return Fail(log, report,
                "feed \"" + links.changed_while_taken[0] +
                    "\": its document, parsed again, gave other links than "
                    "its parse note says (its file changed while the build "
                    "ran, or the note was damaged and is now dropped); run "
                    "the build again");
  }
  report->removed_pages = RemovedPages(site, out_dir);
  int removed_files = 0;
  if (!publisher.Commit(&removed_files, &err)) return Fail(log, report, err);
  lap("publish");
  report->published = true;
  // The links the published site is made with, for the next run to tell
  // what changed since (best effort: without it, every page picks again).
  if ((!have_published || published.hash != run_links.hash) &&
      !WritePublishedLinks(cache.string(), run_links.state, &err)) {
    log << "linkpage: warning: " << err
        << "; the next run after a feed change picks every page's links\n";
  }

  int degraded = 0, changed = 0;
  for (const FeedReport& f : report->feeds) degraded += IsDegraded(f);
  for (const PageReport& p : report->pages) changed += p.change != "unchanged";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", Since(start));
  log << "linkpage: published " << site.pages.size() << " pages to "
      << out_dir << " (" << changed << " new or changed, "
      << report->removed_pages.size() << " removed), "
      << report->links_total << " links from " << site.feeds.size()
      << " feeds (" << degraded << " degraded) in " << secs << "s\n";
  return kExitPublished;
}

}  // namespace

int CopyrightYear(const Site& site, const EnvLookup& env, int64_t now) {
  if (site.info.copyright_year > 0) return site.info.copyright_year;
  if (std::optional<std::string> sde = env("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    long long v = std::strtoll(sde->c_str(), &end, 10);
    if (end && *end == '\0' && !sde->empty() && v >= 0) now = v;
  }
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

int Build(const Options& options, std::ostream& log, Report* report) {
  Report local;
  Report* r = report ? report : &local;
  int status = BuildInto(options, log, r);
  if (!options.report_path.empty()) {
    std::string err;
    if (!WriteReport(*r, options.report_path, &err)) {
      log << "linkpage: warning: " << err << "\n";
    }
  }
  return status;
}

int Check(const Options& options, std::ostream& log) {
  Site site;
  std::string err;
  Renderer renderer;
  if (!LoadSite(options.site_dir, options.env, &site, &err) ||
      !renderer.Load((fs::path(site.dir) / "templates").string(), &err)) {
    log << "linkpage: error: " << err << "\n";
    return kExitFailed;
  }
  int problems = 0;
  for (const Page& page : site.pages) {
    std::string html;
    if (!LoadArticle(ArticlePath(site, page), page.slug, &html, &err)) {
      log << "linkpage: error: " << err << "\n";
      ++problems;
    }
  }
  Report report;
  std::vector<Link> links;
  Options offline = options;
  offline.offline = true;
  offline.read_only = true;  // "check" writes nothing.
  if (!GatherFeeds(site, offline, log, &report, &links, &err)) {
    log << "linkpage: error: " << err << "\n";
    ++problems;
  }
  // The published site, if there is one, against the compliance rules.
  const std::string out_dir = OutDir(options);
  std::error_code ec;
  if (fs::is_directory(out_dir, ec)) {
    const int year = CopyrightYear(site, options.env, Now(options));
    auto check_file = [&](const std::string& rel, PageKind kind,
                          const Page* page) {
      std::string path = (fs::path(out_dir) / rel).string();
      std::string html;
      std::string why;
      if (ReadWholeFile(path, int64_t{1} << 32, &html, &why) !=
          ReadResult::kOk) {
        log << "linkpage: error: " << path
            << " is missing; run linkpage build\n";
        ++problems;
        return;
      }
      std::string violation =
          CheckPage(html, site, year, kind, page, nullptr);
      if (!violation.empty()) {
        log << "linkpage: error: " << path << " breaks the compliance "
            << violation << "\n";
        ++problems;
      }
    };
    for (const Page& page : site.pages) {
      check_file(PagePath(page), PageKind::kTopic, &page);
    }
    check_file("index.html", PageKind::kIndex, nullptr);
    check_file("privacy-policy/index.html", PageKind::kPrivacy, nullptr);
  } else {
    log << "linkpage: " << out_dir << " does not exist yet; pages not "
        << "checked\n";
  }
  log << "linkpage: check: " << site.pages.size() << " pages, "
      << site.feeds.size() << " feeds, " << problems << " problems\n";
  return problems ? kExitFailed : kExitPublished;
}

}  // namespace linkpage
