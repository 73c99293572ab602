#!/usr/bin/env bash
# Real daemons failing under this library's clients, on fresh live Pacemaker 3.0.0 nodes
# (tests-c/test_daemon_faults.c):
#   tests-c/fault-suite.sh BUILD_DIR STAGE_PREFIX [TABLE.md]
# kill-cib (the CIB manager SIGKILLed under a whole-CIB query of over 1 MiB), stop-daemons
# (the CIB manager, pacemakerd, the controller, the attribute manager SIGSTOPped under calls),
# node-stops (connects and requests while the node shuts down), kill-pacemakerd (a watcher's
# pacemakerd SIGKILLed). Each must pass its checks, write nothing on stderr, and leave nothing of
# the client in /dev/shm; kill-cib, stop-daemons and kill-pacemakerd also under valgrind
# memcheck (no error, nothing definitely lost).
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2") table=${3:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$here/../scripts/pcmk-node
work=$(mktemp -d /tmp/pcmkrs-faults.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/inner.sh" <<'INNER'
set -euo pipefail
prog=$1 work=$2; shift 2
export LD_LIBRARY_PATH=$STAGE_LIB
# a CIB over 1 MiB (the query that the kill interrupts takes a while, and comes compressed)
{ echo '<rsc_defaults><meta_attributes id="pcmkrs-pad">'
  pad=$(printf 'v%.0s' $(seq 1000))
  for i in $(seq 1200); do echo "<nvpair id=\"pcmkrs-pad-$i\" name=\"pcmkrs-pad-$i\" value=\"$i-$pad\"/>"; done
  echo '</meta_attributes></rsc_defaults>'; } >"${PCMK_NODE_ROOT:-}/tmp/pcmkrs-pad.xml"
"$PCMK_NODE_SCRIPT" tool cibadmin --create -o configuration --xml-file /tmp/pcmkrs-pad.xml
rm -f "${PCMK_NODE_ROOT:-}/tmp/pcmkrs-pad.xml"
for step in "$@"; do
    kase=${step#vg:}
    vg=()
    [ "$kase" = "$step" ] || vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite)
    rc=0
    "${vg[@]}" "$prog" "$kase" >"$work/$step.out" 2>"$work/$step.err" & p=$!
    wait $p || rc=$?
    cat "$work/$step.out"
    [ $rc = 0 ] || { echo "fault-suite: $step: exit status $rc"; cat "$work/$step.err"; exit 1; }
    [ ! -s "$work/$step.err" ] || { echo "fault-suite: $step: stderr:"; cat "$work/$step.err"; exit 1; }
    # the daemons remove a closed connection's files; none of this client's may stay
    for _ in $(seq 50); do ls /dev/shm | grep -q -- "^qb-[0-9]*-$p-" || break; sleep 0.1; done
    if ls /dev/shm | grep -q -- "^qb-[0-9]*-$p-"; then echo "fault-suite: $step: left in /dev/shm:"; ls /dev/shm; exit 1; fi
    echo "fault-suite: $step: passed$([ ${#vg[@]} = 0 ] || echo ', valgrind memcheck clean')"
done
INNER
export STAGE_LIB=$stage/lib
prog=$build/tests-c/test_daemon_faults
t0=$SECONDS
# A fresh node for each kill of the CIB manager: the controller exits with it, and pacemakerd
# respawns it only if its own check of corosync (a new CPG connection) succeeds at that moment;
# once in CI it did not ("Not respawning subdaemon pacemaker-controld until cluster returns", on
# libcrmcommon alone), and the next step found no controller.
"$node" run 3.0 -- bash "$work/inner.sh" "$prog" "$work" kill-cib | tee "$work/a.log"
"$node" run 3.0 -- bash "$work/inner.sh" "$prog" "$work" vg:kill-cib | tee -a "$work/a.log"
"$node" run 3.0 -- bash "$work/inner.sh" "$prog" "$work" stop-daemons vg:stop-daemons node-stops | tee -a "$work/a.log"
"$node" run 3.0 -- bash "$work/inner.sh" "$prog" "$work" vg:kill-pacemakerd | tee "$work/b.log"
"$node" run 3.0 -- bash "$work/inner.sh" "$prog" "$work" kill-pacemakerd | tee "$work/c.log"
if [ -n "$table" ]; then
    grep -h '^timing:\|^ok\|^not ok' "$work"/a.log "$work"/b.log "$work"/c.log >"$table"
fi
echo "fault-suite: all passed ($((SECONDS - t0)) s)"
