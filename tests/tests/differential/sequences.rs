//! The request sequences, each run at every version both brokers speak. Steps are named; the
//! same steps run in the same order on both sides, so answers pair up by position.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use bytes::{Bytes, BytesMut};
use kwire_protocol::api::api_versions::ApiVersionsRequest;
use kwire_protocol::api::fetch::FetchRequest;
use kwire_protocol::api::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic};
use kwire_protocol::api::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kwire_protocol::api::produce::ProduceRequest;
use kwire_protocol::testing::{BatchBuilder, FetchBuilder, ProduceBuilder};
use kwire_protocol::{ApiKey, Message, Uuid};

use super::normalise::Norm;
use super::side::{Placement, Side};
use super::wire::{Bend, Outcome};

/// What both sides are asked: the versions of each API both speak, the topic names, and
/// whether wrong-leader steps apply (a cluster has non-leaders to send to).
pub struct Plan<'a> {
    /// Versions per API key: both brokers' ranges and the codec's, intersected.
    pub versions: BTreeMap<i16, RangeInclusive<i16>>,
    /// The normalisation context (topic prefix, served keys).
    pub norm: Norm<'a>,
    /// Whether the brokers form a cluster.
    pub cluster: bool,
    /// The replication factor of the topics (every broker holds a replica).
    pub replication_factor: i16,
    /// What the run's record timestamps count from: an hour before the run, the same on both
    /// sides. Records stamped near 1970 would be past Kafka's time retention (7 days by
    /// default), and its retention check (every 5 minutes) would trim them from under a step.
    pub t0: i64,
}

impl Plan<'_> {
    /// The versions of `R` to run.
    pub fn versions<R: Message>(&self) -> RangeInclusive<i16> {
        #[allow(clippy::reversed_empty_ranges)]
        self.versions.get(&R::API_KEY.0).cloned().unwrap_or(1..=0)
    }

    /// A topic name of this run.
    pub fn topic(&self, what: &str) -> String {
        format!("{}-{what}", self.norm.prefix)
    }
}

/// A topic name no broker has.
pub const MISSING: &str = "kwire-differential-no-such-topic";
/// A partition index no topic here has (topics have 3).
const BAD_PARTITION: i32 = 99;
/// A topic id no broker has.
pub const MISSING_ID: Uuid = Uuid::from_u128(0x6b77_6972_6500_0000_0000_0000_0000_0001);

/// Runs every sequence against `side`.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    api_versions(side, plan);
    let read = plan.topic("read");
    let placement = side.create_topic(&read);
    seed(side, plan, &read, &placement[0]);
    metadata(side, plan, &read, placement[0].topic_id);
    produce(side, plan);
    fetch(side, plan, &read, &placement[0]);
    list_offsets(side, plan, &read, &placement[0]);
    init_producer_id(side, plan);
    super::producers::run_all(side, plan);
    offset_for_leader_epoch(side, plan, &read, &placement[0]);
    super::admin::run_all(side, plan);
    super::elect::run_all(side, plan);
    super::groups::run_all(side, plan, &read, placement[0].topic_id);
}

/// `n` records with timestamps `ts`, `ts + 1`, ... as one uncompressed batch.
fn batch(n: usize, ts: i64) -> Bytes {
    BatchBuilder::new()
        .timestamps(ts, 1)
        .values(Some(b"key"), (0..n).map(|i| format!("value {ts}/{i}")))
        .build()
}

/// Three batches of two records (timestamps `t0` + 1000, 2000, 3000) in partition 0: offsets 0-5.
fn seed(side: &mut Side, plan: &Plan<'_>, topic: &str, p0: &Placement) {
    let v = side.max_version::<ProduceRequest>();
    for ts in [1000, 2000, 3000] {
        let req = produce_req(topic, p0.topic_id, v, -1, 0, batch(2, plan.t0 + ts));
        let r = side.expect(p0.leader, &req, v);
        let code = r.responses[0].partition_responses[0].error_code;
        assert!(
            code.is_ok(),
            "{}: seeding {topic}: {}",
            side.name,
            code.name()
        );
    }
}

fn api_versions(side: &mut Side, plan: &Plan<'_>) {
    let versions = plan.versions::<ApiVersionsRequest>();
    let req = ApiVersionsRequest {
        client_software_name: "kwire-differential".into(),
        client_software_version: "1.0".into(),
        ..Default::default()
    };
    for v in versions.clone() {
        let o = side.call(-1, &req, v);
        side.record("ApiVersions", v, "all keys", o, &plan.norm);
    }
    // A version neither knows: Kafka answers with a v0 body, UNSUPPORTED_VERSION and its range.
    let v = *versions.end();
    let bend = Bend {
        claimed_version: Some(i16::MAX),
        ..Default::default()
    };
    let o = side.call_bent(-1, &req, v, bend);
    side.record("ApiVersions", i16::MAX, "unknown version", o, &plan.norm);
}

fn metadata(side: &mut Side, plan: &Plan<'_>, read: &str, read_id: Uuid) {
    let one = |name: &str| {
        Some(vec![MetadataRequestTopic {
            name: Some(name.into()),
            ..Default::default()
        }])
    };
    let versions = plan.versions::<MetadataRequest>();
    for v in versions.clone() {
        // v0 has no null list: an empty one means all topics.
        let all = if v == 0 { Some(vec![]) } else { None };
        let steps: Vec<(&'static str, MetadataRequest, Bend)> = vec![
            (
                "one topic",
                MetadataRequest {
                    topics: one(read),
                    allow_auto_topic_creation: false,
                    ..Default::default()
                },
                Bend::default(),
            ),
            (
                "all topics",
                MetadataRequest {
                    topics: all.clone(),
                    allow_auto_topic_creation: false,
                    ..Default::default()
                },
                Bend::default(),
            ),
            (
                // librdkafka's all-topics request carries bytes after the body
                "all topics, 3 trailing bytes",
                MetadataRequest {
                    topics: all,
                    allow_auto_topic_creation: false,
                    ..Default::default()
                },
                Bend {
                    trailing: &[0, 0, 0],
                    ..Default::default()
                },
            ),
        ];
        for (step, req, bend) in steps {
            let o = side.call_bent(-1, &req, v, bend);
            side.record("Metadata", v, step, o, &plan.norm);
        }
        if v < 4 {
            continue; // below v4 every request auto-creates
        }
        let unknown = MetadataRequest {
            topics: one(MISSING),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        let o = side.call(-1, &unknown, v);
        side.record("Metadata", v, "unknown topic", o, &plan.norm);
        let invalid = MetadataRequest {
            topics: one("bad/name"),
            allow_auto_topic_creation: true,
            ..Default::default()
        };
        let o = side.call(-1, &invalid, v);
        side.record("Metadata", v, "invalid name, auto-create", o, &plan.norm);
        if v >= 10 {
            let by_id = MetadataRequest {
                topics: Some(vec![MetadataRequestTopic {
                    topic_id: read_id,
                    name: None,
                    ..Default::default()
                }]),
                allow_auto_topic_creation: false,
                ..Default::default()
            };
            let o = side.call(-1, &by_id, v);
            side.record("Metadata", v, "by topic id", o, &plan.norm);
        }
    }
    // After the all-topics steps: a topic Kafka creates shows up in listings only later.
    for v in versions.clone().filter(|v| *v >= 4) {
        let fresh = MetadataRequest {
            topics: one(&plan.topic(&format!("auto-v{v}"))),
            allow_auto_topic_creation: true,
            ..Default::default()
        };
        let o = side.call(-1, &fresh, v);
        side.record("Metadata", v, "auto-create", o, &plan.norm);
    }
    // A version the broker does not know, of an API other than ApiVersions.
    let v = *versions.end();
    let bend = Bend {
        claimed_version: Some(v + 50),
        ..Default::default()
    };
    let o = side.call_bent(-1, &MetadataRequest::default(), v, bend);
    side.record("Metadata", v + 50, "unknown version", o, &plan.norm);
    // An API key nobody serves (a Metadata body under key 200).
    let bend = Bend {
        claimed_api_key: Some(200),
        ..Default::default()
    };
    let o = side.call_bent(-1, &MetadataRequest::default(), v, bend);
    side.record("Metadata", v, "under unknown API key 200", o, &plan.norm);
}

/// One batch for `partition` of the topic, by name below v13 and by id from v13.
fn produce_req(
    topic: &str,
    topic_id: Uuid,
    v: i16,
    acks: i16,
    partition: i32,
    records: Bytes,
) -> ProduceRequest {
    let b = ProduceBuilder::new().acks(acks);
    if v >= 13 {
        b.records_by_id(topic_id, partition, records).build()
    } else {
        b.records(topic, partition, records).build()
    }
}

fn produce(side: &mut Side, plan: &Plan<'_>) {
    let topic = plan.topic("produce");
    let p0 = side.create_topic(&topic)[0];
    let (id, leader) = (p0.topic_id, p0.leader);
    for v in plan.versions::<ProduceRequest>() {
        let ts = plan.t0 + 10_000 * i64::from(v);
        for (step, acks) in [("acks=all", -1), ("acks=1", 1), ("acks=2", 2)] {
            let o = side.call(
                leader,
                &produce_req(&topic, id, v, acks, 0, batch(2, ts)),
                v,
            );
            side.record("Produce", v, step, o, &plan.norm);
        }
        let o = side.call_unanswered(leader, &produce_req(&topic, id, v, 0, 0, batch(2, ts)), v);
        side.record("Produce", v, "acks=0", o, &plan.norm);
        let req = produce_req(MISSING, MISSING_ID, v, -1, 0, batch(1, ts));
        let o = side.call(leader, &req, v);
        side.record("Produce", v, "unknown topic", o, &plan.norm);
        let req = produce_req(&topic, id, v, -1, BAD_PARTITION, batch(1, ts));
        let o = side.call(leader, &req, v);
        side.record("Produce", v, "bad partition", o, &plan.norm);
        let big = BatchBuilder::new()
            .timestamps(ts, 1)
            .record(None, Some(&vec![b'x'; 1_100_000]))
            .build();
        let o = side.call(leader, &produce_req(&topic, id, v, -1, 0, big), v);
        side.record("Produce", v, "batch above message.max.bytes", o, &plan.norm);
        let mut corrupt = BytesMut::from(&batch(1, ts)[..]);
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff; // inside the CRC's range
        let req = produce_req(&topic, id, v, -1, 0, corrupt.freeze());
        let o = side.call(leader, &req, v);
        side.record("Produce", v, "corrupt batch (CRC)", o, &plan.norm);
        if v == 3 {
            // Kafka 4 advertises Produce from v0 (librdkafka needs it) but serves v3+ only
            for old in 0..3 {
                let bend = Bend {
                    claimed_version: Some(old),
                    ..Default::default()
                };
                let req = produce_req(&topic, id, v, -1, 0, batch(1, ts));
                let o = side.call_bent(leader, &req, v, bend);
                side.record("Produce", old, "advertised, not served", o, &plan.norm);
            }
        }
        if let Some(f) = p0.follower.filter(|_| plan.cluster) {
            let o = side.call(f, &produce_req(&topic, id, v, -1, 0, batch(1, ts)), v);
            side.record("Produce", v, "to a follower", o, &plan.norm);
            // with acks=0 there is no answer to carry the error: Kafka closes the connection
            let o = side.call_unanswered(f, &produce_req(&topic, id, v, 0, 0, batch(1, ts)), v);
            side.record("Produce", v, "acks=0 to a follower", o, &plan.norm);
        }
    }
}

/// A read of `partition` from `offset`, by name below v13 and by id from v13; waits at most
/// 100 ms for one byte.
fn fetch_req(topic: &str, p: &Placement, v: i16, partition: i32, offset: i64) -> FetchRequest {
    let b = FetchBuilder::new().max_wait_ms(100).min_bytes(1);
    if v >= 13 {
        b.partition_by_id(p.topic_id, partition, offset).build()
    } else {
        b.partition(topic, partition, offset).build()
    }
}

fn fetch(side: &mut Side, plan: &Plan<'_>, topic: &str, p0: &Placement) {
    let missing = Placement {
        topic_id: MISSING_ID,
        ..*p0
    };
    for v in plan.versions::<FetchRequest>() {
        let steps = [
            ("from offset 0", fetch_req(topic, p0, v, 0, 0)),
            ("from offset 3 (mid-batch)", fetch_req(topic, p0, v, 0, 3)),
            ("at the log end", fetch_req(topic, p0, v, 0, 6)),
            ("past the log end", fetch_req(topic, p0, v, 0, 1000)),
            ("unknown topic", fetch_req(MISSING, &missing, v, 0, 0)),
            ("bad partition", fetch_req(topic, p0, v, BAD_PARTITION, 0)),
        ];
        let mut steps = steps.to_vec();
        if v >= 9 {
            let mut ahead = fetch_req(topic, p0, v, 0, 0);
            ahead.topics[0].partitions[0].current_leader_epoch = p0.epoch + 1000;
            steps.push(("current_leader_epoch ahead", ahead));
        }
        for (step, req) in steps {
            let o = side.call(p0.leader, &req, v);
            side.record("Fetch", v, step, o, &plan.norm);
        }
        if let Some(f) = p0.follower.filter(|_| plan.cluster) {
            let o = side.call(f, &fetch_req(topic, p0, v, 0, 0), v);
            side.record("Fetch", v, "to a follower", o, &plan.norm);
        }
    }
}

fn list_offsets_req(topic: &str, partition: i32, timestamp: i64) -> ListOffsetsRequest {
    ListOffsetsRequest {
        replica_id: -1,
        topics: vec![ListOffsetsTopic {
            name: topic.into(),
            partitions: vec![ListOffsetsPartition {
                partition_index: partition,
                timestamp,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn list_offsets(side: &mut Side, plan: &Plan<'_>, topic: &str, p0: &Placement) {
    for v in plan.versions::<ListOffsetsRequest>() {
        let mut steps = vec![
            ("earliest", list_offsets_req(topic, 0, -2)),
            ("latest", list_offsets_req(topic, 0, -1)),
            ("timestamp 2000", list_offsets_req(topic, 0, plan.t0 + 2000)),
            (
                "timestamp 1500 (between batches)",
                list_offsets_req(topic, 0, plan.t0 + 1500),
            ),
            (
                "timestamp after the last",
                list_offsets_req(topic, 0, plan.t0 + 10_000),
            ),
            ("unknown topic", list_offsets_req(MISSING, 0, -1)),
            ("bad partition", list_offsets_req(topic, BAD_PARTITION, -1)),
        ];
        if v >= 7 {
            steps.push(("max timestamp", list_offsets_req(topic, 0, -3)));
        }
        if v >= 2 {
            let mut committed = list_offsets_req(topic, 0, -1);
            committed.isolation_level = 1;
            steps.push(("latest, read_committed", committed));
        }
        for (step, req) in steps {
            let o = side.call(p0.leader, &req, v);
            side.record("ListOffsets", v, step, o, &plan.norm);
        }
        if let Some(f) = p0.follower.filter(|_| plan.cluster) {
            let o = side.call(f, &list_offsets_req(topic, 0, -1), v);
            side.record("ListOffsets", v, "to a follower", o, &plan.norm);
        }
    }
}

/// The InitProducerId request of an idempotent producer.
fn idempotent() -> InitProducerIdRequest {
    InitProducerIdRequest {
        transaction_timeout_ms: 60_000,
        ..Default::default()
    }
}

/// An idempotent producer id and epoch (set-up, not recorded). A fresh Kafka answers
/// COORDINATOR_LOAD_IN_PROGRESS until its id manager has a block: asked again for up to 60 s.
pub fn idempotent_producer(side: &mut Side) -> InitProducerIdResponse {
    let v = side.max_version::<InitProducerIdRequest>();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut last = side.expect(-1, &idempotent(), v);
    while last.error_code.is_retriable() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        last = side.expect(-1, &idempotent(), v);
    }
    last
}

fn init_producer_id(side: &mut Side, plan: &Plan<'_>) {
    let idempotent = idempotent();
    let mut last = idempotent_producer(side);
    for v in plan.versions::<InitProducerIdRequest>() {
        let o = side.call(-1, &idempotent, v);
        side.record("InitProducerId", v, "idempotent", o, &plan.norm);
        if v >= 3 {
            // KIP-360: an idempotent producer passes its id and epoch to ask for a bump
            let again = InitProducerIdRequest {
                producer_id: last.producer_id,
                producer_epoch: last.producer_epoch,
                ..idempotent.clone()
            };
            let o = side.call(-1, &again, v);
            if let Outcome::Answer(r) = &o {
                last = r.clone();
            }
            side.record("InitProducerId", v, "existing id and epoch", o, &plan.norm);
        }
    }
}

fn ofle_req(topic: &str, partition: i32, current: i32, epoch: i32) -> OffsetForLeaderEpochRequest {
    OffsetForLeaderEpochRequest {
        replica_id: -1,
        topics: vec![OffsetForLeaderTopic {
            topic: topic.into(),
            partitions: vec![OffsetForLeaderPartition {
                partition,
                current_leader_epoch: current,
                leader_epoch: epoch,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn offset_for_leader_epoch(side: &mut Side, plan: &Plan<'_>, topic: &str, p0: &Placement) {
    let e = p0.epoch;
    for v in plan.versions::<OffsetForLeaderEpochRequest>() {
        let steps = [
            ("current epoch", ofle_req(topic, 0, e, e)),
            (
                "epoch newer than the leader's",
                ofle_req(topic, 0, -1, e + 1000),
            ),
            (
                "current_leader_epoch ahead",
                ofle_req(topic, 0, e + 1000, e),
            ),
            ("unknown topic", ofle_req(MISSING, 0, -1, 0)),
            ("bad partition", ofle_req(topic, BAD_PARTITION, -1, 0)),
        ];
        for (step, req) in steps {
            let o = side.call(p0.leader, &req, v);
            side.record("OffsetForLeaderEpoch", v, step, o, &plan.norm);
        }
        if let Some(f) = p0.follower.filter(|_| plan.cluster) {
            let o = side.call(f, &ofle_req(topic, 0, e, e), v);
            side.record("OffsetForLeaderEpoch", v, "to a follower", o, &plan.norm);
        }
    }
}

/// The keys `kafka` advertises that `mock` does not.
pub fn unserved_keys(
    kafka: &kwire_protocol::api::api_versions::ApiVersionsResponse,
    served: &std::collections::BTreeSet<i16>,
) -> Vec<String> {
    kafka
        .api_keys
        .iter()
        .filter(|k| !served.contains(&k.api_key))
        .map(|k| ApiKey(k.api_key).name().to_owned())
        .collect()
}
