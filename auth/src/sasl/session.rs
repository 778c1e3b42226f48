//! Session lifetimes (KIP-368): how long a broker lets an authenticated connection live before
//! it must re-authenticate, and when a client starts doing so.

use std::time::{Duration, SystemTime};

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
}
