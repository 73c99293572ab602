#!/usr/bin/env bash
# pcmk_pacemakerd_api_shutdown, compared with libcrmcommon 3.0.0. Shutting down ends the node, so
# each build runs on a node of its own:
#   tests-c/shutdown-suite.sh BUILD_DIR STAGE_PREFIX 2.1|3.0|sid
# runs tests-c/test_shutdown.c built three ways (ours; Pacemaker 3.0.0's headers + libcrmcommon
# 3.0.0; Pacemaker's headers + ours, the last two in the 3.0 chroot) and requires the three
# outputs to be identical line by line. On a sid node (3.0.1+ daemons, which libcrmcommon 3.0.0
# cannot talk to) the reference is what libcrmcommon 3.0.0 printed on the 3.0 node, saved in
# $PCMKRS_LIVE_REFERENCE by that run.
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2") ver=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$here/../scripts/pcmk-node
root=$("$node" build 3.0)
work=$(mktemp -d "$root/tmp/pcmkrs-shutdown.XXXXXX")
inroot=${work#"$root"}
trap 'rm -rf "$work"' EXIT
cp "$here/test_shutdown.c" "$here/check.h" "$work/"
mkdir -p "$work/ours"; cp -a "$stage/lib/." "$work/ours/"
pc='pkg-config --cflags pacemaker libxml-2.0 glib-2.0'
"$node" exec 3.0 sh -c "cd $inroot && gcc -Wall -Wextra -Werror -o ref test_shutdown.c \$($pc --libs) \
    && gcc -Wall -Wextra -Werror -o mixed test_shutdown.c \$($pc) -L$inroot/ours -lpcmk-ipc-rs \$(pkg-config --libs libxml-2.0 glib-2.0)"

"$node" run "$ver" -- env LD_LIBRARY_PATH="$stage/lib" valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --log-file="$work/vg.err" "$build/tests-c/test_shutdown" >"$work/ours.out" \
    || { cat "$work/ours.out" "$work/vg.err"; echo "shutdown-suite: ours failed (valgrind memcheck included)"; exit 1; }
cat "$work/ours.out"
# inside the run, `pcmk-node exec` enters the chroot with the run's /dev/shm and network
reference=${PCMKRS_LIVE_REFERENCE:-}
if [ "$ver" = sid ]; then
    [ -n "$reference" ] && [ -f "$reference/test_shutdown.ref.out" ] \
        || { echo "shutdown-suite: a sid node needs the 3.0 node's reference: run 3.0 first"; exit 1; }
    cp "$reference/test_shutdown.ref.out" "$work/ref.out"
else
    "$node" run "$ver" -- "$node" exec 3.0 "$inroot/ref" >"$work/ref.out" \
        || echo "exit status $?" >>"$work/ref.out"
    if [ "$ver" = 3.0 ] && [ -n "$reference" ]; then mkdir -p "$reference"; cp "$work/ref.out" "$reference/test_shutdown.ref.out"; fi
fi
"$node" run "$ver" -- "$node" exec 3.0 env LD_LIBRARY_PATH="$inroot/ours" "$inroot/mixed" >"$work/mixed.out" \
    || echo "exit status $?" >>"$work/mixed.out"
if ! diff -u "$work/ref.out" "$work/ours.out"; then
    echo "shutdown-suite: output differs from libcrmcommon 3.0.0 (- libcrmcommon, + ours)"; exit 1
fi
if ! diff -u "$work/ref.out" "$work/mixed.out"; then
    echo "shutdown-suite: built against Pacemaker's headers, ours differs (- libcrmcommon, + ours)"; exit 1
fi
echo "shutdown-suite: identical to libcrmcommon 3.0.0, line by line ($(wc -l <"$work/ours.out") lines, Pacemaker $ver daemons), also built against Pacemaker 3.0.0's headers; valgrind memcheck clean"
