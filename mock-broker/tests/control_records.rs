//! Reading a partition's records through the control surface (`Controller::records` and
//! `GET /topics/{t}/partitions/{p}/records`): records produced over the wire (lz4, headers,
//! binary and null keys, idempotent) come back exactly, with their batches' headers; paging,
//! the high watermark and every error answer as documented.

mod common;

use std::time::Duration;

use common::*;
use kwire_mock::control::RecordsError;
use kwire_mock::{FollowerLag, MockCluster};
use kwire_protocol::ErrorCode;
use kwire_protocol::records::{Compression, HeaderRef};
use kwire_protocol::testing::BatchBuilder;
use serde_json::{Value, json};

/// Produces `batch` to `t`/0 with acks=`acks` on its leader; returns the base offset.
async fn produce(m: &MockCluster, batch: bytes::Bytes, acks: i16) -> i64 {
    let leader = m.with_cluster(|c| c.partition("t", 0).unwrap().leader.unwrap());
    let mut client = Client::connect(m.addresses()[&leader]).await;
    let r = client
        .call(9, &produce_req("t", 0, acks, 5_000, batch))
        .await
        .unwrap();
    let (error, base) = produce_result(&r);
    assert_eq!(error, ErrorCode::None);
    base
}

async fn get(m: &MockCluster, path: &str) -> (u16, Value) {
    let (status, body) = http(m.control_addr().unwrap(), "GET", path, "").await;
    let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    (status, v)
}

/// The first batch: lz4, idempotent (producer 7, epoch 3, sequence 0), with headers, a binary
/// key, a null key and a null value.
fn lz4_batch() -> bytes::Bytes {
    BatchBuilder::new()
        .compression(Compression::Lz4)
        .producer(7, 3, 0)
        .timestamps(1_700_000_000_000, 5)
        .record_with_headers(
            Some(b"user-1"),
            Some("héllo".as_bytes()),
            &[
                HeaderRef::new("trace", Some(b"abc")),
                HeaderRef::new("bin", Some(&[0xff, 0x00][..])),
                HeaderRef::new("none", None),
            ],
        )
        .record(Some(&[0x00, 0x9f, 0x92, 0x96]), None)
        .record(None, Some(b"third"))
        .build()
}

#[tokio::test]
async fn records_come_back_exactly_with_their_batch_headers() {
    let m = controlled(2).await;
    assert_eq!(produce(&m, lz4_batch(), -1).await, 0);
    let plain = BatchBuilder::new()
        .values(Some(b"k"), ["v3", "v4", "v5"])
        .build();
    assert_eq!(produce(&m, plain, -1).await, 3);

    // The Rust API: typed bytes and batch headers.
    let page = m.records("t", 0, None, 100).unwrap();
    assert_eq!(
        (
            page.log_start_offset,
            page.high_watermark,
            page.log_end_offset
        ),
        (0, 6, 6)
    );
    assert_eq!(page.next_offset, 6);
    assert_eq!(page.batches.len(), 2);
    let b0 = &page.batches[0];
    assert_eq!(b0.codec, "lz4");
    assert_eq!(
        (b0.producer_id, b0.producer_epoch, b0.base_sequence),
        (7, 3, 0)
    );
    assert_eq!((b0.base_offset, b0.last_offset, b0.record_count), (0, 2, 3));
    assert!(!b0.transactional && !b0.control);
    let b1 = &page.batches[1];
    assert_eq!(b1.codec, "none");
    assert_eq!(
        (b1.producer_id, b1.producer_epoch, b1.base_sequence),
        (-1, -1, -1)
    );
    let r: Vec<_> = page.records().collect();
    assert_eq!(r.len(), 6);
    assert_eq!(r[0].timestamp, 1_700_000_000_000);
    assert_eq!(r[1].timestamp, 1_700_000_000_005);
    assert_eq!(&*r[0].value.clone().unwrap(), "héllo".as_bytes());
    assert_eq!(&**r[1].key.as_ref().unwrap(), &[0x00, 0x9f, 0x92, 0x96]);
    assert!(r[1].value.is_none() && r[2].key.is_none());
    assert_eq!(
        r.iter().map(|r| r.offset).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4, 5]
    );

    // The same over HTTP: UTF-8 where valid, base64 otherwise, null for null.
    let (status, v) = get(&m, "/topics/t/partitions/0/records").await;
    assert_eq!(status, 200);
    let batch = &v["batches"][0];
    assert_eq!(batch["codec"], "lz4");
    assert_eq!(batch["producer_id"], 7);
    assert_eq!(batch["producer_epoch"], 3);
    assert_eq!(batch["base_sequence"], 0);
    assert_eq!(batch["timestamp_type"], "CreateTime");
    let recs = &batch["records"];
    assert_eq!(recs[0]["key"], json!({"utf8": "user-1"}));
    assert_eq!(recs[0]["value"], json!({"utf8": "héllo"}));
    assert_eq!(
        recs[0]["headers"],
        json!([
            {"key": {"utf8": "trace"}, "value": {"utf8": "abc"}},
            {"key": {"utf8": "bin"}, "value": {"base64": "/wA="}},
            {"key": {"utf8": "none"}, "value": null},
        ])
    );
    assert_eq!(recs[1]["key"], json!({"base64": "AJ+Slg=="}));
    assert_eq!(recs[1]["value"], Value::Null);
    assert_eq!(recs[2]["key"], Value::Null);
    assert_eq!(
        v["batches"][1]["records"][2]["value"],
        json!({"utf8": "v5"})
    );

    // Paging: a page can start and end inside a batch; next_offset continues it.
    let (status, v) = get(&m, "/topics/t/partitions/0/records?offset=1&limit=3").await;
    assert_eq!(status, 200);
    let offsets: Vec<i64> = v["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["records"].as_array().unwrap().clone())
        .map(|r| r["offset"].as_i64().unwrap())
        .collect();
    assert_eq!(offsets, vec![1, 2, 3]);
    assert_eq!(v["next_offset"], 4);
    // At the high watermark: an empty page.
    let (status, v) = get(&m, "/topics/t/partitions/0/records?offset=6").await;
    assert_eq!(
        (status, v["batches"].clone(), v["next_offset"].clone()),
        (200, json!([]), json!(6))
    );
}

#[tokio::test]
async fn only_records_below_the_high_watermark_are_returned() {
    let m = controlled(2).await;
    produce(&m, BatchBuilder::new().numbered(2).build(), -1).await;
    // Followers stop copying: an acks=1 write is on the leader only, above the high watermark.
    m.set_lag(None, None, Some(FollowerLag::Stalled)).unwrap();
    produce(&m, BatchBuilder::new().numbered(3).build(), 1).await;
    let page = m.records("t", 0, None, 100).unwrap();
    assert_eq!((page.high_watermark, page.log_end_offset), (2, 5));
    assert_eq!(page.records().count(), 2);
    // Between the high watermark and the log end: nothing yet (Fetch answers the same).
    assert_eq!(
        m.records("t", 0, Some(4), 100).unwrap().records().count(),
        0
    );
    // Once the followers catch up, the records appear.
    m.set_lag(None, None, Some(FollowerLag::Millis(0))).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(m.records("t", 0, None, 100).unwrap().records().count(), 5);
}

#[tokio::test]
async fn errors_are_clear() {
    let m = controlled(2).await;
    produce(&m, BatchBuilder::new().numbered(10).build(), -1).await;
    m.delete_records("t", 0, 4).unwrap();

    // Rust API.
    assert_eq!(
        m.records("nope", 0, None, 10).unwrap_err().error_code(),
        Some(ErrorCode::UnknownTopicOrPartition)
    );
    assert_eq!(
        m.records("t", 2, None, 10).unwrap_err().error_code(),
        Some(ErrorCode::UnknownTopicOrPartition)
    );
    assert_eq!(
        m.records("t", 0, Some(3), 10).unwrap_err(),
        RecordsError::OffsetOutOfRange {
            offset: 3,
            log_start_offset: 4,
            high_watermark: 10
        }
    );
    assert!(matches!(
        m.records("t", 0, Some(11), 10),
        Err(RecordsError::OffsetOutOfRange { .. })
    ));
    assert_eq!(m.records("t", 0, None, 0), Err(RecordsError::BadLimit(0)));
    // Without an offset, reading starts at the log start.
    let first = m.records("t", 0, None, 1).unwrap();
    assert_eq!(first.records().next().unwrap().offset, 4);

    // HTTP.
    let (s, v) = get(&m, "/topics/nope/partitions/0/records").await;
    assert_eq!(
        (s, v["kafka_error"].as_str()),
        (404, Some("UNKNOWN_TOPIC_OR_PARTITION"))
    );
    let (s, _) = get(&m, "/topics/t/partitions/7/records").await;
    assert_eq!(s, 404);
    let (s, v) = get(&m, "/topics/t/partitions/x/records").await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = get(&m, "/topics/t/partitions/0/records?offset=2").await;
    assert_eq!(s, 416);
    assert_eq!(v["kafka_error"], "OFFSET_OUT_OF_RANGE");
    assert_eq!(
        (v["log_start_offset"].as_i64(), v["high_watermark"].as_i64()),
        (Some(4), Some(10))
    );
    for bad in [
        "offset=-1",
        "offset=abc",
        "limit=0",
        "limit=100000",
        "limit=x",
        "color=red",
    ] {
        let (s, v) = get(&m, &format!("/topics/t/partitions/0/records?{bad}")).await;
        assert_eq!(s, 400, "{bad}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {v}"
        );
    }

    // A partition without a leader.
    for b in 1..=3 {
        m.broker_down(b);
    }
    let (s, v) = get(&m, "/topics/t/partitions/0/records").await;
    assert_eq!(s, 503, "{v}");
}
