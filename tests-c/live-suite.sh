#!/usr/bin/env bash
# The C ABI suite against a live node; runs inside `scripts/pcmk-node run 2.1|3.0 -- ...`.
#   tests-c/live-suite.sh BUILD_DIR STAGE_PREFIX
# 1. makes the CIB larger than 1 MiB (padding nvpairs in rsc_defaults, loaded with the node's own
#    cibadmin), so that replies come compressed;
# 2. runs each live test built against our header and library (BUILD_DIR, from meson);
# 3. builds the same sources in the chroot against Pacemaker 3.0.0's own headers, once
#    linked with libcrmcommon 3.0.0 and once with our library, runs both, and requires the three
#    outputs to be identical line by line; builds the ABI checks (exact signatures, enum values,
#    struct layouts) against Pacemaker's headers and links them with our library;
# 4. runs ours under valgrind memcheck (no error, nothing definitely lost).
# On a sid node (Pacemaker 3.0.3 or later, the 3.0.1+ header) libcrmcommon 3.0.0 cannot talk to
# the daemons: there ours (and the build against Pacemaker 3.0.0's headers linked with ours) must
# print what libcrmcommon 3.0.0 printed on the 3.0.0 node, saved by that run in
# $PCMKRS_LIVE_REFERENCE (the values that differ between releases masked: feature sets, the CIB
# manager's function names); libcrmcommon 3.0.0's own attempt is run and must fail.
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ver=${PCMK_NODE_VERSION:?run me inside scripts/pcmk-node run}
root=${PCMK_NODE_ROOT:-}
reference=${PCMKRS_LIVE_REFERENCE:-}
if [ -z "$root" ] || [ "$ver" = sid ]; then
    # a 2.1 or sid node: libcrmcommon 3.0.0 and its headers from the 3.0 chroot (this mount
    # namespace is the node's private one: the mounts go with it)
    root=$("$PCMK_NODE_SCRIPT" build 3.0)
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    mount --bind /dev/shm "$root/dev/shm"
fi
work=$(mktemp -d "${root}/tmp/pcmkrs-live.XXXXXX")
if [ "$ver" = sid ]; then
    [ -n "$reference" ] && [ -d "$reference" ] || {
        echo "live-suite: a sid node needs the 3.0 node's reference (PCMKRS_LIVE_REFERENCE): run 3.0 first"; exit 1; }
fi
# what differs between releases in the tests' output, for comparisons across nodes
mask() {
    sed -E -e 's/feature_set 3\.[0-9]+\.[0-9]+/feature_set <feature set>/g' \
        -e 's/<(cib_common_callback_worker|dispatch_common) /<(the CIB manager'"'"'s register reply) /g' "$1"
}
# libcrmcommon 3.0.0 against newer daemons waits for replies that never come: it gets a while
ref_timeout=300
[ "$ver" != sid ] || ref_timeout=20
# compare ours ($2) with libcrmcommon 3.0.0's output ($1): on this node, or saved on the 3.0 node
same() {
    if [ "$ver" = sid ]; then diff -u <(mask "$1") <(mask "$2"); else diff -u "$1" "$2"; fi
}
inroot=${work#"$root"}         # the same folder as the chroot sees it
impostor_pid=
trap '[ -z "$impostor_pid" ] || kill "$impostor_pid" 2>/dev/null; rm -rf "$work" "${PCMK_NODE_ROOT:-/nonexistent}/tmp/pcmkrs-pad.$$.xml"' EXIT
export PCMKRS_PAD_NVPAIRS=1200
tests=(test_crm_ipc_live test_api_live test_internal_live)
abi=(abi_ipc abi_daemons)

# 1. a CIB over 1 MiB: 1200 nvpairs of ~1 KiB (compressible, as real CIBs are)
{
    echo '<rsc_defaults><meta_attributes id="pcmkrs-pad">'
    pad=$(printf 'v%.0s' $(seq 1000))
    for i in $(seq "$PCMKRS_PAD_NVPAIRS"); do
        echo "<nvpair id=\"pcmkrs-pad-$i\" name=\"pcmkrs-pad-$i\" value=\"$i-$pad\"/>"
    done
    echo '</meta_attributes></rsc_defaults>'
} >"$work/pad.xml"
# the node's own cibadmin: in its chroot (3.0) or on the host (2.1)
if [ -n "${PCMK_NODE_ROOT:-}" ]; then
    # a copy where the node's chroot sees it (on a sid node, not the 3.0 chroot used here)
    cp "$work/pad.xml" "$PCMK_NODE_ROOT/tmp/pcmkrs-pad.$$.xml"
    pad=/tmp/pcmkrs-pad.$$.xml
else
    pad=$work/pad.xml
fi
"$PCMK_NODE_SCRIPT" tool cibadmin --create -o configuration --xml-file "$pad"
# changes make transitions: every run starts with the controller idle
wait_idle() {
    for _ in $(seq 150); do
        case "$("$PCMK_NODE_SCRIPT" tool crmadmin -q -S node1 2>&1)" in *S_IDLE*) return 0 ;; esac
        sleep 0.2
    done
    echo "live-suite: the controller did not become idle in 30 s"
    return 1
}
wait_idle
echo "live-suite: CIB padded to $("$PCMK_NODE_SCRIPT" tool cibadmin -Q | wc -c) bytes"

# a libqb server that is not Pacemaker's: the echo server, run as nobody (from a copy nobody can
# execute); every client must refuse it
chmod 755 "$work"
cp "$build/tests-c/qb_echo_server" "$work/impostor"
export PCMKRS_IMPOSTOR=pcmkrs-impostor
setpriv --reuid=nobody --regid=nogroup --clear-groups "$work/impostor" "$PCMKRS_IMPOSTOR" shm 0 raw \
    >"$work/impostor.out" &
impostor_pid=$!
for _ in $(seq 100); do grep -q ready "$work/impostor.out" && break; sleep 0.1; done
grep -q ready "$work/impostor.out" || { echo "live-suite: the impostor server did not start"; exit 1; }

# 2. ours
export LD_LIBRARY_PATH=$stage/lib
for t in "${tests[@]}"; do
    echo "-- $t (ours)"
    wait_idle
    "$build/tests-c/$t" >"$work/$t.ours" || { cat "$work/$t.ours"; exit 1; }
    cat "$work/$t.ours"
done

# ours only: what libcrmcommon does not promise (one object used from two threads), and the
# daemon API where 3.0.0 aborts or crashes (docs/differences.md A2-A5)
"$build/tests-c/test_threads_live" || exit 1
wait_idle
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    "$build/tests-c/test_api_beyond" >"$work/beyond.out" 2>"$work/beyond.err" \
    || { cat "$work/beyond.out" "$work/beyond.err"; exit 1; }
echo "live-suite: test_api_beyond (ours only, valgrind memcheck clean): $(tail -1 "$work/beyond.out")"

# 3. the same sources against Pacemaker 3.0.0 itself (also against 2.1 daemons)
{
    cp "$here"/*.c "$here"/*.h "$work/"
    mkdir -p "$work/ours"; cp -a "$stage/lib/." "$work/ours/"
    cflags="-Wall -Wextra -Werror -I$inroot"
    pc='pkg-config --cflags pacemaker libxml-2.0 glib-2.0'
    for t in "${tests[@]}"; do
        chroot "$root" sh -c "cd $inroot && gcc $cflags -o $t.ref $t.c \$($pc --libs) \
            && gcc $cflags -o $t.mixed $t.c \$($pc) -L$inroot/ours -lpcmk-ipc-rs \$(pkg-config --libs libxml-2.0 glib-2.0)"
        wait_idle
        chroot "$root" env PCMKRS_PAD_NVPAIRS="$PCMKRS_PAD_NVPAIRS" PCMKRS_IMPOSTOR="$PCMKRS_IMPOSTOR" PCMK_NODE_VERSION="$ver" \
            timeout "$ref_timeout" "$inroot/$t.ref" >"$work/$t.ref.out" 2>/dev/null \
            || echo "exit status $?" >>"$work/$t.ref.out"
        wait_idle
        chroot "$root" env PCMKRS_PAD_NVPAIRS="$PCMKRS_PAD_NVPAIRS" PCMKRS_IMPOSTOR="$PCMKRS_IMPOSTOR" PCMK_NODE_VERSION="$ver" LD_LIBRARY_PATH="$inroot/ours" "$inroot/$t.mixed" >"$work/$t.mixed.out" \
            || echo "exit status $?" >>"$work/$t.mixed.out"
        expected=$work/$t.ref.out
        if [ "$ver" = sid ]; then
            # libcrmcommon 3.0.0 does not talk to these daemons; the 3.0.0 node's run is the reference
            if same "$reference/$t.ref.out" "$work/$t.ref.out" >/dev/null; then
                echo "live-suite: $t: libcrmcommon 3.0.0 unexpectedly works against Pacemaker $PCMK_NODE_PACEMAKER"; exit 1
            fi
            echo "live-suite: $t: libcrmcommon 3.0.0 against Pacemaker $PCMK_NODE_PACEMAKER: $(grep -c '^not ok' "$work/$t.ref.out") checks fail, $(tail -1 "$work/$t.ref.out")"
            expected=$reference/$t.ref.out
        elif [ "$ver" = 3.0 ] && [ -n "$reference" ]; then
            mkdir -p "$reference"; cp "$work/$t.ref.out" "$reference/"
        fi
        if ! same "$expected" "$work/$t.ours"; then
            echo "live-suite: $t: output differs from libcrmcommon 3.0.0 (- libcrmcommon, + ours)"; exit 1
        fi
        if [ "$ver" = sid ]; then
            echo "live-suite: $t: against Pacemaker $PCMK_NODE_PACEMAKER, what libcrmcommon 3.0.0 prints against 3.0.0, line by line ($(wc -l <"$work/$t.ours") lines)"
        else
            echo "live-suite: $t: identical to libcrmcommon 3.0.0, line by line ($(wc -l <"$work/$t.ours") lines, Pacemaker $ver daemons)"
        fi
        if ! same "$expected" "$work/$t.mixed.out"; then
            echo "live-suite: $t built against Pacemaker's headers, ours differs (- libcrmcommon, + ours)"; exit 1
        fi
        echo "live-suite: $t built against Pacemaker 3.0.0's headers and linked with ours: identical too"
    done
    # a libcrmcommon main-loop source removed with our mainloop_del_ipc_client (no daemon)
    t=test_mainloop_fd
    chroot "$root" sh -c "cd $inroot && gcc $cflags -o $t.ref $t.c \$($pc --libs) \
        && gcc $cflags -o $t.linked $t.c -Wl,--no-as-needed -L$inroot/ours -lpcmk-ipc-rs \$($pc --libs)"
    chroot "$root" "$inroot/$t.ref" >"$work/$t.ref.out" 2>&1 || echo "exit status $?" >>"$work/$t.ref.out"
    chroot "$root" env LD_LIBRARY_PATH="$inroot/ours" "$inroot/$t.linked" >"$work/$t.linked.out" 2>&1 \
        || echo "exit status $?" >>"$work/$t.linked.out"
    diff -u "$work/$t.ref.out" "$work/$t.linked.out" \
        || { echo "live-suite: $t: differs from libcrmcommon 3.0.0 (- libcrmcommon, + ours linked first)"; exit 1; }
    grep -q ' 0 failed' "$work/$t.linked.out" || { cat "$work/$t.linked.out"; exit 1; }
    echo "live-suite: $t: a libcrmcommon source removed through our mainloop_del_ipc_client as through its own ($(tail -1 "$work/$t.linked.out"))"
    # Pacemaker's own libcib on this library: the program linked with ours ahead of libcib and
    # libcrmcommon (--no-as-needed: the program itself calls none of our functions)
    t=test_cib_client
    cibpc='pkg-config --cflags --libs pacemaker-cib libxml-2.0 glib-2.0'
    chroot "$root" sh -c "cd $inroot && gcc $cflags -Wno-deprecated-declarations -o $t.ref $t.c \$($cibpc) \
        && gcc $cflags -Wno-deprecated-declarations -o $t.linked $t.c -Wl,--no-as-needed -L$inroot/ours -lpcmk-ipc-rs \$($cibpc)"
    first=$(readelf -d "$work/$t.linked" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5; exit}')
    [ "$first" = libpcmk-ipc-rs.so.0 ] || { echo "live-suite: $t.linked's first dependency is $first"; exit 1; }
    wait_idle
    chroot "$root" timeout "$ref_timeout" "$inroot/$t.ref" >"$work/$t.ref.out" 2>&1 || echo "exit status $?" >>"$work/$t.ref.out"
    wait_idle
    chroot "$root" env LD_LIBRARY_PATH="$inroot/ours" "$inroot/$t.linked" >"$work/$t.linked.out" 2>&1 \
        || echo "exit status $?" >>"$work/$t.linked.out"
    expected=$work/$t.ref.out
    if [ "$ver" = sid ]; then
        same "$reference/$t.ref.out" "$work/$t.ref.out" >/dev/null \
            && { echo "live-suite: $t: libcib 3.0.0 unexpectedly works against Pacemaker $PCMK_NODE_PACEMAKER"; exit 1; }
        expected=$reference/$t.ref.out
    elif [ "$ver" = 3.0 ] && [ -n "$reference" ]; then
        mkdir -p "$reference"; cp "$work/$t.ref.out" "$reference/"
    fi
    if ! same "$expected" "$work/$t.linked.out"; then
        echo "live-suite: $t: libcib linked after our library differs (- libcrmcommon alone, + ours first)"; exit 1
    fi
    grep -q '^notifications seen: yes' "$expected" || { cat "$expected"; exit 1; }
    echo "live-suite: $t: Pacemaker's libcib on our library (linked first) prints what it prints on libcrmcommon alone ($(wc -l <"$expected") lines)"
    # a reply that is not XML, from the echo server (no daemon involved)
    t=test_bad_reply
    chroot "$root" sh -c "cd $inroot && gcc $cflags -o $t.ref $t.c \$($pc --libs)"
    "$build/tests-c/$t" "$work/impostor" >"$work/$t.ours" || { cat "$work/$t.ours"; exit 1; }
    chroot "$root" "$inroot/$t.ref" "$inroot/impostor" >"$work/$t.ref.out" \
        || echo "exit status $?" >>"$work/$t.ref.out"
    if ! diff -u "$work/$t.ref.out" "$work/$t.ours"; then
        echo "live-suite: $t: output differs from libcrmcommon 3.0.0 (- libcrmcommon, + ours)"; exit 1
    fi
    echo "live-suite: $t: identical to libcrmcommon 3.0.0, line by line ($(wc -l <"$work/$t.ours") lines)"
    for a in "${abi[@]}"; do
        chroot "$root" sh -c "cd $inroot && gcc $cflags -o $a $a.c \$($pc) -L$inroot/ours -lpcmk-ipc-rs \$(pkg-config --libs libxml-2.0 glib-2.0)"
        chroot "$root" env LD_LIBRARY_PATH="$inroot/ours" "$inroot/$a" >"$work/$a.out" \
            || { echo "live-suite: $a.c against Pacemaker 3.0.0's headers fails:"; cat "$work/$a.out"; exit 1; }
        echo "live-suite: $a.c built against Pacemaker 3.0.0's headers: $(head -1 "$work/$a.out")"
    done
}

# 4. valgrind: memcheck errors (exit status 99) fail at once; a check of the daemons' answers
# that fails under valgrind's slowness (exit status 1, no memcheck error) is run once more, and
# both runs are shown
vg() {
    wait_idle
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite "$build/tests-c/$1" >"$work/$1.vg" 2>"$work/$1.vg.err"
}
for t in "${tests[@]}"; do
    rc=0; vg "$t" || rc=$?
    if [ $rc = 1 ] && [ ! -s "$work/$t.vg.err" ]; then
        echo "live-suite: $t: under valgrind, checks failed without a memcheck error; the failing run:"
        grep -n '^not ok' "$work/$t.vg" || true
        tail -5 "$work/$t.vg"
        rc=0; vg "$t" || rc=$?
    fi
    if [ $rc != 0 ]; then
        echo "live-suite: $t: valgrind run fails (exit status $rc):"; cat "$work/$t.vg.err"
        grep -n '^not ok' "$work/$t.vg" || true; tail -20 "$work/$t.vg"
        [ -z "${PCMK_NODE_STATE:-}" ] || { echo "-- the node's log, last 40 lines:"; tail -40 "$PCMK_NODE_STATE/log/pacemaker.log" 2>/dev/null || true; }
        exit 1
    fi
    echo "live-suite: $t: valgrind memcheck clean ($(tail -1 "$work/$t.vg"))"
done
