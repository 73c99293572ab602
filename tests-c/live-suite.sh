#!/usr/bin/env bash
# The C ABI suite against a live node; runs inside `scripts/pcmk-node run 2.1|3.0 -- ...`.
#   tests-c/live-suite.sh BUILD_DIR STAGE_PREFIX
# 1. makes the CIB larger than 1 MiB (padding nvpairs in rsc_defaults, loaded with the node's own
#    cibadmin), so that replies come compressed;
# 2. runs the live test built against our header and library (BUILD_DIR, from meson);
# 3. on 3.0: builds the same source in the chroot against Pacemaker 3.0.0's own headers, once
#    linked with libcrmcommon 3.0.0 and once with our library, runs both, and requires the three
#    outputs to be identical line by line; builds abi_ipc.c (exact signatures, enum values)
#    against Pacemaker's headers and links it with our library;
# 4. runs ours under valgrind memcheck (no error, nothing definitely lost).
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ver=${PCMK_NODE_VERSION:?run me inside scripts/pcmk-node run}
root=${PCMK_NODE_ROOT:-}
work=$(mktemp -d "${root}/tmp/pcmkrs-live.XXXXXX")
inroot=${work#"$root"}         # the same folder as the chroot sees it
trap 'rm -rf "$work"' EXIT
export PCMKRS_PAD_NVPAIRS=1200

# 1. a CIB over 1 MiB: 1200 nvpairs of ~1 KiB (compressible, as real CIBs are)
{
    echo '<rsc_defaults><meta_attributes id="pcmkrs-pad">'
    pad=$(printf 'v%.0s' $(seq 1000))
    for i in $(seq "$PCMKRS_PAD_NVPAIRS"); do
        echo "<nvpair id=\"pcmkrs-pad-$i\" name=\"pcmkrs-pad-$i\" value=\"$i-$pad\"/>"
    done
    echo '</meta_attributes></rsc_defaults>'
} >"$work/pad.xml"
"$PCMK_NODE_SCRIPT" tool cibadmin --create -o configuration --xml-file "$inroot/pad.xml"
echo "live-suite: CIB padded to $("$PCMK_NODE_SCRIPT" tool cibadmin -Q | wc -c) bytes"

# 2. ours
export LD_LIBRARY_PATH=$stage/lib
"$build/tests-c/test_crm_ipc_live" >"$work/ours.out" || { cat "$work/ours.out"; exit 1; }
cat "$work/ours.out"

# 3. the same source against Pacemaker 3.0.0 itself
if [ "$ver" = 3.0 ]; then
    cp "$here/test_crm_ipc_live.c" "$here/abi_ipc.c" "$here/check.h" "$work/"
    mkdir -p "$work/ours"; cp -a "$stage/lib/." "$work/ours/"
    cflags="-Wall -Wextra -Werror -I$inroot"
    chroot "$root" sh -c "cd $inroot && gcc $cflags -o ref test_crm_ipc_live.c \$(pkg-config --cflags --libs pacemaker libxml-2.0) \
        && gcc $cflags -o mixed test_crm_ipc_live.c \$(pkg-config --cflags pacemaker libxml-2.0) -L$inroot/ours -lpcmk-ipc-rs -lxml2 \
        && gcc $cflags -o abi abi_ipc.c \$(pkg-config --cflags pacemaker libxml-2.0) -L$inroot/ours -lpcmk-ipc-rs -lxml2"
    echo "live-suite: abi_ipc.c built against Pacemaker 3.0.0's headers: $(chroot "$root" env LD_LIBRARY_PATH="$inroot/ours" "$inroot/abi" | head -1)"
    chroot "$root" env PCMKRS_PAD_NVPAIRS="$PCMKRS_PAD_NVPAIRS" "$inroot/ref" >"$work/ref.out" || true
    chroot "$root" env PCMKRS_PAD_NVPAIRS="$PCMKRS_PAD_NVPAIRS" LD_LIBRARY_PATH="$inroot/ours" "$inroot/mixed" >"$work/mixed.out" || true
    if ! diff -u "$work/ref.out" "$work/ours.out"; then
        echo "live-suite: output differs from libcrmcommon 3.0.0 (- libcrmcommon, + ours)"; exit 1
    fi
    echo "live-suite: identical to libcrmcommon 3.0.0, line by line ($(wc -l <"$work/ref.out") lines)"
    if ! diff -u "$work/ref.out" "$work/mixed.out"; then
        echo "live-suite: built against Pacemaker's headers, ours differs (- libcrmcommon, + ours)"; exit 1
    fi
    echo "live-suite: built against Pacemaker 3.0.0's headers and linked with ours: identical too"
fi

# 4. valgrind
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite "$build/tests-c/test_crm_ipc_live" >"$work/vg.out" 2>"$work/vg.err" || {
    echo "live-suite: valgrind reports errors:"; cat "$work/vg.err"; tail -3 "$work/vg.out"; exit 1; }
echo "live-suite: valgrind memcheck clean ($(tail -1 "$work/vg.out"))"
