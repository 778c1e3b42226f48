//! Retry decisions: which errors are worth another attempt, which invalidate metadata, and
//! the exponential backoff with jitter (`retry.backoff.ms` → `retry.backoff.max.ms`).

use std::time::Duration;

use kwire_protocol::ErrorCode;

use crate::partitioner::Rng;

/// Exponential backoff: `base × 2^attempt`, capped at `max`, times a random factor in
/// `[1 − jitter, 1 + jitter]` (jitter 0.2, as Kafka's clients use), never above `max`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The delay before attempt number `attempt + 1` (0: the first retry).
    pub fn delay(&self, attempt: u32, rng: &mut Rng) -> Duration {
        if self.base >= self.max {
            return self.max;
        }
        let exp = self.base.as_secs_f64() * 2f64.powi(attempt.min(62) as i32);
        let capped = exp.min(self.max.as_secs_f64());
        let jittered = capped * (0.8 + 0.4 * rng.next_f64());
        Duration::from_secs_f64(jittered.min(self.max.as_secs_f64()))
    }
}

/// Whether the error means the client's metadata is stale (leader moved, partition unknown).
pub(crate) fn invalidates_metadata(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::NotLeaderOrFollower
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::FencedLeaderEpoch
            | ErrorCode::UnknownLeaderEpoch
            | ErrorCode::KafkaStorageError
            | ErrorCode::UnknownTopicId
            | ErrorCode::InconsistentTopicId
            | ErrorCode::NetworkException
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(1000),
        };
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            let d0 = b.delay(0, &mut rng).as_millis();
            assert!((80..=120).contains(&d0), "{d0}");
            let d2 = b.delay(2, &mut rng).as_millis();
            assert!((320..=480).contains(&d2), "{d2}");
            let d9 = b.delay(9, &mut rng).as_millis();
            assert!((800..=1000).contains(&d9), "{d9}");
        }
        let flat = Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_millis(50),
        };
        assert_eq!(flat.delay(5, &mut rng), Duration::from_millis(50));
    }

    #[test]
    fn metadata_errors() {
        assert!(invalidates_metadata(ErrorCode::NotLeaderOrFollower));
        assert!(invalidates_metadata(ErrorCode::UnknownTopicOrPartition));
        assert!(!invalidates_metadata(ErrorCode::NotEnoughReplicas));
        assert!(!invalidates_metadata(ErrorCode::MessageTooLarge));
    }
}
