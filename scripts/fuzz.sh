#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a short, bounded time.
# FUZZ_SECONDS sets the time per target (default 20). A crash fails the run and leaves
# the reproducer in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
dir=build-fuzz
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFPMD_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
targets=$(cd fuzz && ls *_fuzz.cc | sed 's/\.cc$//')
cmake --build "$dir" -j "$(nproc)" --target $targets >> "$dir.log" 2>&1 || { tail -50 "$dir.log"; exit 1; }
mkdir -p "$dir/artifacts"
for target in $targets; do
  corpus="$dir/corpus/$target"
  mkdir -p "$corpus"
  [ -d "fuzz/seeds/$target" ] && cp -n fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  "$dir/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/artifacts/$target-" -print_final_stats=0 "$corpus" \
    > "$dir/$target.log" 2>&1 || { tail -40 "$dir/$target.log"; echo "fuzz: $target FAILED"; exit 1; }
  grep -E '^Done [0-9]+ runs' "$dir/$target.log" | sed "s/^/fuzz: $target: /" || true
done
