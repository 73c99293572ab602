#!/usr/bin/env bash
# The sbd-style watcher against a live node that is then stopped; runs inside
# `scripts/pcmk-node run 2.1|3.0 -- tests-c/watch-suite.sh BUILD_DIR STAGE_PREFIX`.
# Ours runs under valgrind; libcrmcommon 3.0.0's build of the same source (from the 3.0 chroot)
# runs beside it. When both have pinged three times, pacemakerd is stopped; both must report
# the disconnect, with identical output.
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${PCMK_NODE_ROOT:-}
if [ -z "$root" ]; then
    root=$("$PCMK_NODE_SCRIPT" build 3.0)
    mount -t proc proc "$root/proc"; mount --bind /dev "$root/dev"; mount --bind /dev/shm "$root/dev/shm"
fi
work=$(mktemp -d "$root/tmp/pcmkrs-watch.XXXXXX")
inroot=${work#"$root"}
trap 'rm -rf "$work"' EXIT
cp "$here/test_sbd_watch.c" "$here/check.h" "$work/"
chroot "$root" sh -c "cd $inroot && gcc -Wall -Wextra -Werror -o ref test_sbd_watch.c \$(pkg-config --cflags --libs pacemaker libxml-2.0 glib-2.0)"

LD_LIBRARY_PATH=$stage/lib valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$work/vg.err" "$build/tests-c/test_sbd_watch" "$work/ours.ready" >"$work/ours.out" &
ours=$!
chroot "$root" "$inroot/ref" "$inroot/ref.ready" >"$work/ref.out" &
ref=$!
for _ in $(seq 300); do
    [ -e "$work/ours.ready" ] && [ -e "$work/ref.ready" ] && break
    sleep 0.1
done
[ -e "$work/ours.ready" ] && [ -e "$work/ref.ready" ] || { echo "watch-suite: the watchers did not ping three times"; cat "$work"/*.out; exit 1; }
echo "watch-suite: both watchers pinged three times; stopping pacemakerd (pid $PCMK_NODE_PACEMAKERD_PID)"
kill -TERM "$PCMK_NODE_PACEMAKERD_PID"
set +e
wait $ours; rc_ours=$?
wait $ref; rc_ref=$?
set -e
cat "$work/ours.out"
[ $rc_ours = 0 ] || { echo "watch-suite: ours exited $rc_ours"; cat "$work/vg.err"; exit 1; }
if ! diff -u "$work/ref.out" "$work/ours.out"; then
    echo "watch-suite: output differs from libcrmcommon 3.0.0 (exit $rc_ref) (- libcrmcommon, + ours)"; exit 1
fi
echo "watch-suite: identical to libcrmcommon 3.0.0, line by line; valgrind memcheck clean"
