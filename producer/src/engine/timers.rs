//! Every deadline the engine waits for, by name, in one table; the earliest is when
//! [`Engine::poll`](super::Engine::poll) wants to run again.
//!
//! [`Timer::InitProducerId`] is state: set when an InitProducerId attempt fails, cleared when
//! the next one may go. The others are derived: the poll step that owns one sets it afresh
//! on every poll (or clears it), so none outlives what it waits for.

use std::time::Instant;

/// A deadline the engine waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// A request on the wire reaches `request.timeout.ms`.
    RequestTimeout,
    /// A batch, queued or on the wire, reaches `delivery.timeout.ms`.
    DeliveryTimeout,
    /// A queued batch becomes sendable: `linger.ms` or its retry backoff ends.
    Send,
    /// Metadata is due (`metadata.max.age.ms`, a wanted topic, or the end of a backoff).
    Metadata,
    /// The backoff after a failed InitProducerId ends.
    InitProducerId,
    /// A broker's reconnect backoff ends (one the engine wants a connection to).
    Reconnect,
}

/// One slot per timer: the last variant's index + 1.
const TIMERS: usize = Timer::Reconnect as usize + 1;

impl Timer {
    fn index(self) -> usize {
        self as usize
    }
}

/// The deadlines, one slot per [`Timer`].
#[derive(Debug, Clone, Default)]
pub(crate) struct TimerTable {
    deadlines: [Option<Instant>; TIMERS],
}

impl TimerTable {
    /// Sets (`Some`) or clears (`None`) `timer`.
    pub fn set(&mut self, timer: Timer, at: Option<Instant>) {
        self.deadlines[timer.index()] = at;
    }

    /// Sets `timer` to `at` unless it is set earlier already.
    pub fn set_earliest(&mut self, timer: Timer, at: Instant) {
        let slot = &mut self.deadlines[timer.index()];
        *slot = Some(slot.map_or(at, |t| t.min(at)));
    }

    /// When `timer` fires, if it is set.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// Whether `timer` is set and fires after `now`.
    pub fn is_pending(&self, timer: Timer, now: Instant) -> bool {
        self.get(timer).is_some_and(|t| t > now)
    }

    /// The earliest deadline of all.
    pub fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_earliest_timer_wins_and_cleared_ones_do_not_count() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Metadata, Some(ms(50)));
        t.set(Timer::Reconnect, Some(ms(20)));
        t.set_earliest(Timer::Reconnect, ms(30));
        assert_eq!(t.get(Timer::Reconnect), Some(ms(20)));
        t.set_earliest(Timer::Reconnect, ms(10));
        assert_eq!(t.next(), Some(ms(10)));
        t.set(Timer::Reconnect, None);
        assert_eq!(t.next(), Some(ms(50)));
        assert!(t.is_pending(Timer::Metadata, ms(49)));
        assert!(!t.is_pending(Timer::Metadata, ms(50)));
        assert!(!t.is_pending(Timer::Send, t0));
    }
}
