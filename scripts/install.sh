#!/usr/bin/env bash
# Installs `datom` as one self-contained file and puts it on the PATH.
#   scripts/install.sh [--prefix DIR] [--runtime RID]
# Needs only the .NET SDK. The file carries the .NET runtime, so the machines it is copied to need
# nothing. Default prefix: /usr/local as root, ~/.local otherwise; the binary goes to PREFIX/bin.
# Runtimes built for: linux-x64 and linux-arm64 (picked from `uname -m`; --runtime overrides, e.g.
# linux-musl-x64 for Alpine). Re-running replaces the installed file.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=""
rid=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --runtime) rid="${2:?--runtime needs a runtime identifier such as linux-x64}"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (known: --prefix DIR, --runtime RID)" >&2; exit 2 ;;
  esac
done
if [ -z "$prefix" ]; then
  if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
if [ -z "$rid" ]; then
  case "$(uname -m)" in
    x86_64|amd64) rid=linux-x64 ;;
    aarch64|arm64) rid=linux-arm64 ;;
    *) echo "install.sh: no runtime known for $(uname -m); pass --runtime RID" >&2; exit 2 ;;
  esac
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Single file, self-contained; native libraries (libsodium for NSec) unpack themselves on first run.
dotnet publish src/Node -c Release -r "$rid" --self-contained \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
  -o "$out" -nologo -v quiet
mkdir -p "$prefix/bin"
install -m 0755 "$out/datom" "$prefix/bin/datom"
echo "installed $prefix/bin/datom ($("$prefix/bin/datom" --version), $rid)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
