#!/usr/bin/env bash
# The packages scripts/package built, as a node would get them. Run as root.
#   tests-c/package-suite.sh PACKAGES_DIR [RESULTS_FILE]
# PACKAGES_DIR holds bookworm/ and trixie/ (scripts/package --out). For each suite: the four
# packages are there; the shared object is stripped, exports exactly src/ffi/exports.map, and gdb
# names its functions and their source lines through the -dbgsym package (by build id), and not
# without it. Then:
#   bookworm  the packages' files (dpkg -x) build examples/c/node_status.c with pkg-config and it
#             answers on a live 2.1.5 node;
#   trixie    the packages installed with dpkg into an overlay of the 3.0 chroot (the chroot
#             itself is untouched); `pcmk-ipc-rs-node enable` there; a node started with the
#             environment its pacemaker.service drop-in sets (scripts/pcmk-node --environment):
#             `pcmk-ipc-rs-node status` shows every Pacemaker daemon on the library; a login
#             shell (the profile snippet) runs crmadmin on it; the C example built inside with the
#             -dev package's pkg-config answers; `disable` removes every file `enable` wrote.
# Also scripts/install's default: a stripped object, its debug info by build id, found by gdb.
# The installed files of the Debian 13 runtime package are left in PACKAGES_DIR/trixie/root (for
# the tools suite: scripts/test runs it on them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(realpath "$here/..")
node=$top/scripts/pcmk-node
pkgs=$(realpath "$1")
results=${2:-/dev/null}
fail=0
failed() { echo "package-suite: FAILED: $*"; fail=1; }
ok() { echo "package-suite: $*"; echo "- $*" >>"$results"; }
: >"$results"
work=$(mktemp -d /tmp/pcmkrs-package-suite.XXXXXX)
trap 'rm -rf "$work"' EXIT
version=$(awk -F'"' '/^version =/ {print $2; exit}' "$top/Cargo.toml")

# gdb on OBJECT with debug files under DIR: the line of crm_ipc_send in our sources
gdb_line() {   # object debugdir
    gdb -batch -nx -ex "set debug-file-directory $2" -ex "file $1" -ex 'info line crm_ipc_send' 2>&1 | tail -1
}

# the object in ROOT: stripped, the exports, gdb through the debug files under ROOT/usr/lib/debug
check_object() {   # suite root
    local suite=$1 r=$2 so id exports
    so=$(find "$r/usr/lib" -name "libpcmk-ipc-rs.so.$version" -type f | head -1)
    [ -n "$so" ] || { failed "$suite: no libpcmk-ipc-rs.so.$version"; return; }
    file -L "$so" | grep -q ', stripped' || failed "$suite: $so is not stripped"
    exports=$("$top/scripts/check-exports" "$so") || failed "$suite: $exports"
    id=$(readelf -n "$so" | awk '/Build ID:/ {print $3; exit}')
    [ -f "$r/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ] || failed "$suite: no debug file for build id $id"
    local with without
    with=$(gdb_line "$so" "$r/usr/lib/debug")
    [[ $with == 'Line '*' of "src/ffi/crm_ipc.rs" starts at address '*'<pcmk_ipc_rs::ffi::crm_ipc::crm_ipc_send>'* ]] \
        || failed "$suite: gdb with the -dbgsym package: $with"
    without=$(gdb_line "$so" /nonexistent)
    [[ $without == 'No line number information'* ]] || failed "$suite: gdb without the -dbgsym package: $without"
    ok "$suite: $(basename "$so"), $(stat -c %s "$so") bytes, stripped; $exports; gdb through the -dbgsym package (build id $id): $(echo "$with" | cut -d' ' -f1-4)"
}

# the suite's four packages, one path a line (run in a subshell: a missing one is said on stderr
# and the caller counts the lines)
packages_of() {   # suite
    local d=$pkgs/$1 p f
    for p in libpcmk-ipc-rs0 libpcmk-ipc-rs0-dbgsym libpcmk-ipc-rs-dev pcmk-ipc-rs-node; do
        f=$(ls "$d/${p}_${version}_"*.deb 2>/dev/null | head -1) || true
        if [ -n "$f" ]; then echo "$f"; else echo "package-suite: $1: no package $p in $d" >&2; fi
    done
}
four() {   # suite count
    [ "$2" = 4 ] || { echo "package-suite: FAILED: $1: $2 of the 4 packages in $pkgs/$1"; exit 1; }
}

# --- scripts/install's default: stripped, debug info apart, found by gdb
"$top/scripts/install" --prefix "$work/local" --no-build >/dev/null
r=$work/local
so=$r/lib/libpcmk-ipc-rs.so.$version
file -L "$so" | grep -q ', stripped' || failed "scripts/install: $so is not stripped"
line=$(gdb_line "$so" "$r/lib/debug")
[[ $line == *'of "src/ffi/crm_ipc.rs"'* ]] || failed "scripts/install: gdb through $r/lib/debug: $line"
ok "scripts/install: the object stripped ($(stat -c %s "$so") bytes; $(stat -c %s "$top/target/release/libpcmk_ipc_rs.so") as built), the debug info in lib/debug/.build-id, gdb: $(echo "$line" | cut -d' ' -f1-4)"

# --- Debian 12
mapfile -t debs < <(packages_of bookworm)
four bookworm ${#debs[@]}
r=$work/bookworm
for f in "${debs[@]}"; do dpkg-deb -x "$f" "$r"; done
check_object bookworm "$r"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# the -dev package's pkg-config file, its own paths moved under the folder the files are in
mkdir -p "$work/pc"
sed -E "s#^(prefix|libdir|includedir)=/usr#\\1=$r/usr#" "$r/usr/lib/$ma/pkgconfig/pcmk-ipc-rs.pc" >"$work/pc/pcmk-ipc-rs.pc"
flags=$(PKG_CONFIG_PATH=$work/pc pkg-config --cflags --libs pcmk-ipc-rs)
cc -Wall -o "$work/node_status" "$top/examples/c/node_status.c" $flags
readelf -d "$work/node_status" | grep -q 'NEEDED.*libpcmk-ipc-rs.so.0' || failed "bookworm: the example does not link the library"
if out=$("$node" run 2.1 -- env LD_LIBRARY_PATH="$r/usr/lib/$ma" "$work/node_status" 2>&1) && grep -q node1 <<<"$out"; then
    ok "bookworm: examples/c/node_status.c built with the -dev package's pkg-config ($flags) answers on a 2.1.5 node"
else
    failed "bookworm: node_status on a 2.1.5 node: $out"
fi

# --- Debian 13: installed into an overlay of the 3.0 chroot, in a mount namespace of our own
mapfile -t debs < <(packages_of trixie)
four trixie ${#debs[@]}
lower=$("$node" build 3.0)
mkdir -p "$work/chroots/trixie" "$work/upper" "$work/ovl"
for f in "${debs[@]}"; do cp "$f" "$work/"; done
cp "$top/examples/c/node_status.c" "$work/"
export work lower version node here
unshare --mount --propagation private bash -c '
set -euo pipefail
r=$work/chroots/trixie
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/ovl" "$r"
mkdir -p "$r/tmp/pkg"; mount --bind "$work" "$r/tmp/pkg"
chroot "$r" sh -c "dpkg -i /tmp/pkg/*.deb" >"$work/dpkg.out" 2>&1 || { cat "$work/dpkg.out"; exit 1; }
chroot "$r" dpkg-query -W -f="\${Package} \${Version} \${Status}\n" libpcmk-ipc-rs0 libpcmk-ipc-rs0-dbgsym libpcmk-ipc-rs-dev pcmk-ipc-rs-node
chroot "$r" pcmk-ipc-rs-node enable
chroot "$r" pcmk-ipc-rs-node status >"$work/status-before" 2>&1 && exit 1 || true
# the C example, built inside with the installed -dev package
chroot "$r" sh -c "cc -Wall -o /tmp/pkg/node_status_in /tmp/pkg/node_status.c \$(pkg-config --cflags --libs pcmk-ipc-rs)"
cp -a "$r/etc/systemd/system" "$work/units"
cp "$r/etc/profile.d/pcmk-ipc-rs.sh" "$work/profile.sh"
# a node started as systemd would start pacemaker.service with the drop-in
PCMK_NODE_CHROOTS=$work/chroots "$node" run 3.0 --environment "$r/etc/systemd/system/pacemaker.service.d/50-pcmk-ipc-rs.conf" -- sh -c "
    set -e
    \"\$PCMK_NODE_SCRIPT\" tool pcmk-ipc-rs-node status >$work/status 2>&1 || { cat $work/status; exit 1; }
    \"\$PCMK_NODE_SCRIPT\" tool bash -lc \"grep -c libpcmk-ipc-rs /proc/self/maps; crmadmin -q -S node1\" >$work/login 2>&1
    \"\$PCMK_NODE_SCRIPT\" tool /tmp/pkg/node_status_in >$work/example 2>&1
    # an upgrade under running daemons: the files they mapped are replaced
    \"\$PCMK_NODE_SCRIPT\" tool sh -c \"dpkg -i /tmp/pkg/libpcmk-ipc-rs0_*.deb\" >/dev/null 2>&1
    \"\$PCMK_NODE_SCRIPT\" tool pcmk-ipc-rs-node status >$work/status-upgraded 2>&1 || { cat $work/status-upgraded; exit 1; }
"
chroot "$r" pcmk-ipc-rs-node disable
chroot "$r" pcmk-ipc-rs-node status >"$work/status-after" 2>&1 || true
find "$r/etc/systemd/system" "$r/etc/profile.d" -name "*pcmk-ipc-rs*" >"$work/left"
# a file of the same name that enable did not write: enable and disable refuse, and leave it
echo "# the administrator'"'"'s own" >"$r/etc/profile.d/pcmk-ipc-rs.sh"
rc=0; chroot "$r" pcmk-ipc-rs-node enable >"$work/foreign" 2>&1 || rc=$?; echo "enable $rc" >>"$work/foreign"
rc=0; chroot "$r" pcmk-ipc-rs-node disable >>"$work/foreign" 2>&1 || rc=$?; echo "disable $rc" >>"$work/foreign"
grep -q "administrator" "$r/etc/profile.d/pcmk-ipc-rs.sh" && [ ! -e "$r/etc/systemd/system/pacemaker.service.d/50-pcmk-ipc-rs.conf" ] \
    && echo "left alone" >>"$work/foreign"
rm "$r/etc/profile.d/pcmk-ipc-rs.sh"
# removing the package of the switch disables it first
chroot "$r" pcmk-ipc-rs-node enable >/dev/null
chroot "$r" dpkg -r pcmk-ipc-rs-node >"$work/removed" 2>&1
find "$r/etc/systemd/system" "$r/etc/profile.d" -name "*pcmk-ipc-rs*" >>"$work/removed"
# the installed files of the runtime package, for the tools suite
mkdir -p "$work/root"
chroot "$r" dpkg -L libpcmk-ipc-rs0 | while read -r f; do [ -d "$r$f" ] || { mkdir -p "$work/root$(dirname "$f")"; cp -a "$r$f" "$work/root$f"; }; done
' >"$work/trixie.out" 2>&1 || { cat "$work/trixie.out"; failed "trixie: the packages in the 3.0 chroot (above)"; }
if [ $fail = 0 ]; then
    cat "$work/trixie.out"
    r=$work/root
    # the debug files from the dbgsym package, for the object's check
    for f in "${debs[@]}"; do case $f in *dbgsym*) dpkg-deb -x "$f" "$r" ;; esac; done
    check_object trixie "$r"
    daemons="pacemakerd pacemaker-based pacemaker-fenced pacemaker-execd pacemaker-attrd pacemaker-schedulerd pacemaker-controld"
    for d in $daemons; do
        grep -Eq "^ +[0-9]+  $d +on pcmk-ipc-rs \(/usr/lib/[^/]+/libpcmk-ipc-rs\.so\.$version\)" "$work/status" \
            || failed "trixie: status does not show $d on the library"
    done
    grep -q "^switch: enabled for pacemaker.service pacemaker_remote.service crm_mon.service login shells" "$work/status" \
        || failed "trixie: status does not say enabled"
    grep -q '^no running process' "$work/status-before" || failed "trixie: status before the node: $(cat "$work/status-before")"
    grep -qx 'Environment=LD_PRELOAD=libpcmk-ipc-rs.so.0' "$work/units/pacemaker.service.d/50-pcmk-ipc-rs.conf" \
        || failed "trixie: the drop-in: $(cat "$work/units/pacemaker.service.d/50-pcmk-ipc-rs.conf")"
    [ "$(head -1 "$work/login")" -ge 1 ] 2>/dev/null && grep -q S_IDLE "$work/login" \
        || failed "trixie: a login shell: $(cat "$work/login")"
    grep -q node1 "$work/example" || failed "trixie: the example built inside: $(cat "$work/example")"
    grep -q '^switch: disabled' "$work/status-after" && [ ! -s "$work/left" ] \
        || failed "trixie: disable left: $(cat "$work/left") $(head -1 "$work/status-after")"
    grep -q "^7 of 7 processes" "$work/status-upgraded" && [ "$(grep -c 'on pcmk-ipc-rs (.* (deleted))$' "$work/status-upgraded")" = 7 ] \
        || failed "trixie: status after the library was upgraded under the daemons: $(cat "$work/status-upgraded")"
    [ "$(grep -c '^enable 2$\|^disable 2$\|^left alone$' "$work/foreign")" = 3 ] \
        || failed "trixie: a file enable did not write: $(cat "$work/foreign")"
    grep -q 'pcmk-ipc-rs-node: disabled' "$work/removed" && ! grep -q '^/' "$work/removed" \
        || failed "trixie: removing pcmk-ipc-rs-node: $(cat "$work/removed")"
    [ $fail = 1 ] || {
        ok "trixie: installed with dpkg into (an overlay of) the 3.0 chroot; enable wrote the drop-ins and the profile snippet; on a node started with the drop-in's environment, status: $(tail -1 "$work/status")"
        sed 's/^/    /' "$work/status" >>"$results"
        ok "trixie: a login shell has the library mapped and crmadmin answers (S_IDLE); the C example built inside with pkg-config answers; the library upgraded under the running daemons: status still shows them on it (the mapped file deleted); disable removed every file; enable and disable refuse a file of the same name they did not write, and leave it; removing pcmk-ipc-rs-node disables it first"
    }
    rm -rf "$pkgs/trixie/root"; cp -a "$r" "$pkgs/trixie/root"
    ln -sfn "usr/lib/$(ls "$r/usr/lib" | grep -- -linux-gnu | head -1)" "$pkgs/trixie/root/lib"
fi
if [ $fail != 0 ]; then echo "package-suite: FAILED (kept: $work)"; trap - EXIT; exit 1; fi
echo "package-suite: passed"
