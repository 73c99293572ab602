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
# a tool under test, on member $1
tool() { local m=$1; shift; on "$m" ${prefix[@]+"${prefix[@]}"} "$@"; }

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
idle_dc() {  # a DC, idle, as node $1 sees it
    local dc
    dc=$(tool "$1" crmadmin -q -D 2>&1 | awk '{print $NF}')
    [ -n "$dc" ] && tool "$1" crmadmin -q -S "$dc" 2>&1 | grep -q S_IDLE
}

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
on node1 kill -KILL "$(cat "$state/node1/corosync.pid")"
check "a new DC elected and idle" sh -c "dc=\$('$PCMK_NODE_SCRIPT' on node2 crmadmin -q -D 2>&1 | awk '{print \$NF}'); [ \"\$dc\" = node2 ] || [ \"\$dc\" = node3 ]"
check "the cluster settles" idle_dc node2
for m in node2 node3 remote1; do
    check "$m: the DC answers" tool "$m" crmadmin -q -D
    check "$m: a CIB query answered" tool "$m" cibadmin -Q -o nodes
    check "$m: node1 seen lost" sh -c "'$PCMK_NODE_SCRIPT' on $m ${prefix[*]} crm_node -l | grep -q '^1 node1 lost'"
done
check "remote1 still online" sh -c "'$PCMK_NODE_SCRIPT' on node2 crm_mon -1 --output-as=xml | grep -q '<node name=\"remote1\" id=\"remote1\" online=\"true\"'"
echo "cluster-run: $mode: $(grep -c ': yes$' "$log") checks passed, $(grep -c ': no$' "$log") failed"
