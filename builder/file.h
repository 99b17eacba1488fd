// Reading whole files.
#ifndef LINKPAGE_FILE_H_
#define LINKPAGE_FILE_H_

#include <cstdint>
#include <string>

namespace linkpage {

enum class ReadResult { kOk, kTooLarge, kFailed };

// Reads the file at "path" (symbolic links followed) into "*out" with one
// open, one fstat and as few reads as its size allows. kTooLarge: it holds
// more than "max_bytes" bytes. kFailed, with "*why" set ("not a regular
// file" or the system's message): it cannot be opened or read, or is not a
// regular file. "*out" is empty unless kOk.
ReadResult ReadWholeFile(const std::string& path, int64_t max_bytes,
                         std::string* out, std::string* why);

}  // namespace linkpage

#endif  // LINKPAGE_FILE_H_
