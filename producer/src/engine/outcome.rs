//! How batches end: a retry (with backoff, or split in two when the broker found the batch
//! too large), delivery, or failure, and the expiry of batches past `delivery.timeout.ms`.
//! Every batch reaches [`Engine::complete_batch`] or [`Engine::fail_batch`] exactly once,
//! which settle the idempotence state, its records' outcomes, memory and the counters.

use std::time::Instant;

use kwire_protocol::ErrorCode;
use tracing::{debug, warn};

use super::Engine;
use super::nodes::Pending;
use super::timers::Timer;
use crate::accumulator::{Accumulator, Batch};
use crate::error::ProduceError;
use crate::retry::invalidates_metadata;

/// The error for a batch past `delivery.timeout.ms`.
fn delivery_timeout(acc: &Accumulator, b: &Batch, now: Instant) -> ProduceError {
    ProduceError::DeliveryTimeout {
        topic: acc.topic_name(b.tp.topic).to_string(),
        partition: b.tp.partition,
        elapsed: now.saturating_duration_since(b.created),
        last_error: b.last_error,
    }
}

impl Engine {
    /// Fails the records of batches past `delivery.timeout.ms`, queued or on the wire.
    pub(super) fn expire_batches(&mut self, now: Instant) {
        let mut next: Option<Instant> = None;
        // On the wire: the records fail now, as the Java client does (the outcome is unknown:
        // the broker may still write them); the request keeps going so that its response
        // settles the sequences.
        let mut expired_records = 0u64;
        for f in self.nodes.requests_mut() {
            let Pending::Produce(batches) = &mut f.kind else {
                continue;
            };
            for b in batches.iter_mut().filter(|b| !b.expired) {
                if b.deadline > now {
                    next = Some(next.map_or(b.deadline, |t| t.min(b.deadline)));
                    continue;
                }
                b.outcome.fail(delivery_timeout(&self.acc, b, now));
                b.expired = true;
                expired_records += b.records.len() as u64;
            }
        }
        self.counters.records_failed += expired_records;
        // Queued: a batch sent before may have been written; its sequence is unresolved.
        for b in self.acc.expire(now) {
            let e = delivery_timeout(&self.acc, &b, now);
            if b.in_retry()
                && let Some(idem) = &mut self.idem
            {
                idem.mark_unresolved(&b);
            }
            self.fail_batch(b, e, None, false);
        }
        if let Some(t) = self.acc.next_expiry() {
            next = Some(next.map_or(t, |n| n.min(t)));
        }
        self.timers.set(Timer::DeliveryTimeout, next);
    }

    /// Retry, complete (DUPLICATE_SEQUENCE_NUMBER) or fail a batch that got `code`.
    /// `responded`: a broker answered (else the request was lost and the batch's fate is
    /// unknown).
    pub(super) fn on_batch_error(
        &mut self,
        mut b: Batch,
        code: ErrorCode,
        message: Option<String>,
        log_start_offset: i64,
        responded: bool,
        now: Instant,
    ) {
        b.last_error = Some(code);
        if code == ErrorCode::MessageTooLarge && b.records.len() > 1 && now < b.deadline {
            // Nothing was written: split it and send the halves (retries not counted).
            let base = b.base_sequence;
            let parts = self.acc.split(b);
            if let Some(idem) = &mut self.idem {
                idem.on_split(base, &parts);
            }
            debug!(
                records = parts[0].records.len() + parts[1].records.len(),
                "split a batch the broker found too large"
            );
            self.counters.batch_splits += 1;
            let [a, c] = parts;
            self.acc.reenqueue(c);
            self.acc.reenqueue(a);
            return;
        }
        let retries_left = b.attempts <= self.cfg.retries;
        let in_time = now < b.deadline;
        let retry = in_time
            && retries_left
            && match &mut self.idem {
                Some(idem) => idem.can_retry(&b, code, log_start_offset),
                None => code.is_retriable(),
            };
        if invalidates_metadata(code) {
            self.meta.request_update();
        }
        let name = self.acc.topic_name(b.tp.topic).to_string();
        if retry {
            debug!(topic = %name, partition = b.tp.partition, error = code.name(), attempt = b.attempts, "retrying batch");
            let delay = self
                .retry_backoff
                .delay(b.attempts.saturating_sub(1), &mut self.rng);
            b.backoff_until = Some(now + delay);
            self.counters.batch_retries += 1;
            self.acc.reenqueue(b);
        } else if code == ErrorCode::DuplicateSequenceNumber {
            self.complete_batch(b, -1, -1);
        } else if !responded {
            // Lost on the wire and out of time or attempts: the broker may have it.
            if let Some(idem) = &mut self.idem {
                idem.mark_unresolved(&b);
            }
            let e = ProduceError::DeliveryTimeout {
                topic: name,
                partition: b.tp.partition,
                elapsed: now.saturating_duration_since(b.created),
                last_error: Some(code),
            };
            self.fail_batch(b, e, Some(code), false);
        } else {
            warn!(topic = %name, partition = b.tp.partition, error = code.name(), "batch failed");
            let e = ProduceError::Broker {
                topic: name,
                partition: b.tp.partition,
                code,
                message,
            };
            self.fail_batch(b, e, Some(code), retries_left);
        }
    }

    /// The batch is written (at `base_offset`, `-1` when unknown).
    pub(super) fn complete_batch(&mut self, b: Batch, base_offset: i64, log_append_time: i64) {
        if let Some(idem) = &mut self.idem {
            idem.on_success(&b, base_offset);
        }
        let topic = self.acc.topic_name(b.tp.topic).clone();
        b.outcome
            .deliver(topic, b.tp.partition, base_offset, log_append_time);
        if !b.expired {
            self.counters.records_delivered += b.records.len() as u64;
        }
        self.finish(b);
    }

    /// The batch failed for good with `e` (`code`: the broker's error, if any; `adjust`: its
    /// sequence may be unused, so later ones would leave a gap).
    pub(super) fn fail_batch(
        &mut self,
        b: Batch,
        e: ProduceError,
        code: Option<ErrorCode>,
        adjust: bool,
    ) {
        if let Some(idem) = &mut self.idem {
            idem.on_failed(&b, code, adjust);
        }
        b.outcome.fail(e);
        if !b.expired {
            self.counters.records_failed += b.records.len() as u64;
        }
        self.finish(b);
    }

    /// Frees a finished batch's memory and keeps its vectors for reuse.
    fn finish(&mut self, b: Batch) {
        self.acc.batch_done(&b);
        self.acc.recycle(b);
        self.wake_waiters = true;
    }

    /// The producer cannot go on: every queued batch fails with `e`, and so will `send`.
    pub(super) fn set_fatal(&mut self, e: ProduceError) {
        warn!(error = %e, "producer failed");
        self.fatal = Some(e.clone());
        for b in self.acc.drain_all() {
            self.fail_batch(b, e.clone(), None, false);
        }
        self.wake_waiters = true;
    }
}
