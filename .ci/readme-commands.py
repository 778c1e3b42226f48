#!/usr/bin/env python3
"""Runs the shell commands of the READMEs verbatim, as a reader would paste them.

  .ci/readme-commands.py [README...]      (default: README.md and every */README.md)

A `sh` code block is checked when an HTML comment right above it says how:

  <!-- readme: run -->     run it (bash -e, from the repository root); it must exit 0
  <!-- readme: serve -->   a command that starts a server: start it, wait for its first line on
                           stdout (kwire-mock prints the bootstrap list once every listener
                           accepts), send SIGTERM, and it must exit 0 within 30 s
  <!-- readme: ci -->      a command .ci/run itself runs as written (e.g. the test stage's
                           `cargo test --workspace`): each line must start a line of .ci/run
  <!-- readme: skip REASON -->   not run, for the reason given

In README.md every `sh` block needs one of these, so a new command cannot go unchecked. Blocks
run in file order and share one environment: `cargo install` installs into a temporary
CARGO_INSTALL_ROOT whose bin/ is first on PATH (reusing the workspace's target/), so a block that
installs kwire-mock and a later one that runs it work as they do for a reader. Files the
commands leave in the repository that git does not know (a ready.json) are removed afterwards.
"""

import glob
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = re.compile(r"^\s*<!--\s*readme:\s*(run|serve|ci|skip)\b\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```\s*(\w*)\s*$")
RUN_TIMEOUT_S = 1800  # a cold release build on a loaded machine
READY_TIMEOUT_S = 1800
STOP_TIMEOUT_S = 30


def blocks(path):
    """(line, kind, reason, text) of every `sh` block; kind None when unmarked."""
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i
        i += 1
        body = []
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        if lang not in ("sh", "bash", "shell"):
            continue
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        marker = MARKER.match(lines[j]) if j >= 0 else None
        out.append(
            (
                start + 1,
                marker.group(1) if marker else None,
                marker.group(2) if marker else "",
                "\n".join(body).strip() + "\n",
            )
        )
    return out


def untracked():
    r = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return set(x for x in r.stdout.decode().split("\0") if x)


def run(text, env):
    r = subprocess.run(["bash", "-eo", "pipefail", "-c", text], cwd=ROOT, env=env, timeout=RUN_TIMEOUT_S)
    return r.returncode == 0, "exit %d" % r.returncode


def serve(text, env):
    commands = [l for l in text.split("\n") if l.strip() and not l.lstrip().startswith("#")]
    if len(commands) != 1:
        return False, "a serve block holds one command, not %d" % len(commands)
    p = subprocess.Popen(
        ["bash", "-c", commands[0]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # the first line on stdout says it is ready; a build before it may take minutes
        out, deadline = b"", time.monotonic() + READY_TIMEOUT_S
        while b"\n" not in out:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
                return False, "no line on stdout after %d s" % READY_TIMEOUT_S
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                return False, "exited (%s) before printing a line" % p.wait()
            out += chunk
        print("    ready: %s" % out.decode().split("\n")[0], flush=True)
        os.killpg(p.pid, signal.SIGTERM)
        p.stdout.read()
        code = p.wait(STOP_TIMEOUT_S)
        return code == 0, "ready, stopped by SIGTERM: exit %d" % code
    except subprocess.TimeoutExpired:
        return False, "timed out"
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def in_ci(text):
    ci = [l.strip() for l in open(os.path.join(ROOT, ".ci/run")).read().split("\n")]
    missing = [
        c
        for c in (l.strip() for l in text.split("\n"))
        if c and not c.startswith("#") and not any(l == c or l.startswith(c + " ") for l in ci)
    ]
    return not missing, "in .ci/run" if not missing else "not in .ci/run: " + "; ".join(missing)


def main():
    files = sys.argv[1:] or ["README.md"] + sorted(glob.glob("*/README.md", root_dir=ROOT))
    work = tempfile.mkdtemp(prefix="kwire-readme-")
    env = dict(os.environ)
    env["CARGO_INSTALL_ROOT"] = os.path.join(work, "install")
    env.setdefault("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    env["PATH"] = os.path.join(work, "install", "bin") + ":" + env["PATH"]
    before = untracked()
    results, ok = [], True
    try:
        for f in files:
            for line, kind, reason, text in blocks(os.path.join(ROOT, f)):
                where = "%s:%d" % (f, line)
                if kind is None:
                    if f == "README.md":
                        results.append((where, "-", False, "no <!-- readme: ... --> marker", 0))
                        ok = False
                    continue
                if kind == "skip":
                    results.append((where, kind, True, reason or "no reason given", 0))
                    ok = ok and bool(reason)
                    continue
                print("::: %s (%s)\n%s" % (where, kind, text.rstrip()), flush=True)
                t0 = time.monotonic()
                try:
                    passed, what = {"run": run, "serve": serve, "ci": lambda t, _: in_ci(t)}[kind](text, env)
                except subprocess.TimeoutExpired:
                    passed, what = False, "timed out"
                results.append((where, kind, passed, what, time.monotonic() - t0))
                ok = ok and passed
    finally:
        for leftover in sorted(untracked() - before):
            os.remove(os.path.join(ROOT, leftover))
            print("removed %s (written by a README command)" % leftover)
        subprocess.run(["rm", "-rf", work], check=False)
    print("README commands:")
    for where, kind, passed, what, secs in results:
        print("  %-28s %-6s %-5s %6.1f s  %s" % (where, kind, "ok" if passed else "FAIL", secs, what))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
