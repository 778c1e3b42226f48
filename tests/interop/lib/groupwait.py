#!/usr/bin/env python3
"""Waits on what group members wrote to their --progress-file (see judge.read_progress):

  groupwait.py split --partitions N --timeout-s S FILE...   every member owns partitions, the
                                                            sets disjoint and covering all N
  groupwait.py owns-all --partitions N --timeout-s S FILE... the members' sets cover all N
  groupwait.py full --timeout-s S FILE                      the member processed --stop-after records

Polls every 0.2 s; exit 0 once the condition holds, 1 when the timeout ran out. A wait, not a
check: run-groups.sh goes on either way and judge.py decides.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge import read_progress  # noqa: E402


def owned(path):
    """The partitions the member owns after its last assignment change (empty once it left)."""
    last = set()
    for e in read_progress(path):
        if e.get("ev") == "assigned":
            last = set(e["owned"])
        elif e.get("ev") == "left":
            last = set()
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("split", "owns-all", "full"))
    ap.add_argument("--partitions", type=int, default=0)
    ap.add_argument("--timeout-s", type=float, required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    everything = set(range(a.partitions))

    def holds():
        if a.what == "full":
            return any(e.get("ev") == "full" for e in read_progress(a.files[0]))
        sets = [owned(f) for f in a.files]
        union = set().union(*sets)
        if a.what == "split":
            return all(sets) and union == everything and sum(map(len, sets)) == len(everything)
        return union == everything

    deadline = time.monotonic() + a.timeout_s
    while not holds():
        if time.monotonic() >= deadline:
            return 1
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
