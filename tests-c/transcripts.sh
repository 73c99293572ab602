# shellcheck shell=bash
# What the suites that compare runs of Pacemaker's tools and daemons share (sourced by
# tests-c/tools-suite.sh and tests-c/cluster-suite.sh).

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
