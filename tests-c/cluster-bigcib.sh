#!/usr/bin/env bash
# A large cluster's CIB on this library, by hand (not yet in scripts/test):
#   tests-c/cluster-bigcib.sh STAGE_PREFIX
# Three 3.0.0 nodes (scripts/pcmk-node cluster) with this library under every daemon; a CIB of
# 1,000 Dummy resources (stopped; each with a 1,700-byte parameter) and 100 location constraints,
# over 2 MiB; startup probes off, so that the nodes do not run 3,000 agents. On each node,
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
        python3 - "$dir" <<'EOF'
import sys
d = sys.argv[1]
with open(d + "/resources.xml", "w") as f:
    f.write("<resources>")
    for i in range(1000):
        f.write(f'<primitive id="big{i}" class="ocf" provider="pacemaker" type="Dummy">'
                f'<meta_attributes id="big{i}-meta"><nvpair id="big{i}-tr" name="target-role" value="Stopped"/></meta_attributes>'
                f'<instance_attributes id="big{i}-ia"><nvpair id="big{i}-fake" name="fake" value="{"x" * 1700}"/></instance_attributes>'
                f'<operations><op id="big{i}-mon" name="monitor" interval="10s"/></operations></primitive>')
    f.write("</resources>")
with open(d + "/constraints.xml", "w") as f:
    f.write("<constraints>")
    for i in range(100):
        f.write(f'<rsc_location id="loc{i}" rsc="big{i}" node="node{1 + i % 3}" score="{i}"/>')
    f.write("</constraints>")
EOF
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
until on node1 crmadmin -q -S node1 2>&1 | grep -q S_IDLE; do sleep 1; done
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
exit $fail
