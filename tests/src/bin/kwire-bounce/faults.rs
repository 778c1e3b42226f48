//! The fault task of `--mock` runs: leader moves on a clock (and on progress), and injected
//! Produce errors kept at a target share of the produce responses.
//!
//! kwire-mock has no "fail X% of responses" fault; it has "answer the next N Produce partition
//! responses with this error" ([`Injection`]). So this task closes the loop: every tick it reads
//! how many batches the producer has sent (`batches_sent`, retries included: one partition
//! response each) and tops the injections issued up to `error_pct`% of that, one at a time,
//! cycling through NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT and
//! NOT_ENOUGH_REPLICAS_AFTER_APPEND (the last two after the append, as Kafka raises them, so
//! that the retry must be deduplicated). What the mock really injected is read back from its
//! counter at the end, and injections still pending are subtracted per error.

use std::time::Duration;

use kwire_mock::{Controller, Injection, Scope};
use kwire_producer::{ErrorCode, Producer};
use kwire_protocol::ApiKey;
use tokio::sync::watch;
use tokio::time::Instant;

/// The errors injected, in the order they are cycled through.
pub const ERRORS: [ErrorCode; 3] = [
    ErrorCode::NotLeaderOrFollower,
    ErrorCode::RequestTimedOut,
    ErrorCode::NotEnoughReplicasAfterAppend,
];

/// What the fault task should do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The topic.
    pub topic: String,
    /// Its partition count (leaders move round-robin over them).
    pub partitions: i32,
    /// A leader move at least this often.
    pub move_every: Duration,
    /// At least this many moves spread evenly over the records (0: the clock only), so that a
    /// run shorter than `move_every × min_moves` still moves every partition's leader.
    pub min_moves: u64,
    /// Records the run sends.
    pub records: u64,
    /// Target share of produce partition responses carrying an injected error, in percent.
    pub error_pct: f64,
}

/// What the fault task did.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Leader moves done.
    pub leader_moves: u64,
    /// Leader moves the mock refused (no eligible replica).
    pub moves_refused: u64,
    /// Leader moves by time / by progress.
    pub moves_by_clock: u64,
    /// Leader moves triggered by progress.
    pub moves_by_progress: u64,
    /// Injections issued, per error of [`ERRORS`].
    pub issued: [u64; 3],
    /// Errors the mock actually put into responses, per error of [`ERRORS`].
    pub injected: [u64; 3],
    /// The mock's own count of injected errors (cross-check of the sum of `injected`).
    pub mock_injected_total: u64,
    /// The producer's batches sent (partition responses asked for) at the end.
    pub batches_sent: u64,
    /// The producer's Produce requests at the end.
    pub produce_requests: u64,
}

impl Stats {
    /// Injected errors over all kinds.
    pub fn injected_total(&self) -> u64 {
        self.injected.iter().sum()
    }
}

/// Runs until `stop` turns true; then removes pending injections and returns the counts.
pub async fn run(
    ctl: Controller,
    producer: Producer,
    plan: Plan,
    sent: impl Fn() -> u64 + Send + 'static,
    mut stop: watch::Receiver<bool>,
) -> Stats {
    let mut st = Stats::default();
    let mut next_move = Instant::now() + plan.move_every;
    let mut rr: i32 = 0;
    let mut issued_total: u64 = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
        // Leader moves.
        let by_progress = plan.min_moves > 0
            && st.leader_moves + st.moves_refused < sent() * plan.min_moves / plan.records.max(1);
        let by_clock = Instant::now() >= next_move;
        if by_progress || by_clock {
            let p = rr % plan.partitions;
            rr = rr.wrapping_add(1);
            match ctl.move_leader(&plan.topic, p, None) {
                Ok(_) => st.leader_moves += 1,
                Err(_) => st.moves_refused += 1,
            }
            if by_clock {
                st.moves_by_clock += 1;
            } else {
                st.moves_by_progress += 1;
            }
            next_move = Instant::now() + plan.move_every;
        }
        // Injected errors: keep the issued count at error_pct % of the batches sent.
        let batches = producer.metrics().batches_sent;
        let target = (batches as f64 * plan.error_pct / 100.0) as u64;
        while issued_total < target {
            let k = (issued_total % ERRORS.len() as u64) as usize;
            ctl.inject(Injection::new(
                ApiKey::PRODUCE,
                Scope::Cluster,
                ERRORS[k],
                1,
            ));
            st.issued[k] += 1;
            issued_total += 1;
        }
    }
    // What is still pending was never injected.
    let (pending, total) = ctl.with_cluster(|c| {
        let mut pending = [0u64; 3];
        for i in c.faults.pending() {
            if let Some(k) = ERRORS.iter().position(|e| *e == i.error) {
                pending[k] += u64::from(i.remaining);
            }
        }
        (pending, c.faults.injected)
    });
    ctl.clear_injections();
    for ((injected, issued), pending) in st.injected.iter_mut().zip(st.issued).zip(pending) {
        *injected = issued - pending;
    }
    st.mock_injected_total = total;
    let m = producer.metrics();
    st.batches_sent = m.batches_sent;
    st.produce_requests = m.produce_requests;
    st
}
