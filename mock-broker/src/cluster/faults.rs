//! Injected errors: "answer the next N requests of this API with this error", scoped to the
//! whole cluster, one broker or one partition. Connection-level faults (latency, dropped
//! connections, stalls) live in the server.

use kwire_protocol::{ApiKey, ErrorCode};
use serde::{Deserialize, Serialize};

use crate::cluster::partition::BrokerId;

/// Where an injected error applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// Every broker.
    Cluster,
    /// Requests handled by one broker.
    Broker {
        /// The broker.
        broker: BrokerId,
    },
    /// One partition (partition-level errors in Produce, Fetch, ListOffsets).
    Partition {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// Requests about one consumer group (the group APIs, and FindCoordinator for it).
    Group {
        /// The group id.
        group: String,
    },
}

/// What a request is about, for matching it against a [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// The broker as a whole.
    Broker,
    /// One partition.
    Partition(&'a str, i32),
    /// One consumer group.
    Group(&'a str),
}

/// An error to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// The API whose requests get the error.
    pub api: ApiKey,
    /// Where it applies.
    pub scope: Scope,
    /// The error.
    pub error: ErrorCode,
    /// How many more times to inject it.
    pub remaining: u32,
    /// For Produce: append first, then answer with the error (as Kafka does for
    /// REQUEST_TIMED_OUT and NOT_ENOUGH_REPLICAS_AFTER_APPEND), so that the retry must be
    /// deduplicated.
    pub after_append: bool,
}

impl Injection {
    /// An injection whose `after_append` follows Kafka: errors Kafka raises after the write
    /// (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND) come after the append.
    pub fn new(api: ApiKey, scope: Scope, error: ErrorCode, count: u32) -> Self {
        let after_append = matches!(
            error,
            ErrorCode::RequestTimedOut | ErrorCode::NotEnoughReplicasAfterAppend
        );
        Injection {
            api,
            scope,
            error,
            remaining: count,
            after_append,
        }
    }
}

/// The set of pending injections.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    injections: Vec<Injection>,
    /// How many errors were injected so far.
    pub injected: u64,
}

impl Faults {
    /// Adds an injection.
    pub fn inject(&mut self, i: Injection) {
        if i.remaining > 0 {
            self.injections.push(i);
        }
    }

    /// Removes every pending injection.
    pub fn clear(&mut self) {
        self.injections.clear();
    }

    /// Pending injections.
    pub fn pending(&self) -> &[Injection] {
        &self.injections
    }

    /// Takes one injected error matching a request (broker-level if `partition` is `None`).
    pub fn take(
        &mut self,
        api: ApiKey,
        broker: BrokerId,
        partition: Option<(&str, i32)>,
    ) -> Option<(ErrorCode, bool)> {
        let target = partition.map_or(Target::Broker, |(t, p)| Target::Partition(t, p));
        self.take_for(api, broker, target)
    }

    /// Takes one injected error matching a request about `target` handled by `broker`:
    /// cluster- and broker-scoped injections match every target, partition- and group-scoped
    /// ones only theirs.
    pub fn take_for(
        &mut self,
        api: ApiKey,
        broker: BrokerId,
        target: Target<'_>,
    ) -> Option<(ErrorCode, bool)> {
        let idx = self.injections.iter().position(|i| {
            i.api == api
                && match (&i.scope, target) {
                    (Scope::Cluster, _) => true,
                    (Scope::Broker { broker: b }, _) => *b == broker,
                    (
                        Scope::Partition {
                            topic,
                            partition: p,
                        },
                        Target::Partition(t, q),
                    ) => topic == t && *p == q,
                    (Scope::Group { group }, Target::Group(g)) => group == g,
                    (Scope::Partition { .. } | Scope::Group { .. }, _) => false,
                }
        })?;
        let i = &mut self.injections[idx];
        i.remaining -= 1;
        let out = (i.error, i.after_append);
        if i.remaining == 0 {
            self.injections.remove(idx);
        }
        self.injected += 1;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injections_are_scoped_and_counted() {
        let mut f = Faults::default();
        f.inject(Injection::new(
            ApiKey::PRODUCE,
            Scope::Partition {
                topic: "t".into(),
                partition: 1,
            },
            ErrorCode::NotLeaderOrFollower,
            2,
        ));
        f.inject(Injection::new(
            ApiKey::METADATA,
            Scope::Broker { broker: 2 },
            ErrorCode::RequestTimedOut,
            1,
        ));
        assert_eq!(f.take(ApiKey::PRODUCE, 1, Some(("t", 0))), None);
        assert_eq!(
            f.take(ApiKey::PRODUCE, 1, Some(("t", 1))),
            Some((ErrorCode::NotLeaderOrFollower, false))
        );
        assert_eq!(f.take(ApiKey::METADATA, 1, None), None);
        assert_eq!(
            f.take(ApiKey::METADATA, 2, None),
            Some((ErrorCode::RequestTimedOut, true))
        );
        assert_eq!(
            f.take(ApiKey::PRODUCE, 3, Some(("t", 1))),
            Some((ErrorCode::NotLeaderOrFollower, false))
        );
        assert_eq!(f.take(ApiKey::PRODUCE, 3, Some(("t", 1))), None);
        assert_eq!(f.injected, 3);
    }

    #[test]
    fn group_injections_match_their_group_only() {
        let mut f = Faults::default();
        let group = |g: &str| Scope::Group { group: g.into() };
        f.inject(Injection::new(
            ApiKey::JOIN_GROUP,
            group("g"),
            ErrorCode::CoordinatorLoadInProgress,
            1,
        ));
        assert_eq!(f.take_for(ApiKey::JOIN_GROUP, 1, Target::Group("h")), None);
        assert_eq!(f.take(ApiKey::JOIN_GROUP, 1, None), None);
        assert_eq!(
            f.take_for(ApiKey::JOIN_GROUP, 1, Target::Group("g")),
            Some((ErrorCode::CoordinatorLoadInProgress, false))
        );
        f.inject(Injection::new(
            ApiKey::HEARTBEAT,
            Scope::Broker { broker: 2 },
            ErrorCode::NotCoordinator,
            1,
        ));
        assert_eq!(
            f.take_for(ApiKey::HEARTBEAT, 2, Target::Group("g")),
            Some((ErrorCode::NotCoordinator, false)),
            "a broker scope covers its groups"
        );
    }
}
