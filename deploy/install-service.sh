#!/usr/bin/env bash
# Installs the datom daemon as a systemd service run by its own `datom` system user.
#   sudo deploy/install-service.sh [--mesh-key FILE] [--no-start]
# Expects `datom` installed (scripts/install.sh puts it in /usr/local/bin). Creates the user and
# /var/lib/datom (mode 0700, owned by datom), initialises the node there (joining the mesh of
# --mesh-key FILE if given, else creating a new mesh), writes /etc/datom/node.toml from
# node.example.toml unless one exists, installs deploy/datom.service and starts it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mesh_key=""
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --mesh-key) mesh_key="${2:?--mesh-key needs a file}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-service.sh: unknown option '$1' (known: --mesh-key FILE, --no-start)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install-service.sh: run as root (it creates a user and a unit)" >&2; exit 1; }
datom=$(command -v datom || true)
[ -n "$datom" ] || { echo "install-service.sh: datom is not on the PATH; run scripts/install.sh first" >&2; exit 1; }
if [ "$datom" != /usr/local/bin/datom ]; then
  install -m 0755 "$datom" /usr/local/bin/datom
fi

id datom >/dev/null 2>&1 || useradd --system --home-dir /var/lib/datom --shell /usr/sbin/nologin datom
install -d -m 0700 -o datom -g datom /var/lib/datom
if [ ! -f /var/lib/datom/identity/node.key ]; then
  if [ -n "$mesh_key" ]; then
    install -m 0600 -o datom -g datom "$mesh_key" /var/lib/datom/.join-mesh.key
    runuser -u datom -- /usr/local/bin/datom init --data /var/lib/datom --mesh-key /var/lib/datom/.join-mesh.key
    rm -f /var/lib/datom/.join-mesh.key
  else
    runuser -u datom -- /usr/local/bin/datom init --data /var/lib/datom
  fi
fi
install -d -m 0755 /etc/datom
[ -f /etc/datom/node.toml ] || install -m 0644 "$here/../node.example.toml" /etc/datom/node.toml
install -m 0644 "$here/datom.service" /etc/systemd/system/datom.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$start" = 1 ]; then systemctl enable --now datom; else systemctl enable datom; fi
  echo "datom.service installed; 'systemctl status datom', and as the datom user: runuser -u datom -- datom status --data /var/lib/datom"
else
  echo "datom.service installed in /etc/systemd/system, but systemd is not running here: start it where it is ('systemctl enable --now datom')"
fi
