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
# The '@' steps (waiting for the cluster to settle, the crm_mon run) use the node's own tools
# around the tool under test, so that every mode sees the same cluster. PCMKRS_TOOLS_ONLY (tool
# names) runs the commands of those tools only.
#
# In a cluster (inside `scripts/pcmk-node cluster`), PCMKRS_TOOLS_MEMBER names the member the
# tools run on (a node that is not the DC, a remote node); the runner's own steps then use node1,
# the DC.
set -euo pipefail
mode=$1 out=$(realpath -m "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
member=${PCMKRS_TOOLS_MEMBER:-}
if [ -n "$member" ]; then
    root=$(cat "${PCMK_LAB_STATE:?PCMKRS_TOOLS_MEMBER: run me inside scripts/pcmk-node cluster}/$member/root")
    in_node() { "$PCMK_NODE_SCRIPT" on "$member" "$@"; }
    plain() { "$PCMK_NODE_SCRIPT" on node1 "$@"; }
else
    root=${PCMK_NODE_ROOT:?run me inside scripts/pcmk-node run 3.0|sid}
    in_node() { chroot "$root" "$@"; }
    # the steps around the tool under test use the node's own tools
    plain() { "$PCMK_NODE_SCRIPT" tool "$@"; }
fi
# the tools' root: the node's, or PCMKRS_TOOLS_ROOT (3.0.0's tools against a newer node: the
# rolling-upgrade case), mounted here as the node's is (this mount namespace is the node's own)
if [ -n "${PCMKRS_TOOLS_ROOT:-}" ] && [ "$PCMKRS_TOOLS_ROOT" != "$root" ]; then
    root=$PCMKRS_TOOLS_ROOT
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
    mountpoint -q "$root/dev" || { mount --bind /dev "$root/dev" && mount --bind /dev/shm "$root/dev/shm"; }
fi
mkdir -p "$out"
# (under /var/tmp: a cluster member's /tmp is its own)
work=$(mktemp -d "$root/var/tmp/pcmkrs-tools.XXXXXX")
chmod 0755 "$work"
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
    in_node /bin/sh -c "cd /tmp && exec $cmd" >"$work/o" 2>"$work/e"
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
    # (its pid as the node sees it: in a cluster it runs in the member's pid namespace)
    in_node /bin/sh -c "cd /tmp && echo \$\$ >$inroot/mon.pid && exec $cmd" >"$work/o" 2>"$work/e" &
    local pid=$! seen=no rc
    sleep 2
    plain crm_attribute -N node1 -l reboot -n mon-probe -v 1 >/dev/null
    for _ in $(seq 100); do
        if grep -q 'mon-probe' "$work/mon.out" 2>/dev/null; then
            sleep 0.2; cp "$work/mon.out" "$work/mon.seen"; seen=yes; break
        fi
        sleep 0.1
    done
    in_node kill -TERM "$(cat "$work/mon.pid")"
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

only=${PCMKRS_TOOLS_ONLY:-}
wanted() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }

: >"$out/transcript"
settle
while IFS= read -r line; do
    case "$line" in
        ''|'#'*) ;;
        '@settle') settle ;;
        '@mon '*) if wanted crm_mon; then mon "${line#@mon }"; fi ;;
        *) if wanted "${line%% *}"; then record "$line"; fi ;;
    esac
done <"$here/tools-sequence.txt"
# the rolling-upgrade run (PCMKRS_TOOLS_UPGRADE, 3.0.0's tools against newer daemons): the same
# tools on libcrmcommon 3.0.0 alone fail against these daemons; and the tools that interpret the
# CIB with 3.0.0's scheduler library read the newer CIB as they read it from a file, without
# IPC (what they print is not this library's doing)
if [ -n "${PCMKRS_TOOLS_UPGRADE:-}" ]; then
    for cmd in "crmadmin -P --timeout=5s" "crmadmin -D --timeout=5s" "cibadmin -Q -o nodes -t 5"; do
        set +e
        chroot "$root" /bin/sh -c "exec timeout 20 $cmd" >/dev/null 2>&1
        echo "$cmd: exit $?" >>"$out/alone"
        set -e
    done
    plain cibadmin -Q >"$work/cib.xml"
    for how in file preloaded; do
        if [ $how = file ]; then env="CIB_file=$inroot/cib.xml"; else env="LD_PRELOAD=${PCMKRS_TOOLS_LIB:?}"; fi
        set +e
        chroot "$root" /bin/sh -c "cd /tmp && exec env $env crm_resource --list" >"$out/crm_resource.$how" 2>&1
        echo "--- exit $?" >>"$out/crm_resource.$how"
        set -e
    done
fi
echo "tools-run: $mode${member:+ on $member}: $step commands"
