#!/usr/bin/env bash
# Installs what fpmd needs to build, test and run, from Debian's packages only.
# Does nothing (and needs no network) when everything is already there.
# `scripts/deps.sh bench` adds what `make bench` needs; `scripts/deps.sh lint` the linters.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format
  php8.2-dev libphp8.2-embed php8.2-opcache php8.2-cli php8.2-fpm
  libfmt-dev libsystemd-dev libapparmor-dev libgtest-dev googletest
  nlohmann-json3-dev
  nginx libfcgi-bin python3 python3-pytest
  chromium python3-pil
  faketime strace
  mariadb-server mariadb-client php8.2-mysql
)
for group in "$@"; do
  case "$group" in
    bench) packages+=(wrk gnuplot-nox) ;;
    lint) packages+=(eslint) ;;
    *) echo "fpmd: scripts/deps.sh: unknown group '$group' (bench, lint)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "fpmd: missing packages: ${missing[*]} (run as root, or install them with apt)" >&2
  exit 1
fi
echo "fpmd: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's php8.2-fpm and nginx packages try to start their services; we only want the
# binaries (tests start their own instances on free ports), so forbid service starts
# during this install.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
