//! The ticker: advances replication when the model next has work (a follower's lag elapsed,
//! a timeout, retention), or when kicked after a change.

use std::sync::Arc;
use std::time::Duration;

use super::shared::Shared;

/// Longest sleep between ticks, so time-based rules are never checked late by more.
const MAX_SLEEP: Duration = Duration::from_millis(250);

/// Ticks the model until shutdown.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let due = {
            let mut c = shared.lock();
            if c.tick(shared.now()) {
                shared.changed.notify_waiters();
            }
            c.next_due()
        };
        let sleep_for = due.map_or(MAX_SLEEP, |d| {
            Duration::from_millis(d.saturating_sub(shared.now()))
                .clamp(Duration::from_millis(1), MAX_SLEEP)
        });
        tokio::select! {
            _ = tokio::time::sleep(sleep_for) => {}
            _ = shared.kick.notified() => {}
            () = super::shared::stopped(&mut shutdown) => return,
        }
    }
}
