#include "publish.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "test_util.h"

namespace linkpage {
namespace {

namespace fs = std::filesystem;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// Modification time in nanoseconds.
int64_t MTime(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

void SetOld(const std::string& path) {
  struct timespec times[2] = {{1000000000, 0}, {1000000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// Publishes "files" (path -> bytes) to "out" in one run.
void Publish(const std::string& out,
             const std::map<std::string, std::string>& files,
             std::map<std::string, FileChange>* changes = nullptr,
             int* removed = nullptr) {
  Publisher p(out);
  std::string err;
  REQUIRE(p.Begin(&err));
  for (const auto& [path, bytes] : files) {
    FileChange c;
    REQUIRE(p.Write(path, bytes, &c, &err));
    if (changes) (*changes)[path] = c;
  }
  int r = 0;
  const bool committed = p.Commit(&r, &err);
  INFO(err);
  REQUIRE(committed);
  if (removed) *removed = r;
}

TEST_CASE("publish: first run creates out/, later runs swap") {
  TempDir dir;
  const std::string out = dir / "out";
  std::map<std::string, FileChange> changes;
  Publish(out, {{"index.html", "one"}, {"a/index.html", "A"}}, &changes);
  CHECK(ReadFile(out + "/index.html") == "one");
  CHECK(ReadFile(out + "/a/index.html") == "A");
  CHECK(changes["index.html"] == FileChange::kAdded);

  int removed = 0;
  Publish(out, {{"index.html", "two"}, {"b/index.html", "B"}}, &changes,
          &removed);
  CHECK(ReadFile(out + "/index.html") == "two");
  CHECK(ReadFile(out + "/b/index.html") == "B");
  CHECK_FALSE(fs::exists(out + "/a"));  // No longer produced: gone.
  CHECK(changes["index.html"] == FileChange::kChanged);
  CHECK(changes["b/index.html"] == FileChange::kAdded);
  CHECK(removed == 1);
  // The previous site is kept beside out/ for the next run to update.
  CHECK(ReadFile(dir / ".out.linkpage-next/index.html") == "one");
}

TEST_CASE("publish: unchanged files keep their mtime, changed ones do not") {
  TempDir dir;
  const std::string out = dir / "out";
  Publish(out, {{"same.html", "same"}, {"diff.html", "v1"}});
  SetOld(out + "/same.html");
  SetOld(out + "/diff.html");
  auto same_before = MTime(out + "/same.html");
  auto diff_before = MTime(out + "/diff.html");
  std::map<std::string, FileChange> changes;
  Publish(out, {{"same.html", "same"}, {"diff.html", "v2"}}, &changes);
  CHECK(MTime(out + "/same.html") == same_before);
  CHECK_FALSE(MTime(out + "/diff.html") == diff_before);
  CHECK(changes["same.html"] == FileChange::kUnchanged);
  // A third run with nothing changed keeps every mtime, although the
  // staging tree it starts from is two runs old.
  auto diff_now = MTime(out + "/diff.html");
  Publish(out, {{"same.html", "same"}, {"diff.html", "v2"}}, &changes);
  CHECK(MTime(out + "/same.html") == same_before);
  CHECK(MTime(out + "/diff.html") == diff_now);
  CHECK(changes["diff.html"] == FileChange::kUnchanged);
}

TEST_CASE("publish: content reverting to the run before last is new") {
  TempDir dir;
  const std::string out = dir / "out";
  Publish(out, {{"f.html", "A"}});
  Publish(out, {{"f.html", "B"}});
  SetOld(out + "/f.html");
  // The staging tree already holds "A" (two runs old); it must still get a
  // fresh mtime since the live copy says "B".
  Publish(out, {{"f.html", "A"}});
  CHECK(ReadFile(out + "/f.html") == "A");
  CHECK(MTime(out + "/f.html") > 1000000000 * 1000000000LL);
}

TEST_CASE("publish: nothing reaches out/ before Commit") {
  TempDir dir;
  const std::string out = dir / "out";
  Publish(out, {{"index.html", "old"}});
  {
    Publisher p(out);
    std::string err;
    REQUIRE(p.Begin(&err));
    FileChange c;
    REQUIRE(p.Write("index.html", "new", &c, &err));
    REQUIRE(p.Write("extra.html", "x", &c, &err));
    // Abandoned, as a failed run would.
  }
  CHECK(ReadFile(out + "/index.html") == "old");
  CHECK_FALSE(fs::exists(out + "/extra.html"));
  // The next run cleans the leftovers of the abandoned one.
  Publish(out, {{"index.html", "newer"}});
  CHECK(ReadFile(out + "/index.html") == "newer");
  CHECK_FALSE(fs::exists(out + "/extra.html"));
  CHECK_FALSE(fs::exists(dir / ".out.linkpage-next/extra.html"));
}

TEST_CASE("publish: a first build into an empty staging tree") {
  // Nothing to compare with: files are only created. A path written twice
  // keeps the last bytes, directories of any depth are made, and a first
  // build abandoned half-way leaves a staging tree the next one repairs.
  TempDir dir;
  const std::string out = dir / "out";
  {
    Publisher p(out);
    std::string err;
    REQUIRE(p.Begin(&err));
    CHECK(p.dirs_missing());
    FileChange c;
    REQUIRE(p.Write("a/index.html", "half", &c, &err));
    REQUIRE(p.Write("gone/index.html", "x", &c, &err));
  }
  CHECK_FALSE(fs::exists(out));
  Publisher p(out);
  std::string err;
  REQUIRE(p.Begin(&err));
  FileChange c;
  REQUIRE(p.Write("a/index.html", "one", &c, &err));
  CHECK(c == FileChange::kAdded);
  REQUIRE(p.Write("a/index.html", "two", &c, &err));
  REQUIRE(p.Write("x/y/z/deep.css", "deep", &c, &err));
  REQUIRE(p.Write("x/y/top.css", "top", &c, &err));
  // Directories made ahead of their files, as idle threads do (the
  // abandoned build left some: not all are missing).
  CHECK_FALSE(p.dirs_missing());
  REQUIRE(p.PrepareDir("pre/index.html", &err));
  REQUIRE(p.PrepareDir("pre/deeper/x/index.html", &err));
  CHECK(fs::is_directory(p.staging_dir() + "/pre/deeper/x"));
  REQUIRE(p.Write("pre/deeper/x/index.html", "ahead", &c, &err));
  int removed = -1;
  REQUIRE(p.Commit(&removed, &err));
  CHECK(removed == 0);
  CHECK(ReadFile(out + "/pre/deeper/x/index.html") == "ahead");
  CHECK(ReadFile(out + "/a/index.html") == "two");
  CHECK(ReadFile(out + "/x/y/z/deep.css") == "deep");
  CHECK(ReadFile(out + "/x/y/top.css") == "top");
  CHECK_FALSE(fs::exists(out + "/gone"));
}

TEST_CASE("publish: a file where a directory must go, and the reverse") {
  TempDir dir;
  const std::string out = dir / "out";
  Publish(out, {{"a", "file"}});
  Publish(out, {{"b", "file"}});
  Publish(out, {{"a/index.html", "dir now"}});
  CHECK(ReadFile(out + "/a/index.html") == "dir now");
  Publish(out, {{"x/index.html", "1"}});
  Publish(out, {{"a", "file again"}});
  CHECK(ReadFile(out + "/a") == "file again");
}

TEST_CASE("publish: a symbolic link where a directory goes is replaced") {
  // Put in the live tree by hand, it reaches the staging tree with a swap;
  // writing below it must not write through it.
  TempDir dir;
  const std::string out = dir / "out";
  const std::string outside = dir / "outside";
  fs::create_directories(outside);
  WriteFile(outside + "/x.css", "theirs");
  Publish(out, {{"media/x.css", "one"}});
  fs::remove_all(out + "/media");
  fs::create_directory_symlink(outside, out + "/media");
  Publish(out, {{"media/x.css", "two"}});
  Publish(out, {{"media/x.css", "three"}});
  Publish(out, {{"media/x.css", "four"}});
  CHECK(ReadFile(outside + "/x.css") == "theirs");
  CHECK(ReadFile(out + "/media/x.css") == "four");
  CHECK_FALSE(fs::is_symlink(out + "/media"));
}

ino_t Inode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

TEST_CASE("publish: kept files are linked in only when the site changes") {
  TempDir dir;
  const std::string out = dir / "out";
  const std::string staging = dir / ".out.linkpage-next";
  std::string err;
  FileChange c;
  int removed = -1;
  {
    Publisher p(out);
    REQUIRE(p.Begin(&err));
    REQUIRE(p.Write("a/index.html", "A", &c, &err, 11));
    REQUIRE(p.Write("b/index.html", "B", &c, &err, 22));
    REQUIRE(p.Commit(&removed, &err));
  }
  const ino_t a_inode = Inode(out + "/a/index.html");
  {
    // Same inputs: nothing to do, not even in the staging tree.
    Publisher p(out);
    REQUIRE(p.Begin(&err));
    CHECK(p.Keep("a/index.html", 11));
    CHECK(p.Keep("b/index.html", 22));
    CHECK_FALSE(p.Keep("b/index.html", 23));  // Other inputs.
    REQUIRE(p.Commit(&removed, &err));
    CHECK(removed == 0);
    CHECK_FALSE(fs::exists(staging + "/a/index.html"));
    CHECK(Inode(out + "/a/index.html") == a_inode);
  }
  {
    // One page changes: the kept one moves into the new site as is.
    Publisher p(out);
    REQUIRE(p.Begin(&err));
    CHECK(p.Keep("a/index.html", 11));
    REQUIRE(p.Write("b/index.html", "B2", &c, &err, 33));
    REQUIRE(p.Commit(&removed, &err));
    CHECK(removed == 0);
    CHECK(Inode(out + "/a/index.html") == a_inode);
    CHECK(ReadFile(out + "/a/index.html") == "A");
    CHECK(ReadFile(out + "/b/index.html") == "B2");
  }
  {
    // A page dropped: counted from the manifest, gone after the swap.
    Publisher p(out);
    REQUIRE(p.Begin(&err));
    CHECK(p.Keep("b/index.html", 33));
    REQUIRE(p.Commit(&removed, &err));
    CHECK(removed == 1);
    CHECK_FALSE(fs::exists(out + "/a/index.html"));
    CHECK(ReadFile(out + "/b/index.html") == "B2");
  }
  {
    // A kept file modified in out/ since is not kept.
    WriteFile(out + "/b/index.html", "edited");
    Publisher p(out);
    REQUIRE(p.Begin(&err));
    CHECK_FALSE(p.Keep("b/index.html", 33));
  }
}

TEST_CASE("publish: any sequence of runs publishes exactly its site") {
  // Random runs against a model: files kept, rewritten, added, dropped, a
  // file turning into a directory and back, runs abandoned before
  // Commit(). After every committed run out/ holds exactly that run's
  // files; the staging tree is put right from the manifest's account of
  // it, or by checking everything after an abandoned run.
  TempDir dir;
  const std::string out = dir / "out";
  std::mt19937 rng(20261126);
  auto chance = [&](int percent) {
    return static_cast<int>(rng() % 100) < percent;
  };
  std::vector<std::string> pool;
  for (int i = 0; i < 12; ++i) pool.push_back("p" + std::to_string(i) + "/index.html");
  for (const char* p : {"index.html", "p0", "p1", "a/b/c.css", "a/b", "a/d.css"}) {
    pool.push_back(p);
  }
  std::map<std::string, std::string> live;  // The model of out/.
  std::map<std::string, uint64_t> inputs;    // Of the live files.
  int version = 0, committed = 0, kept_total = 0;
  for (int run = 0; run < 80; ++run) {
    INFO("run " << run);
    std::map<std::string, std::string> site;
    for (const std::string& path : pool) {
      if (chance(20)) continue;
      auto it = live.find(path);
      site[path] = it != live.end() && chance(75)
                       ? it->second
                       : "v" + std::to_string(++version) + " " + path;
    }
    // No file where another one needs a directory.
    for (auto it = site.begin(); it != site.end();) {
      auto next = std::next(it);
      if (next != site.end() && next->first.rfind(it->first + "/", 0) == 0) {
        it = site.erase(it);
      } else {
        it = next;
      }
    }
    Publisher p(out, 2);
    std::string err;
    REQUIRE(p.Begin(&err));
    std::map<std::string, uint64_t> new_inputs;
    for (const auto& [path, bytes] : site) {
      new_inputs[path] = std::hash<std::string>()(bytes);
      auto it = live.find(path);
      if (it != live.end() && it->second == bytes &&
          p.Keep(path, inputs[path])) {
        ++kept_total;
        continue;
      }
      FileChange c;
      REQUIRE(p.Write(path, bytes, &c, &err, new_inputs[path]));
    }
    if (chance(10)) continue;  // Abandoned.
    int removed = 0;
    const bool ok = p.Commit(&removed, &err);
    INFO(err);
    REQUIRE(ok);
    ++committed;
    live = site;
    inputs = new_inputs;
    REQUIRE(test::Tree(out) == live);
    for (const auto& e : fs::recursive_directory_iterator(out)) {
      if (e.is_directory()) CHECK_FALSE(fs::is_empty(e.path()));
    }
  }
  CHECK(committed > 60);
  CHECK(kept_total > 300);
}

// The manifest keeps each file's inputs, sources and note; a line that is
// damaged only loses its file's record.
TEST_CASE("publish: the manifest is read back exactly, damaged lines not") {
  TempDir dir;
  const std::string out = dir / "out";
  const FileNote big{-5, ~uint64_t{0}, uint64_t{1} << 63};
  const FileNote small{INT64_MAX, 1, 0};
  {
    Publisher p(out);
    std::string err;
    REQUIRE(p.Begin(&err));
    FileChange c;
    REQUIRE(p.Write("a/index.html", "A", &c, &err, ~uint64_t{0}, 7, big));
    REQUIRE(p.Write("b/index.html", "B", &c, &err, 1, ~uint64_t{1}, small));
    REQUIRE(p.Write("c/index.html", "C", &c, &err, 2, 3, small));
    int removed = 0;
    REQUIRE(p.Commit(&removed, &err));
  }
  const std::string manifest = dir / ".out.linkpage-manifest";
  const std::string text = ReadFile(manifest);
  {
    Publisher p(out);
    std::string err;
    REQUIRE(p.Begin(&err));
    REQUIRE(p.Recorded("a/index.html") == big);
    REQUIRE(p.Recorded("b/index.html") == small);
    CHECK(p.Keep("a/index.html", ~uint64_t{0}));
    CHECK(p.Keep("b/index.html", 0, ~uint64_t{1}));
    CHECK_FALSE(p.Keep("c/index.html", 3));
  }
  // Damaged in three ways: a number that is not one, one field short, a
  // field too many.
  std::string damaged = text;
  for (const auto& [path, edit] :
       std::vector<std::pair<std::string, std::string>>{
           {"a/index.html\t", "zz"},
           {"b/index.html\t", ""},
           {"c/index.html\t", " 9"}}) {
    const size_t line = damaged.find(path);
    REQUIRE(line != std::string::npos);
    const size_t eol = damaged.find('\n', line);
    if (edit == "zz") {
      damaged.replace(line + path.size(), 2, edit);
    } else if (edit.empty()) {
      damaged.erase(damaged.rfind(' ', eol), eol - damaged.rfind(' ', eol));
    } else {
      damaged.insert(eol, edit);
    }
  }
  WriteFile(manifest, damaged);
  Publisher p(out);
  std::string err;
  REQUIRE(p.Begin(&err));
  CHECK_FALSE(p.Recorded("a/index.html"));
  CHECK_FALSE(p.Recorded("b/index.html"));
  CHECK_FALSE(p.Recorded("c/index.html"));
}

TEST_CASE("publish: out/ that is not a directory is refused") {
  TempDir dir;
  WriteFile(dir / "out", "I am a file");
  Publisher p(dir / "out");
  std::string err;
  CHECK_FALSE(p.Begin(&err));
  CHECK_THAT(err, Catch::Contains("is not a directory"));
  CHECK(ReadFile(dir / "out") == "I am a file");
}

}  // namespace
}  // namespace linkpage
