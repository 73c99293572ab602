#!/usr/bin/env bash
# Soak: 10,000 connect / request / close cycles (tests-c/test_soak.c through the C ABI,
# examples/soak.rs through the Rust API) against the libqb echo server in both transports and
# against a live Pacemaker 3.0.0 node's CIB manager. Each run: every cycle answered, the
# descriptor count the same after the last cycle as after the first tenth, resident memory flat
# from the second tenth on (a few pages of tolerance for the allocator), and nothing of the
# client left in /dev/shm.
#   tests-c/soak-suite.sh BUILD_DIR STAGE_PREFIX [TABLE.md] [CYCLES]
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2") table=${3:-} n=${4:-10000}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d /tmp/pcmkrs-soak.XXXXXX)
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && cargo build --quiet --release --example soak)
rust=$root/target/release/examples/soak
export LD_LIBRARY_PATH=$stage/lib
rows=()
# one soak: LABEL CMD...; checks its output
soak() {
    local label=$1; shift
    local t0=$SECONDS rc=0
    "$@" >"$work/out" 2>"$work/err" & local p=$!
    wait $p || rc=$?
    [ $rc = 0 ] || { cat "$work/out" "$work/err"; echo "soak-suite: $label: exit status $rc"; exit 1; }
    [ ! -s "$work/err" ] || { cat "$work/err"; echo "soak-suite: $label: stderr"; exit 1; }
    for _ in $(seq 50); do ls /dev/shm | grep -q -- "^qb-[0-9]*-$p-" || break; sleep 0.1; done
    if ls /dev/shm | grep -q -- "^qb-[0-9]*-$p-"; then echo "soak-suite: $label: left in /dev/shm"; exit 1; fi
    local verdict
    verdict=$(awk -v label="$label" '
        $1 == "cycle" { k++; rss[k] = $4; fd[k] = $6 }
        END {
            if (k < 10) { print "too few samples"; exit 1 }
            if (fd[k] != fd[1]) { print "descriptors " fd[1] " -> " fd[k]; exit 1 }
            if (rss[k] - rss[2] > 256) { print "resident memory " rss[2] " -> " rss[k] " kB"; exit 1 }
            printf "%d -> %d -> %d kB, %d -> %d descriptors", rss[1], rss[2], rss[k], fd[1], fd[k] }' "$work/out") \
        || { echo "soak-suite: $label: grew: $verdict"; cat "$work/out"; exit 1; }
    rows+=("| $label | $n | $verdict | $((SECONDS - t0)) s |")
    echo "soak-suite: $label: ${rows[-1]}"
}
for transport in shm socket; do
    "$build/tests-c/qb_echo_server" pcmkrs-soak "$transport" 131072 raw >"$work/server.out" &
    server_pid=$!
    for _ in $(seq 100); do grep -q ready "$work/server.out" && break; sleep 0.05; done
    soak "echo server, $transport, C" "$build/tests-c/test_soak" pcmkrs-soak "$n" raw
    soak "echo server, $transport, Rust" "$rust" pcmkrs-soak "$n" raw
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
done
# a live node's CIB manager
declare -f soak >"$work/soak.sh"
cat >>"$work/soak.sh" <<INNER
set -euo pipefail
work=$work n=$n rows=()
export LD_LIBRARY_PATH=$stage/lib
soak "live 3.0.0 CIB manager (cib_ro), C" "$build/tests-c/test_soak" cib_ro "$n"
soak "live 3.0.0 CIB manager (cib_ro), Rust" "$rust" cib_ro "$n"
printf '%s\n' "\${rows[@]}" >"$work/live-rows"
INNER
"$root/scripts/pcmk-node" run 3.0 -- bash "$work/soak.sh"
mapfile -t live <"$work/live-rows"
rows+=("${live[@]}")
if [ -n "$table" ]; then
    { echo "| client | cycles | resident memory after 10 % → 20 % → 100 %, descriptors after 10 % → 100 % | time |"
      echo "|---|---|---|---|"
      printf '%s\n' "${rows[@]}"; } >"$table"
fi
echo "soak-suite: all passed"
