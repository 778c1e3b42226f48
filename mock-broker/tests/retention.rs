//! Retention over real TCP: a mock started with `log.retention.ms` deletes committed batches
//! on its own clock, and clients see it as in Kafka (Fetch below the log start is
//! OFFSET_OUT_OF_RANGE, ListOffsets EARLIEST moves, Produce reports the log start).

mod common;

use std::time::{Duration, Instant};

use common::*;
use kwire_mock::MockCluster;
use kwire_protocol::ErrorCode;
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic,
};

async fn earliest(c: &mut Client) -> (ErrorCode, i64) {
    let req = ListOffsetsRequest {
        replica_id: -1,
        topics: vec![ListOffsetsTopic {
            name: "t".into(),
            partitions: vec![ListOffsetsPartition {
                partition_index: 0,
                timestamp: -2,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = c.call(9, &req).await.unwrap();
    let p = &r.topics[0].partitions[0];
    (p.error_code, p.offset)
}

#[tokio::test]
async fn time_retention_deletes_committed_batches_on_the_servers_clock() {
    let m = MockCluster::builder()
        .topic("t", 1, 3)
        .log_retention(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let mut c = Client::connect(m.addresses()[&1]).await;
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(3, 0, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 0));
    let r = c.call(12, &fetch_req("t", 0, 0)).await.unwrap();
    assert_eq!(fetched(&r), (ErrorCode::None, 3, values(0, 3)));
    assert_eq!(earliest(&mut c).await, (ErrorCode::None, 0));
    // Nobody ticks the model but the server: the batch goes about 200 ms after its append.
    let t0 = Instant::now();
    while earliest(&mut c).await != (ErrorCode::None, 3) {
        assert!(t0.elapsed() < WAIT, "retention never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = c.call(12, &fetch_req("t", 0, 0)).await.unwrap();
    assert_eq!(fetched(&r).0, ErrorCode::OffsetOutOfRange);
    let r = c
        .call(9, &produce_req("t", 0, -1, 5000, batch(1, 3, -1, 0, 0)))
        .await
        .unwrap();
    assert_eq!(produce_result(&r), (ErrorCode::None, 3));
    assert_eq!(r.responses[0].partition_responses[0].log_start_offset, 3);
    let r = c.call(12, &fetch_req("t", 0, 3)).await.unwrap();
    assert_eq!(fetched(&r), (ErrorCode::None, 4, values(3, 1)));
    let state = m.state();
    assert_eq!(state.stats.records_deleted, 3);
    let p = &state.topics[0].partitions[0];
    assert_eq!(p.log_start_offset, 3);
    m.shutdown().await;
}
