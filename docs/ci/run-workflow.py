#!/usr/bin/env python3
"""Runs the `run:` steps of a GitHub Actions workflow here, in order, as a runner would.

  docs/ci/run-workflow.py [WORKFLOW] [JOB]     (default: docs/ci/github-actions.yml, its only job)

What a runner gives a step, and only that: the working directory is the repository
($GITHUB_WORKSPACE, what actions/checkout leaves), $RUNNER_TEMP a fresh temporary directory
(removed at the end), the workflow's, job's and step's `env:`, lines appended to $GITHUB_ENV and
$GITHUB_PATH by earlier steps, `bash --noprofile --norc -eo pipefail` as the shell, and
`if: always()` / `if: failure()`. `uses:` steps are skipped (checkout: this repository is the
workspace; a setup action: the machine's tools are used). Processes a step leaves running are
reaped when they exit (this process is their subreaper) and stopped at the end, as a runner
stops them when the job ends. Anything else the workflow asks for
is refused, so the file cannot say more than this checks.

The YAML is read by a parser for the subset workflows use here (block mappings and sequences,
plain and quoted scalars, `|` literal blocks, `[a, b]` flow lists, comments); PyYAML is not needed.
"""

import ctypes
import os
import re
import signal
import subprocess
import sys
import tempfile
import time


# --- a YAML subset -------------------------------------------------------------------------


class YamlError(Exception):
    pass


def _scalar(text):
    text = text.strip()
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise YamlError("unterminated string: " + text)
        return bytes(text[1:-1], "utf-8").decode("unicode_escape")
    if text.startswith("'"):
        if not text.endswith("'") or len(text) < 2:
            raise YamlError("unterminated string: " + text)
        return text[1:-1].replace("''", "'")
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(x) for x in text[1:-1].split(",") if x.strip()]
    if text.startswith(("{", "&", "*", "!", ">")):
        raise YamlError("unsupported YAML: " + text)
    return text


def _strip_comment(line):
    """The line without a trailing ` # comment` (outside quotes)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


class _Parser:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.i = 0

    def _next_content(self):
        """Index of the next line with content (comments and blank lines skipped)."""
        j = self.i
        while j < len(self.lines) and not _strip_comment(self.lines[j]).strip():
            j += 1
        return j

    @staticmethod
    def _indent(line):
        return len(line) - len(line.lstrip(" "))

    def node(self, indent):
        j = self._next_content()
        if j >= len(self.lines) or self._indent(self.lines[j]) < indent:
            return None
        self.i = j
        line = _strip_comment(self.lines[j])
        if line.strip().startswith("- ") or line.strip() == "-":
            return self.sequence(self._indent(line))
        return self.mapping(self._indent(line))

    def sequence(self, indent):
        items = []
        while True:
            j = self._next_content()
            if j >= len(self.lines):
                return items
            line = _strip_comment(self.lines[j])
            if self._indent(line) != indent or not line.strip().startswith("-"):
                return items
            rest = line.strip()[1:]
            # "- key: value" opens a mapping whose keys sit at the indent after "- "
            inner = indent + 1 + (len(rest) - len(rest.lstrip(" ")))
            self.lines[j] = " " * inner + rest.lstrip(" ")
            self.i = j
            items.append(self.mapping(inner) if ":" in rest else _scalar(rest))
            if ":" not in rest:
                self.i = j + 1

    def mapping(self, indent):
        out = {}
        while True:
            j = self._next_content()
            if j >= len(self.lines):
                return out
            line = _strip_comment(self.lines[j])
            if self._indent(line) < indent:
                return out
            if self._indent(line) > indent or line.strip().startswith("- "):
                raise YamlError("line %d: unexpected indentation: %s" % (j + 1, line))
            m = re.match(r"\s*([^:]+?):(?:\s+(.*))?$", line)
            if not m:
                raise YamlError("line %d: not a key: value: %s" % (j + 1, line))
            key, value = m.group(1).strip(), (m.group(2) or "").strip()
            self.i = j + 1
            if value in ("|", "|-"):
                out[key] = self.literal(indent, keep_newline=value == "|")
            elif value:
                out[key] = _scalar(value)
            else:
                out[key] = self.node(indent + 1)

    def literal(self, parent_indent, keep_newline):
        """A `|` block: the lines indented past the key, with their common indent removed."""
        block, j = [], self.i
        while j < len(self.lines):
            raw = self.lines[j]
            if raw.strip() and self._indent(raw) <= parent_indent:
                break
            block.append(raw)
            j += 1
        self.i = j
        while block and not block[-1].strip():
            block.pop()
        lines = [x for x in block if x.strip()]
        if not lines:
            return ""
        cut = self._indent(lines[0])
        text = "\n".join(x[cut:] if x.strip() else "" for x in block)
        return text + "\n" if keep_newline else text


def load_yaml(text):
    return _Parser(text).node(0)


# --- the runner ----------------------------------------------------------------------------

ALLOWED_STEP_KEYS = {"name", "run", "uses", "with", "env", "if"}
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Processes a step leaves behind become this process's children when the step's shell
    exits (not those of an init that may never reap them, so that `kill -0 PID` in a later
    step sees them gone once they exit)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def wait_for(pid):
    """The exit code of child `pid`; any other child that ends meanwhile is reaped."""
    while True:
        done, status = os.wait()
        if done == pid:
            return os.waitstatus_to_exitcode(status)


def stop_leftovers(groups):
    """SIGTERM to what the steps left running, SIGKILL after 10 s, every child reaped."""
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                for pgid in groups:
                    try:
                        os.killpg(pgid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            time.sleep(0.05)


def step_name(step):
    return step.get("name") or step.get("uses") or step.get("run", "").split("\n")[0]


def read_env_file(path):
    """Lines NAME=VALUE (and NAME<<DELIMITER multi-line values) a step appended to $GITHUB_ENV."""
    env, lines = {}, open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value = []
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            i += 1
            env[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    return env


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "docs/ci/github-actions.yml")
    workflow = load_yaml(open(path).read())
    jobs = workflow["jobs"]
    name = sys.argv[2] if len(sys.argv) > 2 else None
    if name is None:
        if len(jobs) != 1:
            sys.exit("%s has %d jobs: name one" % (path, len(jobs)))
        name = next(iter(jobs))
    job = jobs[name]
    unsupported = set(job) - {"runs-on", "env", "steps", "name"}
    if unsupported:
        sys.exit("job %s: not run here: %s" % (name, ", ".join(sorted(unsupported))))

    temp = tempfile.mkdtemp(prefix="kwire-workflow-")
    env_file, path_file = os.path.join(temp, "github_env"), os.path.join(temp, "github_path")
    open(env_file, "w").close()
    open(path_file, "w").close()
    runner_temp = os.path.join(temp, "runner-temp")
    os.mkdir(runner_temp)
    base = dict(os.environ)
    base.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": root,
            "RUNNER_TEMP": runner_temp,
            "GITHUB_ENV": env_file,
            "GITHUB_PATH": path_file,
        }
    )
    base.update({k: str(v) for k, v in (workflow.get("env") or {}).items()})
    base.update({k: str(v) for k, v in (job.get("env") or {}).items()})

    become_subreaper()
    failed, groups, results = False, [], []
    try:
        for n, step in enumerate(job["steps"], 1):
            label = "step %d (%s)" % (n, step_name(step))
            extra = set(step) - ALLOWED_STEP_KEYS
            if extra:
                sys.exit("%s: not run here: %s" % (label, ", ".join(sorted(extra))))
            cond = step.get("if", "success()")
            if cond not in ("success()", "always()", "failure()"):
                sys.exit("%s: condition not run here: if: %s" % (label, cond))
            if (cond == "success()" and failed) or (cond == "failure()" and not failed):
                results.append((label, "skipped"))
                continue
            if "uses" in step:
                print("::: %s: skipped (an action, not a run: step)" % label, flush=True)
                results.append((label, "skipped"))
                continue
            env = dict(base)
            env.update(read_env_file(env_file))
            extra_path = [p for p in open(path_file).read().split("\n") if p]
            env["PATH"] = ":".join(list(reversed(extra_path)) + [env["PATH"]])
            env.update({k: str(v) for k, v in (step.get("env") or {}).items()})
            print("::: %s" % label, flush=True)
            t0 = time.monotonic()
            proc = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=root,
                env=env,
                start_new_session=True,
            )
            groups.append(proc.pid)
            rc = proc.returncode = wait_for(proc.pid)
            took = time.monotonic() - t0
            results.append((label, "ok %.1f s" % took if rc == 0 else "FAILED (exit %d)" % rc))
            if rc != 0:
                failed = True
    finally:
        # what steps left running (kwire-mock in the background), as a runner's job cleanup
        stop_leftovers(groups)
        subprocess.run(["rm", "-rf", temp], check=False)
    print("::: %s, job %s:" % (os.path.relpath(path, root), name))
    for label, result in results:
        print("    %-60s %s" % (label, result))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
