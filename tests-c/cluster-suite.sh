#!/usr/bin/env bash
# Pacemaker clusters on this library, compared with the same clusters on libcrmcommon 3.0.0 alone.
#   tests-c/cluster-suite.sh STAGE_PREFIX [RESULTS_DIR]
# Two topologies of `scripts/pcmk-node cluster`, each member in namespaces of its own on a
# private bridge, node1 the DC:
#   3.0     three 3.0.0 nodes and a 3.0.0 Pacemaker Remote node (remote1)
#   mixed   a rolling upgrade in progress: two 3.0.0 nodes, node3 of sid's Pacemaker (3.0.3 or
#           later), the 3.0.0 remote node
# each run twice, the two runs at once (they mostly wait on the cluster's timers):
#   plain   every daemon and tool on libcrmcommon alone: the reference
#   ours    this library preloaded into every process of every 3.0.0 member (corosync,
#           pacemakerd and its daemons, pacemaker-remoted, the resource agents) and into every
#           tool (3.0.0's, also on node3); node3's own daemons link libcrmcommon 3.0.3 and
#           libxml2.so.16, which a drop-in for 3.0.0's ABI cannot go under
# Each run is tests-c/cluster-run.sh: tests-c/tools-sequence.txt on node2 (not the DC) and on
# remote1 (whose tools reach pacemaker-remoted, which relays them to the cluster node that holds
# its connection); in the mixed cluster 3.0.0's tools on node3; then a resource moved to and from
# the remote node, the remote connection moved, the DC's corosync killed.
# Every transcript must equal the reference once time stamps are masked, every check of the
# scenario must pass in both, no member's log may hold a warning or error that the plain run's
# same member does not, nor a crash or respawn; in the mixed cluster 3.0.0's tools on the library
# must get from node3's daemons what they get from node2's. The tables are written to
# RESULTS_DIR/table.md (default: a temporary folder, printed).
set -euo pipefail
stage=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$(realpath "$here/../scripts/pcmk-node")
root=$("$node" build 3.0 --remote)
"$node" build sid >/dev/null
# normalise, blocks, log_events, crashes, suite_start
. "$here/transcripts.sh"
# PCMKRS_CLUSTER_REUSE=DIR: compare the runs kept in DIR by an earlier failed invocation, without
# running them again (to work on the comparison). The library goes into $dir, where the
# members' tools can open it.
# crm_mon's <node_history>: its <node name="..."> blocks sorted by name (the rest as it is)
sort_node_history() {
    awk '
        function flush(   i, j, t) {
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && key[j - 1] > key[j]; j--) {
                    t = key[j]; key[j] = key[j - 1]; key[j - 1] = t
                    t = text[j]; text[j] = text[j - 1]; text[j - 1] = t
                }
            for (i = 1; i <= n; i++) printf "%s", text[i]
            n = 0
        }
        /^ *<node_history>/ { inside = 1; n = 0; print; next }
        inside && /^ *<\/node_history>/ { flush(); inside = 0; print; next }
        inside && /^ *<node name="/ { n++; key[n] = $0; text[n] = "" }
        inside && n > 0 { text[n] = text[n] $0 "\n"; next }
        { print }
        END { if (inside) flush() }'
}
suite_start cluster PCMKRS_CLUSTER_REUSE "$root" "$stage" "${2:-}"

topology_of() {
    case $1 in
        3.0) echo --node 3.0 --node 3.0 --node 3.0 --remote 3.0 ;;
        mixed) echo --node 3.0 --node 3.0 --node sid --remote 3.0 ;;
    esac
}
members=(node1 node2 node3 remote1)
run() {   # topology name mode [pcmk-node options]
    local topo=$1 name=$2 mode=$3; shift 3
    local t0=$SECONDS
    # shellcheck disable=SC2046
    PCMKRS_TOOLS_LIB=${dir#"$root"}/libpcmk-ipc-rs.so.0 \
        "$node" cluster $(topology_of "$topo") "$@" --keep-log "$work/$name/logs" -- \
        "$here/cluster-run.sh" "$mode" "$work/$name" >"$work/$name.out" 2>&1 \
        || { echo "cluster-suite: the $name run failed:"; cat "$work/$name.out"; return 1; }
    echo "cluster-suite: $name: $((SECONDS - t0)) s: $(grep -E '^pcmk-node: cluster up|^cluster-run: ' "$work/$name.out" | tr '\n' ' ')"
}
topologies=(3.0 mixed)
if [ -z "${PCMKRS_CLUSTER_REUSE:-}" ]; then
    for topo in "${topologies[@]}"; do
        run "$topo" "plain-$topo" plain & p1=$!
        run "$topo" "ours-$topo" preload --preload "$lib" & p2=$!
        ok=0
        wait $p1 || ok=1
        wait $p2 || ok=1
        [ $ok = 0 ] || { keep=1; echo "cluster-suite: FAILED (runs kept in $work)"; exit 1; }
    done
fi

: >"$results/table.md"
table() { echo "$*" >>"$results/table.md"; }
for topo in "${topologies[@]}"; do
    P=plain-$topo O=ours-$topo
    say() { echo "cluster-suite: $topo: $*"; }
    fails() { failed "cluster-suite: $topo: $*"; }

    # the tools' transcripts, command by command
    for m in node2 remote1; do
        for name in "$P" "$O"; do
            # Masked, as they depend on when other nodes answer, in runs of either library:
            # crm_resource --refresh and --cleanup print "... got reply" as each node's
            # controller answers, among the lines they print as they send, count the replies
            # still expected when they are done sending, and print the late ones until they
            # exit ("... got reply (done)" stays); the executor's call numbers count the
            # operations a node ran, among them the probes each refresh sets off; and crm_mon's
            # XML lists the nodes of its node_history in the order of the CIB's status section,
            # the order in which the nodes first wrote their state: sorted by name
            normalise "$work/$name/$m/transcript" \
                | sed -E -e '/^\.\.\. got reply$/d' -e 's/^Waiting for [0-9]+ repl(y|ies) from the controller$/Waiting for <n> replies from the controller/' \
                    -e 's/(<operation_history call=)"[0-9]+"/\1"<n>"/' \
                | sort_node_history >"$work/$name.$m.norm"
            blocks "$work/$name.$m.norm" >"$work/$name.$m.blocks"
        done
        join -a 1 -e none -o 0,1.2,1.3,2.3 "$work/$P.$m.blocks" "$work/$O.$m.blocks" \
            | awk '$3 != $4 { print $1, $2 }' >"$work/$topo.$m.differs"
        n=$(wc -l <"$work/$P.$m.blocks")
        if [ ! -s "$work/$topo.$m.differs" ]; then
            say "$m: all $n commands print what they print on libcrmcommon alone"
        else
            fails "$m: $(wc -l <"$work/$topo.$m.differs") of $n commands differ: $(tr '\n' ' ' <"$work/$topo.$m.differs")"
            diff -u "$work/$P.$m.norm" "$work/$O.$m.norm" || true
        fi
    done

    # the scenario: every check passed in both runs (but those libcrmcommon 3.0.0 alone cannot
    # do: its tools against a newer node's daemons, said so in the plain run), and the tools
    # said the same. Where the scheduler first put remote1's connection (the node the move
    # bans) is the scheduler's choice, not the library's: masked.
    for name in "$P" "$O"; do
        sed -E 's/cli-ban-remote1-on-node[0-9]+/cli-ban-remote1-on-<node>/; s/(for resource remote1 on |running on |from running on |even if )node[0-9]+/\1<node>/' \
            "$work/$name/scenario" >"$work/$name.scenario"
        no=$(grep -c ': no$' "$work/$name.scenario" || true)
        [ "$no" = 0 ] || fails "$name: checks failed: $(grep ': no$' "$work/$name.scenario" | tr '\n' '|')"
        # the checks' names, and the tools' output without the checks
        sed -En 's/: (yes|no|no — .*)$//p' "$work/$name.scenario" >"$work/$name.checks"
        grep -Ev ': (yes|no|no — .*)$' "$work/$name.scenario" >"$work/$name.said" || true
    done
    if grep -q ': no — ' "$work/$O.scenario"; then fails "$O: checks not done: $(grep ': no — ' "$work/$O.scenario" | tr '\n' '|')"; fi
    checks=$(wc -l <"$work/$O.checks")
    if ! diff -u "$work/$P.checks" "$work/$O.checks"; then
        fails "the scenario's checks differ (- libcrmcommon alone, + this library; above)"
    elif ! diff -u "$work/$P.said" "$work/$O.said"; then
        fails "the tools said other things during the scenario (- libcrmcommon alone, + this library; above)"
    else
        say "the scenario: all $checks checks passed on this library ($(grep -c ': yes$' "$work/$P.scenario") on libcrmcommon alone), the tools said the same"
    fi

    # each member's log: no warning or error kind the plain run's same member lacks, no crash.
    # The kinds of warning are compared between cluster-run.sh's first two marks in the logs
    # ("=== pcmkrs: ..."): from the start of the run (the cluster up and idle) to node1's
    # corosync killed. Before, the nodes join and race to write the CIB ("Update was older
    # than existing configuration"); after, node1's daemons race each other out, the others
    # see the DC go in one order or another, the members stop at once: races in either run.
    # Crashes, error exits and respawns are counted in the whole log.
    # pacemaker-remoted relaying a controller's reply that came after the tool on remote1 stopped
    # waiting for it ("Could not proxy IPC to client ...: Broken pipe") is crm_resource
    # --cleanup/--refresh exiting before every node's controller answered: a race of the tool
    # on either library (a clean-clone run logged it once on libcrmcommon alone in one topology,
    # once on this library in the other, both in those steps). Up to one per cluster node's
    # controller for each such command of the sequence (4 x 3) it is dropped from both; more
    # often (a line per command, as the layout probe caused when it did not wait for its
    # answer: 132) it is a new kind.
    late_reply='Could not proxy IPC to client .*: Broken pipe'
    late_replies=$(($(grep -c -E '^crm_resource --(cleanup|refresh)' "$here/tools-sequence.txt") * 3))
    until_mark() {
        awk '/^=== pcmkrs: / { n++; next } n == 1 { print } n > 1 { exit }' "$1" >"$1.part"
        if [ "$(grep -c -E "$late_reply" "$1.part")" -le "$late_replies" ]; then
            grep -v -E "$late_reply" "$1.part" || true
        else
            cat "$1.part"
        fi
    }
    for m in "${members[@]}"; do
        compare_logs "cluster-suite: $topo: $m:" "$work/$P/logs/$m/pacemaker.log" "$work/$O/logs/$m/pacemaker.log" \
            <(until_mark "$work/$P/logs/$m/pacemaker.log") <(until_mark "$work/$O/logs/$m/pacemaker.log") \
            "$work/$topo.$m" || true
    done

    # the rolling upgrade: 3.0.0's tools on node3 (3.0.3) answer on the library as on node2
    if [ "$topo" = mixed ]; then
        # (crm_mon's "Last updated: ... on NODE" names the node asked; its "Last change" moves
        # while the remote node's connection settles)
        for how in node2 node3; do
            normalise "$work/$O/upgrade/$how" | sed -E '/^  \* Last (updated|change):/d' >"$work/$topo.upgrade.$how"
        done
        ncmd=$(grep -c '^\$ ' "$work/$topo.upgrade.node2")
        if diff -u "$work/$topo.upgrade.node2" "$work/$topo.upgrade.node3"; then
            say "upgrade: 3.0.0's tools on this library get from node3's daemons (3.0.3) what they get from node2's (3.0.0): all $ncmd commands"
        else
            fails "upgrade: 3.0.0's tools on this library get from node3's daemons other than from node2's (- node2, + node3; above)"
        fi
        alone_failed=$(grep -c '^--- exit [1-9]' "$work/$P/upgrade/node3-alone" || true)
        say "upgrade: the same tools on libcrmcommon 3.0.0 alone against node3's daemons: $alone_failed of $ncmd fail"
    fi

    # the tables (README): per member and tool, the commands and whether they printed the same
    table "**$(case $topo in 3.0) echo "Three 3.0.0 nodes and a 3.0.0 remote node" ;; mixed) echo "A rolling upgrade: two 3.0.0 nodes, node3 of Pacemaker $(chroot "$("$node" build sid)" pacemakerd --version | head -1 | awk '{print $2}'), the 3.0.0 remote node" ;; esac)**"
    table
    table "| tool | commands | on node2 (not the DC) | on remote1 (Pacemaker Remote) |"
    table "|---|---|---|---|"
    for tool in "${table_tools[@]}"; do
        n=$(awk -v t="$tool" '$2 == t' "$work/$P.node2.blocks" | wc -l)
        [ "$n" -gt 0 ] || continue
        table "| \`$tool\` | $n | $(tool_cell "$tool" "$work/$topo.node2.differs") | $(tool_cell "$tool" "$work/$topo.remote1.differs") |"
    done
    table
    table "| the scenario (checks) | libcrmcommon alone | this library everywhere |"
    table "|---|---|---|"
    paste -d'\t' <(grep -E ': (yes|no|no — .*)$' "$work/$P.scenario") <(grep -E ': (yes|no|no — .*)$' "$work/$O.scenario") \
        | awk -F'\t' '{ a = $1; sub(/: (yes|no|no — .*)$/, "", a); ra = substr($1, length(a) + 3); rb = substr($2, length(a) + 3)
                        print "| " a " | " ra " | " rb " |" }' >>"$results/table.md"
    if [ "$topo" = mixed ]; then
        table
        table "| 3.0.0's tool, asking node3 (3.0.3) | on this library: as from node2 (3.0.0) | on libcrmcommon 3.0.0 alone |"
        table "|---|---|---|"
        awk '/^\$ / { c = substr($0, 3) } /^--- exit / { print c "\t" $3 }' "$work/$P/upgrade/node3-alone" >"$work/$topo.alone"
        while IFS=$'\t' read -r c rc; do
            same=identical
            a=$(awk -v c="$c" '$0 == "$ " c { on = 1; print; next } /^\$ / { on = 0 } on' "$work/$topo.upgrade.node2")
            b=$(awk -v c="$c" '$0 == "$ " c { on = 1; print; next } /^\$ / { on = 0 } on' "$work/$topo.upgrade.node3")
            [ "$a" = "$b" ] || same=differs
            alone=$([ "$rc" = 0 ] && echo "exit 0" || echo "**fails** (exit $rc)")
            table "| \`$c\` | $same | $alone |"
        done <"$work/$topo.alone"
    fi
    table
done
cat "$results/table.md"
suite_end cluster-suite
