#!/usr/bin/env bash
# Clients that are not root, on a live Pacemaker 3.0.0 node: tests-c/test_unprivileged.c, built
# against this library and against libcrmcommon 3.0.0, run as a user in the cluster group
# (haclient) and as one outside it; each pair of outputs must be identical (every daemon used
# alike by a member, the same refusals for an outsider), nothing on stderr from this library.
#   tests-c/security-suite.sh BUILD_DIR STAGE_PREFIX
set -euo pipefail
build=$(realpath "$1") stage=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$here/../scripts/pcmk-node
root=$("$node" build 3.0)
# a folder every user may read, where the chroot sees it too
work=$(mktemp -d "$root/tmp/pcmkrs-security.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
inroot=${work#"$root"}
cp "$here/test_unprivileged.c" "$here/pacemaker_internal.h" "$work/"
mkdir "$work/lib"
cp -a "$stage/lib/." "$work/lib/"
cp "$build/tests-c/test_unprivileged" "$work/ours"
chroot "$root" sh -c "cd $inroot && gcc -Wall -O1 -o ref test_unprivileged.c \$(pkg-config --cflags --libs pacemaker libxml-2.0 glib-2.0)"
chmod -R a+rX "$work"
gid=$(getent group haclient | cut -d: -f3)
[ -n "$gid" ] || { echo "security-suite: no haclient group"; exit 1; }
cat >"$work/inner.sh" <<EOF
set -eu
cd /
for who in member outsider; do
    if [ \$who = member ]; then groups=$gid; else groups=4242; fi
    setpriv --reuid=4242 --regid=4242 --groups=\$groups env LD_LIBRARY_PATH=$work/lib $work/ours \
        >$work/\$who.ours 2>$work/\$who.ours.err
    chroot --userspec=4242:4242 --groups=\$groups "$root" $inroot/ref >$work/\$who.ref 2>/dev/null
done
EOF
"$node" run 3.0 -- sh "$work/inner.sh"
for who in member outsider; do
    [ ! -s "$work/$who.ours.err" ] || { echo "security-suite: $who: stderr:"; cat "$work/$who.ours.err"; exit 1; }
    if ! diff -u "$work/$who.ref" "$work/$who.ours"; then
        echo "security-suite: as a cluster-group $who, this library differs from libcrmcommon 3.0.0 (- 3.0.0, + ours)"
        exit 1
    fi
    echo "security-suite: as a cluster-group $who: identical to libcrmcommon 3.0.0 ($(wc -l <"$work/$who.ours") lines)"
    sed 's/^/    /' "$work/$who.ours"
done
# the member reaches every daemon; the outsider none
grep -q '^cib_rw: request > 0' "$work/member.ours" || { echo "security-suite: the member could not query the CIB"; exit 1; }
if grep -q 'connect ok' "$work/outsider.ours"; then echo "security-suite: the outsider connected somewhere"; exit 1; fi
echo "security-suite: passed"
