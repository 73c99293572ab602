#!/usr/bin/env bash
# The sbd-style watcher against a live node that is then stopped; runs inside
# `scripts/pcmk-node run 2.1|3.0 -- tests-c/watch-suite.sh BUILD_DIR STAGE_PREFIX`.
# Ours runs under valgrind; beside it run two builds of the same source made in the 3.0 chroot
# against Pacemaker 3.0.0's own headers: one linked with libcrmcommon 3.0.0, one with our library.
# When all three have pinged three times, pacemakerd is stopped; all must report the disconnect,
# with identical output. On a sid node (Pacemaker 3.0.1+: libcrmcommon 3.0.0 cannot ping it)
# the build with libcrmcommon 3.0.0 does not run: ours and the build against Pacemaker's headers
# must print what it printed on the 3.0 node, saved in $PCMKRS_LIVE_REFERENCE.
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${PCMK_NODE_ROOT:-}
ver=${PCMK_NODE_VERSION:?run me inside scripts/pcmk-node run}
reference=${PCMKRS_LIVE_REFERENCE:-}
if [ -z "$root" ] || [ "$ver" = sid ]; then
    root=$("$PCMK_NODE_SCRIPT" build 3.0)
    mount -t proc proc "$root/proc"; mount --bind /dev "$root/dev"; mount --bind /dev/shm "$root/dev/shm"
fi
work=$(mktemp -d "$root/tmp/pcmkrs-watch.XXXXXX")
inroot=${work#"$root"}
trap 'rm -rf "$work"' EXIT
cp "$here/test_sbd_watch.c" "$here/check.h" "$work/"
mkdir -p "$work/ours"; cp -a "$stage/lib/." "$work/ours/"
pc='pkg-config --cflags pacemaker libxml-2.0 glib-2.0'
chroot "$root" sh -c "cd $inroot && gcc -Wall -Wextra -Werror -o ref test_sbd_watch.c \$($pc --libs) \
    && gcc -Wall -Wextra -Werror -o mixed test_sbd_watch.c \$($pc) -L$inroot/ours -lpcmk-ipc-rs \$(pkg-config --libs libxml-2.0 glib-2.0)"

LD_LIBRARY_PATH=$stage/lib valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$work/vg.err" "$build/tests-c/test_sbd_watch" "$work/ours.ready" >"$work/ours.out" &
ours=$!
if [ "$ver" = sid ]; then
    [ -n "$reference" ] && [ -f "$reference/test_sbd_watch.ref.out" ] \
        || { echo "watch-suite: a sid node needs the 3.0 node's reference: run 3.0 first"; exit 1; }
    cp "$reference/test_sbd_watch.ref.out" "$work/ref.out"
    touch "$work/ref.ready"
    sleep 1000 & ref=$!     # stands in for the watcher that cannot run here
else
    chroot "$root" "$inroot/ref" "$inroot/ref.ready" >"$work/ref.out" &
    ref=$!
fi
chroot "$root" env LD_LIBRARY_PATH="$inroot/ours" "$inroot/mixed" "$inroot/mixed.ready" >"$work/mixed.out" &
mixed=$!
all_ready() { [ -e "$work/ours.ready" ] && [ -e "$work/ref.ready" ] && [ -e "$work/mixed.ready" ]; }
for _ in $(seq 600); do
    all_ready && break
    sleep 0.1
done
all_ready || { echo "watch-suite: the watchers did not ping three times in 60 s"; cat "$work"/*.out; exit 1; }
echo "watch-suite: the three watchers pinged three times; stopping pacemakerd (pid $PCMK_NODE_PACEMAKERD_PID)"
kill -TERM "$PCMK_NODE_PACEMAKERD_PID"
# each must see the disconnect and exit; one that does not within 60 s is killed (and fails)
[ "$ver" != sid ] || kill $ref
for _ in $(seq 600); do
    kill -0 $ours 2>/dev/null || kill -0 $ref 2>/dev/null || kill -0 $mixed 2>/dev/null || break
    sleep 0.1
done
for p in $ours $ref $mixed; do
    if kill -0 "$p" 2>/dev/null; then
        echo "watch-suite: a watcher did not end after the node stopped"; kill -KILL "$p"
    fi
done
set +e
wait $ours; rc_ours=$?
wait $ref; rc_ref=$?
wait $mixed; rc_mixed=$?
set -e
if [ "$ver" = sid ]; then
    rc_ref=$(cat "$reference/test_sbd_watch.ref.rc")
elif [ "$ver" = 3.0 ] && [ -n "$reference" ]; then
    mkdir -p "$reference"; cp "$work/ref.out" "$reference/test_sbd_watch.ref.out"; echo $rc_ref >"$reference/test_sbd_watch.ref.rc"
fi
cat "$work/ours.out"
[ $rc_ours = 0 ] || { echo "watch-suite: ours exited $rc_ours"; cat "$work/vg.err"; exit 1; }
if ! diff -u "$work/ref.out" "$work/ours.out"; then
    echo "watch-suite: output differs from libcrmcommon 3.0.0 (exit $rc_ref) (- libcrmcommon, + ours)"; exit 1
fi
if ! diff -u "$work/ref.out" "$work/mixed.out" || [ $rc_mixed != $rc_ref ]; then
    echo "watch-suite: built against Pacemaker's headers, ours differs (exit $rc_mixed, libcrmcommon $rc_ref)"; exit 1
fi
if [ "$ver" = sid ]; then
    echo "watch-suite: against Pacemaker $PCMK_NODE_PACEMAKER, what libcrmcommon 3.0.0 prints against 3.0.0, line by line; valgrind memcheck clean"
else
    echo "watch-suite: identical to libcrmcommon 3.0.0, line by line; valgrind memcheck clean"
fi
echo "watch-suite: built against Pacemaker 3.0.0's headers and linked with ours: identical too"
