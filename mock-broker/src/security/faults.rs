//! Faults of the SASL layer, per broker or cluster-wide: sessions that end now, and logins
//! refused although the credentials are right. Plain data; the gates of every connection
//! consult it, each for its own broker.

use std::time::SystemTime;

use serde::Serialize;

use crate::cluster::BrokerId;

/// Pending SASL faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityFaults {
    /// Session ends brought forward, at most one per scope (a broker, or `None`: every
    /// broker), the latest kept.
    pub expiries: Vec<Expiry>,
    /// Logins still to refuse, oldest rule first.
    pub rejections: Vec<Rejection>,
}

/// Sessions of `broker` (every broker when `None`) that began up to `before` are over
/// (KIP-368 expiry, brought forward).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    /// Only this broker's connections (every broker's when `None`).
    pub broker: Option<BrokerId>,
    /// Sessions authenticated up to this instant are over.
    pub before: SystemTime,
}

/// The next `left` logins matching `user` and `mechanism` on `broker` fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Only logins on this broker (any broker when `None`).
    pub broker: Option<BrokerId>,
    /// Only this principal (any when `None`).
    pub user: Option<String>,
    /// Only this mechanism, as `sasl.mechanism` names it (any when `None`).
    pub mechanism: Option<String>,
    /// How many more to refuse.
    pub left: u32,
}

fn covers(scope: Option<BrokerId>, broker: BrokerId) -> bool {
    scope.is_none_or(|b| b == broker)
}

impl SecurityFaults {
    /// Ends every session authenticated up to `now` on `broker` (every broker when `None`):
    /// its connection must re-authenticate before anything else, or it is closed, as Kafka
    /// closes a connection whose session ran out. Sessions that begin later are not affected.
    pub fn expire_sessions(&mut self, broker: Option<BrokerId>, now: SystemTime) {
        self.expiries.retain(|e| e.broker != broker);
        self.expiries.push(Expiry {
            broker,
            before: now,
        });
    }

    /// Whether a session authenticated at `since` on `broker` was ended by
    /// [`Self::expire_sessions`].
    pub fn ended(&self, broker: BrokerId, since: SystemTime) -> bool {
        self.expiries
            .iter()
            .any(|e| covers(e.broker, broker) && since <= e.before)
    }

    /// Refuses the next `count` logins of `user` with `mechanism` on `broker` (`None`: any).
    pub fn reject_logins(
        &mut self,
        broker: Option<BrokerId>,
        user: Option<String>,
        mechanism: Option<String>,
        count: u32,
    ) {
        if count > 0 {
            self.rejections.push(Rejection {
                broker,
                user,
                mechanism: mechanism.map(|m| m.to_ascii_uppercase()),
                left: count,
            });
        }
    }

    /// Whether the login of `user` with `mechanism` on `broker` that just succeeded is to be
    /// refused instead; counts it against the first matching rule.
    pub fn take_rejection(&mut self, broker: BrokerId, user: &str, mechanism: &str) -> bool {
        let matches = |r: &Rejection| {
            covers(r.broker, broker)
                && r.user.as_deref().is_none_or(|u| u == user)
                && r.mechanism.as_deref().is_none_or(|m| m == mechanism)
        };
        let Some(i) = self.rejections.iter().position(matches) else {
            return false;
        };
        self.rejections[i].left -= 1;
        if self.rejections[i].left == 0 {
            self.rejections.remove(i);
        }
        true
    }
}

/// What the SASL layer did so far, over every broker (`GET /state`, `security.counters`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SaslStats {
    /// First logins of a connection that succeeded.
    pub authentications: u64,
    /// Re-authentications (KIP-368) that succeeded.
    pub reauthentications: u64,
    /// Logins and re-authentications refused (SASL_AUTHENTICATION_FAILED,
    /// UNSUPPORTED_SASL_MECHANISM, another mechanism or principal on re-authentication).
    pub failed: u64,
    /// Connections closed because a request other than SaslHandshake came after their
    /// session had expired.
    pub expired_sessions_closed: u64,
    /// Requests answered with ILLEGAL_SASL_STATE by the gate (a request other than
    /// SaslAuthenticate during an exchange), each followed by a close.
    pub illegal_state: u64,
}

/// What every connection's gate shares: the faults and the counters.
#[derive(Debug, Clone, Default)]
pub struct SaslShared {
    /// Pending faults.
    pub faults: SecurityFaults,
    /// Counters.
    pub stats: SaslStats,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn expiry_ends_the_sessions_that_began_before_it_on_its_brokers() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut f = SecurityFaults::default();
        assert!(!f.ended(1, t0));
        f.expire_sessions(None, t0);
        assert!(f.ended(1, t0 - Duration::from_secs(5)));
        assert!(f.ended(2, t0));
        assert!(!f.ended(1, t0 + Duration::from_millis(1)));

        let mut f = SecurityFaults::default();
        f.expire_sessions(Some(2), t0);
        assert!(f.ended(2, t0));
        assert!(!f.ended(1, t0));
        // A later expiry of the same broker replaces the earlier one.
        let t1 = t0 + Duration::from_secs(1);
        f.expire_sessions(Some(2), t1);
        assert_eq!(f.expiries.len(), 1);
        assert!(f.ended(2, t1));
    }

    #[test]
    fn rejections_count_down_per_broker_user_and_mechanism() {
        let mut f = SecurityFaults::default();
        f.reject_logins(None, Some("alice".into()), Some("scram-sha-256".into()), 2);
        f.reject_logins(None, None, None, 0);
        assert_eq!(f.rejections.len(), 1);
        assert!(!f.take_rejection(1, "bob", "SCRAM-SHA-256"));
        assert!(!f.take_rejection(1, "alice", "PLAIN"));
        assert!(f.take_rejection(1, "alice", "SCRAM-SHA-256"));
        assert!(f.take_rejection(2, "alice", "SCRAM-SHA-256"));
        assert!(!f.take_rejection(1, "alice", "SCRAM-SHA-256"));
        assert!(f.rejections.is_empty());
        f.reject_logins(None, None, None, 1);
        assert!(f.take_rejection(3, "bob", "OAUTHBEARER"));
        assert!(!f.take_rejection(3, "bob", "OAUTHBEARER"));

        f.reject_logins(Some(2), None, None, 1);
        assert!(!f.take_rejection(1, "alice", "PLAIN"));
        assert!(f.take_rejection(2, "alice", "PLAIN"));
        assert!(f.rejections.is_empty());
    }
}
