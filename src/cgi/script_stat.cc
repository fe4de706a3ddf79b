#include <sys/stat.h>

#include "cgi/script_env.h"

namespace fpmd::cgi {

FileKind statPath(const std::string& path) {
  struct stat st;
  // Any failure (ENOENT, ENOTDIR for "/x/index.php/info", EACCES...) reads as missing, as
  // PHP-FPM's realpath() and stat() checks read it.
  if (::stat(path.c_str(), &st) != 0) return FileKind::Missing;
  if (S_ISREG(st.st_mode)) return FileKind::Regular;
  if (S_ISDIR(st.st_mode)) return FileKind::Directory;
  return FileKind::Other;
}

}  // namespace fpmd::cgi
