// linkpage: flags only. Parses the command line, calls the pipeline, maps
// the result to an exit status.
#include <unistd.h>

#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "build.h"
#include "sources.h"

#ifdef LINKPAGE_JEMALLOC
#include <jemalloc/jemalloc.h>

// Read by jemalloc when it starts. A build touches some 100 MB of heap in
// a second; in 4 KiB pages that is ~30,000 page faults, which cost ~10 µs
// each on a virtual machine. Transparent huge pages (madvise mode, the
// Debian default, is enough) take that to a few thousand. One arena for
// all threads: memory the feed parse lets go is then reused by the page
// renderers instead of staying in the parse threads' arenas (at 100,000
// pages, 15 MB less at the peak, no slower).
const char* malloc_conf = "narenas:1,thp:always,metadata_thp:always";
#endif

int main(int argc, char** argv) {
  using linkpage::kExitUsage;
  CLI::App app{
      "linkpage builds affiliate and sponsored-link pages from link feeds "
      "into a static site.",
      "linkpage"};
  app.set_version_flag("--version", "linkpage " LINKPAGE_VERSION);
  app.require_subcommand(1);

  linkpage::Options options;
  auto add_site = [&](CLI::App* cmd) {
    cmd->add_option("--site", options.site_dir,
                    "site directory (default: .)");
  };
  CLI::App* build = app.add_subcommand("build", "build the site into out/");
  add_site(build);
  build->add_option("--out", options.out_dir,
                    "output directory (default: SITE/out)");
  build->add_flag("--offline", options.offline,
                  "use only cached or local feeds, no network");
  build->add_flag("--strict", options.strict,
                  "fail when any feed is degraded (stale or dropped)");
  auto add_jobs = [&](CLI::App* cmd) {
    cmd->add_option("--jobs", options.jobs,
                    "parallel jobs (default: the number of cores; when "
                    "fetching feeds, 32 transfers at once)")
        ->check(CLI::Range(1, 1024));
  };
  add_jobs(build);
  build->add_option("--report", options.report_path,
                    "write a JSON run report to FILE");
  CLI::App* fetch = app.add_subcommand(
      "fetch", "refresh the feed cache only (no pages are built)");
  add_site(fetch);
  add_jobs(fetch);
  CLI::App* check = app.add_subcommand(
      "check", "validate config, feeds, templates and articles; writes "
               "nothing");
  add_site(check);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  options.progress = ::isatty(STDERR_FILENO);
  if (*build) return linkpage::Build(options, std::cerr);
  if (*fetch) return linkpage::FetchOnly(options, std::cerr);
  if (*check) return linkpage::Check(options, std::cerr);
  return kExitUsage;
}
