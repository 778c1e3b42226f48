//! Connections as the engine sees them: opening one when a request needs it, giving one up
//! when a request outlives `request.timeout.ms`, and what a lost connection means for its
//! requests (they failed retriably: nobody knows whether the broker acted on them).

use std::time::Instant;

use kwire_protocol::ErrorCode;
use tracing::{debug, warn};

use super::Engine;
use super::io::Action;
use super::nodes::Pending;
use super::timers::Timer;

impl Engine {
    /// Drops the connections with a request older than `request.timeout.ms`.
    pub(super) fn time_out_requests(&mut self, now: Instant, out: &mut Vec<Action>) {
        for node in self.nodes.timed_out(now, self.cfg.request_timeout) {
            warn!(node, "request timed out; closing the connection");
            self.connection_lost(node, now, "request timed out");
            out.push(Action::Disconnect { node });
        }
    }

    /// Starts a connection to `node`, a known node.
    pub(super) fn start_connect(&mut self, node: i32) -> Action {
        self.counters.connections += 1;
        let addr = self.nodes.connecting(node);
        Action::Connect { node, addr }
    }

    /// Starts a connection to some node if none is ready or connecting.
    pub(super) fn connect_any(&mut self, now: Instant, out: &mut Vec<Action>) {
        if self.nodes.any_live() {
            return;
        }
        for (&id, b) in &self.meta.cluster.brokers {
            self.nodes.ensure(id, || b.to_addr_string());
        }
        match self.nodes.connect_candidate(now) {
            Some((node, None)) => out.push(self.start_connect(node)),
            Some((_, Some(t))) => self.timers.set_earliest(Timer::Reconnect, t),
            None => {}
        }
    }

    /// A connection is gone: fail its requests (retriable) and back off before reconnecting.
    pub(super) fn connection_lost(&mut self, node: i32, now: Instant, why: &str) {
        let (backoff, rng) = (self.reconnect_backoff, &mut self.rng);
        let Some(requests) = self
            .nodes
            .lost(node, now, |failures| backoff.delay(failures, rng))
        else {
            return;
        };
        debug!(node, why, requests = requests.len(), "connection lost");
        for f in requests {
            self.fail_request(f.kind, now);
        }
        self.meta.request_update();
    }

    /// A request got no response.
    pub(super) fn fail_request(&mut self, kind: Pending, now: Instant) {
        match kind {
            Pending::Produce(batches) => {
                for b in batches {
                    self.acc.returned(b.tp);
                    self.on_batch_error(b, ErrorCode::NetworkException, None, -1, false, now);
                }
            }
            Pending::Metadata => self.meta.request_failed(),
            Pending::InitProducerId => self.init_producer_id_failed(now),
        }
    }
}
