# shellcheck shell=bash
# What the suites that compare runs of Pacemaker's tools and daemons share (sourced by
# tests-c/tools-suite.sh and tests-c/cluster-suite.sh).

# The start of such a suite: NAME, the variable naming an earlier failed invocation's folder to
# compare again without running (REUSE), the chroot the runs' tools see (ROOT), STAGE_PREFIX and
# RESULTS_DIR (optional). Sets work (the runs, removed at exit unless kept or reused), results,
# lib (the staged library) and dir (a folder under ROOT's /var/tmp holding a copy of lib, where
# the chroot's processes can open it; removed at exit).
suite_start() {   # name reuse root stage [results]
    local name=$1 reuse=$2 root=$3
    lib=$(realpath "$4/lib/libpcmk-ipc-rs.so.0")
    results=${5:-}
    work=${!reuse:-$(mktemp -d "/tmp/pcmkrs-$name-suite.XXXXXX")}
    [ -n "$results" ] || results=$work/results
    mkdir -p "$results"
    dir=$(mktemp -d "$root/var/tmp/pcmkrs-$name.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$dir'; [ \"\${keep:-0}\" = 1 ] || [ -n \"\${$reuse:-}\" ] || rm -rf '$work'" EXIT
    chmod 0755 "$dir"
    cp "$lib" "$dir/libpcmk-ipc-rs.so.0"
    chmod 0644 "$dir/libpcmk-ipc-rs.so.0"
    fail=0
    : >"$work/why"
}

# A failure: says it, sets fail, and keeps it for suite_end, which repeats the failures last (a
# log that keeps only its head and tail still shows why)
failed() {   # line...
    echo "$*"
    echo "$*" >>"$work/why"
    fail=1
}
# The end of such a suite (NAME): exits 1, the failures repeated, if any was found
suite_end() {   # name
    if [ "$fail" != 0 ]; then
        keep=1
        echo "$1: FAILED (runs kept in $work):"
        sed 's/^/  /' "$work/why"
        exit 1
    fi
    echo "$1: passed"
}

# masks what differs between any two runs: clock times, run times, epoch seconds
normalise() {
    sed -E \
        -e 's/(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}/<date>/g' \
        -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}Z?/<date>/g' \
        -e 's/(exec|queue)-time="[0-9]+ms"/\1-time="<ms>"/g' \
        -e 's/(name="last-lrm-refresh" value=)"[0-9]+"/\1"<epoch>"/g' \
        "$1"
}

# per command: its step number, its tool and a digest of what it printed
blocks() {
    awk '/^\$ / { n++; split($0, w, " "); tool[n] = w[2] } { text[n] = text[n] $0 "\n" }
         END { for (i = 1; i <= n; i++) { printf "%03d %s ", i, tool[i]; fflush();
               cmd = "md5sum"; printf "%s", text[i] | cmd; close(cmd) } }' "$1" | awk '{ print $1, $2, $3 }'
}

# the tools of tests-c/tools-sequence.txt, in the order of the suites' tables
table_tools=(crmadmin crm_node cibadmin crm_attribute attrd_updater crm_standby crm_failcount
             crm_resource crm_ticket crm_verify crm_simulate crm_mon stonith_admin)
# a table's cell: whether a command of TOOL is among those a run's DIFFERS file lists
tool_cell() {   # tool differs-file
    if awk -v t="$1" '$2 == t { found = 1 } END { exit !found }' "$2"; then
        echo "differs"
    else
        echo "identical"
    fi
}

# the daemons' log: what it says at warning and above
log_events() {
    # severity warning and above, without time, host, pids, pointers, libqb's shared-memory
    # paths (random) and other numbers
    { grep -E '[[:space:]](warning|error|crit|emerg|alert): ' "$1" || true; } \
        | sed -E -e 's/^[A-Z][a-z]{2} [0-9]{2} [0-9:.]+ [^ ]+ //' -e 's/0x[0-9a-f]+/<ptr>/g' \
              -e 's|/dev/shm/qb-[^ )]+|<shm>|g' -e 's/[0-9]+/N/g' \
        | sort -u
}
# and how often a daemon crashed, exited with an error or was respawned
crashes() {
    grep -cE 'exited with status [1-9]|terminated with signal|dumped core|Respawning|Assertion' "$1" || true
}

# The daemons' logs of two runs, on libcrmcommon alone (PLAIN) and on this library (OURS): no kind
# of warning or error in OURS_PART that PLAIN_PART lacks (the whole logs, or the windows of them
# that are compared), no more crashes, error exits or respawns in OURS than in PLAIN. Says what it
# found after SAY; a difference is failed (above) and returns 1. The kinds go to OUT.plain.events and OUT.ours.events.
compare_logs() {   # say plain ours plain-part ours-part out
    local say=$1 plain=$2 ours=$3 out=$6 new cp co
    log_events "$4" >"$out.plain.events"
    log_events "$5" >"$out.ours.events"
    new=$(comm -13 "$out.plain.events" "$out.ours.events")
    cp=$(crashes "$plain"); co=$(crashes "$ours")
    if [ -n "$new" ]; then
        failed "$say on this library the daemons logged what they did not on libcrmcommon alone: $(echo "$new" | head -5 | tr '\n' '|')"
        echo "$new"
        return 1
    elif [ "$co" -gt "$cp" ]; then
        failed "$say a daemon crashed, exited with an error or was respawned on this library ($co, $cp alone):"
        grep -E 'exited with status [1-9]|terminated with signal|dumped core|Respawning|Assertion' "$ours"
        return 1
    fi
    echo "$say no warning, error, crash or respawn beyond libcrmcommon alone's" \
        "($(wc -l <"$out.plain.events") kinds of warning alone, $(wc -l <"$out.ours.events") on this library;" \
        "$(wc -l <"$ours") log lines)"
}
