#include "publish.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <vector>

#include "file.h"
#include "parallel.h"
#include "unique_fd.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

std::string Errno() { return std::strerror(errno); }

// True when the file at "path" holds exactly "bytes"; "*st" receives its
// status when it exists.
bool SameBytes(const std::string& path, std::string_view bytes,
               struct stat* st, bool* exists) {
  *exists = false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return false;
  if (::fstat(fd.get(), st) != 0 || !S_ISREG(st->st_mode)) return false;
  *exists = true;
  if (static_cast<size_t>(st->st_size) != bytes.size()) return false;
  char buf[1 << 16];
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return false;
    if (off + n > bytes.size() ||
        std::memcmp(buf, bytes.data() + off, n) != 0) {
      return false;
    }
    off += n;
  }
  return true;
}

// Whether a call on a path failed for want of its parent directory (none,
// or a file where it must be).
bool ParentMissing() { return errno == ENOENT || errno == ENOTDIR; }

// Writes a new file at "path"; "*st", when given, receives its status.
// "replace": a file may be at "path" already (otherwise one is only
// looked for when the create fails). "make_parent", when given, creates
// the parent directory; it is called only when the file cannot be created
// without it, so that where the directory is there, as it mostly is,
// writing costs no mkdir.
bool WriteAll(const std::string& path, std::string_view bytes,
              std::string* err, struct stat* st = nullptr,
              bool replace = true,
              const std::function<bool()>& make_parent = nullptr) {
  // Replace rather than overwrite in place: a hard link to the old file
  // (say, from a backup) must not change.
  if (replace && ::unlink(path.c_str()) != 0 && !ParentMissing()) {
    *err = "cannot replace " + path + ": " + Errno();
    return false;
  }
  // O_EXCL: never write through a link into a file another tree shares.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::open(path.c_str(), flags, 0644));
  if (fd.get() < 0 && make_parent && ParentMissing()) {
    if (!make_parent()) return false;
    return WriteAll(path, bytes, err, st, replace);
  }
  if (fd.get() < 0 && !replace && errno == EEXIST) {
    return WriteAll(path, bytes, err, st, true);
  }
  if (fd.get() < 0) {
    *err = "cannot create " + path + ": " + Errno();
    return false;
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = "cannot write " + path + ": " + Errno();
      return false;
    }
    off += n;
  }
  if (st && ::fstat(fd.get(), st) != 0) {
    *err = "cannot read the status of " + path + ": " + Errno();
    return false;
  }
  return true;
}

int64_t Nanoseconds(const struct timespec& t) {
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

// "path" relative to "base", which it lies below. (std::filesystem::relative
// would resolve both paths on disk, a handful of system calls per file.)
std::string RelativeTo(const fs::path& path, const std::string& base) {
  return path.generic_string().substr(base.size() + 1);
}

// Reads the number at "*p", before "end", in "base", into "*out", and
// moves "*p" past it and past one space after it, if any. False, leaving
// "*out" alone, when no number of that type is there.
template <typename T>
bool TakeNumber(const char** p, const char* end, int base, T* out) {
  const auto [next, ec] = std::from_chars(*p, end, *out, base);
  if (ec != std::errc() || next == *p) return false;
  *p = next < end && *next == ' ' ? next + 1 : next;
  return true;
}

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

Publisher::Publisher(std::string out_dir, int jobs)
    : out_dir_(std::move(out_dir)), jobs_(std::max(1, jobs)) {
  while (out_dir_.size() > 1 && out_dir_.back() == '/') out_dir_.pop_back();
  fs::path p = fs::absolute(out_dir_).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  staging_dir_ = (p.parent_path() /
                  ("." + p.filename().string() + ".linkpage-next"))
                     .string();
  manifest_path_ = (p.parent_path() /
                    ("." + p.filename().string() + ".linkpage-manifest"))
                       .string();
  staging_state_path_ = (p.parent_path() /
                         ("." + p.filename().string() + ".linkpage-staging"))
                            .string();
  lock_path_ = (p.parent_path() /
                ("." + p.filename().string() + ".linkpage-lock"))
                   .string();
}

bool Publisher::Begin(std::string* err) {
  if (!lock_.Acquire(lock_path_, err)) return false;
  struct stat st;
  if (::lstat(out_dir_.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    *err = out_dir_ + " exists but is not a directory; move it away or "
                      "choose another --out";
    return false;
  }
  live_exists_ = ::lstat(out_dir_.c_str(), &st) == 0;
  std::error_code ec;
  fs::create_directories(staging_dir_, ec);
  if (ec) {
    *err = "cannot create the staging directory " + staging_dir_ + ": " +
           ec.message();
    return false;
  }
  if (::lstat(staging_dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = staging_dir_ + " is not a directory; remove it";
    return false;
  }
  staging_empty_ = fs::is_empty(staging_dir_, ec) && !ec;
  // Opened before anything is written: syncfs reports a write-back error
  // to every descriptor opened before it, even once another (the
  // background flush's) has seen it.
  staging_fd_.Reset(
      ::open(staging_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (staging_fd_.get() < 0) {
    *err = "cannot open the staging directory " + staging_dir_ + ": " +
           Errno();
    return false;
  }
  flush_.emplace(staging_dir_, kFlushEvery);
  // The manifest of the live tree; a missing or damaged one only means
  // that every file is made anew. Lines: PATH TAB INPUTS SOURCES SIZE
  // MTIME TAG STAMP HASH STALE (hex, decimal, decimal, decimal, hex, hex,
  // 0 or 1); and, with no path, TAB "staging" TOKEN and TAB "extra" TAB
  // PATH (see the class comment).
  // It is read a MiB at a time (at 100,000 pages it is 16 MB), once to
  // size old_ and once to fill it; its paths are kept in paths_.
  size_t lines = 0;
  have_manifest_ =
      ForEachLine(manifest_path_, [&](std::string_view) { ++lines; });
  old_.reserve(lines);
  auto read_line = [&](std::string_view line) {
    const char* p = line.data();
    const char* eol = p + line.size();
    const char* tab = static_cast<const char*>(std::memchr(p, '\t', eol - p));
    OldFile f;
    Entry& e = f.entry;
    if (line.rfind("\tstaging ", 0) == 0) {
      token_ = std::string(line.substr(9));
    } else if (line.rfind("\textra\t", 0) == 0) {
      extra_.push_back(paths_.Add(line.substr(7)));
    } else if (tab && tab > p) {
      f.path = std::string_view(p, tab - p);  // Into the line until kept.
      const char* q = tab + 1;
      int stale = 0;
      if (TakeNumber(&q, eol, 16, &e.inputs) &&
          TakeNumber(&q, eol, 16, &e.sources) &&
          TakeNumber(&q, eol, 10, &e.size) &&
          TakeNumber(&q, eol, 10, &e.mtime_ns) &&
          TakeNumber(&q, eol, 10, &e.note.tag) &&
          TakeNumber(&q, eol, 16, &e.note.input_stamp) &&
          TakeNumber(&q, eol, 16, &e.note.input_hash) &&
          TakeNumber(&q, eol, 10, &stale) && q == eol) {
        f.stale = stale != 0;
        f.path = paths_.Add(f.path);
        old_.push_back(f);
      }
    }
  };
  if (have_manifest_ && !ForEachLine(manifest_path_, read_line)) {
    have_manifest_ = false;  // Read only in part: as if there were none.
    old_.clear();
    extra_.clear();
    token_.clear();
  }
  auto by_path = [](const OldFile& a, const OldFile& b) {
    return a.path < b.path;
  };
  if (!std::is_sorted(old_.begin(), old_.end(), by_path)) {
    std::sort(old_.begin(), old_.end(), by_path);
  }
  std::string vouched, why;
  tracked_ = have_manifest_ && !token_.empty() &&
             ReadWholeFile(staging_state_path_, 256, &vouched, &why) ==
                 ReadResult::kOk &&
             vouched == token_;
  if (staging_empty_) {
    // Nothing in it: every file is missing, none is extra.
    tracked_ = true;
    for (OldFile& f : old_) f.stale = true;
    extra_.clear();
  } else if (!tracked_) {
    for (OldFile& f : old_) f.stale = true;
    extra_.clear();
  }
  return true;
}

void Publisher::StagingChanges() {
  std::call_once(staging_changes_,
                 [this] { ::unlink(staging_state_path_.c_str()); });
}

Publisher::OldFile* Publisher::FindOld(std::string_view rel_path) {
  auto it = std::lower_bound(
      old_.begin(), old_.end(), rel_path,
      [](const OldFile& f, std::string_view p) { return f.path < p; });
  return it != old_.end() && it->path == rel_path ? &*it : nullptr;
}

const Publisher::OldFile* Publisher::FindOld(std::string_view rel_path) const {
  return const_cast<Publisher*>(this)->FindOld(rel_path);
}

std::optional<FileNote> Publisher::Recorded(
    const std::string& rel_path) const {
  const OldFile* f = FindOld(rel_path);
  if (!f) return std::nullopt;
  return f->entry.note;
}

bool Publisher::Keep(const std::string& rel_path, uint64_t inputs,
                     uint64_t sources, const FileNote* note,
                     uint64_t earlier_sources) {
  OldFile* f = FindOld(rel_path);
  if (!f || f->fate != Fate::kNone ||
      !((inputs != 0 && f->entry.inputs == inputs) ||
        (sources != 0 && f->entry.sources == sources) ||
        (earlier_sources != 0 && f->entry.sources == earlier_sources))) {
    return false;
  }
  const std::string live = out_dir_ + "/" + rel_path;
  struct stat st;
  if (::lstat(live.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size != f->entry.size ||
      Nanoseconds(st.st_mtim) != f->entry.mtime_ns) {
    return false;
  }
  // Only this thread touches this file's record.
  Entry updated = f->entry;
  updated.sources = sources;
  if (note) updated.note = *note;
  if (!(updated == f->entry)) {
    f->entry = updated;
    manifest_changed_ = true;
  }
  f->fate = Fate::kKept;
  return true;
}

bool Publisher::StageKept(std::string* err) {
  // Spread over "jobs_" threads: with many pages this is a few lstats, a
  // link and a mkdir each, all waiting on the file system.
  std::atomic<size_t> next_index{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  auto work = [&] {
    std::string e;
    for (size_t i; !failed && (i = next_index++) < old_.size();) {
      if (old_[i].fate == Fate::kKept && old_[i].stale &&
          !StageOne(std::string(old_[i].path), &e)) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (!failed.exchange(true)) *err = e;
      }
    }
  };
  RunOnThreads(jobs_, old_.size(), work);
  return !failed;
}

bool Publisher::StageOne(const std::string& rel_path, std::string* err) {
  if (!staging_empty_ && !EnsureParentDir(rel_path, err)) return false;  // See Write().
  const std::string live = out_dir_ + "/" + rel_path;
  const std::string next = staging_dir_ + "/" + rel_path;
  struct stat live_st, next_st;
  if (::lstat(live.c_str(), &live_st) != 0) {
    *err = "cannot keep " + live + ": " + Errno();
    return false;
  }
  if (::lstat(next.c_str(), &next_st) == 0 &&
      next_st.st_ino == live_st.st_ino && next_st.st_dev == live_st.st_dev) {
    return true;  // Already the same file.
  }
  StagingChanges();
  std::error_code ec;
  fs::remove_all(next, ec);
  bool linked = ::link(live.c_str(), next.c_str()) == 0;
  if (!linked && ParentMissing()) {
    if (!EnsureParentDir(rel_path, err)) return false;
    linked = ::link(live.c_str(), next.c_str()) == 0;
  }
  if (!linked) {
    *err = "cannot link " + live + " to " + next + ": " + Errno();
    return false;
  }
  return true;
}

bool Publisher::EnsureParentDir(const std::string& rel_path,
                                std::string* err) {
  const size_t slash = rel_path.rfind('/');
  if (slash == std::string::npos || slash == 0) return true;
  fs::path dir = fs::path(staging_dir_) / rel_path.substr(0, slash);
  struct stat st;
  // Usually the directory is there, or only it is missing.
  StagingChanges();
  if (::mkdir(dir.c_str(), 0755) == 0 ||
      (errno == EEXIST && ::lstat(dir.c_str(), &st) == 0 &&
       S_ISDIR(st.st_mode))) {
    if (staging_empty_) return true;
    // A file standing where a parent directory must go is handled below.
    bool parents_ok = true;
    for (fs::path p = dir.parent_path();
         p.string().size() > staging_dir_.size(); p = p.parent_path()) {
      parents_ok &= ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (parents_ok) return true;
  }
  // A file standing where a directory must go is removed first.
  for (fs::path p = dir; p.string().size() > staging_dir_.size();
       p = p.parent_path()) {
    if (::lstat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      ::unlink(p.c_str());
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    *err = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  return true;
}

bool Publisher::PrepareDir(const std::string& rel_path, std::string* err) {
  if (!EnsureParentDir(rel_path, err)) return false;
  std::lock_guard<std::mutex> lock(prepared_mu_);
  prepared_.insert(rel_path.substr(0, rel_path.rfind('/')));
  return true;
}

bool Publisher::Write(const std::string& rel_path, std::string_view bytes,
                      FileChange* change, std::string* err, uint64_t inputs,
                      uint64_t sources, const FileNote& note) {
  StagingChanges();
  // A staging tree this run did not make may hold anything where a parent
  // directory must go, a symbolic link included, which opening through it
  // would follow: its parents are checked first. In one this run made
  // (empty at Begin()), no directory is there but those PrepareDir()
  // made: the others are made before the file is opened.
  bool prepared = false;
  if (staging_empty_) {
    std::lock_guard<std::mutex> lock(prepared_mu_);
    prepared = prepared_.count(rel_path.substr(0, rel_path.rfind('/'))) != 0;
  }
  if (!prepared && !EnsureParentDir(rel_path, err)) return false;
  const std::string live = out_dir_ + "/" + rel_path;
  const std::string next = staging_dir_ + "/" + rel_path;
  struct stat live_st, next_st, written_st{};
  // With no live tree, or an empty staging tree at the start, there is
  // nothing to compare with: a first build only creates files.
  bool live_exists = false, next_exists = false;
  const bool live_same =
      live_exists_ && SameBytes(live, bytes, &live_st, &live_exists);
  const bool next_same =
      !staging_empty_ && SameBytes(next, bytes, &next_st, &next_exists);
  if (!next_same) {
    struct stat st;
    if (!staging_empty_ && ::lstat(next.c_str(), &st) == 0 &&
        S_ISDIR(st.st_mode)) {
      std::error_code ec;
      fs::remove_all(next, ec);  // A directory where a file must go.
    }
    if (!WriteAll(next, bytes, err, &written_st, !staging_empty_,
                  [&] { return EnsureParentDir(rel_path, err); })) {
      return false;
    }
    if (flush_) flush_->Wrote(static_cast<int64_t>(bytes.size()));
  }
  Entry entry{inputs, sources, static_cast<int64_t>(bytes.size()),
              Nanoseconds(written_st.st_mtim), note};
  // The staged copy's mtime: the live copy's when the bytes are the same
  // (so uploaders see no change), otherwise now.
  if (live_same) {
    if (!next_same || !SameTime(next_st.st_mtim, live_st.st_mtim)) {
      struct timespec times[2] = {live_st.st_atim, live_st.st_mtim};
      if (::utimensat(AT_FDCWD, next.c_str(), times, 0) != 0) {
        *err = "cannot set the time of " + next + ": " + Errno();
        return false;
      }
    }
    entry.mtime_ns = Nanoseconds(live_st.st_mtim);
  } else if (next_same) {
    if (::utimensat(AT_FDCWD, next.c_str(), nullptr, 0) != 0 ||
        ::stat(next.c_str(), &written_st) != 0) {
      *err = "cannot set the time of " + next + ": " + Errno();
      return false;
    }
    entry.mtime_ns = Nanoseconds(written_st.st_mtim);
  }
  entry.differs = !live_same;
  if (!live_same) ++differing_;
  OldFile* f = FindOld(rel_path);
  if (f) {
    if (!(f->entry == entry)) manifest_changed_ = true;
    f->entry = entry;  // Only this thread touches this file's record.
    f->fate = Fate::kWritten;
  } else {
    manifest_changed_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    added_.emplace_back(paths_.Add(rel_path), entry);
  }
  *change = live_same     ? FileChange::kUnchanged
            : live_exists ? FileChange::kChanged
                          : FileChange::kAdded;
  return true;
}

bool Publisher::CopyTree(const std::string& src_dir,
                         const std::string& rel_dir, std::string* err) {
  std::error_code ec;
  if (!fs::is_directory(src_dir, ec)) return true;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(src_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    *err = "cannot list " + src_dir + ": " + ec.message();
    return false;
  }
  for (const fs::path& file : files) {
    std::string rel =
        rel_dir + "/" + RelativeTo(file, fs::path(src_dir).generic_string());
    FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) {
      *err = "cannot read " + file.string() + ": " + Errno();
      return false;
    }
    std::string bytes;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    bool bad = std::ferror(f);
    std::fclose(f);
    if (bad) {
      *err = "cannot read " + file.string();
      return false;
    }
    FileChange change;
    if (!Write(rel, bytes, &change, err)) return false;
  }
  return true;
}

void Publisher::SortAdded() {
  std::stable_sort(added_.begin(), added_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  // Of a path written twice, the last write.
  size_t kept = 0;
  for (size_t i = 0; i < added_.size(); ++i) {
    if (kept > 0 && added_[kept - 1].first == added_[i].first) {
      added_[kept - 1] = added_[i];
    } else {
      added_[kept++] = added_[i];
    }
  }
  added_.resize(kept);
}

bool Publisher::InNewSite(std::string_view rel_path) {
  const OldFile* f = FindOld(rel_path);
  if (f && f->fate != Fate::kNone) return true;
  auto it = std::lower_bound(
      added_.begin(), added_.end(), rel_path,
      [](const auto& a, std::string_view p) { return a.first < p; });
  return it != added_.end() && it->first == rel_path;
}

int Publisher::CountRemoved() {
  int removed = 0;
  if (have_manifest_) {
    for (const OldFile& f : old_) removed += f.fate == Fate::kNone;
    return removed;
  }
  std::error_code ec;
  if (fs::is_directory(out_dir_, ec)) {
    for (auto it = fs::recursive_directory_iterator(out_dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory(ec) &&
          !InNewSite(RelativeTo(it->path(), out_dir_))) {
        ++removed;
      }
    }
  }
  return removed;
}

bool Publisher::Commit(int* removed, std::string* err) {
  SortAdded();
  *removed = CountRemoved();
  struct stat st;
  if (differing_ == 0 && *removed == 0 &&
      ::lstat(out_dir_.c_str(), &st) == 0) {
    // The live site is already this site. The manifest is rewritten only
    // if this run changed what it says.
    bool account_changed = false;
    for (const OldFile& f : old_) {
      account_changed |= f.fate == Fate::kWritten && f.stale;
    }
    for (std::string_view e : extra_) account_changed |= InNewSite(e);
    if (!have_manifest_ || manifest_changed_ ||
        (tracked_ && account_changed)) {
      WriteManifest(false);
    } else if (tracked_) {
      // Unchanged, and still true: vouched for again.
      std::string e;
      WriteAtomically(staging_state_path_, token_, &e);
    }
    return true;
  }
  if (!StageKept(err)) return false;
  StagingChanges();

  // Remove from the staging tree what the new site does not have: when
  // the manifest's account of it holds, its extra files and the live files
  // the new site dropped; otherwise whatever a listing finds (an empty one
  // at the start holds only this run's files).
  std::error_code ec;
  std::vector<fs::path> extra_files, dirs;
  if (tracked_) {
    std::vector<std::string_view> gone(extra_.begin(), extra_.end());
    for (const OldFile& f : old_) {
      if (f.fate == Fate::kNone) gone.push_back(f.path);
    }
    for (std::string_view rel : gone) {
      if (InNewSite(rel)) continue;
      fs::path file = fs::path(staging_dir_) / rel;
      // (A directory there now, or a file where its directory was, was
      // made by this run for the new site.)
      if (::unlink(file.c_str()) != 0 && errno != ENOENT &&
          errno != ENOTDIR && errno != EISDIR) {
        *err = "cannot remove " + file.string() + ": " + Errno();
        return false;
      }
      // Its directories, as far as they are empty now.
      for (fs::path d = file.parent_path();
           d.string().size() > staging_dir_.size() && ::rmdir(d.c_str()) == 0;
           d = d.parent_path()) {
      }
    }
  }
  for (auto it = tracked_ ? fs::recursive_directory_iterator()
                          : fs::recursive_directory_iterator(staging_dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = RelativeTo(it->path(), staging_dir_);
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs.push_back(it->path());
    } else if (!InNewSite(rel)) {
      extra_files.push_back(it->path());
    }
  }
  if (ec) {
    *err = "cannot list " + staging_dir_ + ": " + ec.message();
    return false;
  }
  for (const fs::path& p : extra_files) fs::remove(p, ec);
  // Deepest first, so that emptied parents go too.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    if (fs::is_empty(*it, ec)) fs::remove(*it, ec);
  }

  // One flush of the new tree before it becomes visible (most of it is
  // on disk already: see kFlushEvery).
  flush_.reset();
  if (::syncfs(staging_fd_.get()) != 0) {
    *err = "cannot flush " + staging_dir_ + " to disk: " + Errno();
    return false;
  }

  // The manifest describes the live tree: gone before the swap (a run
  // killed right after it finds none and remakes every file), written anew
  // after.
  ::unlink(manifest_path_.c_str());
  if (::lstat(out_dir_.c_str(), &st) != 0) {
    if (::rename(staging_dir_.c_str(), out_dir_.c_str()) != 0) {
      *err = "cannot move " + staging_dir_ + " to " + out_dir_ + ": " +
             Errno();
      return false;
    }
    WriteManifest(true);
    return true;
  }
  if (::renameat2(AT_FDCWD, staging_dir_.c_str(), AT_FDCWD, out_dir_.c_str(),
                  RENAME_EXCHANGE) == 0) {
    WriteManifest(true);
    return true;
  }
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    *err = "cannot swap " + staging_dir_ + " with " + out_dir_ + ": " +
           Errno();
    return false;
  }
  // File systems without RENAME_EXCHANGE: two renames, with a moment in
  // which the live directory is missing (never a mix of two sites).
  std::string old = staging_dir_ + ".old";
  fs::remove_all(old, ec);
  if (::rename(out_dir_.c_str(), old.c_str()) != 0 ||
      ::rename(staging_dir_.c_str(), out_dir_.c_str()) != 0) {
    *err = "cannot replace " + out_dir_ + ": " + Errno();
    ::rename(old.c_str(), out_dir_.c_str());
    return false;
  }
  ::rename(old.c_str(), staging_dir_.c_str());
  WriteManifest(true);
  return true;
}

void Publisher::WriteManifest(bool swapped) {
  // What the staging tree now holds against the live one. After a swap it
  // is the previous live site: the files written with other bytes are
  // stale, those added are missing, kept ones are the live files, and the
  // ones dropped are extra. Without a swap, this run made every written
  // file's staged copy equal to the live one and left the rest alone.
  // Either way the account is only as good as the one the run started
  // from, or as the previous live site's manifest for a swap.
  const bool account = swapped ? have_manifest_ : tracked_;
  auto stale = [&](const Entry& e, const OldFile* f) {
    if (!account) return true;
    if (swapped) return f == nullptr || e.differs;
    return f != nullptr && f->fate == Fate::kKept && f->stale;
  };
  // Written as it is made: at 100,000 pages the manifest is 16 MB.
  AtomicWriter text(manifest_path_);
  char line[192];
  auto put = [&](std::string_view path, const Entry& e, const OldFile* f) {
    std::snprintf(line, sizeof line,
                  "\t%llx %llx %lld %lld %lld %llx %llx %d\n",
                  static_cast<unsigned long long>(e.inputs),
                  static_cast<unsigned long long>(e.sources),
                  static_cast<long long>(e.size),
                  static_cast<long long>(e.mtime_ns),
                  static_cast<long long>(e.note.tag),
                  static_cast<unsigned long long>(e.note.input_stamp),
                  static_cast<unsigned long long>(e.note.input_hash),
                  stale(e, f) ? 1 : 0);
    text.Append(path);
    text.Append(line);
  };
  auto put_extra = [&](std::string_view path) {
    text.Append("\textra\t");
    text.Append(path);
    text.Append("\n");
  };
  char token[32] = "";
  if (account) {
    std::random_device random;
    std::snprintf(token, sizeof token, "%08x%08x", random(), random());
    text.Append(std::string("\tstaging ") + token + "\n");
    if (swapped) {
      for (const OldFile& f : old_) {
        if (f.fate == Fate::kNone) put_extra(f.path);
      }
    } else {
      for (std::string_view e : extra_) {
        if (!InNewSite(e)) put_extra(e);
      }
    }
  }
  // Both in path order: merged.
  size_t a = 0;
  for (const OldFile& f : old_) {
    if (f.fate == Fate::kNone) continue;
    for (; a < added_.size() && added_[a].first < f.path; ++a) {
      put(added_[a].first, added_[a].second, nullptr);
    }
    put(f.path, f.entry, &f);
  }
  for (; a < added_.size(); ++a) {
    put(added_[a].first, added_[a].second, nullptr);
  }
  // The account is vouched for only once the manifest holding it is in
  // place.
  std::string err;
  if (text.Commit(&err) && account) {
    WriteAtomically(staging_state_path_, token, &err);
  }
}

}  // namespace linkpage
