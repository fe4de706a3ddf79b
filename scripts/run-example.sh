#!/usr/bin/env bash
# `make run`: fpmd with examples/php-fpm.conf behind nginx with examples/nginx.conf, serving
# examples/www on http://127.0.0.1:8080/ until Ctrl-C, which stops both.
set -euo pipefail
fpmd=$(realpath "${1:-build/fpmd}")
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${FPMD_EXAMPLE_DIR:-/tmp/fpmd-example}
port=${FPMD_EXAMPLE_PORT:-8080}
export FPMD_EXAMPLE_DIR=$dir

mkdir -p "$dir"
rm -rf "$dir/www"
# A copy the www-data workers can read wherever the repository lives.
cp -r "$repo/examples/www" "$dir/www"
chmod -R a+rX "$dir/www"
chmod 755 "$dir"
sed -e "s|@DIR@|$dir|g" -e "s|@WWW@|$dir/www|g" -e "s|@PORT@|$port|g" \
  "$repo/examples/nginx.conf" > "$dir/nginx.conf"

fpmd_pid=""
nginx_pid=""
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping nginx and fpmd"
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  [ -n "$fpmd_pid" ] && kill -QUIT "$fpmd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$fpmd" -F -O -y "$repo/examples/php-fpm.conf" &
fpmd_pid=$!
for _ in $(seq 1 50); do
  [ -S "$dir/fpmd.sock" ] && break
  kill -0 "$fpmd_pid" 2>/dev/null || { echo "fpmd failed to start" >&2; exit 1; }
  sleep 0.1
done

nginx -e "$dir/nginx-error.log" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

echo "fpmd (pid $fpmd_pid) and nginx (pid $nginx_pid) serve http://127.0.0.1:$port/ — Ctrl-C stops both"
wait "$fpmd_pid" "$nginx_pid" || true
