//! The admin operations of the control surface — grow a topic, alter topic and broker configs,
//! describe configs, delete records — through the Rust `Controller`, `Action`s and HTTP, on
//! success and on Kafka's refusals.

mod common;

use common::*;
use kwire_mock::cluster::{AlterOp, ConfigChange};
use kwire_mock::{Action, ControlError, MockCluster};
use kwire_protocol::ErrorCode;
use serde_json::Value;

/// Appends `n` records to `t`/0 on its leader and lets the followers catch up.
fn fill(m: &MockCluster, n: usize) {
    m.with_cluster(|c| {
        let leader = c.partition("t", 0).unwrap().leader.unwrap();
        c.append(leader, "t", 0, &batch(n, 0, -1, 0, 0), 1, 0)
            .unwrap();
        let now = c.now() + 1;
        c.tick(now);
    });
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn the_rust_api_grows_topics_alters_configs_and_deletes_records() {
    let m = controlled(2).await;
    // Partitions grow, never shrink; unknown topics and bad assignments are refused.
    m.create_partitions("t", 4, None).unwrap();
    assert_eq!(
        m.with_cluster(|c| c.topic("t").unwrap().partitions.len()),
        4
    );
    let code = |r: Result<(), kwire_mock::cluster::TopicError>| r.unwrap_err().error_code();
    assert_eq!(
        code(m.create_partitions("t", 3, None)),
        ErrorCode::InvalidPartitions
    );
    assert_eq!(
        code(m.create_partitions("t", 4, None)),
        ErrorCode::InvalidPartitions
    );
    assert_eq!(
        code(m.create_partitions("nope", 5, None)),
        ErrorCode::UnknownTopicOrPartition
    );
    assert_eq!(
        code(m.create_partitions("t", 5, Some(&[vec![1, 9, 2]]))),
        ErrorCode::InvalidReplicaAssignment
    );
    m.create_partitions("t", 5, Some(&[vec![3, 1, 2]])).unwrap();
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 4).unwrap().leader),
        Some(3)
    );

    // Topic configs: set, append, delete; the model follows; refusals change nothing.
    let set = |v: &str| ConfigChange::new("retention.bytes", AlterOp::Set, Some(v));
    m.alter_topic_configs("t", &[set("1000")]).unwrap();
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 0).unwrap().retention.bytes),
        Some(1000)
    );
    assert_eq!(
        code(m.alter_topic_configs("t", &[set("lots")])),
        ErrorCode::InvalidConfig
    );
    assert_eq!(
        code(m.alter_topic_configs("nope", &[set("1")])),
        ErrorCode::UnknownTopicOrPartition
    );
    m.alter_topic_configs(
        "t",
        &[ConfigChange::new(
            "cleanup.policy",
            AlterOp::Append,
            Some("compact"),
        )],
    )
    .unwrap();
    let described = m.describe_topic_configs("t").unwrap();
    let get = |name: &str| described.iter().find(|e| e.name == name).unwrap().clone();
    assert_eq!(get("retention.bytes").value.as_deref(), Some("1000"));
    assert_eq!(get("retention.bytes").source, "DYNAMIC_TOPIC_CONFIG");
    assert_eq!(get("retention.bytes").kind, "LONG");
    assert_eq!(
        get("cleanup.policy").value.as_deref(),
        Some("delete,compact")
    );
    assert_eq!(get("segment.bytes").source, "DEFAULT_CONFIG");
    m.alter_topic_configs(
        "t",
        &[ConfigChange::new("retention.bytes", AlterOp::Delete, None)],
    )
    .unwrap();
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 0).unwrap().retention.bytes),
        None
    );
    assert!(m.describe_topic_configs("nope").is_err());

    // Broker configs: dynamic ones change for every broker, read-only ones are refused.
    m.alter_broker_configs(&[ConfigChange::new(
        "min.insync.replicas",
        AlterOp::Set,
        Some("2"),
    )])
    .unwrap();
    assert_eq!(m.with_cluster(|c| c.config().min_insync_replicas), 2);
    let e = m
        .alter_broker_configs(&[ConfigChange::new("num.partitions", AlterOp::Set, Some("7"))])
        .unwrap_err();
    assert_eq!(e.error_code(), ErrorCode::InvalidRequest);
    let e = m
        .alter_broker_configs(&[ConfigChange::new(
            "min.insync.replicas",
            AlterOp::Set,
            Some("0"),
        )])
        .unwrap_err();
    assert_eq!(e.error_code(), ErrorCode::InvalidRequest);
    let broker = m.describe_broker_configs(2).unwrap();
    let mir = broker
        .iter()
        .find(|e| e.name == "min.insync.replicas")
        .unwrap();
    assert_eq!((mir.value.as_deref(), mir.read_only), (Some("2"), false));
    let np = broker.iter().find(|e| e.name == "num.partitions").unwrap();
    assert!(np.read_only);
    assert!(m.describe_broker_configs(9).is_none());

    // Records: deleted up to an offset on the leader, never above the high watermark.
    fill(&m, 5);
    assert_eq!(m.delete_records("t", 0, 3), Ok(3));
    assert_eq!(
        m.delete_records("t", 0, 9),
        Err(ErrorCode::OffsetOutOfRange)
    );
    assert_eq!(
        m.delete_records("t", 9, 1),
        Err(ErrorCode::UnknownTopicOrPartition)
    );
    assert_eq!(m.delete_records("t", 0, -1), Ok(5));
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 0).unwrap().log_start_offset()),
        5
    );
    m.shutdown().await;
}

#[tokio::test]
async fn actions_carry_the_admin_operations_and_say_why_they_are_refused() {
    let m = controlled(2).await;
    let apply = |s: &str| m.apply(&serde_json::from_str::<Action>(s).unwrap());
    apply(r#"{"action": "create_partitions", "topic": "t", "count": 3}"#).unwrap();
    apply(r#"{"action": "alter_topic_configs", "topic": "t", "set": {"retention.ms": "60000"}, "delete": ["cleanup.policy"]}"#).unwrap();
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 2).unwrap().retention.ms),
        Some(60000)
    );
    apply(r#"{"action": "alter_broker_configs", "set": {"message.max.bytes": "2000"}}"#).unwrap();
    assert_eq!(m.with_cluster(|c| c.config().message_max_bytes), 2000);
    fill(&m, 4);
    let done = apply(r#"{"action": "delete_records", "topic": "t", "partition": 0}"#).unwrap();
    assert_eq!(done.low_watermark, Some(4));
    for (action, error) in [
        (
            r#"{"action": "create_partitions", "topic": "t", "count": 1}"#,
            ErrorCode::InvalidPartitions,
        ),
        (
            r#"{"action": "alter_topic_configs", "topic": "t", "set": {"retention.ms": "soon"}}"#,
            ErrorCode::InvalidConfig,
        ),
        (
            r#"{"action": "alter_topic_configs", "topic": "nope", "set": {"retention.ms": "1"}}"#,
            ErrorCode::UnknownTopicOrPartition,
        ),
        (
            r#"{"action": "alter_broker_configs", "set": {"node.id": "4"}}"#,
            ErrorCode::InvalidRequest,
        ),
        (
            r#"{"action": "delete_records", "topic": "t", "partition": 0, "offset": 99}"#,
            ErrorCode::OffsetOutOfRange,
        ),
    ] {
        match apply(action) {
            Err(ControlError::Refused { error: e, .. }) => assert_eq!(e, error, "{action}"),
            other => panic!("{action}: {other:?}"),
        }
    }
    m.shutdown().await;
}

#[tokio::test]
async fn http_routes_drive_the_admin_operations() {
    let m = controlled(2).await;
    let ctl = m.control_addr().unwrap();
    let (s, b) = http(ctl, "POST", "/topics/t/partitions", r#"{"count": 3}"#).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        m.with_cluster(|c| c.topic("t").unwrap().partitions.len()),
        3
    );
    let (s, b) = http(ctl, "POST", "/topics/t/partitions", r#"{"count": 2}"#).await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("INVALID_PARTITIONS"))
    );
    let (s, b) = http(ctl, "POST", "/topics/nope/partitions", r#"{"count": 2}"#).await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("UNKNOWN_TOPIC_OR_PARTITION"))
    );
    let (s, b) = http(ctl, "POST", "/topics/t/partitions", r#"{"count": "many"}"#).await;
    assert_eq!(s, 400, "{b}");

    let (s, b) = http(
        ctl,
        "PATCH",
        "/topics/t/configs",
        r#"{"set": {"retention.ms": "1000"}, "append": {"cleanup.policy": "compact"}}"#,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = http(ctl, "GET", "/topics/t/configs", "").await;
    assert_eq!(s, 200);
    let configs = json(&b)["configs"].as_array().unwrap().clone();
    let get = |n: &str| configs.iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(get("retention.ms")["value"], "1000");
    assert_eq!(get("retention.ms")["source"], "DYNAMIC_TOPIC_CONFIG");
    assert_eq!(get("cleanup.policy")["value"], "delete,compact");
    assert_eq!(get("cleanup.policy")["type"], "LIST");
    let (s, b) = http(
        ctl,
        "POST",
        "/topics/t/configs",
        r#"{"set": {"retention.ms": "soon"}}"#,
    )
    .await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("INVALID_CONFIG"))
    );
    let (s, _) = http(ctl, "GET", "/topics/nope/configs", "").await;
    assert_eq!(s, 404);
    let (s, b) = http(ctl, "PATCH", "/topics/t/configs", r#"{"sett": {}}"#).await;
    assert_eq!(s, 400, "unknown fields are refused: {b}");

    let (s, b) = http(
        ctl,
        "PATCH",
        "/brokers/configs",
        r#"{"set": {"log.retention.bytes": "5000"}}"#,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        m.with_cluster(|c| c.partition("t", 0).unwrap().retention.bytes),
        Some(5000)
    );
    let (s, b) = http(ctl, "GET", "/brokers/1/configs", "").await;
    assert_eq!(s, 200);
    let configs = json(&b)["configs"].as_array().unwrap().clone();
    let lrb = configs
        .iter()
        .find(|c| c["name"] == "log.retention.bytes")
        .unwrap();
    assert_eq!(
        (lrb["value"].as_str(), lrb["read_only"].as_bool()),
        (Some("5000"), Some(false))
    );
    let (s, _) = http(ctl, "GET", "/brokers/7/configs", "").await;
    assert_eq!(s, 404);
    let (s, b) = http(
        ctl,
        "POST",
        "/brokers/configs",
        r#"{"set": {"num.partitions": "3"}}"#,
    )
    .await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("INVALID_REQUEST"))
    );

    fill(&m, 6);
    let (s, b) = http(
        ctl,
        "POST",
        "/topics/t/partitions/0/delete-records",
        r#"{"offset": 2}"#,
    )
    .await;
    assert_eq!(
        (s, json(&b)["low_watermark"].as_i64()),
        (200, Some(2)),
        "{b}"
    );
    let (s, b) = http(ctl, "POST", "/topics/t/partitions/0/delete-records", "").await;
    assert_eq!(
        (s, json(&b)["low_watermark"].as_i64()),
        (200, Some(6)),
        "{b}"
    );
    let (s, b) = http(
        ctl,
        "POST",
        "/topics/t/partitions/0/delete-records",
        r#"{"offset": 7}"#,
    )
    .await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("OFFSET_OUT_OF_RANGE"))
    );
    let (s, b) = http(ctl, "POST", "/topics/t/partitions/8/delete-records", "").await;
    assert_eq!(
        (s, json(&b)["kafka_error"].as_str()),
        (409, Some("UNKNOWN_TOPIC_OR_PARTITION"))
    );
    m.shutdown().await;
}
