//! Mock Kafka cluster (work in progress: see the issue tracker).
