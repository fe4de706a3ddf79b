#!/usr/bin/env bash
# Fails when a C++ file of the tree differs from what clang-format (the repo's
# .clang-format) makes of it; `make format` fixes them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files as clang-format has them"
