//! The codec against a real Apache Kafka broker (`KWIRE_KAFKA_BOOTSTRAP`): every version of
//! every API this project encodes that the broker also speaks — ApiVersions, Metadata,
//! InitProducerId, Produce with each codec (idempotent, with a duplicate retry), Fetch,
//! ListOffsets and OffsetForLeaderEpoch — is sent, and every response the broker sends back is decoded and checked.
//! The records are written in the interop drivers' scheme so that a real client can consume
//! and verify them afterwards (see `tests/interop/run-codec-interop.sh`).

use std::time::{Duration, Instant};

use bytes::Bytes;
use kwire_protocol::api::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::api::fetch::FetchRequest;
use kwire_protocol::api::init_producer_id::InitProducerIdRequest;
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic};
use kwire_protocol::api::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kwire_protocol::api::produce::ProduceRequest;
use kwire_protocol::primitives::Decoder;
use kwire_protocol::records::{Batches, Compression};
use kwire_protocol::testing::{BatchBuilder, FetchBuilder, TEST_TIMESTAMP};
use kwire_protocol::{ErrorCode, Message, ResponseHeader};
use kwire_tests::{Conn, fetch_at, kafka_bootstrap, produce_at};

const PER_BATCH: usize = 10;

fn value(i: usize) -> Vec<u8> {
    let mut v = format!("{i}:").into_bytes();
    v.resize(100, b'.');
    v
}

fn key(i: usize) -> Vec<u8> {
    format!("k{}", i % 1000).into_bytes()
}

#[test]
fn every_version_against_real_kafka() {
    let Some(bootstrap) = kafka_bootstrap("every_version_against_real_kafka") else {
        return;
    };
    let first = bootstrap.split(',').next().unwrap().to_owned();
    let mut conn = Conn::connect(&first).expect("connect");
    let mut checks: Vec<String> = Vec::new();

    // ApiVersions: every version the broker knows, and one it does not (v0 fallback body).
    for v in conn.common_versions::<ApiVersionsRequest>() {
        let req = ApiVersionsRequest {
            client_software_name: "kwire-tests".into(),
            client_software_version: "0.1.0".into(),
            ..Default::default()
        };
        let r = conn
            .send(&req, v)
            .unwrap_or_else(|e| panic!("ApiVersions v{v}: {e}"));
        assert!(r.error_code.is_ok() && r.range_for(kwire_protocol::ApiKey::PRODUCE).is_some());
        checks.push(format!("ApiVersions v{v}"));
    }
    let (_, broker_max) = conn.range(kwire_protocol::ApiKey::API_VERSIONS).unwrap();
    if broker_max < ApiVersionsRequest::VERSIONS.max {
        let v = broker_max + 1;
        let payload = conn.send_raw(&ApiVersionsRequest::default(), v).unwrap();
        let mut d = Decoder::new(&payload);
        ResponseHeader::decode(&mut d, 0).unwrap();
        let body = payload.slice(payload.len() - d.remaining()..);
        let r = ApiVersionsResponse::decode(&body, 0).expect("v0 fallback body");
        assert_eq!(r.error_code, ErrorCode::UnsupportedVersion);
        checks.push(format!("ApiVersions v{v} (unsupported -> v0 body)"));
    }

    let topic = format!(
        "kwire-codec-{}",
        std::process::id() as u64 * 1000 + (Instant::now().elapsed().as_nanos() % 1000) as u64
    );
    let md = conn.topic_metadata(&topic);
    let topic_id = md.topics[0].topic_id;
    let leader = md.topics[0]
        .partitions
        .iter()
        .find(|p| p.partition_index == 0)
        .unwrap()
        .leader_id;
    let leader_addr = md
        .brokers
        .iter()
        .find(|b| b.node_id == leader)
        .map(|b| format!("{}:{}", b.host, b.port))
        .unwrap();
    let mut conn = Conn::connect(&leader_addr).expect("connect to leader");

    // Metadata: every version.
    for v in conn.common_versions::<MetadataRequest>() {
        let topics = if v == 0 {
            Some(vec![])
        } else {
            Some(vec![MetadataRequestTopic {
                name: Some(topic.clone()),
                ..Default::default()
            }])
        };
        let req = MetadataRequest {
            topics,
            allow_auto_topic_creation: true,
            ..Default::default()
        };
        let r = conn
            .send(&req, v)
            .unwrap_or_else(|e| panic!("Metadata v{v}: {e}"));
        let t = r
            .topics
            .iter()
            .find(|t| t.name.as_deref() == Some(&topic))
            .unwrap_or_else(|| panic!("Metadata v{v}: topic missing"));
        assert!(
            t.error_code.is_ok() && !t.partitions.is_empty(),
            "Metadata v{v}: {t:?}"
        );
        if v >= 10 {
            assert_eq!(t.topic_id, topic_id);
        }
        checks.push(format!("Metadata v{v}"));
    }

    // InitProducerId: every version; the last producer id is used below.
    let mut pid = (-1, -1);
    for v in conn.common_versions::<InitProducerIdRequest>() {
        let req = InitProducerIdRequest {
            transaction_timeout_ms: 60_000,
            ..Default::default()
        };
        // A fresh broker answers COORDINATOR_LOAD_IN_PROGRESS (retriable) for a while.
        let deadline = Instant::now() + Duration::from_secs(60);
        let r = loop {
            let r = conn
                .send(&req, v)
                .unwrap_or_else(|e| panic!("InitProducerId v{v}: {e}"));
            if !r.error_code.is_retriable() || Instant::now() > deadline {
                break r;
            }
            std::thread::sleep(Duration::from_millis(250));
        };
        assert!(
            r.error_code.is_ok() && r.producer_id >= 0,
            "InitProducerId v{v}: {r:?}"
        );
        pid = (r.producer_id, r.producer_epoch);
        checks.push(format!("InitProducerId v{v}"));
    }

    // Produce: every version × every codec (zstd from v7), idempotent, to partition 0.
    let mut next = 0usize;
    let mut last_batch: Option<(i16, Bytes, i64)> = None;
    for v in conn.common_versions::<ProduceRequest>() {
        for codec in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            if codec == Compression::Zstd && v < 7 {
                continue;
            }
            let records = (next..next + PER_BATCH)
                .fold(
                    BatchBuilder::new()
                        .producer(pid.0, pid.1, next as i32)
                        .compression(codec)
                        .timestamps(TEST_TIMESTAMP + next as i64, 1),
                    |b, i| b.record(Some(&key(i)), Some(&value(i))),
                )
                .build();
            let req = produce_at(v, &topic, topic_id, 0, records.clone()).build();
            let r = conn
                .send(&req, v)
                .unwrap_or_else(|e| panic!("Produce v{v} {codec:?}: {e}"));
            let p = &r.responses[0].partition_responses[0];
            assert_eq!(
                p.error_code,
                ErrorCode::None,
                "Produce v{v} {codec:?}: {p:?}"
            );
            assert_eq!(p.base_offset, next as i64, "Produce v{v} {codec:?}");
            last_batch = Some((v, records, p.base_offset));
            next += PER_BATCH;
            checks.push(format!("Produce v{v} {codec:?}"));
        }
    }
    // An idempotent retry of the last batch: Kafka answers with the original offset and
    // writes nothing (the mock must do the same).
    if let Some((v, records, offset)) = last_batch {
        let r = conn
            .send(&produce_at(v, &topic, topic_id, 0, records).build(), v)
            .unwrap();
        let p = &r.responses[0].partition_responses[0];
        assert!(p.error_code.is_ok(), "duplicate: {p:?}");
        assert_eq!(
            p.base_offset, offset,
            "duplicate answered with the original offset"
        );
        checks.push(format!(
            "Produce v{v} duplicate -> original offset {offset}"
        ));
    }

    // ListOffsets: earliest and latest at every version.
    let mut leader_epoch = -1;
    for v in conn.common_versions::<ListOffsetsRequest>() {
        for (ts, want) in [(-2i64, 0i64), (-1, next as i64)] {
            let req = ListOffsetsRequest {
                replica_id: -1,
                topics: vec![ListOffsetsTopic {
                    name: topic.clone(),
                    partitions: vec![ListOffsetsPartition {
                        partition_index: 0,
                        timestamp: ts,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let r = conn
                .send(&req, v)
                .unwrap_or_else(|e| panic!("ListOffsets v{v}: {e}"));
            let p = &r.topics[0].partitions[0];
            assert!(p.error_code.is_ok(), "ListOffsets v{v}: {p:?}");
            assert_eq!(p.offset, want, "ListOffsets v{v} ts {ts}");
            leader_epoch = leader_epoch.max(p.leader_epoch);
        }
        checks.push(format!("ListOffsets v{v}"));
    }

    // OffsetForLeaderEpoch: the current epoch ends at the log end; a newer current epoch than
    // the broker's is UNKNOWN_LEADER_EPOCH.
    assert!(leader_epoch >= 0, "no leader epoch from ListOffsets");
    for v in conn.common_versions::<OffsetForLeaderEpochRequest>() {
        for (current, want) in [
            (leader_epoch, ErrorCode::None),
            (leader_epoch + 1, ErrorCode::UnknownLeaderEpoch),
        ] {
            let req = OffsetForLeaderEpochRequest {
                replica_id: -1,
                topics: vec![OffsetForLeaderTopic {
                    topic: topic.clone(),
                    partitions: vec![OffsetForLeaderPartition {
                        partition: 0,
                        current_leader_epoch: current,
                        leader_epoch,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            let r = conn
                .send(&req, v)
                .unwrap_or_else(|e| panic!("OffsetForLeaderEpoch v{v}: {e}"));
            let p = &r.topics[0].partitions[0];
            assert_eq!(p.error_code, want, "OffsetForLeaderEpoch v{v}: {p:?}");
            if want.is_ok() {
                assert_eq!(
                    (p.leader_epoch, p.end_offset),
                    (leader_epoch, next as i64),
                    "OffsetForLeaderEpoch v{v}"
                );
            }
        }
        checks.push(format!("OffsetForLeaderEpoch v{v}"));
    }

    // Fetch: every version reads back every record, in order, with the right keys and values.
    for v in conn.common_versions::<FetchRequest>() {
        let mut got = 0usize;
        while got < next {
            let fetch = FetchBuilder::new()
                .max_wait_ms(500)
                .min_bytes(1)
                .max_bytes(50 << 20)
                .partition_max_bytes(10 << 20);
            let req = fetch_at(fetch, v, &topic, topic_id, 0, got as i64).build();
            let r = conn
                .send(&req, v)
                .unwrap_or_else(|e| panic!("Fetch v{v}: {e}"));
            let p = &r.responses[0].partitions[0];
            assert!(p.error_code.is_ok(), "Fetch v{v}: {p:?}");
            assert_eq!(p.high_watermark, next as i64);
            let before = got;
            for batch in Batches::new(p.records.clone().unwrap_or_default()) {
                for rec in batch.expect("batch").records() {
                    let rec = rec.expect("record");
                    if (rec.offset as usize) < got {
                        continue;
                    }
                    assert_eq!(rec.offset as usize, got);
                    assert_eq!(rec.key.as_deref(), Some(&key(got)[..]));
                    assert_eq!(rec.value.as_deref(), Some(&value(got)[..]));
                    got += 1;
                }
            }
            assert!(got > before, "Fetch v{v} made no progress at {got}");
        }
        checks.push(format!("Fetch v{v}"));
    }

    for c in &checks {
        println!("real-kafka codec check: {c} -> pass");
    }
    println!(
        "real-kafka codec: {} checks passed; wrote {next} records to {topic} partition 0",
        checks.len()
    );
    if let Ok(path) = std::env::var("KWIRE_CODEC_INTEROP_OUT") {
        std::fs::write(
            path,
            format!(
                "{{\"topic\":\"{topic}\",\"count\":{next},\"checks\":{}}}\n",
                checks.len()
            ),
        )
        .unwrap();
    }
}
