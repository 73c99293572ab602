#!/usr/bin/env bash
# The requests on the wire: tests-c/test_wire_requests.c, built against Pacemaker 3.0.0 in the
# 3.0 chroot, run once on libcrmcommon alone and once with our library preloaded, against libqb
# echo servers that stand in for attrd, pacemakerd, crmd and pengine and record every request
# (header fields and text). Both runs must send the same requests and get the same return
# codes (the pid and the clock masked), but for the one question the library asks the node
# (pacemakerd here) about its header layout, which is its own.
#   tests-c/wire-suite.sh BUILD_DIR STAGE_PREFIX
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$("$here/../scripts/pcmk-node" build 3.0)
work=$(mktemp -d "$root/tmp/pcmkrs-wire.XXXXXX")
inroot=${work#"$root"}
trap '[ -n "${PCMKRS_KEEP:-}" ] || rm -rf "$work"' EXIT
chmod 0755 "$work"
cp "$here/test_wire_requests.c" "$here/pacemaker_internal.h" "$work/"
cp "$(realpath "$stage/lib/libpcmk-ipc-rs.so.0")" "$work/libpcmk-ipc-rs.so.0"
chroot "$root" sh -c "cd $inroot && gcc -Wall -Wextra -Werror -o wire test_wire_requests.c \
    \$(pkg-config --cflags --libs pacemaker libxml-2.0 glib-2.0)"

# private abstract names and /dev/shm; the echo servers run on the host, the client in the chroot
unshare --net --mount --propagation private bash -euo pipefail -c '
    build=$1 root=$2 work=$3 inroot=$4
    ip link set lo up
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    mount --bind /dev/shm "$root/dev/shm"
    mount -t tmpfs -o mode=0755 tmpfs "$root/run"
    pids=()
    trap "kill \${pids[*]} 2>/dev/null || true" EXIT
    for s in attrd pacemakerd crmd pengine; do
        PCMKRS_ECHO_LOG=$work/wire.log "$build/tests-c/qb_echo_server" $s shm 0 raw >"$work/$s.out" &
        pids+=($!)
    done
    for s in attrd pacemakerd crmd pengine; do
        for _ in $(seq 100); do grep -q ready "$work/$s.out" && break; sleep 0.05; done
        grep -q ready "$work/$s.out" || { echo "wire-suite: the $s stand-in did not start"; exit 1; }
    done
    chroot "$root" "$inroot/wire" >"$work/ref.out"
    mv "$work/wire.log" "$work/ref.wire"
    # nothing set: the library asks the pacemakerd stand-in which header the node reads (once)
    chroot "$root" env LD_PRELOAD="$inroot/libpcmk-ipc-rs.so.0" "$inroot/wire" >"$work/ours.out"
    mv "$work/wire.log" "$work/ours.all"
    # that question is a request of the library itself (docs/differences.md W2): the rest is compared
    grep -v "_pcmk-ipc-rs-probe" "$work/ours.all" >"$work/ours.wire" || true
    grep -c "_pcmk-ipc-rs-probe" "$work/ours.all" >"$work/probes" || true
' sh "$build" "$root" "$work" "$inroot"

# mask each run's pid and the clock (request references and sender names carry them)
mask() {
    local pid
    pid=$(awk '/^pid / {print $2; exit}' "$2")
    sed -E -e "s/(^|[^0-9])$pid([^0-9]|$)/\\1<pid>\\2/g" -e 's/\b1[0-9]{9}\b/<time>/g' "$1"
}
fail=0
for f in out wire; do
    if ! diff -u <(mask "$work/ref.$f" "$work/ref.out") <(mask "$work/ours.$f" "$work/ours.out"); then
        echo "wire-suite: the ${f/out/return codes}${f/wire/ requests} differ (- libcrmcommon 3.0.0, + ours)"
        fail=1
    fi
done
[ $fail = 0 ] || exit 1
[ "$(cat "$work/probes")" = 1 ] || { echo "wire-suite: the library asked the node $(cat "$work/probes") times, not once"; exit 1; }
echo "wire-suite: $(wc -l <"$work/ref.wire") requests (attrd, pacemakerd, controller, scheduler; with and without crm_system_name; in a daemon; for a resource agent) identical to libcrmcommon 3.0.0's on the wire, $(grep -c '^pcmk' "$work/ref.out") return codes identical"
