//! Async Kafka producer (work in progress: see the issue tracker).
