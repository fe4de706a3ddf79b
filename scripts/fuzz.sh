#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang and runs each in turn for a
# bounded time. docs/fuzzing.md says what each target covers.
#
#   FUZZ_SECONDS  time per target (default 20, what `make test` and CI use; `make
#                 fuzz-long` sets 3600)
#   FUZZ_TARGETS  the targets to run (default: all of them)
#   JOBS          build parallelism (default: all cores)
#
# Each target starts from its corpus in build-fuzz/corpus/<target>/ (kept between runs),
# topped up from fuzz/seeds/<target>/. Its libFuzzer flags come from
# fuzz/<target>.options (one line) and fuzz/<target>.dict when present. Every target
# runs even when an earlier one crashed; a crash or timeout fails the run at the end and
# leaves the reproducer in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
jobs=${JOBS:-$(nproc)}
dir=build-fuzz
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFPMD_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
targets=${FUZZ_TARGETS:-$(cd fuzz && ls *_fuzz.cc | sed 's/\.cc$//')}
# shellcheck disable=SC2086 # one word per target
cmake --build "$dir" -j "$jobs" --target $targets >> "$dir.log" 2>&1 ||
  { tail -50 "$dir.log"; exit 1; }
mkdir -p "$dir/artifacts"
failed=()
start=$SECONDS
for target in $targets; do
  corpus="$dir/corpus/$target"
  mkdir -p "$corpus"
  if [ -d "fuzz/seeds/$target" ]; then
    cp -n fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  fi
  flags=()
  if [ -f "fuzz/$target.options" ]; then read -r -a flags < "fuzz/$target.options"; fi
  if [ -f "fuzz/$target.dict" ]; then flags+=("-dict=fuzz/$target.dict"); fi
  echo "fuzz: $target for ${seconds}s ${flags[*]}"
  if "$dir/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${flags[@]}" \
    -artifact_prefix="$dir/artifacts/$target-" -print_final_stats=1 "$corpus" \
    > "$dir/$target.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$target.log")
    echo "fuzz: $target: ${runs:-?} runs, corpus $(ls "$corpus" | wc -l) inputs"
  else
    tail -40 "$dir/$target.log"
    echo "fuzz: $target FAILED (log: $dir/$target.log; reproducer in $dir/artifacts/)"
    failed+=("$target")
  fi
done
echo "fuzz: $((SECONDS - start))s of fuzzing"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
