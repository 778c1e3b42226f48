//! The producer id of an idempotent producer: InitProducerId (with a backoff between
//! attempts), and the idempotence state's own steps on each poll: resolving sequences of
//! batches whose fate was unknown, and bumping the epoch when a gap requires it.

use std::time::Instant;

use kwire_protocol::ErrorCode;
use kwire_protocol::api::{InitProducerIdRequest, InitProducerIdResponse, RequestBody};
use tracing::info;

use super::Engine;
use super::io::{Action, OutRequest};
use super::nodes::Pending;
use super::timers::Timer;
use crate::error::ProduceError;
use crate::idempotence::{Bump, Idempotence};
use crate::sequence::ProducerIdAndEpoch;

impl Engine {
    /// Resolves unknown sequences and bumps the epoch when one is required and possible; the
    /// rewritten partitions' queued batches restart at sequence 0.
    pub(super) fn advance_idempotence(&mut self) {
        let Some(idem) = &mut self.idem else {
            return;
        };
        idem.maybe_resolve();
        let acc = &self.acc;
        match idem.maybe_bump(|tp| acc.queue(tp).map_or(0, |q| q.on_wire)) {
            Some(Bump::Bumped(tps)) => {
                info!(producer = ?idem.producer(), partitions = tps.len(), "bumped the producer epoch");
                self.counters.epoch_bumps += 1;
                for tp in tps {
                    idem.restart_sequences(tp, self.acc.queued_mut(tp));
                }
            }
            Some(Bump::NeedNewProducerId) => {
                info!("producer epoch exhausted; asking for a new producer id");
                self.counters.epoch_bumps += 1;
            }
            None => {}
        }
    }

    /// Sends InitProducerId when a producer id is needed and its backoff is over, on a ready
    /// connection to a broker that has the API (connecting to one if none is ready).
    pub(super) fn send_init_producer_id(&mut self, now: Instant, out: &mut Vec<Action>) {
        let needed =
            self.fatal.is_none() && self.idem.as_ref().is_some_and(Idempotence::needs_init);
        if !needed {
            self.timers.set(Timer::InitProducerId, None);
            return;
        }
        if self.timers.is_pending(Timer::InitProducerId, now) {
            return;
        }
        self.timers.set(Timer::InitProducerId, None);
        let Some((node, v)) = self
            .nodes
            .ready_node(self.cfg.max_in_flight, |v| v.init_producer_id.is_some())
        else {
            self.connect_any(now, out);
            return;
        };
        let id = self.nodes.start_request(node, now, Pending::InitProducerId);
        if let Some(idem) = &mut self.idem {
            idem.init_sent();
        }
        out.push(Action::Send {
            node,
            request: OutRequest {
                id,
                version: v.init_producer_id.unwrap_or(0),
                body: RequestBody::InitProducerId(InitProducerIdRequest {
                    transactional_id: None,
                    transaction_timeout_ms: i32::MAX,
                    producer_id: -1,
                    producer_epoch: -1,
                    ..Default::default()
                }),
                expect_response: true,
            },
        });
    }

    /// InitProducerId failed retriably: try again after `retry.backoff.ms`.
    pub(super) fn init_producer_id_failed(&mut self, now: Instant) {
        if let Some(idem) = &mut self.idem {
            idem.init_failed();
        }
        self.timers
            .set(Timer::InitProducerId, Some(now + self.cfg.retry_backoff));
    }

    /// A producer id arrived (queued batches of partitions that need it restart their
    /// sequences under it), or an error: retriable ones are retried, others are fatal.
    pub(super) fn on_init_producer_id(&mut self, resp: InitProducerIdResponse, now: Instant) {
        let Some(idem) = &mut self.idem else {
            return;
        };
        if resp.error_code == ErrorCode::None && resp.producer_id >= 0 {
            let p = ProducerIdAndEpoch {
                id: resp.producer_id,
                epoch: resp.producer_epoch,
            };
            info!(producer_id = p.id, epoch = p.epoch, "got a producer id");
            for tp in idem.set_producer(p) {
                idem.restart_sequences(tp, self.acc.queued_mut(tp));
            }
        } else if resp.error_code.is_retriable() || resp.error_code == ErrorCode::None {
            self.init_producer_id_failed(now);
        } else {
            idem.init_failed();
            self.set_fatal(ProduceError::Fatal(format!(
                "InitProducerId failed with {}",
                resp.error_code.name()
            )));
        }
    }
}
