//! Helpers for the unit tests: a cluster, a call into the handlers, record batches and
//! requests built with the codec.

use bytes::Bytes;
use kwire_protocol::api::fetch::{FetchRequest, FetchResponse};
use kwire_protocol::api::produce::{ProduceRequest, ProduceResponse};
use kwire_protocol::api::{RequestBody, ResponseBody};
use kwire_protocol::records::Batches;
use kwire_protocol::testing::{BatchBuilder, FetchBuilder, ProduceBuilder};
use kwire_protocol::{ErrorCode, RequestHeader};

use crate::api::{Outcome, handle};
use crate::cluster::{BrokerId, Cluster, ClusterConfig, TopicSpec};

/// A batch of `n` records with timestamps `ts0, ts0+1, ...`; idempotent when `pid >= 0`.
pub(crate) fn batch_at(n: usize, pid: i64, epoch: i16, seq: i32, ts0: i64) -> Bytes {
    BatchBuilder::new()
        .producer(pid, epoch, seq)
        .timestamps(ts0, 1)
        .numbered(n)
        .build()
}

/// A batch of `n` records; idempotent when `pid >= 0`.
pub(crate) fn batch(n: usize, pid: i64, epoch: i16, seq: i32) -> Bytes {
    batch_at(n, pid, epoch, seq, 1_000)
}

/// A Produce request for one partition.
pub(crate) fn produce(
    topic: &str,
    partition: i32,
    acks: i16,
    timeout_ms: i32,
    records: Bytes,
) -> ProduceRequest {
    ProduceBuilder::new()
        .acks(acks)
        .timeout_ms(timeout_ms)
        .records(topic, partition, records)
        .build()
}

/// `replica.lag.time.max.ms` of [`cluster`].
pub(crate) const MAX: u64 = 10_000;

/// Three brokers with topic "t" of `partitions` partitions on all three.
pub(crate) fn cluster(partitions: i32) -> Cluster {
    Cluster::new(
        ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
                replication_factor: 3,
            }],
            replica_lag_time_max_ms: MAX,
            ..ClusterConfig::default()
        },
        0,
    )
    .unwrap()
}

/// Handles `body` at `version` on `broker` at model time `now`.
pub(crate) fn call(
    c: &mut Cluster,
    broker: BrokerId,
    body: RequestBody,
    version: i16,
    now: u64,
) -> Outcome {
    let header = RequestHeader::new(body.api_key(), version, 1, Some("test"));
    handle(c, broker, &header, body, now)
}

/// The Produce response in `o`.
pub(crate) fn produced(o: Outcome) -> ProduceResponse {
    match o {
        Outcome::Respond(ResponseBody::Produce(r), _) => r,
        other => panic!("expected a Produce response, got {other:?}"),
    }
}

/// Produces `records` to t/`partition` on `broker` with acks=1; returns (error, base offset).
pub(crate) fn produce1(
    c: &mut Cluster,
    broker: BrokerId,
    partition: i32,
    records: Bytes,
    now: u64,
) -> (ErrorCode, i64) {
    let r = produced(call(
        c,
        broker,
        RequestBody::Produce(produce("t", partition, 1, 1000, records)),
        9,
        now,
    ));
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

/// A Fetch of t/`partition` from `offset`.
pub(crate) fn fetch_req(
    partition: i32,
    offset: i64,
    min_bytes: i32,
    max_wait_ms: i32,
) -> FetchRequest {
    FetchBuilder::new()
        .max_wait_ms(max_wait_ms)
        .min_bytes(min_bytes)
        .partition("t", partition, offset)
        .build()
}

/// The Fetch response in `o`.
pub(crate) fn fetched(o: Outcome) -> FetchResponse {
    match o {
        Outcome::Respond(ResponseBody::Fetch(r), _) => r,
        other => panic!("expected a Fetch response, got {other:?}"),
    }
}

/// Records in a fetched record set.
pub(crate) fn record_count(records: &Option<Bytes>) -> usize {
    Batches::complete(records.clone().unwrap_or_default())
        .map(|b| b.unwrap().record_count())
        .sum()
}
