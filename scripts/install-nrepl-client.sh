#!/bin/sh
# Installs the nREPL client the tests drive the daemon's nREPL server with: nREPL's own reference
# implementation (nrepl.core's connect/client/message), from Debian's libnrepl-clojure (nREPL
# 1.0.0), run on Debian's clojure and a headless JRE. Nobody on this project wrote it, so it checks
# the server against the protocol as nREPL itself speaks it. (Leiningen's `lein repl :connect`
# needs REPL-y from Maven Central, which is not reachable offline; Debian packages nREPL itself.)
# Idempotent and non-interactive, like scripts/install-clojure.sh: a no-op when the jars are there.
# Prints the classpath to use on its last line.
set -eu

nrepl=/usr/share/java/nrepl.jar
clojure=/usr/share/java/clojure.jar
if command -v java >/dev/null 2>&1 && [ -f "$nrepl" ] && [ -f "$clojure" ]; then
    echo "$clojure:$nrepl"
    exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-nrepl-client.sh: needs root (or sudo) to apt-get install libnrepl-clojure" >&2; exit 1
    fi
fi

apt_get() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q "$@" </dev/null; }

if ! apt-cache show libnrepl-clojure >/dev/null 2>&1 || ! apt-cache show clojure >/dev/null 2>&1; then
    apt_get update >&2
fi
apt_get install -y --no-install-recommends default-jre-headless clojure libnrepl-clojure >&2

[ -f "$nrepl" ] || { echo "install-nrepl-client.sh: $nrepl missing after install" >&2; exit 1; }
echo "$clojure:$nrepl"
