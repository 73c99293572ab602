#!/usr/bin/env python3
"""CPU per scrape: examples/exporter.rs (kept current by notifications) against running
Pacemaker's crm_mon --output-as=xml per scrape, as exporters do today. Runs inside a live node
(scripts/bench part 6):

  exporter-bench.py EXPORTER ROOT SCRAPES RUNS ROUNDS

Both on CPU 1, alternating within each round. Prints, per round:
  exp ROUND CPU_US_PER_SCRAPE WALL_US_PER_SCRAPE   (the exporter's own process_cpu_seconds_total
                                                    over the scrapes: its background work included)
  mon ROUND CPU_US_PER_RUN WALL_US_PER_RUN          (crm_mon's user + system time, getrusage)
"""
import resource
import subprocess
import sys
import time
import urllib.request

exporter, root, scrapes, runs, rounds = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
proc = subprocess.Popen(["taskset", "-c", "1", exporter, "--listen", "127.0.0.1:0"],
                        stdout=subprocess.PIPE, text=True)
try:
    addr = proc.stdout.readline().split()[-1]
    url = f"http://{addr}/metrics"

    def scrape():
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def cpu(text):
        for line in text.splitlines():
            if line.startswith("process_cpu_seconds_total "):
                return float(line.split()[1])
        raise SystemExit("exporter-bench: no process_cpu_seconds_total")

    deadline = time.time() + 30
    while "pacemaker_up 1" not in scrape():
        if time.time() > deadline:
            raise SystemExit("exporter-bench: the exporter never reached the CIB manager")
        time.sleep(0.2)

    def exporter_round(r):
        c0 = cpu(scrape())
        t0 = time.perf_counter()
        for _ in range(scrapes):
            scrape()
        wall = time.perf_counter() - t0
        c1 = cpu(scrape())
        print(f"exp {r} {(c1 - c0) / (scrapes + 1) * 1e6:.1f} {wall / scrapes * 1e6:.1f}", flush=True)

    def crm_mon_round(r):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        for _ in range(runs):
            subprocess.run(["taskset", "-c", "1", "chroot", root, "crm_mon", "--output-as=xml"],
                           stdout=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"mon {r} {used / runs * 1e6:.1f} {wall / runs * 1e6:.1f}", flush=True)

    for r in range(1, rounds + 1):
        for step in ((exporter_round, crm_mon_round) if r % 2 else (crm_mon_round, exporter_round)):
            step(r)
finally:
    proc.terminate()
    proc.wait()
