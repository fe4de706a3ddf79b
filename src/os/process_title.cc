#include "os/process_title.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace fpmd::os {
namespace {

char* g_area = nullptr;  // argv[0]
size_t g_area_size = 0;  // up to the end of the last argv/environ string that follows it

}  // namespace

void initProcessTitle(int argc, char** argv) {
  if (argc <= 0 || argv[0] == nullptr) return;
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == end) end += std::strlen(argv[i]) + 1;
  }
  size_t env_count = 0;
  while (environ[env_count] != nullptr) ++env_count;
  // The environment moves to the heap for good: it lives as long as the process.
  char** moved = new char*[env_count + 1];
  for (size_t i = 0; i < env_count; ++i) {
    if (environ[i] == end) end += std::strlen(environ[i]) + 1;
    moved[i] = ::strdup(environ[i]);
  }
  moved[env_count] = nullptr;
  environ = moved;
  g_area = argv[0];
  g_area_size = static_cast<size_t>(end - argv[0]);
}

void setProcessTitle(std::string_view title) {
  if (g_area == nullptr) return;
  size_t length = std::min(title.size(), g_area_size - 1);
  std::memcpy(g_area, title.data(), length);
  std::memset(g_area + length, 0, g_area_size - length);
}

}  // namespace fpmd::os
