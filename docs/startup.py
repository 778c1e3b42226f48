#!/usr/bin/env python3
"""Start-up time of kwire-mock: from spawning the executable to its --ready-file (every listener
accepting), over N runs; prints min/median/max in ms.

  docs/startup.py [BINARY] [RUNS] [EXTRA FLAGS...]     (default: target/release/kwire-mock, 20)
"""
import os, statistics, subprocess, sys, tempfile, time

binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/kwire-mock"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
extra = sys.argv[3:]
times = []
for _ in range(runs):
    with tempfile.TemporaryDirectory() as d:
        ready = os.path.join(d, "ready.json")
        t0 = time.perf_counter()
        p = subprocess.Popen([binary, "--port", "0", "--control", "127.0.0.1:0", "--ready-file", ready] + extra,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                with open(ready) as f:
                    if f.read().endswith("\n"):
                        break
            except OSError:
                pass
            if p.poll() is not None:
                sys.exit("kwire-mock exited early")
            time.sleep(0.0005)
        times.append((time.perf_counter() - t0) * 1000)
        p.terminate()
        p.wait()
times.sort()
print("kwire-mock start-up to ready (%d runs, %s): min %.1f ms, median %.1f ms, max %.1f ms"
      % (runs, " ".join(extra) or "3 brokers", times[0], statistics.median(times), times[-1]))
