#include "publish.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

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

// Writes a new file at "path"; "*st", when given, receives its status.
// "replace": a file may be at "path" already (otherwise one is only
// looked for when the create fails).
bool WriteAll(const std::string& path, std::string_view bytes,
              std::string* err, struct stat* st = nullptr,
              bool replace = true) {
  // Replace rather than overwrite in place: a hard link to the old file
  // (say, from a backup) must not change.
  if (replace && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
    *err = "cannot replace " + path + ": " + Errno();
    return false;
  }
  // O_EXCL: never write through a link into a file another tree shares.
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  UniqueFd fd(::open(path.c_str(), flags, 0644));
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
  // The manifest of the live tree; a missing or damaged one only means
  // that every file is made anew.
  std::ifstream in(manifest_path_);
  have_manifest_ = in.is_open();
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string path;
    Entry e;
    if (std::getline(fields, path, '\t') &&
        fields >> std::hex >> e.inputs >> e.sources >> std::dec >> e.size >>
            e.mtime_ns >> e.note.tag >> std::hex >> e.note.input_stamp >>
            e.note.input_hash) {
      old_manifest_[path] = e;
    }
  }
  return true;
}

std::optional<FileNote> Publisher::Recorded(
    const std::string& rel_path) const {
  auto it = old_manifest_.find(rel_path);
  if (it == old_manifest_.end()) return std::nullopt;
  return it->second.note;
}

bool Publisher::Keep(const std::string& rel_path, uint64_t inputs,
                     uint64_t sources, const FileNote* note) {
  auto it = old_manifest_.find(rel_path);
  if (it == old_manifest_.end() ||
      !((inputs != 0 && it->second.inputs == inputs) ||
        (sources != 0 && it->second.sources == sources))) {
    return false;
  }
  const std::string live = out_dir_ + "/" + rel_path;
  struct stat st;
  if (::lstat(live.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size != it->second.size ||
      Nanoseconds(st.st_mtim) != it->second.mtime_ns) {
    return false;
  }
  Entry entry = it->second;
  entry.sources = sources;
  if (note) entry.note = *note;
  std::lock_guard<std::mutex> lock(mu_);
  kept_.push_back(rel_path);
  new_manifest_[rel_path] = entry;
  return true;
}

bool Publisher::StageKept(std::string* err) {
  // Spread over "jobs_" threads: with many pages this is one mkdir, two
  // lstats and a link each, all waiting on the file system.
  std::atomic<size_t> next_index{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  auto work = [&] {
    std::string e;
    for (size_t i; !failed && (i = next_index++) < kept_.size();) {
      if (!StageOne(kept_[i], &e)) {
        std::lock_guard<std::mutex> lock(err_mu);
        if (!failed.exchange(true)) *err = e;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < jobs_ && static_cast<size_t>(t) < kept_.size(); ++t) {
    threads.emplace_back(work);
  }
  work();
  for (std::thread& t : threads) t.join();
  return !failed;
}

bool Publisher::StageOne(const std::string& rel_path, std::string* err) {
  if (!EnsureParentDir(rel_path, err)) return false;
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
  std::error_code ec;
  fs::remove_all(next, ec);
  if (::link(live.c_str(), next.c_str()) != 0) {
    *err = "cannot link " + live + " to " + next + ": " + Errno();
    return false;
  }
  return true;
}

bool Publisher::EnsureParentDir(const std::string& rel_path,
                                std::string* err) {
  const size_t slash = rel_path.rfind('/');
  const std::string rel_dir =
      slash == std::string::npos ? "" : rel_path.substr(0, slash);
  if (rel_dir.empty()) return true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (made_dirs_.count(rel_dir)) return true;
  }
  fs::path dir = fs::path(staging_dir_) / rel_dir;
  std::error_code ec;
  struct stat st;
  if (staging_empty_) {
    // Nothing in the way; the parent is there unless this is a deeper
    // directory not made yet.
    if (::mkdir(dir.c_str(), 0755) == 0 ||
        (errno == EEXIST && ::lstat(dir.c_str(), &st) == 0 &&
         S_ISDIR(st.st_mode))) {
      std::lock_guard<std::mutex> lock(mu_);
      made_dirs_.insert(rel_dir);
      return true;
    }
  }
  // A file standing where a directory must go is removed first.
  for (fs::path p = dir; p.string().size() > staging_dir_.size();
       p = p.parent_path()) {
    if (::lstat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      ::unlink(p.c_str());
    }
  }
  fs::create_directories(dir, ec);
  if (ec) {
    *err = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  made_dirs_.insert(rel_dir);
  return true;
}

bool Publisher::Write(const std::string& rel_path, std::string_view bytes,
                      FileChange* change, std::string* err, uint64_t inputs,
                      uint64_t sources, const FileNote& note) {
  if (!EnsureParentDir(rel_path, err)) return false;
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
    if (!WriteAll(next, bytes, err, &written_st, !staging_empty_)) {
      return false;
    }
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
  if (!live_same) ++differing_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    new_manifest_[rel_path] = entry;
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

int Publisher::CountRemoved() {
  int removed = 0;
  if (have_manifest_) {
    for (const auto& [path, entry] : old_manifest_) {
      removed += !new_manifest_.count(path);
    }
    return removed;
  }
  std::error_code ec;
  if (fs::is_directory(out_dir_, ec)) {
    for (auto it = fs::recursive_directory_iterator(out_dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory(ec) &&
          !new_manifest_.count(RelativeTo(it->path(), out_dir_))) {
        ++removed;
      }
    }
  }
  return removed;
}

bool Publisher::Commit(int* removed, std::string* err) {
  *removed = CountRemoved();
  struct stat st;
  if (differing_ == 0 && *removed == 0 &&
      ::lstat(out_dir_.c_str(), &st) == 0) {
    if (!have_manifest_ || new_manifest_ != old_manifest_) WriteManifest();
    return true;  // The live site is already this site.
  }
  if (!StageKept(err)) return false;

  // Remove from the staging tree what the new site does not have (an
  // empty one at the start holds only this run's files).
  std::error_code ec;
  std::vector<fs::path> extra_files, dirs;
  for (auto it = staging_empty_ ? fs::recursive_directory_iterator()
                                : fs::recursive_directory_iterator(
                                      staging_dir_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = RelativeTo(it->path(), staging_dir_);
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      dirs.push_back(it->path());
    } else if (!new_manifest_.count(rel)) {
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

  // One flush of the new tree before it becomes visible.
  UniqueFd dir(::open(staging_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::syncfs(dir.get()) != 0) {
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
    WriteManifest();
    return true;
  }
  if (::renameat2(AT_FDCWD, staging_dir_.c_str(), AT_FDCWD, out_dir_.c_str(),
                  RENAME_EXCHANGE) == 0) {
    WriteManifest();
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
  WriteManifest();
  return true;
}

void Publisher::WriteManifest() {
  std::string text;
  char line[192];
  for (const auto& [path, e] : new_manifest_) {
    std::snprintf(line, sizeof line, "\t%llx %llx %lld %lld %lld %llx %llx\n",
                  static_cast<unsigned long long>(e.inputs),
                  static_cast<unsigned long long>(e.sources),
                  static_cast<long long>(e.size),
                  static_cast<long long>(e.mtime_ns),
                  static_cast<long long>(e.note.tag),
                  static_cast<unsigned long long>(e.note.input_stamp),
                  static_cast<unsigned long long>(e.note.input_hash));
    text += path + line;
  }
  std::string tmp = manifest_path_ + ".tmp";
  std::string err;
  if (WriteAll(tmp, text, &err)) {
    ::rename(tmp.c_str(), manifest_path_.c_str());
  }
}

}  // namespace linkpage
