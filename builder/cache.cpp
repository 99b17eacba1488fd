#include "cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "file.h"
#include "unique_fd.h"

namespace linkpage {

namespace fs = std::filesystem;

namespace {

constexpr int kCacheFormat = 1;

// A name no other writer (thread or process) uses at the same time.
std::string UniqueStamp(int64_t fetched_at) {
  static std::atomic<unsigned> counter{0};
  return std::to_string(fetched_at) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

// FNV-1a, 64 bits: detects a body torn by a crash, not an attacker.
std::string Checksum(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}


bool ReadWhole(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  *out = std::move(ss).str();
  return true;
}

std::string MetadataJson(const std::string& name, const CacheEntry& e) {
  nlohmann::json j = {
      {"format", kCacheFormat},     {"feed", name},
      {"url", e.url},               {"body", e.body_file},
      {"bytes", e.body.size()},     {"fnv1a64", Checksum(e.body)},
      {"etag", e.etag},
      {"last_modified", e.last_modified},
      {"fetched_at", e.fetched_at}, {"items", e.items},
      {"links", e.links},
  };
  // Invalid UTF-8 (from a header) is replaced, never thrown about.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace

FeedCache::FeedCache(std::string dir) : dir_(std::move(dir)) {}

std::string FeedCache::FeedsDir() const {
  return (fs::path(dir_) / "feeds").string();
}

bool FeedCache::Load(const std::string& name, CacheEntry* entry,
                     std::string* err) const {
  err->clear();
  fs::path meta_path = fs::path(FeedsDir()) / (name + ".json");
  std::error_code ec;
  if (!fs::exists(meta_path, ec)) return false;
  std::string meta;
  if (!ReadWhole(meta_path, &meta)) {
    *err = "cannot read the cached copy " + meta_path.string();
    return false;
  }
  CacheEntry e;
  uint64_t bytes = 0;
  std::string checksum;
  try {
    nlohmann::json j = nlohmann::json::parse(meta);
    if (j.at("format").get<int>() != kCacheFormat) {
      *err = meta_path.string() + " was written by another linkpage version";
      return false;
    }
    e.url = j.at("url").get<std::string>();
    e.body_file = j.at("body").get<std::string>();
    bytes = j.at("bytes").get<uint64_t>();
    checksum = j.at("fnv1a64").get<std::string>();
    e.etag = j.at("etag").get<std::string>();
    e.last_modified = j.at("last_modified").get<std::string>();
    e.fetched_at = j.at("fetched_at").get<int64_t>();
    e.items = j.at("items").get<int>();
    e.links = j.at("links").get<int>();
  } catch (const nlohmann::json::exception& ex) {
    *err = "the cached copy " + meta_path.string() + " is corrupt (" +
           ex.what() + "); it is replaced by the next good fetch";
    return false;
  }
  if (e.body_file.empty() ||
      e.body_file.find('/') != std::string::npos ||
      e.body_file.rfind(name + "@", 0) != 0) {
    *err = meta_path.string() + " names an unexpected body file \"" +
           e.body_file + "\"";
    return false;
  }
  fs::path body_path = fs::path(FeedsDir()) / e.body_file;
  if (!ReadWhole(body_path, &e.body) || e.body.size() != bytes ||
      Checksum(e.body) != checksum) {
    *err = "the cached body " + body_path.string() +
           " is missing or damaged; it is replaced by the next good fetch";
    return false;
  }
  *entry = std::move(e);
  return true;
}

bool FeedCache::Store(const std::string& name, CacheEntry* entry,
                      std::string* err) {
  std::error_code ec;
  fs::path dir = FeedsDir();
  fs::create_directories(dir, ec);
  if (ec) {
    *err = "cannot create the feed cache " + dir.string() + ": " +
           ec.message();
    return false;
  }
  entry->body_file = name + "@" + UniqueStamp(entry->fetched_at) + ".body";
  if (!WriteAtomically(dir / entry->body_file, entry->body, err)) {
    return false;
  }
  if (!WriteAtomically(dir / (name + ".json"), MetadataJson(name, *entry),
                       err)) {
    fs::remove(dir / entry->body_file, ec);
    return false;
  }
  // The old body is unreferenced now. Sweep any other leftovers of this
  // feed too (a run killed between the two renames leaves one).
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    std::string file = f.path().filename().string();
    if (file != entry->body_file && file.rfind(name + "@", 0) == 0 &&
        file.size() > 5 && file.compare(file.size() - 5, 5, ".body") == 0) {
      std::error_code rm_ec;
      fs::remove(f.path(), rm_ec);
    }
  }
  return true;
}

bool FeedCache::Refresh(const std::string& name, const CacheEntry& entry,
                        std::string* err) {
  return WriteAtomically(fs::path(FeedsDir()) / (name + ".json"),
                         MetadataJson(name, entry), err);
}

}  // namespace linkpage
