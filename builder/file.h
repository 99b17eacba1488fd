// Reading and writing whole files.
#ifndef LINKPAGE_FILE_H_
#define LINKPAGE_FILE_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace linkpage {

enum class ReadResult { kOk, kTooLarge, kFailed };

// Reads the file at "path" (symbolic links followed) into "*out" with one
// open, one fstat and as few reads as its size allows. kTooLarge: it holds
// more than "max_bytes" bytes. kFailed, with "*why" set ("not a regular
// file" or the system's message): it cannot be opened or read, or is not a
// regular file. "*out" is empty unless kOk.
ReadResult ReadWholeFile(const std::string& path, int64_t max_bytes,
                         std::string* out, std::string* why);

// Writes "bytes" to "path" all at once: a temp file beside it (a name no
// other thread or process uses), then a rename. Readers see the old file
// or the new one, never a mix. No fsync: what is written this way (the
// feed cache, parse notes, the manifest) is checked when read, and a torn
// file only costs work. On failure "*err" says why and no temp file stays.
bool WriteAtomically(const std::filesystem::path& path,
                     std::string_view bytes, std::string* err);

}  // namespace linkpage

#endif  // LINKPAGE_FILE_H_
