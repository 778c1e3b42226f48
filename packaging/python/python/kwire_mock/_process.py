"""Starting and stopping the kwire-mock executable."""

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ._controller import Controller

TopicSpec = Union[str, Sequence[Any]]


class MockStartError(RuntimeError):
    """kwire-mock did not become ready (bad option, binary missing, exited early, timeout)."""


def find_binary() -> str:
    """The kwire-mock executable: ``$KWIRE_MOCK_BIN``, else the one this wheel installed next to
    the interpreter, else ``kwire-mock`` on ``PATH``."""
    env = os.environ.get("KWIRE_MOCK_BIN")
    if env:
        return env
    exe = "kwire-mock.exe" if sys.platform == "win32" else "kwire-mock"
    for d in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if d:
            p = os.path.join(d, exe)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    p = shutil.which(exe)
    if p:
        return p
    raise MockStartError(
        "kwire-mock executable not found: install the kwire-mock wheel, set KWIRE_MOCK_BIN, "
        "or put kwire-mock on PATH"
    )


def _topic_arg(t: TopicSpec) -> str:
    if isinstance(t, str):
        return t
    name, partitions, replication = t
    return "%s:%d:%d" % (name, partitions, replication)


class KwireMock:
    """One kwire-mock cluster in a child process, on free ports.

    Keyword options map to the executable's flags (``kwire-mock --help``): ``brokers``,
    ``topics`` (``"name:partitions:replication"`` or tuples), ``partitions``,
    ``replication_factor``, ``follower_lag_ms``, ``min_insync_replicas``,
    ``replica_lag_time_max_ms``, ``auto_create`` (default True), ``unclean_leader_election``,
    ``security_protocol``, ``sasl_users`` (``"name:password"``), ``racks``; ``args`` appends
    raw flags. :meth:`start` returns once every listener accepts.
    """

    def __init__(
        self,
        brokers: int = 3,
        topics: Iterable[TopicSpec] = (),
        partitions: Optional[int] = None,
        replication_factor: Optional[int] = None,
        follower_lag_ms: Optional[int] = None,
        min_insync_replicas: Optional[int] = None,
        replica_lag_time_max_ms: Optional[int] = None,
        auto_create: bool = True,
        unclean_leader_election: bool = False,
        security_protocol: Optional[str] = None,
        sasl_users: Iterable[str] = (),
        racks: Optional[Sequence[str]] = None,
        args: Sequence[str] = (),
        binary: Optional[str] = None,
        start_timeout_s: float = 20.0,
    ):
        self.binary = binary or find_binary()
        self.start_timeout_s = start_timeout_s
        a: List[str] = ["--brokers", str(brokers)]
        for t in topics:
            a += ["--topic", _topic_arg(t)]
        for flag, v in (
            ("--partitions", partitions),
            ("--replication-factor", replication_factor),
            ("--follower-lag-ms", follower_lag_ms),
            ("--min-insync-replicas", min_insync_replicas),
            ("--replica-lag-time-max-ms", replica_lag_time_max_ms),
            ("--security-protocol", security_protocol),
        ):
            if v is not None:
                a += [flag, str(v)]
        if not auto_create:
            a.append("--no-auto-create")
        if unclean_leader_election:
            a.append("--unclean-leader-election")
        for u in sasl_users:
            a += ["--sasl-user", u]
        if racks:
            a += ["--racks", ",".join(racks)]
        self.args = a + list(args)
        self._proc: Optional[subprocess.Popen] = None
        self._dir: Optional[str] = None
        self.ready: Dict[str, Any] = {}
        self.bootstrap = ""
        self.controller: Optional[Controller] = None

    @classmethod
    def from_options(cls, options: Optional[Dict[str, Any]]) -> "KwireMock":
        """A cluster from a dict of the constructor's keyword options (fixture parameters)."""
        return cls(**(options or {}))

    @property
    def log_path(self) -> Optional[str]:
        """The file that receives the mock's log lines (stderr)."""
        return os.path.join(self._dir, "kwire-mock.log") if self._dir else None

    def start(self) -> "KwireMock":
        """Starts the process and waits for its ready file; raises :class:`MockStartError`."""
        if self._proc is not None:
            return self
        self._dir = tempfile.mkdtemp(prefix="kwire-mock-")
        ready_file = os.path.join(self._dir, "ready.json")
        cmd = [
            self.binary,
            "--port", "0",
            "--control", "127.0.0.1:0",
            "--ready-file", ready_file,
        ] + self.args
        log = open(self.log_path, "wb")
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log
            )
        except OSError as e:
            raise MockStartError("cannot run %s: %s" % (self.binary, e)) from e
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            ready = _read_ready(ready_file)
            if ready is not None:
                break
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                raise MockStartError(
                    "kwire-mock exited with %d before it was ready: %s\n%s"
                    % (code, " ".join(cmd), self.log_tail())
                )
            if time.monotonic() > deadline:
                self.stop()
                raise MockStartError("kwire-mock not ready after %.0f s" % self.start_timeout_s)
            time.sleep(0.005)
        self.ready = ready
        self.bootstrap = ready["bootstrap"]
        self.controller = Controller(ready["control"])
        return self

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the mock logged (for failure messages)."""
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
        except (OSError, TypeError):
            return ""

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``; removes the temporary directory."""
        p, self._proc = self._proc, None
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout_s)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    @property
    def running(self) -> bool:
        """True while the child process lives."""
        return self._proc is not None and self._proc.poll() is None

    def client_config(self, **extra: Any) -> Dict[str, Any]:
        """``{"bootstrap.servers": ...}`` plus the security settings of the listener (for
        confluent-kafka / librdkafka), merged with ``extra``."""
        cfg: Dict[str, Any] = {"bootstrap.servers": self.bootstrap}
        proto = self.ready.get("security_protocol", "PLAINTEXT")
        if proto != "PLAINTEXT":
            cfg["security.protocol"] = proto
        if self.ready.get("ca"):
            cfg["ssl.ca.location"] = self.ready["ca"]
        cfg.update(extra)
        return cfg

    def __enter__(self) -> "KwireMock":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return "KwireMock(bootstrap=%r, args=%r)" % (self.bootstrap, self.args)


def _read_ready(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    if not text.endswith("\n"):
        return None  # still being written
    try:
        return json.loads(text)
    except ValueError:
        return None
