#!/bin/sh
# make bench / make bench-quick: bench/run.sh full|quick BUILD_DIR [run.py options]
# The build directory must hold fpmd, fcgi-bench and php-floor (a Release build measures
# what users run; `make build` gives RelWithDebInfo, which is -O2 as well).
set -eu
mode=${1:?usage: bench/run.sh full|quick BUILD_DIR}
build=${2:?usage: bench/run.sh full|quick BUILD_DIR}
shift 2
# Relative to where make (or the user) ran us, not to bench/.
build=$(cd "$build" && pwd)
cd "$(dirname "$0")"
exec /usr/bin/python3 run.py "$mode" "$build" "$@"
