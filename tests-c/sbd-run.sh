#!/usr/bin/env bash
# One run of tests-c/sbd-suite.sh, inside `scripts/pcmk-node run 3.0` (the node's namespaces):
#   tests-c/sbd-run.sh alone|ours DIR OUT
# DIR: the suite's folder under the chroot (fake_watchdog.so); OUT: where this run writes (the
# host's path). sbd (Debian 13's, on libcrmcommon 3.0.0; `ours`: this library preloaded, as the
# node's daemons) starts diskless with its Pacemaker watcher, its watchdog the fake of
# tests-c/fake_watchdog.c, in a mount namespace of its own where /dev/log is a socket this script
# reads and /proc/sysrq-trigger and /proc/sys/kernel/sysrq, where the kernel has them, are plain
# files (sbd writes there before it calls reboot(2), which the fake also takes). The node must become healthy, stay so
# (the watchdog fed, sbd alive), and once pacemakerd is SIGKILLed sbd must reset the node (the
# watchdog fires, or sbd calls reboot). Prints one line per check: "NAME: yes|no", and the
# seconds it took.
set -euo pipefail
how=$1 dir=$2 out=$3
root=$PCMK_NODE_ROOT
in=${dir#"$root"}
mkdir -p "$out/dev/shm"
for f in null zero random urandom; do : >"$out/dev/$f"; done
echo 1 >"$out/sysrq"
: >"$out/sysrq-trigger" >"$out/watchdog.log" >"$out/syslog"

# /dev/log: sbd logs through syslog(3) only
python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(65536).decode(errors="replace").rstrip("\n") + "\n")
        f.flush()
' "$out/dev/log" "$out/syslog" &
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
for i in $(seq 50); do [ -S "$out/dev/log" ] && break; sleep 0.1; done

preload=$in/fake_watchdog.so
[ "$how" = alone ] || preload=$preload:$PCMK_NODE_PRELOAD
name=$(chroot "$root" crm_node -n)
unshare --mount --propagation private sh -c '
    set -e
    root=$1 out=$2 preload=$3 name=$4
    for f in null zero random urandom; do mount --bind "/dev/$f" "$out/dev/$f"; done
    mount --bind /dev/shm "$out/dev/shm"
    mount --rbind "$out/dev" "$root/dev"
    # where the kernel has them (this machine has not): plain files, never the machine'"'"'s
    [ ! -e "$root/proc/sys/kernel/sysrq" ] || mount --bind "$out/sysrq" "$root/proc/sys/kernel/sysrq"
    [ ! -e "$root/proc/sysrq-trigger" ] || mount --bind "$out/sysrq-trigger" "$root/proc/sysrq-trigger"
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        SBD_PACEMAKER=yes SBD_WATCHDOG_DEV=/dev/watchdog SBD_WATCHDOG_TIMEOUT=5 \
        PCMKRS_FAKE_WATCHDOG=/dev/watchdog PCMKRS_FAKE_WATCHDOG_LOG=/run/fake-watchdog.log \
        LD_PRELOAD="$preload" setsid sbd -R -vv -n "$name" -p /run/sbd.pid -P watch
' sh "$root" "$out" "$preload" "$name" >"$out/sbd.out" 2>&1 &
# (sbd detaches once it has seen the cluster; it may also stay: either way its pid file says)
for i in $(seq 100); do [ -s "$root/run/sbd.pid" ] && break; sleep 0.1; done
[ -s "$root/run/sbd.pid" ] || { echo "sbd: did not start: $(cat "$out/sbd.out")"; exit 1; }

check() { echo "$1: $2"; }
wlog=$root/run/fake-watchdog.log
t0=$SECONDS
healthy=no
for i in $(seq 80); do
    grep -q 'Servant pcmk is healthy' "$out/syslog" && { healthy=yes; break; }
    sleep 0.5
done
check "sbd reports the node healthy" "$healthy"
echo "seconds: healthy after $((SECONDS - t0))"
pid=$(tr -dc 0-9 <"$root/run/sbd.pid" 2>/dev/null || true); pid=${pid:-0}   # (sbd pads it with spaces)
# what sbd runs on (the suite checks it)
if grep -q libpcmk-ipc-rs "/proc/$pid/maps" 2>/dev/null; then echo "library: this library preloaded"
elif grep -q libcrmcommon "/proc/$pid/maps" 2>/dev/null; then echo "library: libcrmcommon alone"
else echo "library: unknown"; fi
# (sbd arms it in the pass that finds the last servant healthy: give it a few seconds)
armed=no
for i in $(seq 50); do grep -q 'armed: 5 s' "$wlog" 2>/dev/null && { armed=yes; break; }; sleep 0.1; done
check "sbd armed its watchdog (5 s)" "$armed"
sleep 15
alive=no; [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null && alive=yes
check "sbd still running 15 s later" "$alive"
grep -qE 'fired|reboot' "$wlog" 2>/dev/null && reset=yes || reset=no
check "the node not reset while healthy" "$([ $reset = no ] && echo yes || echo no)"

kill -KILL "$PCMK_NODE_PACEMAKERD_PID"
t0=$SECONDS
reset=no
for i in $(seq 120); do
    grep -qE 'fired|reboot' "$wlog" 2>/dev/null && { reset=yes; break; }
    sleep 0.5
done
check "pacemakerd killed: sbd resets the node" "$reset"
echo "seconds: reset after $((SECONDS - t0))"
echo "how: $(grep -oE 'fired|reboot' "$wlog" | head -1)"
sleep 1
gone=yes; { [ "$pid" = 0 ] || kill -0 "$pid" 2>/dev/null; } && gone=no
check "sbd gone with its reset" "$gone"
cp "$wlog" "$out/watchdog.log" 2>/dev/null || true
