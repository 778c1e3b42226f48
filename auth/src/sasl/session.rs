//! Session lifetimes (KIP-368): how long a broker lets an authenticated connection live before
//! it must re-authenticate, and when a client starts doing so.

use std::time::{Duration, Instant, SystemTime};

/// The `session_lifetime_ms` a broker returns in its final SaslAuthenticate response:
/// `connections.max.reauth.ms` (zero: off), capped by the time left on the credential (an
/// OAUTHBEARER token's expiry). Zero means the session never has to re-authenticate; a
/// credential that has already expired gives one millisecond, so the connection is closed
/// at once rather than kept forever.
pub fn session_lifetime(
    connections_max_reauth: Duration,
    credential_expires_at: Option<SystemTime>,
    now: SystemTime,
) -> Duration {
    let credential_left = credential_expires_at.map(|at| {
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .max(Duration::from_millis(1))
    });
    match (connections_max_reauth.is_zero(), credential_left) {
        (true, None) => Duration::ZERO,
        (true, Some(left)) => left,
        (false, None) => connections_max_reauth,
        (false, Some(left)) => left.min(connections_max_reauth),
    }
}

/// When a client re-authenticates after a session of `session_lifetime` began: as Kafka's
/// client, at 85% of the lifetime plus up to 10% more chosen by `jitter` (in `0.0..=1.0`, from
/// the caller's random source) so that many connections do not re-authenticate at once.
/// `None` when the broker requires no re-authentication (a zero lifetime).
pub fn reauthenticate_after(session_lifetime: Duration, jitter: f64) -> Option<Duration> {
    if session_lifetime.is_zero() {
        return None;
    }
    Some(session_lifetime.mul_f64(0.85 + 0.10 * jitter.clamp(0.0, 1.0)))
}

/// A client's authenticated session (KIP-368), on the client's monotonic clock: when it
/// re-authenticates and when the broker would close the connection instead.
///
/// The session is taken to start when the final SaslAuthenticate request was *sent*: the
/// broker starts its lifetime when it reads that request, never earlier, so the client's
/// deadline is never later than the broker's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSession {
    /// When to re-authenticate; `None`: never (the broker returned no lifetime).
    reauthenticate_at: Option<Instant>,
    /// When the broker ends the session; `None`: never.
    expires_at: Option<Instant>,
}

/// Where a [`ClientSession`] stands at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Requests may go out as they are.
    Valid,
    /// Re-authenticate on this connection before the next request.
    Reauthenticate,
    /// The session is over: the broker closes the connection at its next request unless
    /// that is a SaslHandshake starting a re-authentication (Kafka allows one after expiry,
    /// at most one a second). Opening a new connection instead works whatever the broker's
    /// state.
    Expired,
}

impl ClientSession {
    /// A session that never expires (no SASL, or a broker without `connections.max.reauth.ms`).
    pub const UNLIMITED: ClientSession = ClientSession {
        reauthenticate_at: None,
        expires_at: None,
    };

    /// The session the final SaslAuthenticate response began: `session_lifetime_ms` from that
    /// response (zero or negative: no limit), `sent_at` when its request was written, and
    /// `jitter` in `0.0..=1.0` from the caller's random source ([`reauthenticate_after`]).
    pub fn new(sent_at: Instant, session_lifetime_ms: i64, jitter: f64) -> Self {
        let Ok(ms) = u64::try_from(session_lifetime_ms) else {
            return Self::UNLIMITED;
        };
        let lifetime = Duration::from_millis(ms);
        match reauthenticate_after(lifetime, jitter) {
            Some(after) => ClientSession {
                reauthenticate_at: sent_at.checked_add(after),
                expires_at: sent_at.checked_add(lifetime),
            },
            None => Self::UNLIMITED,
        }
    }

    /// When to re-authenticate, if ever.
    pub fn reauthenticate_at(&self) -> Option<Instant> {
        self.reauthenticate_at
    }

    /// When the broker ends the session, if ever.
    pub fn expires_at(&self) -> Option<Instant> {
        self.expires_at
    }

    /// What a request about to be sent at `now` needs first.
    pub fn state(&self, now: Instant) -> SessionState {
        match (self.reauthenticate_at, self.expires_at) {
            (_, Some(end)) if now >= end => SessionState::Expired,
            (Some(at), _) if now >= at => SessionState::Reauthenticate,
            _ => SessionState::Valid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn the_lifetime_is_the_reauth_limit_capped_by_the_credential() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(session_lifetime(Duration::ZERO, None, now), Duration::ZERO);
        assert_eq!(session_lifetime(10 * MIN, None, now), 10 * MIN);
        assert_eq!(session_lifetime(10 * MIN, Some(now + MIN), now), MIN);
        assert_eq!(session_lifetime(MIN, Some(now + 10 * MIN), now), MIN);
        assert_eq!(session_lifetime(Duration::ZERO, Some(now + MIN), now), MIN);
        assert_eq!(
            session_lifetime(MIN, Some(now - MIN), now),
            Duration::from_millis(1)
        );
    }

    #[test]
    fn clients_reauthenticate_between_85_and_95_percent_of_the_lifetime() {
        let life = Duration::from_secs(100);
        assert_eq!(
            reauthenticate_after(life, 0.0),
            Some(Duration::from_secs(85))
        );
        assert_eq!(
            reauthenticate_after(life, 1.0),
            Some(Duration::from_secs(95))
        );
        assert_eq!(
            reauthenticate_after(life, 7.0),
            Some(Duration::from_secs(95))
        );
        assert_eq!(reauthenticate_after(Duration::ZERO, 0.5), None);
    }

    #[test]
    fn a_client_session_reauthenticates_before_the_broker_ends_it() {
        let t0 = Instant::now();
        let s = ClientSession::new(t0, 10_000, 0.5);
        assert_eq!(s.reauthenticate_at(), Some(t0 + Duration::from_secs(9)));
        assert_eq!(s.expires_at(), Some(t0 + Duration::from_secs(10)));
        assert_eq!(s.state(t0), SessionState::Valid);
        assert_eq!(
            s.state(t0 + Duration::from_millis(8_999)),
            SessionState::Valid
        );
        assert_eq!(
            s.state(t0 + Duration::from_secs(9)),
            SessionState::Reauthenticate
        );
        assert_eq!(
            s.state(t0 + Duration::from_millis(9_999)),
            SessionState::Reauthenticate
        );
        assert_eq!(s.state(t0 + Duration::from_secs(10)), SessionState::Expired);
        // Every jitter re-authenticates inside 85-95 % of the lifetime.
        for j in [0.0, 0.3, 1.0] {
            let at = ClientSession::new(t0, 2_000, j)
                .reauthenticate_at()
                .unwrap()
                - t0;
            assert!(
                (Duration::from_millis(1_700)..=Duration::from_millis(1_900)).contains(&at),
                "{at:?}"
            );
        }
    }

    #[test]
    fn no_lifetime_means_no_reauthentication() {
        let t0 = Instant::now();
        for ms in [0, -1, i64::MIN] {
            let s = ClientSession::new(t0, ms, 0.5);
            assert_eq!(s, ClientSession::UNLIMITED);
            assert_eq!(
                s.state(t0 + Duration::from_secs(1 << 30)),
                SessionState::Valid
            );
        }
        // A lifetime beyond what the clock can hold is as good as none, not a panic.
        let s = ClientSession::new(t0, i64::MAX, 1.0);
        assert_eq!(
            s.state(t0 + Duration::from_secs(1 << 20)),
            SessionState::Valid
        );
    }
}
