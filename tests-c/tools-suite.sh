#!/usr/bin/env bash
# Pacemaker 3.0.0's own tools and daemons (the 3.0 chroot's binaries, unmodified) on this
# library, compared command by command with libcrmcommon 3.0.0 alone.
#   tests-c/tools-suite.sh STAGE_PREFIX [RESULTS_DIR]
# Each run is a fresh live 3.0.0 node (empty CIB) running tests-c/tools-sequence.txt
# (tests-c/tools-run.sh):
#   plain             tools and daemons on libcrmcommon alone: the reference
#   preload           the tools with our library preloaded
#   relink            crmadmin and cibadmin relinked with our library as their first dependency
#                     (patchelf --add-needed: the dynamic section `cc ... -lpcmk-ipc-rs -lcrmcommon`
#                     gives; Pacemaker's objects are not at hand to link again)
#   daemons           the tools on libcrmcommon alone, every daemon with our library preloaded
#   valgrind, valgrind-preload
#                     the tools under valgrind memcheck, without and with our library
# Every transcript must equal the reference once time stamps and run times are masked; the
# daemons' node must log no error, crash or respawn that the plain node does not; under
# valgrind our library must add no error and no leak. The table of results is written to
# RESULTS_DIR/table.md (default: a temporary folder, printed).
set -euo pipefail
stage=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$(realpath "$here/../scripts/pcmk-node")
root=$("$node" build 3.0)
# normalise, blocks, log_events, crashes, suite_start
. "$here/transcripts.sh"
# PCMKRS_TOOLS_REUSE=DIR: compare the runs kept in DIR by an earlier failed invocation, without
# running them again (to work on the comparison). The library and the relinked tools go into
# $dir, where the chroot's tools can open them.
suite_start tools PCMKRS_TOOLS_REUSE "$root" "$stage" "${2:-}"
inroot=${dir#"$root"}
for t in crmadmin cibadmin; do
    cp "$root/usr/sbin/$t" "$dir/$t"
    patchelf --add-needed libpcmk-ipc-rs.so.0 "$dir/$t"
    patchelf --set-rpath '$ORIGIN' "$dir/$t"
    first=$(readelf -d "$dir/$t" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5; exit}')
    [ "$first" = libpcmk-ipc-rs.so.0 ] || { echo "tools-suite: $t's first dependency is $first"; exit 1; }
done
chroot "$root" ldd "$inroot/crmadmin" | grep -q "libpcmk-ipc-rs.so.0 => $inroot/" \
    || { echo "tools-suite: the relinked crmadmin does not find our library"; exit 1; }

# one run: MODE on a fresh node (of version $node_version, 3.0 by default), with pcmk-node's
# extra options
run() {
    local mode=$1 name=$2; shift 2
    local t0=$SECONDS
    PCMKRS_TOOLS_LIB=$inroot/libpcmk-ipc-rs.so.0 PCMKRS_TOOLS_RELINKED=$inroot \
        "$node" run "${node_version:-3.0}" --keep-log "$work/$name" "$@" -- "$here/tools-run.sh" "$mode" "$work/$name" \
        || { echo "tools-suite: the $name run failed"; keep=1; exit 1; }
    echo "tools-suite: $name: $((SECONDS - t0)) s"
}


if [ -z "${PCMKRS_TOOLS_REUSE:-}" ]; then
    run plain plain
    run preload preload
    run relink relink
    run plain daemons --preload "$lib"
    run valgrind valgrind
    run valgrind-preload valgrind-preload
    # the rolling upgrade: 3.0.0's tools (the 3.0 chroot's) against a sid node's daemons, the
    # tools that only talk to daemons (those that also interpret the CIB with 3.0.0's scheduler
    # library cannot read a newer node's CIB, with or without IPC: checked below)
    export PCMKRS_TOOLS_ONLY="crmadmin crm_node cibadmin crm_attribute attrd_updater crm_standby stonith_admin"
    run plain upgrade-ref
    PCMKRS_TOOLS_ROOT=$root PCMKRS_TOOLS_UPGRADE=1 node_version=sid run preload upgrade
    unset PCMKRS_TOOLS_ONLY
fi

normalise "$work/plain/transcript" >"$work/plain.norm"
blocks "$work/plain.norm" >"$work/plain.blocks"
commands=$(wc -l <"$work/plain.blocks")
# the transcript of run $2 against that of run $1: the steps whose output differs (a missing
# step counts as different), in $2.differs
compare() {
    join -a 1 -e none -o 0,1.2,1.3,2.3 "$work/$1.blocks" "$work/$2.blocks" \
        | awk '$3 != $4 { print $1, $2 }' >"$work/$2.differs"
    if [ ! -s "$work/$2.differs" ]; then
        echo "tools-suite: $2: all $commands commands print what they print $3"
    else
        failed "tools-suite: $2: $(wc -l <"$work/$2.differs") of $commands commands differ from the $1 run: $(tr '\n' ' ' <"$work/$2.differs")"
        diff -u "$work/$1.norm" "$work/$2.norm" || true
    fi
}
for name in preload relink daemons valgrind valgrind-preload; do
    normalise "$work/$name/transcript" >"$work/$name.norm"
    blocks "$work/$name.norm" >"$work/$name.blocks"
done
compare plain preload "on libcrmcommon alone"
compare plain relink "on libcrmcommon alone"
compare plain daemons "on a plain node"
# the upgrade: the values the newer daemons write into the CIB masked (their version, and where
# they put have-watchdog)
for name in upgrade-ref upgrade; do
    sed -E -e '/name="have-watchdog"/d' -e 's/(name="dc-version" value=)"[^"]*"/\1"<version>"/' \
        "$work/$name/transcript" | normalise /dev/stdin >"$work/$name.norm"
    blocks "$work/$name.norm" >"$work/$name.blocks"
done
upgrade_commands=$(wc -l <"$work/upgrade-ref.blocks")
commands_saved=$commands; commands=$upgrade_commands
compare upgrade-ref upgrade "with 3.0.0's tools against Pacemaker $(chroot "$("$node" build sid)" pacemakerd --version | head -1 | awk '{print $2}')'s daemons as on a 3.0.0 node"
commands=$commands_saved
if grep -q 'exit 0$' "$work/upgrade/alone"; then
    failed "tools-suite: upgrade: libcrmcommon 3.0.0 alone unexpectedly works against the newer daemons: $(tr '\n' ';' <"$work/upgrade/alone")"
else
    echo "tools-suite: upgrade: the same tools on libcrmcommon 3.0.0 alone fail: $(tr '\n' ';' <"$work/upgrade/alone")"
fi
if diff -u "$work/upgrade/crm_resource.file" "$work/upgrade/crm_resource.preloaded"; then
    echo "tools-suite: upgrade: crm_resource 3.0.0 reads the newer CIB as from a file, without IPC: $(head -2 "$work/upgrade/crm_resource.file" | tr '\n' ' ')"
else
    failed "tools-suite: upgrade: crm_resource reads the newer CIB differently through the library than from a file (above)"
fi
# Under valgrind the tools run many times slower, which changes what some print (crm_resource
# --refresh may get its reply before it says it waits for one): there, the exit statuses must
# be those of the same tools under valgrind on libcrmcommon alone.
for name in valgrind valgrind-preload; do
    awk '/^\$ / { n++ } /^--- exit / { printf "%03d %s\n", n, $3 }' "$work/$name.norm" >"$work/$name.exits"
done
if diff -u "$work/valgrind.exits" "$work/valgrind-preload.exits"; then
    echo "tools-suite: valgrind-preload: every exit status is the one on libcrmcommon alone under valgrind"
else
    failed "tools-suite: under valgrind, exit statuses differ (- libcrmcommon alone, + with our library; above)"
fi

# the daemons: no warning or error the plain node does not log, no crash, no respawn
compare_logs "tools-suite: daemons:" "$work/plain/pacemaker.log" "$work/daemons/pacemaker.log" \
    "$work/plain/pacemaker.log" "$work/daemons/pacemaker.log" "$work/daemons" || true

# valgrind: per command, errors, and the definitely, indirectly and possibly lost bytes and
# blocks, summed over its processes. Blocks are compared, bytes shown: what the tools leak holds
# CIB text (crm_resource's copy of the CIB), whose length varies by a byte or two between runs
# (timestamps), while the number of blocks lost does not.
vg_summary() {
    local d=$1 f step
    [ -d "$d" ] || return 0
    for f in "$d"/*; do
        step=${f##*/}; step=${step%%-*}
        awk -v s="$step" '
            /ERROR SUMMARY:/ { e += $4 }
            /(definitely|indirectly|possibly) lost:/ { gsub(",", "", $4); gsub(",", "", $7); l += $4; b += $7 }
            END { print s, e + 0, l + 0, b + 0 }' "$f"
    done | awk '{ e[$1] += $2; l[$1] += $3; b[$1] += $4 } END { for (s in e) print s, e[s], l[s], b[s] }' | sort
}
vg_summary "$work/valgrind/vg" >"$work/vg.plain"
vg_summary "$work/valgrind-preload/vg" >"$work/vg.preload"
vg_worse=$(join -a 2 -e 0 -o 0,1.2,1.3,1.4,2.2,2.3,2.4 "$work/vg.plain" "$work/vg.preload" \
    | awk '$5 > $2 || $7 > $4 { print "command " $1 ": errors " $2 " -> " $5 ", lost " $3 " bytes in " $4 " blocks -> " $6 " in " $7 }')
vg_errors_plain=$(awk '{ e += $2 } END { print e + 0 }' "$work/vg.plain")
vg_errors_ours=$(awk '{ e += $2 } END { print e + 0 }' "$work/vg.preload")
vg_lost_plain=$(awk '{ l += $3 } END { print l + 0 }' "$work/vg.plain")
vg_lost_ours=$(awk '{ l += $3 } END { print l + 0 }' "$work/vg.preload")
vg_blocks_plain=$(awk '{ b += $4 } END { print b + 0 }' "$work/vg.plain")
vg_blocks_ours=$(awk '{ b += $4 } END { print b + 0 }' "$work/vg.preload")
if [ -n "$vg_worse" ]; then
    failed "tools-suite: under valgrind our library adds: $(echo "$vg_worse" | tr '\n' ';')"
else
    echo "tools-suite: valgrind: errors $vg_errors_plain on libcrmcommon alone, $vg_errors_ours with our library; lost $vg_lost_plain bytes in $vg_blocks_plain blocks and $vg_lost_ours in $vg_blocks_ours"
fi

# the table (README): per tool, commands and whether every mode matched
{
    echo "| tool | commands | preloaded | relinked | daemons on pcmk-ipc-rs | valgrind (errors / bytes lost, alone → with us) |"
    echo "|---|---|---|---|---|---|"
    for tool in "${table_tools[@]}"; do
        n=$(awk -v t="$tool" '$2 == t' "$work/plain.blocks" | wc -l)
        [ "$n" -gt 0 ] || continue
        cell() { tool_cell "$tool" "$work/$1.differs"; }   # this tool's commands in run $1
        rel=$(case $tool in crmadmin|cibadmin) cell relink ;; *) echo "—" ;; esac)
        steps=$(awk -v t="$tool" '$2 == t { print $1 }' "$work/plain.blocks")
        vp=$(echo "$steps" | join - "$work/vg.plain" 2>/dev/null | awk '{ e += $2; l += $3 } END { print e + 0 " / " l + 0 }')
        vo=$(echo "$steps" | join - "$work/vg.preload" 2>/dev/null | awk '{ e += $2; l += $3 } END { print e + 0 " / " l + 0 }')
        echo "| \`$tool\` | $n | $(cell preload) | $rel | $(cell daemons) | $vp → $vo |"
    done
} >"$results/table.md"
cat "$results/table.md"
suite_end tools-suite
