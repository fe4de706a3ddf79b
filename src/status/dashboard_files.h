#pragma once

// The dashboard's files (src/status/dashboard/) as the build compiled them into the binary:
// CMakeLists.txt runs cmake/embed_file.cmake on each whenever it changes, which writes a
// source defining one of these functions.

#include <string_view>

namespace fpmd::status::dashboard_files {

struct EmbeddedFile {
  std::string_view bytes;
  /// The SHA-256 of bytes in hex, computed by the build (the file's ETag).
  std::string_view sha256;
};

EmbeddedFile page();    // dashboard.html
EmbeddedFile script();  // dashboard.js
EmbeddedFile style();   // dashboard.css

}  // namespace fpmd::status::dashboard_files
