//! The brokers the engine talks to: each node's connection state and reconnect backoff, and
//! the requests in flight (to which node, since when, carrying what). Bookkeeping only: the
//! engine decides when to connect, what to send and what a lost request means.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::io::Versions;
use crate::accumulator::Batch;

/// A node's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Conn {
    /// None; the next attempt waits for `retry_at` (reconnect backoff).
    Idle {
        retry_at: Option<Instant>,
    },
    Connecting,
    Ready(Versions),
}

#[derive(Debug)]
struct Node {
    addr: String,
    conn: Conn,
    /// Failed connections in a row.
    failures: u32,
    in_flight: BTreeSet<u64>,
}

impl Node {
    fn new(addr: String) -> Self {
        Node {
            addr,
            conn: Conn::Idle { retry_at: None },
            failures: 0,
            in_flight: BTreeSet::new(),
        }
    }
}

/// What a request in flight carries.
#[derive(Debug)]
pub(super) enum Pending {
    Produce(Vec<Batch>),
    Metadata,
    InitProducerId,
}

/// A request in flight.
#[derive(Debug)]
pub(super) struct InFlight {
    pub node: i32,
    pub sent: Instant,
    pub kind: Pending,
}

/// Nodes and requests in flight. Bootstrap servers are nodes -1, -2, …; brokers from
/// metadata use their ids.
#[derive(Debug)]
pub(super) struct Nodes {
    nodes: BTreeMap<i32, Node>,
    requests: HashMap<u64, InFlight>,
    next_id: u64,
}

impl Nodes {
    /// The bootstrap servers, none connected.
    pub fn new(bootstrap: &[String]) -> Self {
        Nodes {
            nodes: bootstrap
                .iter()
                .enumerate()
                .map(|(i, addr)| (-(i as i32) - 1, Node::new(addr.clone())))
                .collect(),
            requests: HashMap::new(),
            next_id: 0,
        }
    }

    /// Every node id.
    pub fn ids(&self) -> Vec<i32> {
        self.nodes.keys().copied().collect()
    }

    /// Adds `node` at the address `addr` gives, unless it is known.
    pub fn ensure(&mut self, node: i32, addr: impl FnOnce() -> String) {
        self.nodes.entry(node).or_insert_with(|| Node::new(addr()));
    }

    /// Updates a known node's address (a live connection keeps its socket).
    pub fn set_addr(&mut self, node: i32, addr: String) {
        if let Some(n) = self.nodes.get_mut(&node) {
            n.addr = addr;
        }
    }

    /// `node`'s connection state and its requests in flight.
    pub fn state(&self, node: i32) -> Option<(Conn, usize)> {
        self.nodes.get(&node).map(|n| (n.conn, n.in_flight.len()))
    }

    /// `node` is connected with `versions`.
    pub fn connected(&mut self, node: i32, versions: Versions) {
        if let Some(n) = self.nodes.get_mut(&node) {
            n.conn = Conn::Ready(versions);
            n.failures = 0;
        }
    }

    /// `node` starts connecting; returns its address.
    pub fn connecting(&mut self, node: i32) -> String {
        let n = self.nodes.get_mut(&node).expect("a known node");
        n.conn = Conn::Connecting;
        n.addr.clone()
    }

    /// Whether some connection is up or being set up.
    pub fn any_live(&self) -> bool {
        self.nodes
            .values()
            .any(|n| matches!(n.conn, Conn::Connecting | Conn::Ready(_)))
    }

    /// The node to connect to when none is live: brokers from metadata before the bootstrap
    /// servers, fewest failures first; with the end of its backoff if it must wait.
    pub fn connect_candidate(&self, now: Instant) -> Option<(i32, Option<Instant>)> {
        self.nodes
            .iter()
            .filter(|(_, n)| !n.addr.is_empty())
            .filter_map(|(&id, n)| match n.conn {
                Conn::Idle { retry_at } => Some((retry_at.filter(|&t| t > now), n.failures, id)),
                _ => None,
            })
            .min_by_key(|&(retry_at, failures, id)| {
                (retry_at.is_some(), failures, id < 0, retry_at, id)
            })
            .map(|(retry_at, _, id)| (id, retry_at))
    }

    /// The ready node with the fewest requests in flight and room for one more (below
    /// `max_in_flight`), whose versions pass `ok`; brokers before bootstrap servers.
    pub fn ready_node(
        &self,
        max_in_flight: usize,
        ok: impl Fn(&Versions) -> bool,
    ) -> Option<(i32, Versions)> {
        self.nodes
            .iter()
            .filter_map(|(&id, n)| match n.conn {
                Conn::Ready(v) if ok(&v) && n.in_flight.len() < max_in_flight => {
                    Some((n.in_flight.len(), id, v))
                }
                _ => None,
            })
            .min_by_key(|&(load, id, _)| (load, id < 0, id))
            .map(|(_, id, v)| (id, v))
    }

    /// Records a request sent to `node` at `now`; returns its id.
    pub fn start_request(&mut self, node: i32, now: Instant, kind: Pending) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.requests.insert(
            id,
            InFlight {
                node,
                sent: now,
                kind,
            },
        );
        if let Some(n) = self.nodes.get_mut(&node) {
            n.in_flight.insert(id);
        }
        id
    }

    /// Request `id` of `node` has its outcome: no longer in flight.
    pub fn finish_request(&mut self, node: i32, id: u64) -> Option<InFlight> {
        let f = self.requests.remove(&id)?;
        if let Some(n) = self.nodes.get_mut(&node) {
            n.in_flight.remove(&id);
        }
        Some(f)
    }

    /// Every request in flight, taken out.
    pub fn take_all_requests(&mut self) -> Vec<InFlight> {
        for n in self.nodes.values_mut() {
            n.in_flight.clear();
        }
        self.requests.drain().map(|(_, f)| f).collect()
    }

    /// `node`'s connection is gone: it waits `backoff(failures so far)` before the next
    /// attempt. Returns its requests in flight, oldest first (`None`: unknown node).
    pub fn lost(
        &mut self,
        node: i32,
        now: Instant,
        backoff: impl FnOnce(u32) -> Duration,
    ) -> Option<Vec<InFlight>> {
        let n = self.nodes.get_mut(&node)?;
        let ids = std::mem::take(&mut n.in_flight);
        let delay = backoff(n.failures);
        n.failures = n.failures.saturating_add(1);
        n.conn = Conn::Idle {
            retry_at: Some(now + delay),
        };
        Some(
            ids.iter()
                .filter_map(|id| self.requests.remove(id))
                .collect(),
        )
    }

    /// Requests in flight.
    pub fn requests(&self) -> impl Iterator<Item = &InFlight> {
        self.requests.values()
    }

    /// Requests in flight, to update.
    pub fn requests_mut(&mut self) -> impl Iterator<Item = &mut InFlight> {
        self.requests.values_mut()
    }

    /// How many requests are in flight.
    pub fn in_flight(&self) -> usize {
        self.requests.len()
    }

    /// Nodes with a request sent `timeout` or more before `now`.
    pub fn timed_out(&self, now: Instant, timeout: Duration) -> BTreeSet<i32> {
        self.requests
            .values()
            .filter(|f| f.sent + timeout <= now)
            .map(|f| f.node)
            .collect()
    }

    /// When the oldest request in flight reaches `timeout`.
    pub fn next_request_deadline(&self, timeout: Duration) -> Option<Instant> {
        self.requests.values().map(|f| f.sent + timeout).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Versions = Versions {
        produce: 9,
        metadata: 12,
        init_producer_id: Some(4),
    };

    #[test]
    fn requests_follow_their_node_and_a_lost_connection_backs_off() {
        let t0 = Instant::now();
        let mut n = Nodes::new(&["boot:9092".to_string()]);
        n.ensure(1, || "b1:9092".into());
        assert_eq!(n.ids(), vec![-1, 1]);
        // Brokers from metadata come before the bootstrap server.
        assert_eq!(n.connect_candidate(t0), Some((1, None)));
        assert_eq!(n.connecting(1), "b1:9092");
        assert!(n.any_live());
        n.connected(1, V);
        assert_eq!(n.ready_node(2, |_| true), Some((1, V)));
        let a = n.start_request(1, t0, Pending::Metadata);
        let b = n.start_request(1, t0 + Duration::from_millis(5), Pending::InitProducerId);
        assert_eq!(n.ready_node(2, |_| true), None, "max in flight reached");
        assert_eq!(
            n.next_request_deadline(Duration::from_millis(100)),
            Some(t0 + Duration::from_millis(100))
        );
        assert_eq!(
            n.timed_out(t0 + Duration::from_millis(100), Duration::from_millis(100)),
            BTreeSet::from([1])
        );
        assert!(n.finish_request(1, a).is_some());
        assert!(n.finish_request(1, a).is_none(), "finished once");
        let lost = n.lost(1, t0, |failures| Duration::from_millis(10 << failures));
        assert_eq!(lost.map(|l| l.len()), Some(1));
        assert_eq!(n.in_flight(), 0);
        assert!(n.finish_request(1, b).is_none());
        // The lost node waits for its backoff; the bootstrap server may go now.
        assert_eq!(n.connect_candidate(t0), Some((-1, None)));
        let Some((Conn::Idle { retry_at }, 0)) = n.state(1) else {
            panic!("{:?}", n.state(1));
        };
        assert_eq!(retry_at, Some(t0 + Duration::from_millis(10)));
    }
}
