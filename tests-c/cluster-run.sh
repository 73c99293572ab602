#!/usr/bin/env bash
# One run of the cluster suite, inside `scripts/pcmk-node cluster` (node1 the DC, node2 and node3
# cluster nodes, remote1 a Pacemaker Remote node):
#   tests-c/cluster-run.sh MODE OUT_DIR
# MODE: plain (the tools on libcrmcommon alone) or preload (LD_PRELOAD=$PCMKRS_TOOLS_LIB, a path
# in the members' root). Writes:
#   OUT_DIR/node2/transcript, OUT_DIR/remote1/transcript
#       tests-c/tools-sequence.txt run on node2 (not the DC), then on remote1 (tests-c/tools-run.sh)
#   OUT_DIR/scenario
#       what the tools saw while the cluster moved: a Dummy resource started on the remote node,
#       moved to node2 and back, stopped; the remote node's connection moved from the node that
#       runs it to node3; the DC killed (SIGKILL of node1's corosync), a new DC elected, the
#       tools on node2, node3 and remote1 still answered. One line per check ("... yes/no"), and
#       the tools' own output where it does not depend on timing.
set -euo pipefail
mode=$1 out=$(realpath -m "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${PCMK_LAB_STATE:?run me inside scripts/pcmk-node cluster}
mkdir -p "$out"
case "$mode" in
    plain) prefix=() ;;
    preload) prefix=(env "LD_PRELOAD=${PCMKRS_TOOLS_LIB:?}") ;;
    *) echo "cluster-run: unknown mode '$mode'" >&2; exit 2 ;;
esac
on() { local m=$1; shift; "$PCMK_NODE_SCRIPT" on "$m" "$@"; }
# a tool under test, on member $1: 3.0.0's (the 3.0 root's), also on a member of another version
tool() { local m=$1; shift; "$PCMK_NODE_SCRIPT" on --root 3.0 "$m" ${prefix[@]+"${prefix[@]}"} "$@"; }

# a line in a member's log (cluster-suite.sh compares the logs between the first two)
mark() { echo "=== pcmkrs: $2" >>"$state/$1/log/pacemaker.log"; }
for m in $(cat "$state/members"); do mark "$m" "the run starts"; done

for m in node2 remote1; do
    PCMKRS_TOOLS_MEMBER=$m "$here/tools-run.sh" "$mode" "$out/$m"
done


log=$out/scenario
: >"$log"
say() { echo "$*" >>"$log"; }
# wait up to $1 seconds for a condition
until_true() {
    local t=$1; shift
    local deadline=$((SECONDS + t))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}
where() { tool node2 crm_resource --locate -r "$1" -Q 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'; }
runs_on() { [ "$(where "$1")" = "$2" ]; }
stopped() { [ -z "$(where "$1")" ]; }
check() {   # description, then a command that must succeed within 60 s
    local what=$1; shift
    if until_true 60 "$@"; then say "$what: yes"; else say "$what: no"; fi
}
check_once() {   # why it may fail, description, then a command tried once
    local why=$1 what=$2; shift 2
    if "$@" >/dev/null 2>&1; then say "$what: yes"; else say "$what: no — $why"; fi
}
idle_dc() {  # a DC, idle, as node $1 sees it
    local dc
    dc=$(tool "$1" crmadmin -q -D 2>&1 | awk '{print $NF}')
    [ -n "$dc" ] && tool "$1" crmadmin -q -S "$dc" 2>&1 | grep -q S_IDLE
}

# A rolling upgrade in progress (node3 of sid's Pacemaker, 3.0.3 or later, beside 3.0.0 nodes):
# 3.0.0's tools (the 3.0 root's, in node3's namespaces) ask node3's daemons for what is the same
# from any node of the cluster, and node2's (3.0.0) for the same: on this library (the preload
# run) node3 must answer as node2 does. In the plain run the same tools on libcrmcommon 3.0.0
# alone ask node3's daemons. (The library cannot go under node3's own daemons: they link
# libcrmcommon 3.0.3 and libxml2.so.16.)
if [ "$(cat "$state/node3/version" 2>/dev/null)" = sid ]; then
    upgrade=(
        "crmadmin -D --timeout=5s"
        "crmadmin -S node1 --timeout=5s"
        "crm_node -l"
        "crm_node -p"
        "cibadmin -Q -o nodes -t 5"
        "cibadmin -Q -o crm_config -t 5"
        "crm_attribute -t crm_config -n stonith-enabled -G -q"
        "attrd_updater -Q -n pcmkrs-upgrade -A"
        "stonith_admin -L"
        "crm_mon -1 -r"
    )
    on node1 attrd_updater -n pcmkrs-upgrade -U 7 -N node1 >/dev/null
    until_true 30 sh -c "'$PCMK_NODE_SCRIPT' on node2 attrd_updater -Q -n pcmkrs-upgrade -N node1 | grep -q 'value=\"7\"'" || true
    mkdir -p "$out/upgrade"
    for c in "${upgrade[@]}"; do
        for how in node2 node3 node3-alone; do
            case $how in
                node2) m=node2; pre=(${prefix[@]+"${prefix[@]}"}) ;;
                node3) m=node3; pre=(${prefix[@]+"${prefix[@]}"}) ;;
                node3-alone) m=node3; pre=() ;;
            esac
            # libcrmcommon alone in the plain run, the library in the other
            if [ "$mode" = plain ]; then [ $how = node3-alone ] || continue; else [ $how != node3-alone ] || continue; fi
            {
                echo "\$ $c"
                "$PCMK_NODE_SCRIPT" on --root 3.0 "$m" ${pre[@]+"${pre[@]}"} timeout 20 $c 2>&1
                echo "--- exit $?"
            } >>"$out/upgrade/$how" || true
        done
    done
    on node1 attrd_updater -n pcmkrs-upgrade -D -N node1 >/dev/null
fi

# a resource on the remote node, moved to a cluster node and back, stopped
tool node2 cibadmin -C -o resources -X '<primitive id="mover" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="mover-monitor" name="monitor" interval="10s"/></operations></primitive>' >>"$log" 2>&1
say "--- exit $?"
tool node2 crm_resource --move -r mover -N remote1 >>"$log" 2>&1
check "mover runs on remote1" runs_on mover remote1
tool remote1 crm_resource --locate -r mover >>"$log" 2>&1
tool node2 crm_resource --move -r mover -N node2 --force >>"$log" 2>&1
check "mover moved to node2" runs_on mover node2
tool remote1 crm_resource --clear -r mover >>"$log" 2>&1
tool node2 crm_resource --move -r mover -N remote1 --force >>"$log" 2>&1
check "mover moved back to remote1" runs_on mover remote1
tool remote1 crm_resource --meta -r mover -p target-role -v Stopped >>"$log" 2>&1
check "mover stopped" stopped mover
check "the cluster settles" idle_dc node2

# the remote node's connection moved to node3: remote1 stays online, its tools keep working
tool node2 crm_resource --move -r remote1 -N node3 --force >>"$log" 2>&1
check "remote1's connection runs on node3" runs_on remote1 node3
check "the cluster settles" idle_dc node2
check "remote1 online" sh -c "'$PCMK_NODE_SCRIPT' on node2 crm_mon -1 --output-as=xml | grep -q '<node name=\"remote1\" id=\"remote1\" online=\"true\"'"
check "a CIB query on remote1 answered" tool remote1 cibadmin -Q -o nodes
tool remote1 crm_node -n >>"$log" 2>&1

# the DC killed: node1's corosync gets SIGKILL; a new DC among node2 and node3
for m in $(cat "$state/members"); do mark "$m" "node1's corosync killed"; done
on node1 kill -KILL "$(cat "$state/node1/corosync.pid")"
check "a new DC elected and idle" sh -c "dc=\$('$PCMK_NODE_SCRIPT' on node2 crmadmin -q -D 2>&1 | awk '{print \$NF}'); [ \"\$dc\" = node2 ] || [ \"\$dc\" = node3 ]"
check "the cluster settles" idle_dc node2
# (3.0.0's tools on libcrmcommon alone cannot talk to a newer node's daemons: on such a node,
# in the plain run, each is tried once and said so)
for m in node2 node3 remote1; do
    if [ "$mode" = plain ] && [ "$(cat "$state/$m/version")" != 3.0 ]; then
        c=(check_once "libcrmcommon 3.0.0 alone against Pacemaker $(on "$m" pacemakerd --version | head -1 | awk '{print $2}')'s daemons")
    else
        c=(check)
    fi
    "${c[@]}" "$m: the DC answers" tool "$m" timeout 20 crmadmin -q -D
    "${c[@]}" "$m: a CIB query answered" tool "$m" timeout 20 cibadmin -Q -o nodes
    "${c[@]}" "$m: node1 seen lost" sh -c "'$PCMK_NODE_SCRIPT' on --root 3.0 $m ${prefix[*]} timeout 20 crm_node -l | grep -q '^1 node1 lost'"
done
check "remote1 still online" sh -c "'$PCMK_NODE_SCRIPT' on node2 crm_mon -1 --output-as=xml | grep -q '<node name=\"remote1\" id=\"remote1\" online=\"true\"'"
echo "cluster-run: $mode: $(grep -c ': yes$' "$log") checks passed, $(grep -c ': no$' "$log") failed, $(grep -c ': no — ' "$log") not possible"
