//! Faults of the SASL layer, cluster-wide: sessions that end now, and logins refused although
//! the credentials are right. Plain data; the gates of every connection consult it.

use std::time::SystemTime;

use serde::Serialize;

/// Pending SASL faults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SecurityFaults {
    /// Sessions that began before this instant are over (KIP-368 expiry, brought forward).
    pub expired_before: Option<SystemTime>,
    /// Logins still to refuse, oldest rule first.
    pub rejections: Vec<Rejection>,
}

/// The next `left` logins matching `user` and `mechanism` fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Only this principal (any when `None`).
    pub user: Option<String>,
    /// Only this mechanism, as `sasl.mechanism` names it (any when `None`).
    pub mechanism: Option<String>,
    /// How many more to refuse.
    pub left: u32,
}

impl SecurityFaults {
    /// Ends every session authenticated up to `now`: its connection must re-authenticate
    /// before anything else, or it is closed, as Kafka closes a connection whose session ran
    /// out. Sessions that begin later are not affected.
    pub fn expire_sessions(&mut self, now: SystemTime) {
        self.expired_before = Some(now);
    }

    /// Whether a session authenticated at `since` was ended by [`Self::expire_sessions`].
    pub fn ended(&self, since: SystemTime) -> bool {
        self.expired_before.is_some_and(|at| since <= at)
    }

    /// Refuses the next `count` logins of `user` with `mechanism` (`None`: any).
    pub fn reject_logins(&mut self, user: Option<String>, mechanism: Option<String>, count: u32) {
        if count > 0 {
            self.rejections.push(Rejection {
                user,
                mechanism: mechanism.map(|m| m.to_ascii_uppercase()),
                left: count,
            });
        }
    }

    /// Whether the login of `user` with `mechanism` that just succeeded is to be refused
    /// instead; counts it against the first matching rule.
    pub fn take_rejection(&mut self, user: &str, mechanism: &str) -> bool {
        let matches = |r: &Rejection| {
            r.user.as_deref().is_none_or(|u| u == user)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn expiry_ends_the_sessions_that_began_before_it() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut f = SecurityFaults::default();
        assert!(!f.ended(t0));
        f.expire_sessions(t0);
        assert!(f.ended(t0 - Duration::from_secs(5)));
        assert!(f.ended(t0));
        assert!(!f.ended(t0 + Duration::from_millis(1)));
    }

    #[test]
    fn rejections_count_down_per_user_and_mechanism() {
        let mut f = SecurityFaults::default();
        f.reject_logins(Some("alice".into()), Some("scram-sha-256".into()), 2);
        f.reject_logins(None, None, 0);
        assert_eq!(f.rejections.len(), 1);
        assert!(!f.take_rejection("bob", "SCRAM-SHA-256"));
        assert!(!f.take_rejection("alice", "PLAIN"));
        assert!(f.take_rejection("alice", "SCRAM-SHA-256"));
        assert!(f.take_rejection("alice", "SCRAM-SHA-256"));
        assert!(!f.take_rejection("alice", "SCRAM-SHA-256"));
        assert!(f.rejections.is_empty());
        f.reject_logins(None, None, 1);
        assert!(f.take_rejection("bob", "OAUTHBEARER"));
        assert!(!f.take_rejection("bob", "OAUTHBEARER"));
    }
}
