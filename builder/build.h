// The pipeline: config -> fetch -> feeds -> match -> article -> render ->
// publish, and the report. main.cpp only parses flags and calls in here.
#ifndef LINKPAGE_BUILD_H_
#define LINKPAGE_BUILD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "model.h"
#include "options.h"
#include "report.h"

namespace linkpage {

class Publisher;

// Exit statuses (SPEC §4).
inline constexpr int kExitPublished = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;


// linkpage build. Logs one line per event to "log" and a summary line at
// the end. Returns kExitPublished or kExitFailed; on kExitFailed the live
// out/ is untouched. "*report" (optional) receives the run report.
int Build(const Options& options, std::ostream& log,
          Report* report = nullptr);

// linkpage check: validates config, templates, articles and feeds without
// writing anything. Returns kExitPublished when all is well.
int Check(const Options& options, std::ostream& log);

// What a build reads ahead for "page" while the renderers are busy with
// the pages before it. With no record of the page in the published site
// it will be rendered: its article's contents are read ahead. With one it
// is usually kept: the statuses of the article and of the published page
// are read ahead, the two its renderer looks at.
struct PageReadAhead {
  std::string contents;               // A path, or "".
  std::vector<std::string> statuses;  // Paths.

  // Reads them ahead (AdviseContents, LoadStatus); returns how many files
  // it read.
  size_t Fetch() const;
};
PageReadAhead ReadAheadFor(const Site& site, const Page& page,
                           const Publisher& publisher);

// The copyright year: site.json's, else SOURCE_DATE_EPOCH's, else now's.
int CopyrightYear(const Site& site, const EnvLookup& env, int64_t now);

}  // namespace linkpage

#endif  // LINKPAGE_BUILD_H_
