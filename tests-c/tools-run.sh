#!/usr/bin/env bash
# Run tests-c/tools-sequence.txt (Pacemaker 3.0.0's own tools, unmodified) on the live node this
# runs in, and write a transcript: each command, its stdout, its stderr, its exit status.
#   tests-c/tools-run.sh MODE OUT_DIR
# inside `scripts/pcmk-node run 3.0 -- ...`. MODE says how each tool runs:
#   plain        on libcrmcommon 3.0.0 alone
#   preload      with our library preloaded (LD_PRELOAD=$PCMKRS_TOOLS_LIB, a path in the chroot)
#   relink       as plain, but crmadmin and cibadmin are the copies in $PCMKRS_TOOLS_RELINKED
#                (a folder in the chroot, put first in PATH) whose first dependency is our
#                library
#   valgrind, valgrind-preload
#                as plain and preload, under valgrind memcheck (logs in OUT_DIR/vg/)
# The '@' steps (waiting for the cluster to settle, the crm_mon run) use the plain tools around
# the tool under test, so that every mode sees the same cluster.
set -euo pipefail
mode=$1 out=$(realpath -m "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${PCMK_NODE_ROOT:?run me inside scripts/pcmk-node run 3.0}
mkdir -p "$out"
work=$(mktemp -d "$root/tmp/pcmkrs-tools.XXXXXX")
inroot=${work#"$root"}
trap 'rm -rf "$work"' EXIT

vg="valgrind --trace-children=yes --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=none"
vg="$vg --log-file=$inroot/vg.%p"
case "$mode" in
    plain) prefix= ;;
    relink) prefix="env PATH=${PCMKRS_TOOLS_RELINKED:?}:/usr/sbin:/usr/bin:/sbin:/bin" ;;
    preload) prefix="env LD_PRELOAD=${PCMKRS_TOOLS_LIB:?}" ;;
    valgrind) prefix="$vg" ;;
    valgrind-preload) prefix="env LD_PRELOAD=${PCMKRS_TOOLS_LIB:?} $vg" ;;
    *) echo "tools-run: unknown mode '$mode'" >&2; exit 2 ;;
esac

plain() { chroot "$root" "$@"; }
idle() { case "$(plain crmadmin -q -S node1 2>&1)" in *S_IDLE*) return 0 ;; esac; return 1; }
settle() {
    # idle twice with a pause between: the attribute manager writes to the CIB on its own time
    local n
    for n in 1 2; do
        for _ in $(seq 300); do idle && break; sleep 0.1; done
        idle || { echo "tools-run: the controller did not become idle in 30 s" >&2; return 1; }
        sleep 0.5
    done
}

# run one command line in the root, the tool under test wrapped as the mode says
step=0
record() {
    local line=$1 cmd
    step=$((step + 1))
    cmd=$line
    [ -z "$prefix" ] || cmd="$prefix $cmd"
    set +e
    chroot "$root" /bin/sh -c "cd /tmp && exec $cmd" >"$work/o" 2>"$work/e"
    local rc=$?
    set -e
    {
        printf '$ %s\n' "$line"
        cat "$work/o"
        if [ -s "$work/e" ]; then echo "--- stderr"; cat "$work/e"; fi
        echo "--- exit $rc"
    } >>"$out/transcript"
    collect_valgrind
}

collect_valgrind() {
    local f
    for f in "$work"/vg.*; do
        [ -e "$f" ] || continue
        mkdir -p "$out/vg"
        mv "$f" "$out/vg/$(printf '%03d' $step)-${f##*/vg.}"
    done
}

# crm_mon in update mode (main loop, CIB notifications) writing to a file: a node attribute set
# meanwhile must appear in it; then it is stopped and its last output recorded
mon() {
    local line=$1 cmd monfile=$inroot/mon.out
    step=$((step + 1))
    cmd=${line//MONFILE/$monfile}
    [ -z "$prefix" ] || cmd="$prefix $cmd"
    chroot "$root" /bin/sh -c "cd /tmp && exec $cmd" >"$work/o" 2>"$work/e" &
    local pid=$! seen=no rc
    sleep 2
    plain crm_attribute -N node1 -l reboot -n mon-probe -v 1 >/dev/null
    for _ in $(seq 100); do
        if grep -q 'mon-probe' "$work/mon.out" 2>/dev/null; then
            sleep 0.2; cp "$work/mon.out" "$work/mon.seen"; seen=yes; break
        fi
        sleep 0.1
    done
    kill -TERM $pid
    set +e; wait $pid; rc=$?; set -e
    {
        printf '$ %s\n' "$line"
        echo "(the attribute set meanwhile appeared: $seen)"
        cat "$work/mon.seen" 2>/dev/null
        echo "--- its output when stopped"
        cat "$work/mon.out" 2>/dev/null
        cat "$work/o"
        if [ -s "$work/e" ]; then echo "--- stderr"; cat "$work/e"; fi
        echo "--- exit $rc"
    } >>"$out/transcript"
    collect_valgrind
    plain crm_attribute -N node1 -l reboot -n mon-probe -D >/dev/null
    settle
}

: >"$out/transcript"
settle
while IFS= read -r line; do
    case "$line" in
        ''|'#'*) ;;
        '@settle') settle ;;
        '@mon '*) mon "${line#@mon }" ;;
        *) record "$line" ;;
    esac
done <"$here/tools-sequence.txt"
echo "tools-run: $mode: $step commands"
