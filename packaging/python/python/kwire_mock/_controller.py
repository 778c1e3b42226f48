"""A typed client of kwire-mock's HTTP/JSON control endpoint (standard library only)."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence


class ControlError(Exception):
    """The control endpoint refused a request.

    ``status`` is the HTTP status (400 malformed, 404 unknown resource, 409 the cluster refused
    the action), ``kafka_error`` Kafka's error name when the cluster refused it
    (``"UNKNOWN_TOPIC_OR_PARTITION"``, ``"INVALID_CONFIG"``, ...).
    """

    def __init__(self, method: str, path: str, status: int, body: Dict[str, Any]):
        self.status = status
        self.error = body.get("error", "")
        self.kafka_error: Optional[str] = body.get("kafka_error")
        super().__init__("%s %s: HTTP %d: %s" % (method, path, status, self.error or body))


@dataclass
class Broker:
    """One broker of the mock cluster as ``GET /state`` reports it."""

    id: int
    host: str
    port: int
    up: bool
    rack: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Partition:
    """One partition: leadership, replicas, ISR and offsets (``GET /state``)."""

    topic: str
    partition: int
    leader: Optional[int]
    leader_epoch: int
    replicas: List[int]
    isr: List[int]
    offline_replicas: List[int]
    high_watermark: int
    log_end_offset: int
    log_start_offset: int
    replica_log_end_offsets: Dict[int, int]
    truncated_records: int
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Topic:
    """A topic and its partitions."""

    name: str
    id: str
    partitions: List[Partition]


@dataclass
class Group:
    """A consumer group (classic or KIP-848) as the coordinator holds it."""

    group_id: str
    state: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ClusterState:
    """A snapshot of the whole cluster (``GET /state``); ``raw`` keeps every field."""

    brokers: List[Broker]
    topics: List[Topic]
    groups: List[Group]
    stats: Dict[str, int]
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "ClusterState":
        """Builds the typed view of a ``GET /state`` answer."""
        brokers = [
            Broker(b["id"], b["host"], b["port"], b["up"], b.get("rack"), b) for b in d["brokers"]
        ]
        topics = []
        for t in d["topics"]:
            parts = [
                Partition(
                    topic=t["name"],
                    partition=p["partition"],
                    leader=p.get("leader"),
                    leader_epoch=p["leader_epoch"],
                    replicas=list(p["replicas"]),
                    isr=list(p["isr"]),
                    offline_replicas=list(p.get("offline_replicas", [])),
                    high_watermark=p["high_watermark"],
                    log_end_offset=p["log_end_offset"],
                    log_start_offset=p.get("log_start_offset", 0),
                    replica_log_end_offsets={
                        int(k): v for k, v in p.get("replica_log_end_offsets", {}).items()
                    },
                    truncated_records=p.get("truncated_records", 0),
                    raw=p,
                )
                for p in t["partitions"]
            ]
            topics.append(Topic(t["name"], t["id"], parts))
        groups = [Group(g["group_id"], g["state"], g) for g in d.get("groups", [])]
        return cls(brokers, topics, groups, dict(d.get("stats", {})), d)

    def topic(self, name: str) -> Topic:
        """The topic called ``name``; ``KeyError`` if the cluster has none."""
        for t in self.topics:
            if t.name == name:
                return t
        raise KeyError(name)

    def partition(self, topic: str, partition: int) -> Partition:
        """One partition of ``topic``; ``KeyError`` if it does not exist."""
        for p in self.topic(topic).partitions:
            if p.partition == partition:
                return p
        raise KeyError((topic, partition))

    def broker(self, broker_id: int) -> Broker:
        """The broker with id ``broker_id``."""
        for b in self.brokers:
            if b.id == broker_id:
                return b
        raise KeyError(broker_id)

    def group(self, group_id: str) -> Group:
        """The consumer group ``group_id``."""
        for g in self.groups:
            if g.group_id == group_id:
                return g
        raise KeyError(group_id)

    def high_watermarks(self, topic: str) -> int:
        """Sum of the high watermarks of ``topic``'s partitions: what consumers can read."""
        return sum(p.high_watermark for p in self.topic(topic).partitions)


class Controller:
    """Client of the control endpoint at ``url`` (``http://127.0.0.1:PORT``).

    Every method is one HTTP request (10 s timeout); a refusal raises :class:`ControlError`.
    The fault vocabulary is the one of ``mock-broker/README.md`` (*Faults*); :meth:`apply`
    sends any list of actions as they are written there.
    """

    def __init__(self, url: str, timeout_s: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Sends one request; returns the decoded JSON answer (or the text if it is not JSON)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as r:
                text = r.read().decode()
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                err = json.loads(text)
            except ValueError:
                err = {"error": text}
            raise ControlError(method, path, e.code, err) from None
        try:
            return json.loads(text)
        except ValueError:
            return text

    # -- reading ------------------------------------------------------------------------------

    def state(self) -> ClusterState:
        """The cluster as it is now: brokers, partitions (leader, ISR, HW, LEOs), groups, counters."""
        return ClusterState.from_json(self.request("GET", "/state"))

    def healthy(self) -> bool:
        """True when the endpoint answers ``/healthz``."""
        try:
            return str(self.request("GET", "/healthz")).strip() == "ok"
        except (OSError, ControlError):
            return False

    def wait_for(
        self,
        predicate: Callable[[ClusterState], bool],
        timeout_s: float = 10.0,
        interval_s: float = 0.02,
    ) -> ClusterState:
        """Polls :meth:`state` until ``predicate`` holds; returns that state or raises ``TimeoutError``."""
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.state()
            if predicate(st):
                return st
            if time.monotonic() >= deadline:
                raise TimeoutError("cluster state did not reach the condition in %.1f s" % timeout_s)
            time.sleep(interval_s)

    # -- brokers and leadership --------------------------------------------------------------

    def broker_down(self, broker: int) -> Any:
        """Stops a broker: its connections close, its partitions fail over (truncating)."""
        return self.request("POST", "/brokers/%d/down" % broker)

    def broker_up(self, broker: int) -> Any:
        """Starts a stopped broker again; its replicas truncate and catch up."""
        return self.request("POST", "/brokers/%d/up" % broker)

    def move_leader(self, topic: str, partition: int, to: Optional[int] = None) -> int:
        """Clean election to ``to`` (or the next eligible replica); returns the new leader."""
        body = {} if to is None else {"to": to}
        answer = self.request("POST", "/partitions/%s/%d/leader" % (_seg(topic), partition), body)
        return answer["leader"]

    def set_isr(self, topic: str, partition: int, isr: Sequence[int]) -> Any:
        """Forces the ISR of a partition (the leader stays)."""
        return self.request(
            "POST", "/partitions/%s/%d/isr" % (_seg(topic), partition), {"isr": list(isr)}
        )

    def set_lag(
        self,
        broker: Optional[int] = None,
        topic: Optional[str] = None,
        partition: Optional[int] = None,
        lag_ms: Optional[int] = None,
        stalled: bool = False,
        clear: bool = False,
    ) -> Any:
        """Follower lag: cluster default, per broker, or per broker and partition.

        Exactly one of ``lag_ms``, ``stalled=True`` (the follower stops copying) or
        ``clear=True``.
        """
        body: Dict[str, Any] = {}
        if broker is not None:
            body["broker"] = broker
        if topic is not None:
            body["topic"], body["partition"] = topic, partition
        if lag_ms is not None:
            body["lag_ms"] = lag_ms
        if stalled:
            body["stalled"] = True
        if clear:
            body["clear"] = True
        return self.request("POST", "/faults/lag", body)

    # -- errors and connections --------------------------------------------------------------

    def inject(
        self,
        api: str,
        error: str,
        count: int = 1,
        broker: Optional[int] = None,
        topic: Optional[str] = None,
        partition: Optional[int] = None,
        group: Optional[str] = None,
    ) -> Any:
        """Answers the next ``count`` requests of ``api`` (``"produce"``, ``"fetch"``, ...) with
        ``error`` (Kafka's name, e.g. ``"NOT_LEADER_OR_FOLLOWER"``), optionally scoped."""
        body: Dict[str, Any] = {"api": api, "error": error, "count": count}
        for k, v in (("broker", broker), ("topic", topic), ("partition", partition), ("group", group)):
            if v is not None:
                body[k] = v
        return self.request("POST", "/faults/inject", body)

    def clear_injections(self) -> Any:
        """Forgets the injections not used yet."""
        return self.request("DELETE", "/faults/inject")

    def connection_faults(
        self,
        broker: int = 0,
        latency_ms: Optional[int] = None,
        drop_after_append: Optional[int] = None,
        stall: bool = False,
    ) -> Any:
        """Delays, drops or stalls responses of ``broker`` (0 = every broker); replaces what was set."""
        body: Dict[str, Any] = {"broker": broker}
        if latency_ms is not None:
            body["latency_ms"] = latency_ms
        if drop_after_append is not None:
            body["drop_after_append"] = drop_after_append
        if stall:
            body["stall"] = True
        return self.request("POST", "/faults/connection", body)

    def clear_connection_faults(self) -> Any:
        """Removes every connection fault."""
        return self.request("DELETE", "/faults/connection")

    # -- topics and groups -------------------------------------------------------------------

    def create_topic(
        self,
        name: str,
        partitions: int = -1,
        replication_factor: int = -1,
        configs: Optional[Dict[str, str]] = None,
    ) -> Any:
        """Creates a topic as CreateTopics does (-1: the broker defaults)."""
        body: Dict[str, Any] = {
            "name": name,
            "partitions": partitions,
            "replication_factor": replication_factor,
        }
        if configs:
            body["configs"] = configs
        return self.request("POST", "/topics", body)

    def delete_topic(self, name: str) -> Any:
        """Deletes a topic as DeleteTopics does."""
        return self.request("DELETE", "/topics/%s" % _seg(name))

    def move_coordinator(self, group: str, to: Optional[int] = None) -> Any:
        """Moves a group's coordinator (its ``__consumer_offsets`` partition's leader)."""
        body = {} if to is None else {"to": to}
        return self.request("POST", "/groups/%s/coordinator" % _seg(group), body)

    def apply(self, actions: Sequence[Dict[str, Any]]) -> Any:
        """Applies actions of the fault vocabulary in order (``POST /actions``)."""
        return self.request("POST", "/actions", list(actions))

    def scenario(self, steps: Sequence[Dict[str, Any]]) -> Any:
        """Runs a timeline in the background (``at_ms`` from now)."""
        return self.request("POST", "/scenario", list(steps))


def _seg(s: str) -> str:
    return urllib.parse.quote(s, safe="")
