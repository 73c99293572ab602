#!/usr/bin/env python3
"""A large cluster's configuration, for tests-c/cluster-bigcib.sh and scripts/bench.

    tests-c/bigcib-xml.py DIR [RESOURCES [CONSTRAINTS]]

Writes DIR/resources.xml (RESOURCES Dummy primitives, default 1,000, each stopped by its
target-role, with a 1,700-byte parameter and a monitor) and DIR/constraints.xml (CONSTRAINTS
location constraints, default 100, spread over node1..node3), each readable by
`cibadmin -C -o resources|constraints -x FILE`. 1,000 and 100 make a CIB of over 2 MiB.
"""
import sys

d = sys.argv[1]
resources = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
constraints = int(sys.argv[3]) if len(sys.argv) > 3 else 100
pad = "x" * 1700
with open(d + "/resources.xml", "w") as f:
    f.write("<resources>")
    for i in range(resources):
        f.write(f'<primitive id="big{i}" class="ocf" provider="pacemaker" type="Dummy">'
                f'<meta_attributes id="big{i}-meta"><nvpair id="big{i}-tr" name="target-role" value="Stopped"/></meta_attributes>'
                f'<instance_attributes id="big{i}-ia"><nvpair id="big{i}-fake" name="fake" value="{pad}"/></instance_attributes>'
                f'<operations><op id="big{i}-mon" name="monitor" interval="10s"/></operations></primitive>')
    f.write("</resources>")
with open(d + "/constraints.xml", "w") as f:
    f.write("<constraints>")
    for i in range(constraints):
        f.write(f'<rsc_location id="loc{i}" rsc="big{i % resources}" node="node{1 + i % 3}" score="{i}"/>')
    f.write("</constraints>")
