#!/bin/sh
# Installs libfaketime's `faketime` (Debian package faketime), which the clock-skew tests and demos
# run a daemon under (e.g. `faketime -f +365d datom run ...`). Idempotent: does nothing if present.
set -eu
if command -v faketime >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-faketime.sh: faketime is missing; run as root to install it with apt-get" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime
command -v faketime >/dev/null
