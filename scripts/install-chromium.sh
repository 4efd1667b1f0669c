#!/bin/sh
# Installs Debian's headless-capable `chromium`, which the web console's browser test drives
# (tests/Node.Tests/Console) through npm's puppeteer-core. Idempotent: does nothing if present.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: chromium is missing; run as root to install it with apt-get" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
