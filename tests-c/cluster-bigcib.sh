#!/usr/bin/env bash
# A large cluster's CIB on this library (a step of scripts/test):
#   tests-c/cluster-bigcib.sh STAGE_PREFIX
# Three 3.0.0 nodes (scripts/pcmk-node cluster) with this library under every daemon; a CIB of
# 1,000 Dummy resources (stopped; each with a 1,700-byte parameter) and 100 location constraints,
# over 2 MiB (tests-c/bigcib-xml.py); startup probes off, so that the nodes do not run 3,000 agents. On each node,
# `cibadmin -Q`, `crm_mon -1 --output-as=xml` and `crm_resource --list` three times each, on
# libcrmcommon alone and with the library preloaded: outputs compared (crm_mon's last_update
# time masked), the median time of each printed.
set -euo pipefail
stage=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$(realpath "$here/../scripts/pcmk-node")
root=$("$node" build 3.0)
case "${2:-}" in
    __run) ;;
    *)
        dir=$(mktemp -d "$root/var/tmp/pcmkrs-bigcib.XXXXXX")
        trap 'rm -rf "$dir"' EXIT
        chmod 0755 "$dir"
        cp "$stage/lib/libpcmk-ipc-rs.so.0" "$dir/"
        "$here/bigcib-xml.py" "$dir"
        chmod 0644 "$dir"/*
        PCMKRS_BIGCIB_DIR=${dir#"$root"} PCMKRS_BIGCIB_HOST=$dir "$node" cluster --node 3.0 --node 3.0 --node 3.0 \
            --preload "$stage/lib/libpcmk-ipc-rs.so.0" -- "$0" "$stage" __run
        exit $?
        ;;
esac

# inside the cluster
d=$PCMKRS_BIGCIB_DIR host=$PCMKRS_BIGCIB_HOST
on() { "$PCMK_NODE_SCRIPT" on "$@"; }
on node1 crm_attribute -t crm_config -n enable-startup-probes -v false
on node1 cibadmin -C -o resources -x "$d/resources.xml"
on node1 cibadmin -C -o constraints -x "$d/constraints.xml"
for i in $(seq 121); do
    on node1 crmadmin -q -S node1 2>&1 | grep -q S_IDLE && break
    [ "$i" -lt 121 ] || { echo "bigcib: FAILED: the DC not idle 120 s after the CIB was loaded"; exit 1; }
    sleep 1
done
echo "bigcib: the CIB: $(on node1 cibadmin -Q | wc -c) bytes, $(on node1 crm_resource --list | grep -c 'Stopped (disabled)') resources"
fail=0
echo "| node | command | libcrmcommon alone (median of 3) | this library (median of 3) | output |"
echo "|---|---|---|---|---|"
for n in node1 node2 node3; do
    for cmd in "cibadmin -Q" "crm_mon -1 --output-as=xml" "crm_resource --list"; do
        declare -A t=()
        for how in alone ours; do
            pre=()
            [ $how = alone ] || pre=(env "LD_PRELOAD=$d/libpcmk-ipc-rs.so.0")
            times=()
            for i in 1 2 3; do
                s=$(date +%s%N)
                on "$n" ${pre[@]+"${pre[@]}"} $cmd 2>&1 | sed -E 's/(<last_update time=)"[^"]*"/\1"<time>"/' >"$host/$how.$i"
                times+=($(( ($(date +%s%N) - s) / 1000000 )))
            done
            t[$how]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
        done
        same=identical
        for i in 1 2 3; do cmp -s "$host/alone.1" "$host/ours.$i" || same=differs; done
        [ $same = identical ] || fail=1
        echo "| $n | \`$cmd\` | ${t[alone]} ms | ${t[ours]} ms | $same ($(wc -c <"$host/alone.1") bytes) |"
    done
done
if [ $fail = 0 ]; then
    echo "bigcib: passed: every output on this library is the one on libcrmcommon alone, on every node"
else
    echo "bigcib: FAILED: the rows marked 'differs' above"
fi
exit $fail
