#!/bin/sh
# Installs JVM Clojure from Debian's packages (clojure + default-jre-headless), which
# scripts/record-corpus.sh needs to record the corpus's expected answers. Idempotent and
# non-interactive: a quick no-op when both are already there; otherwise one `apt-get update`
# (only when apt has no package lists yet or does not know the packages) and one install.
# Run as root (or with sudo available). Debian 12's `clojure` package gives /usr/bin/clojure, a
# shell wrapper for `java -cp /usr/share/java/clojure-1.11.jar clojure.main "$@"` (Clojure 1.11.1;
# no tools.deps, so no `clojure -M`: run scripts as `clojure FILE` or `clojure -e FORM`), and
# /usr/share/java/clojure.jar as an alternatives link to that jar.
set -eu

jar=/usr/share/java/clojure.jar
if command -v java >/dev/null 2>&1 && [ -f "$jar" ] && command -v clojure >/dev/null 2>&1; then
    exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-clojure.sh: needs root (or sudo) to apt-get install clojure" >&2; exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q "$@" </dev/null; }

if ! apt-cache show clojure >/dev/null 2>&1 || ! apt-cache show default-jre-headless >/dev/null 2>&1; then
    apt_get update
fi
apt_get install -y --no-install-recommends default-jre-headless clojure

[ -f "$jar" ] || { echo "install-clojure.sh: $jar missing after install" >&2; exit 1; }
java -cp "$jar" clojure.main -e '(println "clojure" (clojure-version))'
