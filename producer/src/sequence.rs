//! The keys and numbers the accumulator and the idempotence state share: a partition key
//! ([`Tp`]), a producer id and epoch, and sequence arithmetic with Kafka's wrap-around.
//!
//! A leaf: it imports nothing from the crate, so the [accumulator](crate::accumulator) and
//! [idempotence](crate::idempotence) both build on it without importing each other's
//! internals the other way round.

/// A topic (interned in the accumulator) and a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Tp {
    /// Index of the topic in the accumulator.
    pub topic: u32,
    /// Partition.
    pub partition: i32,
}

/// A producer id and epoch, as InitProducerId returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProducerIdAndEpoch {
    /// Producer id.
    pub id: i64,
    /// Epoch.
    pub epoch: i16,
}

/// `base + n` with Kafka's wrap-around from `i32::MAX` to 0.
pub(crate) fn add_seq(base: i32, n: i32) -> i32 {
    if base > i32::MAX - n {
        n - (i32::MAX - base) - 1
    } else {
        base + n
    }
}

/// Whether sequence `a` comes before `b`.
pub(crate) fn seq_before(a: i32, b: i32) -> bool {
    a < b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_wraps_like_kafka() {
        assert_eq!(add_seq(5, 3), 8);
        assert_eq!(add_seq(i32::MAX, 1), 0);
        assert_eq!(add_seq(i32::MAX - 1, 3), 1);
        assert!(seq_before(3, 4) && !seq_before(4, 4));
    }
}
