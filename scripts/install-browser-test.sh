#!/bin/sh
# What the web console's browser test (tests/Node.Tests/Console) needs: Debian's chromium and npm's
# puppeteer-core (pinned by the package-lock.json beside the test's driver script). Idempotent: does
# nothing that is already done. Needs node and npm (the npm registry), and root for apt-get.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-chromium.sh"
if ! command -v npm >/dev/null 2>&1; then
    echo "install-browser-test.sh: npm is missing; install Debian's nodejs and npm" >&2
    exit 1
fi
cd "$root/tests/Node.Tests/Console/browser"
if [ ! -f node_modules/puppeteer-core/package.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
