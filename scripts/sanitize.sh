#!/usr/bin/env bash
# The GoogleTest suites (unit and engine) built with AddressSanitizer and
# UndefinedBehaviorSanitizer. libphp itself is not instrumented; its one-time start-up
# allocations are not ours to report, so leak detection is left to the unit suite.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-asan
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DFPMD_SANITIZE=ON -DFPMD_WERROR=ON > "$dir.log" 2>&1 \
  || { cat "$dir.log"; exit 1; }
cmake --build "$dir" -j "$(nproc)" --target fpmd_unit_tests fpmd_engine_tests >> "$dir.log" 2>&1 \
  || { tail -60 "$dir.log"; exit 1; }
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OPTIONS=detect_leaks=1 "$dir/fpmd_unit_tests" --gtest_brief=1
ASAN_OPTIONS=detect_leaks=0 FPMD_ENGINE_NO_OPCACHE=1 "$dir/fpmd_engine_tests" --gtest_brief=1
