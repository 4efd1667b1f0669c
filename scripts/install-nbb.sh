#!/bin/sh
# Installs nbb (Babashka's SCI interpreter on Node.js, npm package `nbb`), which `datom bench vm`
# compares Yin.VM against. Installed with npm under a prefix, not globally:
#   NBB_PREFIX (default /opt/nbb) / node_modules/.bin/nbb
# which is where `datom bench vm` looks first (then DATOM_NBB, then `nbb` on the PATH).
# Needs Node.js and npm (Debian: apt-get install nodejs npm). Idempotent: a no-op when the pinned
# version is already there.
set -eu
version=1.6.214
prefix=${NBB_PREFIX:-/opt/nbb}
bin="$prefix/node_modules/.bin/nbb"
if [ -x "$bin" ] && [ "$(cd "$prefix" && npm ls nbb --depth=0 2>/dev/null | grep -c "nbb@$version")" -ge 1 ]; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-nbb.sh: needs npm (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --save-exact "nbb@$version" >/dev/null
"$bin" -e '(println "nbb" (+ 1 2))' >/dev/null
echo "nbb $version installed: $bin"
