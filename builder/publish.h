// Writes a complete new site beside out/, then swaps it in at once.
#ifndef LINKPAGE_PUBLISH_H_
#define LINKPAGE_PUBLISH_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "arena.h"
#include "file.h"
#include "lock.h"
#include "unique_fd.h"

namespace linkpage {

// How a written file compares with the live site.
enum class FileChange { kAdded, kChanged, kUnchanged };

// What a caller keeps with a file in the manifest.
struct FileNote {
  int64_t tag = 0;  // The caller's; topic pages: see build.cpp.
  // A stamp of the file's main input as it was read (topic pages: their
  // article's size, times and inode; 0: none) and a hash of that input's
  // bytes, so that a later run can tell it unchanged without reading it.
  uint64_t input_stamp = 0;
  uint64_t input_hash = 0;
  bool operator==(const FileNote&) const = default;
};

// Publishes a site atomically and incrementally.
//
// The new site is assembled in a staging tree beside the live one
// ("PARENT/.NAME.linkpage-next" for "PARENT/NAME"), which holds the site of
// the run before last: only files whose bytes differ are written, files
// whose bytes equal the live copy keep the live copy's modification time,
// and files no longer produced are removed. Commit() then exchanges the
// two directories in one rename (renameat2 RENAME_EXCHANGE), so the live
// directory always holds one complete site. Nothing touches the live tree
// before Commit(); a run that stops early leaves it as it was, and the next
// run repairs whatever it left in the staging tree.
//
// The manifest also says which files of the staging tree differ from the
// live ones (after a swap, the files the swapping run wrote) and which it
// has beyond them (the files that run removed), so that a run that
// changes a few pages of a large site puts only those right instead of
// checking every file of the staging tree. A run that changes the staging
// tree first removes PARENT/.NAME.linkpage-staging, which vouches for that
// account; a run that stops early thus leaves it untrusted, and the next
// run checks everything. Files put in the live tree by hand are not part
// of the site and are not looked for.
class Publisher {
 public:
  // The staging tree is flushed to disk in the background each time this
  // many bytes more have been written to it (BackgroundFlush), and once
  // more, for what is left, before the swap.
  static constexpr int64_t kFlushEvery = 16 << 20;

  // "jobs": threads for putting kept files into the staging tree.
  explicit Publisher(std::string out_dir, int jobs = 1);
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Locks the output directory ("PARENT/.NAME.linkpage-lock", so that two
  // sites built into one --out exclude each other) and prepares the
  // staging tree. Fails if another run holds the lock, if "out_dir" exists
  // but is not a directory, or if the staging tree cannot be created.
  bool Begin(std::string* err);

  // Puts "bytes" at "rel_path" (relative to the site root, '/'-separated)
  // in the staging tree. Safe to call from several threads at once.
  // "inputs", when not 0, is a hash of everything the bytes were made
  // from, and "sources" one of everything the inputs were derived from;
  // both are kept in a manifest beside the live tree for Keep().
  // "note" is kept with the file in the manifest (see Recorded()).
  bool Write(const std::string& rel_path, std::string_view bytes,
             FileChange* change, std::string* err, uint64_t inputs = 0,
             uint64_t sources = 0, const FileNote& note = {});

  // When the live file at "rel_path" was made from "inputs" by an earlier
  // run, or from inputs derived from "sources" (either may be 0: not
  // known), and has not been modified since (same size and mtime as
  // recorded),
  // keeps it for the new site and returns true: if Commit() swaps, it goes
  // into the staging tree as a hard link (no bytes are read or written).
  // Returns false when the file must be made anew. Safe to call from
  // several threads at once.
  // "note", when given, replaces the note kept with the file. So does
  // "sources" the recorded sources, whichever matched. "earlier_sources"
  // (0: none) also keeps the file when they are the recorded sources: the
  // caller vouches that what changed since cannot change the file.
  bool Keep(const std::string& rel_path, uint64_t inputs, uint64_t sources = 0,
            const FileNote* note = nullptr, uint64_t earlier_sources = 0);

  // The note the last run that published kept with the live file at
  // "rel_path", if any. Safe to call from several threads at once.
  std::optional<FileNote> Recorded(const std::string& rel_path) const;

  // Whether the last run that published kept a record of "rel_path" (no
  // note read: safe beside Write() of the same path, and from several
  // threads at once).
  bool HasRecord(std::string_view rel_path) const {
    return FindOld(rel_path) != nullptr;
  }

  // Creates the staging directory that "rel_path" will go in, ahead of
  // the Write() that would otherwise create it: work for a thread that
  // has nothing else to do. Safe to call from several threads at once.
  bool PrepareDir(const std::string& rel_path, std::string* err);
  // Whether PrepareDir() has work to do: the staging tree was empty at
  // Begin() (a first build), so that no directory of the site is there.
  bool dirs_missing() const { return staging_empty_; }

  // Writes every regular file below "src_dir" to "rel_dir"/... .
  bool CopyTree(const std::string& src_dir, const std::string& rel_dir,
                std::string* err);

  // Removes what the staging tree holds beyond the files written or kept,
  // flushes it to disk and swaps it in as the live site. "*removed"
  // receives the number of live files that the new site no longer has.
  // When every file equals the live copy and none was removed, the live
  // tree and the staging tree are left as they are (no flush, no swap).
  bool Commit(int* removed, std::string* err);

  const std::string& out_dir() const { return out_dir_; }
  const std::string& staging_dir() const { return staging_dir_; }

 private:
  // Creates the staging directory that "rel_path" goes in, if need be
  // (Write() and StageOne() call it only where the directory is missing).
  bool EnsureParentDir(const std::string& rel_path, std::string* err);
  // Hard-links the kept files into the staging tree.
  bool StageKept(std::string* err);
  bool StageOne(const std::string& rel_path, std::string* err);
  // Live files the new site does not have.
  int CountRemoved();
  // "swapped": the staging tree now holds the previous live site.
  void WriteManifest(bool swapped);

  // What the manifest says of one published file.
  struct Entry {
    uint64_t inputs = 0;
    uint64_t sources = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    FileNote note;
    bool differs = false;  // Written with bytes other than the live file's.
    bool operator==(const Entry&) const = default;
  };

  // A file of the live site, as the manifest of the last run that
  // published has it, and what this run did with it.
  enum class Fate : uint8_t { kNone, kKept, kWritten };
  struct OldFile {
    std::string_view path;  // Into paths_.
    Entry entry;            // Updated in place when kept or written.
    Fate fate = Fate::kNone;
    // The staging tree's copy is not the live file's bytes and mtime (it
    // holds an older version, or none).
    bool stale = true;
  };
  // Before the first change to the staging tree: from then on, until
  // Commit() describes it again, the manifest's account of the staging
  // tree is not to be trusted.
  void StagingChanges();
  // The old file at "rel_path", or nullptr.
  OldFile* FindOld(std::string_view rel_path);
  const OldFile* FindOld(std::string_view rel_path) const;
  // Whether the new site has a file at "rel_path" (after SortAdded()).
  bool InNewSite(std::string_view rel_path);
  // Sorts added_ by path, the last write of a path winning.
  void SortAdded();

  std::string out_dir_;
  int jobs_ = 1;
  std::string staging_dir_;
  // Holds the token of the manifest whose account of the staging tree
  // (stale files, extra files) is true.
  std::string staging_state_path_;
  std::string manifest_path_;
  std::string lock_path_;
  SiteLock lock_;
  // Every file of the live site (read by Begin(); empty if there was no
  // manifest), sorted by path.
  std::vector<OldFile> old_;
  bool have_manifest_ = false;
  // The new site's files that old_ lacks; guarded by mu_. A deque grows
  // without copying: on a first build it holds every file of the site.
  std::deque<std::pair<std::string_view, Entry>> added_;
  // The paths of old_, extra_ and added_ (guarded by mu_ once Begin()
  // has returned).
  StringArena paths_;
  // The manifest's account of the staging tree holds: the files it marks
  // stale are the only ones to put right, and "extra_" the only files it
  // has that the live tree lacks. Otherwise every kept file is checked
  // and the staging tree is listed to find what it has too many.
  bool tracked_ = false;
  std::string token_;  // Of the manifest's account of the staging tree.
  std::vector<std::string_view> extra_;  // Into paths_.
  std::once_flag staging_changes_;
  std::mutex mu_;
  std::atomic<bool> manifest_changed_{false};
  std::atomic<int> differing_{0};    // Files whose bytes differ from live.
  std::optional<BackgroundFlush> flush_;  // From Begin() to Commit().
  UniqueFd staging_fd_;  // The staging tree, opened by Begin().
  bool live_exists_ = false;    // The live tree was there at Begin().
  bool staging_empty_ = false;  // The staging tree was empty at Begin().
  // The directories PrepareDir() made (then the staging tree was empty,
  // and Write() makes a file's directory before it opens the file).
  std::mutex prepared_mu_;
  std::unordered_set<std::string> prepared_;  // Guarded by prepared_mu_.
};

}  // namespace linkpage

#endif  // LINKPAGE_PUBLISH_H_
