// Reading and writing whole files.
#ifndef LINKPAGE_FILE_H_
#define LINKPAGE_FILE_H_

#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "unique_fd.h"

namespace linkpage {

enum class ReadResult { kOk, kTooLarge, kFailed };

// Reads the file at "path" (symbolic links followed) into "*out" with one
// open, one fstat and as few reads as its size allows. kTooLarge: it holds
// more than "max_bytes" bytes. kFailed, with "*why" set ("not a regular
// file" or the system's message): it cannot be opened or read, or is not a
// regular file. "*out" is empty unless kOk. "*st", when given, receives
// the file's status as it was opened.
ReadResult ReadWholeFile(const std::string& path, int64_t max_bytes,
                         std::string* out, std::string* why,
                         struct stat* st = nullptr);

// A stamp of a file of status "st": its size, modification and change
// times and inode, or 0 when it cannot be trusted to change with the
// file's bytes: not a regular file, or changed within the two seconds
// before "now_ns" (a write in the same clock tick as a later one could
// leave the stamp as it was). The change time moves with every write,
// even when a tool restores the modification time.
uint64_t FileStamp(const struct stat& st, int64_t now_ns);
// The stamp of the file at "path" (symbolic links followed); 0 when it
// cannot be read.
uint64_t FileStamp(const std::string& path, int64_t now_ns);

// Calls "line(text)" for each line of the file at "path" that ends in a
// newline, in order, without the newline (which follows "text" in memory:
// parsing numbers stops there). The file is read a MiB at a time, so a
// large one is never held whole. False when it cannot be opened or read
// (lines given before a read fails stand).
bool ForEachLine(const std::string& path,
                 const std::function<void(std::string_view)>& line);

// Writes a file at "path" a piece at a time, so that a large one is never
// held whole in memory: into a temp file beside it (a name no other thread
// or process uses), renamed over "path" by Commit(). Readers see the old
// file or the new one, never a mix. No fsync: what is written this way
// (the feed cache, parse notes, the manifest) is checked when read, and a
// torn file only costs work. Uncommitted, or on failure, no temp file
// stays.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::filesystem::path path);
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  ~AtomicWriter();

  // Adds "bytes" to the file; written out by the MiB.
  void Append(std::string_view bytes);
  // Writes out what is left and puts the file in place; called once. On
  // failure (of this call or of an earlier write) "*err" says why.
  bool Commit(std::string* err);

 private:
  static constexpr size_t kChunk = 1 << 20;
  void Write(std::string_view bytes);

  std::filesystem::path path_;
  std::filesystem::path tmp_;
  UniqueFd fd_;           // Open until Commit().
  bool created_ = false;  // tmp_ is this writer's, to remove on failure.
  std::string buffer_;
  std::string error_;  // The first failure.
};

// Writes "bytes" to "path" all at once, as AtomicWriter does.
bool WriteAtomically(const std::filesystem::path& path,
                     std::string_view bytes, std::string* err);

// Flushes the file system that holds "dir" to disk (syncfs) on a thread of
// its own each time "every" more bytes have been written there, so that
// the disk works while the writers go on and a final flush finds little
// left to wait for. The kernel would otherwise hold a site's pages in
// memory until that final flush. Errors are left for the final flush to
// report, which must use a descriptor opened before the writes (syncfs
// reports an error to every descriptor opened before it, but not to one
// opened after another has seen it). No thread is started until a flush
// is due.
class BackgroundFlush {
 public:
  BackgroundFlush(std::string dir, int64_t every);
  BackgroundFlush(const BackgroundFlush&) = delete;
  BackgroundFlush& operator=(const BackgroundFlush&) = delete;
  ~BackgroundFlush();  // Stops, after the flush under way if any.

  // "bytes" more were written below "dir". Safe to call from several
  // threads at once.
  void Wrote(int64_t bytes);
  // Flushes started so far.
  int flushes();

 private:
  void Run();

  const std::string dir_;
  int64_t every_;  // Guarded by mu_ after construction.
  std::mutex mu_;
  std::condition_variable wake_;
  int64_t unflushed_ = 0;  // Guarded by mu_, as are the rest.
  int flushes_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace linkpage

#endif  // LINKPAGE_FILE_H_
