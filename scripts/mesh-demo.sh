#!/usr/bin/env bash
# A three-node mesh on this machine, the way three machines on a LAN would run it:
# three network namespaces on a private bridge (nothing touches your real interfaces), one
# `datom run` daemon in each, finding each other by mDNS alone. It loads a service on node A,
# shows it running on B and C, edits the function it calls on A, and shows B and C pick the
# edit up while they run. Everything it creates is removed when it exits, however it exits.
#
#   sudo scripts/mesh-demo.sh            (needs root for `ip netns`, and the .NET 10 SDK)
set -euo pipefail

[[ $(id -u) == 0 ]] || { echo "mesh-demo: needs root (it creates network namespaces)" >&2; exit 2; }
command -v ip >/dev/null || { echo "mesh-demo: needs iproute2 ('ip')" >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TAG="dmo$$"
WORK=$(mktemp -d /tmp/datom-demo.XXXXXX)
NODES=(a b c)
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for n in "${NODES[@]}"; do ip netns del "$TAG-$n" 2>/dev/null; done
  ip netns del "$TAG-br" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

echo "== building datom"
dotnet build -c Release "$ROOT/src/Node" -v quiet -nologo >/dev/null
DATOM="$ROOT/src/Node/bin/Release/net10.0/datom.dll"
datom() { dotnet "$DATOM" "$@"; }

echo "== a private LAN: bridge namespace $TAG-br and node namespaces $TAG-{a,b,c}"
ip netns add "$TAG-br"
ip -n "$TAG-br" link add br0 type bridge mcast_snooping 0
ip -n "$TAG-br" link set br0 up
i=1
for n in "${NODES[@]}"; do
  ns="$TAG-$n"
  ip netns add "$ns"
  ip link add "v$TAG$n" netns "$ns" type veth peer name "b$TAG$n" netns "$TAG-br"
  ip -n "$TAG-br" link set "b$TAG$n" master br0
  ip -n "$TAG-br" link set "b$TAG$n" up
  ip -n "$ns" addr add "10.77.0.$i/24" dev "v$TAG$n"
  ip -n "$ns" link set "v$TAG$n" up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add 224.0.0.0/4 dev "v$TAG$n"
  i=$((i + 1))
done

echo "== three nodes of one mesh (node a makes the mesh key; b and c join it)"
datom init --data "$WORK/a" 2>/dev/null | sed 's/^/   a: /'
for n in b c; do datom init --data "$WORK/$n" --mesh-key "$WORK/a/mesh.key" 2>/dev/null | sed "s/^/   $n: /"; done

echo "== starting a daemon in each namespace (logs in $WORK/<node>.log)"
for n in "${NODES[@]}"; do
  ip netns exec "$TAG-$n" dotnet "$DATOM" run --data "$WORK/$n" >"$WORK/$n.log" 2>&1 &
  PIDS+=($!)
done

echo "== waiting for the mesh to form by mDNS"
for _ in $(seq 1 100); do
  ok=1
  for n in "${NODES[@]}"; do
    c=$(datom peers --data "$WORK/$n" --format json 2>/dev/null | grep -o '"node"' | wc -l || true)
    [[ ${c:-0} -ge 2 ]] || ok=0
  done
  [[ $ok == 1 ]] && break
  sleep 0.1
done
datom peers --data "$WORK/a"

cat >"$WORK/app.yin" <<'YIN'
(ns app)
(defn greet [name] (str "hello, " name))
(defn ^:service main [] (loop [i 0] (println (greet "x")) (sleep 100) (recur (inc i))))
YIN
echo "== loading a service on node a:"
sed 's/^/   /' "$WORK/app.yin"
datom code load --data "$WORK/a" -m "a greeting service" "$WORK/app.yin"
sleep 2
for n in b c; do echo "   node $n prints: $(datom code logs --data "$WORK/$n" -n 1)"; done

echo "== editing greet on node a only"
sed -i 's/hello, /bonjour, /' "$WORK/app.yin"
datom code load --data "$WORK/a" -m "say it in French" "$WORK/app.yin"
sleep 1
for n in b c; do echo "   node $n prints: $(datom code logs --data "$WORK/$n" -n 1)"; done

echo "== node c's view of the mesh"
datom status --data "$WORK/c"
echo "== done; stopping the daemons and removing the namespaces"
