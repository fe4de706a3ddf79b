#pragma once

// fcgi-bench's output: a wrk-like text report or one JSON object.

#include <cstdio>

#include "load.h"
#include "options.h"

namespace fpmd::bench {

void printText(std::FILE* out, const Options& options, const Stats& stats);
void printJson(std::FILE* out, const Options& options, const Stats& stats);

}  // namespace fpmd::bench
