#!/usr/bin/env bash
# sbd, a real consumer of the library: Debian 13's sbd (1.5.2, linked against libcrmcommon 3.0.0)
# with its Pacemaker watcher, on a 3.0.0 node, on libcrmcommon alone and with this library
# preloaded into sbd and into every daemon of the node:
#   tests-c/sbd-suite.sh STAGE_PREFIX [RESULTS_FILE]
# This machine has no watchdog device and no kernel modules (no softdog); sbd gets the fake
# watchdog of tests-c/fake_watchdog.c (preloaded; a reset kills sbd's process group, not the
# machine). Each run (tests-c/sbd-run.sh) starts sbd diskless (`sbd -P watch`), checks that it
# reports the node healthy and keeps feeding its watchdog, then SIGKILLs pacemakerd: sbd must
# reset the node. The two runs must pass the same checks, all of them, and sbd must log the same
# kinds of message (syslog; pointers, numbers and the count of each kind masked: they depend on
# when each step happened; the messages of sbd's reset path left out: whether the fake watchdog
# or sbd's own timeout acts first is a race). The table goes to RESULTS_FILE (default: printed only).
set -euo pipefail
stage=$(realpath "$1")
results=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=$(realpath "$here/../scripts/pcmk-node")
lib=$stage/lib/libpcmk-ipc-rs.so.0
root=$("$node" build 3.0 --sbd)
work=$(mktemp -d /tmp/pcmkrs-sbd-suite.XXXXXX)
dir=$(mktemp -d "$root/var/tmp/pcmkrs-sbd.XXXXXX")
keep=0
trap 'rm -rf "$dir"; [ $keep = 1 ] || rm -rf "$work"' EXIT
chmod 0755 "$dir"
cp "$here/fake_watchdog.c" "$dir/"
"$node" exec 3.0 gcc -O2 -Wall -Werror -shared -fPIC -o "${dir#"$root"}/fake_watchdog.so" \
    "${dir#"$root"}/fake_watchdog.c" -lpthread

"$node" run 3.0 -- "$here/sbd-run.sh" alone "$dir" "$work/alone" >"$work/alone.out" 2>"$work/alone.err" & a=$!
"$node" run 3.0 --preload "$lib" -- "$here/sbd-run.sh" ours "$dir" "$work/ours" >"$work/ours.out" 2>"$work/ours.err" & o=$!
rc=0
wait $a || rc=1
wait $o || rc=1
if [ $rc != 0 ]; then
    keep=1
    for r in alone ours; do echo "sbd-suite: the $r run:"; cat "$work/$r.out" "$work/$r.err"; done
    echo "sbd-suite: FAILED: a run did not complete (kept in $work)"
    exit 1
fi

fail=0
why=()
failed() { echo "sbd-suite: $*"; why+=("$*"); fail=1; }
grep -q '^library: this library preloaded$' "$work/ours.out" || failed "sbd did not run on this library: $(grep '^library:' "$work/ours.out")"
grep -q '^library: libcrmcommon alone$' "$work/alone.out" || failed "sbd did not run on libcrmcommon alone: $(grep '^library:' "$work/alone.out")"
for r in alone ours; do
    grep -E ': (yes|no)$' "$work/$r.out" >"$work/$r.checks"
    no=$(grep -c ': no$' "$work/$r.checks" || true)
    [ "$no" = 0 ] || failed "$r: checks failed: $(grep ': no$' "$work/$r.checks" | tr '\n' '|')"
    # the kinds of message sbd logged, but those of its own reset path: whether the fake watchdog
    # fires first or sbd's own timeout (a few milliseconds later) calls reboot is a race
    sed -E -e 's/^<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} sbd\[[0-9]+\]: *//' -e 's/0x[0-9a-f]+/<ptr>/g' -e 's/[0-9]+/N/g' \
        "$work/$r/syslog" | grep -vE 'Rebooting system|sysrq-trigger|(Reboot|Poweroff) failed' | sort -u >"$work/$r.kinds"
done
diff -u "$work/alone.checks" "$work/ours.checks" || failed "the checks differ (- libcrmcommon alone, + this library)"
same_kinds=", the same"
if diff -u "$work/alone.kinds" "$work/ours.kinds"; then
    echo "sbd-suite: sbd logged the same $(wc -l <"$work/ours.kinds") kinds of message on both"
else
    same_kinds=", **not the same**"
    failed "sbd logged other kinds of message on this library (- libcrmcommon alone, + this library; above)"
fi

secs() { sed -n "s/^seconds: $2 after //p" "$work/$1.out"; }
how() { sed -n 's/^how: //p' "$work/$1.out"; }
{
    echo "| sbd 1.5.2, diskless, Pacemaker watcher (\`sbd -P watch\`) | libcrmcommon 3.0.0 alone | this library (sbd and every daemon) |"
    echo "|---|---|---|"
    paste -d'\t' "$work/alone.checks" "$work/ours.checks" \
        | awk -F'\t' '{ a = $1; sub(/: (yes|no)$/, "", a); print "| " a " | " substr($1, length(a) + 3) " | " substr($2, length(a) + 3) " |" }'
    echo "| seconds from pacemakerd's SIGKILL to the reset (how) | $(secs alone reset) ($(how alone)) | $(secs ours reset) ($(how ours)) |"
    echo "| kinds of message sbd logged (syslog; its reset path aside) | $(wc -l <"$work/alone.kinds") | $(wc -l <"$work/ours.kinds")$same_kinds |"
} >"$work/table.md"
[ -z "$results" ] || cp "$work/table.md" "$results"
cat "$work/table.md"
if [ $fail != 0 ]; then
    keep=1
    echo "sbd-suite: FAILED (kept in $work):"
    printf '  %s\n' "${why[@]}"
    exit 1
fi
echo "sbd-suite: passed"
