#!/bin/bash
# Runs Debian's php-fpm8.2 against cases.txt and prints what PHP-FPM did with each case, with the
# document root written as $R. Used to write tests/unit/cgi_script_env_test.cc; not part of CI.
# usage: probe.sh [php -d settings...], e.g. probe.sh -d cgi.fix_pathinfo=0 ('$R' is replaced)
set -u
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/fpmd-cgi-probe.XXXXXX)
R=$dir/root
mkdir -p "$R/sub/dir"
cat > "$R/index.php" <<'PHP'
<?php
$keys = ['SCRIPT_FILENAME', 'SCRIPT_NAME', 'PATH_INFO', 'PATH_TRANSLATED', 'ORIG_SCRIPT_NAME',
  'ORIG_SCRIPT_FILENAME', 'ORIG_PATH_INFO', 'ORIG_PATH_TRANSLATED', 'PHP_SELF', 'DOCUMENT_ROOT'];
$o = [];
foreach ($keys as $k) { if (array_key_exists($k, $_SERVER)) { $o[$k] = $_SERVER[$k]; } }
$o['__FILE__'] = __FILE__;
echo json_encode($o, JSON_UNESCAPED_SLASHES), "\n";
PHP
cp "$R/index.php" "$R/sub/page.php"; cp "$R/index.php" "$R/sub/dir/index.php"
cp "$R/index.php" "$R/file.txt"; cp "$R/index.php" "$R/noext"; cp "$R/index.php" "$R/trail."
cat > "$dir/php-fpm.conf" <<CONF
[global]
error_log = $dir/fpm.log
log_level = notice
[www]
listen = $dir/sock
pm = static
pm.max_children = 1
CONF
args=("${@//\$R/$R}")
php-fpm8.2 -n -F -O -y "$dir/php-fpm.conf" -R -d variables_order=GPCS "${args[@]}" >"$dir/fpm.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$dir/sock" ] && break; sleep 0.05; done
grep -v '^#' "$here/cases.txt" | while read -r name params; do
  [ -z "$name" ] && continue
  # shellcheck disable=SC2086
  out=$(env -i REQUEST_METHOD=GET $(echo "$params" | sed "s#\\\$R#$R#g") \
        cgi-fcgi -bind -connect "$dir/sock" 2>&1 | tr -d '\r' | grep -v '^X-Powered-By\|^Content-type\|^$')
  echo "$name: ${out//$R/\$R}"
done
kill "$pid"; wait "$pid" 2>/dev/null
rm -rf "$dir"
