//! The admin sequences: topics created, described, altered and deleted, coordinators found and
//! the cluster described, success and error paths. Each API runs only at the versions both
//! brokers advertise, so a sequence starts running as soon as the mock serves its API.

use bytes::Bytes;
use kwire_protocol::Uuid;
use kwire_protocol::api::alter_configs::{
    AlterConfigsRequest, AlterConfigsResource as LegacyResource, AlterableConfig as LegacyConfig,
};
use kwire_protocol::api::create_acls::{AclCreation, CreateAclsRequest};
use kwire_protocol::api::create_partitions::{CreatePartitionsRequest, CreatePartitionsTopic};
use kwire_protocol::api::create_topics::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig, CreateTopicsRequest,
};
use kwire_protocol::api::delete_acls::{DeleteAclsFilter, DeleteAclsRequest};
use kwire_protocol::api::delete_records::{
    DeleteRecordsPartition, DeleteRecordsRequest, DeleteRecordsTopic,
};
use kwire_protocol::api::delete_topics::{DeleteTopicState, DeleteTopicsRequest};
use kwire_protocol::api::describe_acls::DescribeAclsRequest;
use kwire_protocol::api::describe_cluster::DescribeClusterRequest;
use kwire_protocol::api::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use kwire_protocol::api::describe_log_dirs::{DescribableLogDirTopic, DescribeLogDirsRequest};
use kwire_protocol::api::find_coordinator::FindCoordinatorRequest;
use kwire_protocol::api::incremental_alter_configs::{
    AlterConfigsResource, AlterableConfig, IncrementalAlterConfigsRequest,
};
use kwire_protocol::api::produce::ProduceRequest;
use kwire_protocol::testing::{BatchBuilder, ProduceBuilder};

use super::sequences::{MISSING, MISSING_ID, Plan};
use super::side::{Placement, Side};
use super::wire::Outcome;

/// ConfigResource types (KIP-133): a topic and a broker.
const TOPIC: i8 = 2;
const BROKER: i8 = 4;
/// AlterConfigOp SET and DELETE (KIP-339).
const SET: i8 = 0;
const DELETE: i8 = 1;

/// Runs every admin sequence against `side`.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    create_topics(side, plan);
    delete_topics(side, plan);
    let topic = plan.topic("configs");
    side.create_topic(&topic);
    describe_configs(side, plan, &topic);
    incremental_alter_configs(side, plan, &topic);
    alter_configs(side, plan, &topic);
    dynamic_broker_configs(side, plan);
    create_partitions(side, plan);
    delete_records(side, plan);
    find_coordinator(side, plan);
    describe_cluster(side, plan);
    describe_log_dirs(side, plan);
    acls(side, plan);
    super::quotas::run_all(side, plan);
    super::scram::run_all(side, plan);
}

fn creatable(name: &str, partitions: i32, rf: i16, configs: &[(&str, &str)]) -> CreatableTopic {
    CreatableTopic {
        name: name.into(),
        num_partitions: partitions,
        replication_factor: rf,
        configs: configs
            .iter()
            .map(|(k, v)| CreatableTopicConfig {
                name: (*k).into(),
                value: Some((*v).into()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn create(topic: CreatableTopic, validate_only: bool) -> CreateTopicsRequest {
    CreateTopicsRequest {
        topics: vec![topic],
        timeout_ms: 30_000,
        validate_only,
        ..Default::default()
    }
}

fn create_topics(side: &mut Side, plan: &Plan<'_>) {
    let rf = plan.replication_factor;
    for v in plan.versions::<CreateTopicsRequest>() {
        let name = plan.topic(&format!("create-v{v}"));
        let retention = [("retention.ms", "3600000")];
        let steps = [
            ("create", create(creatable(&name, 3, rf, &retention), false)),
            ("create again", create(creatable(&name, 3, rf, &[]), false)),
            (
                "validate only",
                create(creatable(&format!("{name}-vo"), 3, rf, &[]), true),
            ),
            (
                "0 partitions",
                create(creatable(&format!("{name}-p0"), 0, rf, &[]), false),
            ),
            (
                "replication factor above the brokers",
                create(creatable(&format!("{name}-rf"), 3, 4, &[]), false),
            ),
            (
                "invalid config value",
                create(
                    creatable(&format!("{name}-cfg"), 3, rf, &[("retention.ms", "soon")]),
                    false,
                ),
            ),
            (
                "unknown config",
                create(
                    creatable(&format!("{name}-ucfg"), 3, rf, &[("no.such.config", "1")]),
                    false,
                ),
            ),
            (
                "invalid name",
                create(creatable("bad/name", 3, rf, &[]), false),
            ),
            (
                "explicit assignment",
                create(
                    CreatableTopic {
                        assignments: vec![CreatableReplicaAssignment {
                            partition_index: 0,
                            broker_ids: vec![1],
                            ..Default::default()
                        }],
                        ..creatable(&format!("{name}-asg"), -1, -1, &[])
                    },
                    false,
                ),
            ),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("CreateTopics", v, step, o, &plan.norm);
        }
    }
}

fn delete_by_name(name: &str, v: i16) -> DeleteTopicsRequest {
    DeleteTopicsRequest {
        topics: if v >= 6 {
            vec![DeleteTopicState {
                name: Some(name.into()),
                ..Default::default()
            }]
        } else {
            Vec::new()
        },
        topic_names: if v < 6 { vec![name.into()] } else { Vec::new() },
        timeout_ms: 30_000,
        ..Default::default()
    }
}

fn delete_topics(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<DeleteTopicsRequest>() {
        let name = plan.topic(&format!("delete-v{v}"));
        let id = side.create_topic(&name)[0].topic_id;
        let o = side.call(-1, &delete_by_name(&name, v), v);
        side.record("DeleteTopics", v, "delete", o, &plan.norm);
        let o = side.call(-1, &delete_by_name(MISSING, v), v);
        side.record("DeleteTopics", v, "unknown topic", o, &plan.norm);
        if v >= 6 {
            let by_id = |topic_id: Uuid| DeleteTopicsRequest {
                topics: vec![DeleteTopicState {
                    name: None,
                    topic_id,
                    ..Default::default()
                }],
                timeout_ms: 30_000,
                ..Default::default()
            };
            let name = plan.topic(&format!("delete-id-v{v}"));
            let id2 = side.create_topic(&name)[0].topic_id;
            let o = side.call(-1, &by_id(id2), v);
            side.record("DeleteTopics", v, "by topic id", o, &plan.norm);
            let o = side.call(-1, &by_id(MISSING_ID), v);
            side.record("DeleteTopics", v, "unknown topic id", o, &plan.norm);
            let o = side.call(-1, &by_id(id), v);
            side.record("DeleteTopics", v, "id of a deleted topic", o, &plan.norm);
        }
    }
}

fn describe(kind: i8, name: &str, keys: Option<&[&str]>, synonyms: bool) -> DescribeConfigsRequest {
    DescribeConfigsRequest {
        resources: vec![DescribeConfigsResource {
            resource_type: kind,
            resource_name: name.into(),
            configuration_keys: keys.map(|k| k.iter().map(|s| (*s).into()).collect()),
            ..Default::default()
        }],
        include_synonyms: synonyms,
        ..Default::default()
    }
}

fn describe_configs(side: &mut Side, plan: &Plan<'_>, topic: &str) {
    for v in plan.versions::<DescribeConfigsRequest>() {
        let steps = [
            ("topic, all keys", describe(TOPIC, topic, None, false)),
            (
                "topic, retention.ms with synonyms",
                describe(TOPIC, topic, Some(&["retention.ms"]), true),
            ),
            (
                "unknown topic",
                describe(TOPIC, MISSING, Some(&["retention.ms"]), false),
            ),
            (
                "broker 1, num.partitions",
                describe(BROKER, "1", Some(&["num.partitions"]), false),
            ),
            (
                "broker 1, every config with synonyms",
                describe(BROKER, "1", None, true),
            ),
            ("cluster-wide defaults", describe(BROKER, "", None, true)),
        ];
        for (step, req) in steps {
            let mut o = side.call(-1, &req, v);
            if plan.cluster && step == "broker 1, every config with synonyms" {
                // The "broker 1, num.partitions" step compares these (a known difference in a
                // cluster: Kafka's brokers leave them to the controller, see KNOWN).
                if let Outcome::Answer(r) = &mut o {
                    for res in &mut r.results {
                        res.configs.retain(|c| {
                            c.name != "num.partitions" && c.name != "default.replication.factor"
                        });
                    }
                }
            }
            side.record("DescribeConfigs", v, step, o, &plan.norm);
        }
    }
}

fn alter(topic: &str, value: &str, validate_only: bool) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest {
        resources: vec![AlterConfigsResource {
            resource_type: TOPIC,
            resource_name: topic.into(),
            configs: vec![AlterableConfig {
                name: "retention.ms".into(),
                config_operation: SET,
                value: Some(value.into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        validate_only,
        ..Default::default()
    }
}

/// A broker config named twice in one change of broker 1 (validate only).
fn alter_broker_twice() -> IncrementalAlterConfigsRequest {
    let set = |value: &str| AlterableConfig {
        name: "log.retention.bytes".into(),
        config_operation: SET,
        value: Some(value.into()),
        ..Default::default()
    };
    IncrementalAlterConfigsRequest {
        resources: vec![AlterConfigsResource {
            resource_type: BROKER,
            resource_name: "1".into(),
            configs: vec![set("-1"), set("1073741824")],
            ..Default::default()
        }],
        validate_only: true,
        ..Default::default()
    }
}

fn incremental_alter_configs(side: &mut Side, plan: &Plan<'_>, topic: &str) {
    for v in plan.versions::<IncrementalAlterConfigsRequest>() {
        let steps = [
            ("set retention.ms", alter(topic, "7200000", false)),
            ("validate only", alter(topic, "1000", true)),
            ("invalid value", alter(topic, "soon", false)),
            ("unknown topic", alter(MISSING, "7200000", false)),
            ("broker, a config twice", alter_broker_twice()),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("IncrementalAlterConfigs", v, step, o, &plan.norm);
        }
    }
}

/// Broker configs changed at run time, on broker 1 and cluster-wide (resource ""): one the
/// mock acts on (`log.retention.bytes`) and one it only records (`log.flush.interval.messages`).
const DYNAMIC_KEYS: [&str; 2] = ["log.flush.interval.messages", "log.retention.bytes"];

fn alter_broker(
    name: &str,
    changes: &[(&str, i8, Option<&str>)],
) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest {
        resources: vec![AlterConfigsResource {
            resource_type: BROKER,
            resource_name: name.into(),
            configs: changes
                .iter()
                .map(|(k, op, v)| AlterableConfig {
                    name: (*k).into(),
                    config_operation: *op,
                    value: v.map(Into::into),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        validate_only: false,
        ..Default::default()
    }
}

/// Describes `DYNAMIC_KEYS` of broker `name` until the first of them reads `want` (Kafka's
/// brokers learn a dynamic config from the metadata log a moment after the controller took it),
/// at most 10 s, and records the last answer.
fn describe_dynamic(side: &mut Side, plan: &Plan<'_>, step: &'static str, name: &str, want: &str) {
    let v = *plan.versions::<DescribeConfigsRequest>().end();
    let req = describe(BROKER, name, Some(&DYNAMIC_KEYS), true);
    side.record_settled(-1, &req, v, step, &plan.norm, |r| {
        r.results.iter().any(|res| {
            res.configs
                .iter()
                .any(|c| c.name == DYNAMIC_KEYS[0] && c.value.as_deref() == Some(want))
        })
    });
}

/// Dynamic broker configs: set on broker 1, then cluster-wide, described with their synonyms
/// after each change, an invalid value refused, then deleted again (the cluster is left as it was).
fn dynamic_broker_configs(side: &mut Side, plan: &Plan<'_>) {
    let v = *plan.versions::<IncrementalAlterConfigsRequest>().end();
    let tb = "1099511627776";
    let alter = |side: &mut Side, step: &'static str, req: IncrementalAlterConfigsRequest| {
        let o = side.call(-1, &req, v);
        side.record("IncrementalAlterConfigs", v, step, o, &plan.norm);
    };
    alter(
        side,
        "broker 1, dynamic set",
        alter_broker(
            "1",
            &[
                (DYNAMIC_KEYS[0], SET, Some("2000")),
                (DYNAMIC_KEYS[1], SET, Some(tb)),
            ],
        ),
    );
    describe_dynamic(side, plan, "broker 1, after a dynamic set", "1", "2000");
    alter(
        side,
        "cluster-wide, dynamic set",
        alter_broker("", &[(DYNAMIC_KEYS[0], SET, Some("3000"))]),
    );
    describe_dynamic(side, plan, "cluster-wide, after a dynamic set", "", "3000");
    describe_dynamic(
        side,
        plan,
        "broker 1, over a cluster-wide default",
        "1",
        "2",
    );
    alter(
        side,
        "broker 1, dynamic invalid value",
        alter_broker("1", &[(DYNAMIC_KEYS[0], SET, Some("many"))]),
    );
    alter(
        side,
        "broker 1, dynamic delete",
        alter_broker(
            "1",
            &[
                (DYNAMIC_KEYS[0], DELETE, None),
                (DYNAMIC_KEYS[1], DELETE, None),
            ],
        ),
    );
    describe_dynamic(side, plan, "broker 1, after a dynamic delete", "1", "3000");
    alter(
        side,
        "cluster-wide, dynamic delete",
        alter_broker("", &[(DYNAMIC_KEYS[0], DELETE, None)]),
    );
    describe_dynamic(
        side,
        plan,
        "broker 1, all deleted",
        "1",
        "9223372036854775807",
    );
}

fn find_coordinator(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<FindCoordinatorRequest>() {
        // The first lookup has each broker create __consumer_offsets (COORDINATOR_NOT_AVAILABLE);
        // Kafka's controller takes a moment more than the mock to elect its leaders, which is
        // timing, not an answer to compare: the later versions ask once both are there.
        if v > *plan.versions::<FindCoordinatorRequest>().start() {
            for key in ["kwire-diff-group-a", "kwire-diff-group-b"] {
                super::groups::coordinator(side, key);
            }
        }
        let req = if v >= 4 {
            FindCoordinatorRequest {
                coordinator_keys: vec!["kwire-diff-group-a".into(), "kwire-diff-group-b".into()],
                ..Default::default()
            }
        } else {
            FindCoordinatorRequest {
                key: "kwire-diff-group-a".into(),
                ..Default::default()
            }
        };
        let o = side.call(-1, &req, v);
        side.record("FindCoordinator", v, "group", o, &plan.norm);
    }
}

fn describe_cluster(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<DescribeClusterRequest>() {
        let o = side.call(-1, &DescribeClusterRequest::default(), v);
        side.record("DescribeCluster", v, "brokers", o, &plan.norm);
    }
}

fn legacy_alter(topic: &str, value: &str, validate_only: bool) -> AlterConfigsRequest {
    AlterConfigsRequest {
        resources: vec![LegacyResource {
            resource_type: TOPIC,
            resource_name: topic.into(),
            configs: vec![LegacyConfig {
                name: "retention.ms".into(),
                value: Some(value.into()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        validate_only,
        ..Default::default()
    }
}

/// `alter_broker_twice` in the legacy form.
fn legacy_alter_broker_twice() -> AlterConfigsRequest {
    let set = |value: &str| LegacyConfig {
        name: "log.retention.bytes".into(),
        value: Some(value.into()),
        ..Default::default()
    };
    AlterConfigsRequest {
        resources: vec![LegacyResource {
            resource_type: BROKER,
            resource_name: "1".into(),
            configs: vec![set("-1"), set("1073741824")],
            ..Default::default()
        }],
        validate_only: true,
        ..Default::default()
    }
}

fn alter_configs(side: &mut Side, plan: &Plan<'_>, topic: &str) {
    for v in plan.versions::<AlterConfigsRequest>() {
        let steps = [
            ("set retention.ms", legacy_alter(topic, "7200000", false)),
            ("validate only", legacy_alter(topic, "1000", true)),
            ("invalid value", legacy_alter(topic, "soon", false)),
            ("unknown topic", legacy_alter(MISSING, "7200000", false)),
            ("broker, a config twice", legacy_alter_broker_twice()),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("AlterConfigs", v, step, o, &plan.norm);
        }
    }
}

fn grow(topic: &str, count: i32, validate_only: bool) -> CreatePartitionsRequest {
    CreatePartitionsRequest {
        topics: vec![CreatePartitionsTopic {
            name: topic.into(),
            count,
            ..Default::default()
        }],
        timeout_ms: 30_000,
        validate_only,
        ..Default::default()
    }
}

fn create_partitions(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<CreatePartitionsRequest>() {
        let topic = plan.topic(&format!("grow-v{v}"));
        side.create_topic(&topic);
        let steps = [
            ("validate only, 3 to 5", grow(&topic, 5, true)),
            ("3 to 5", grow(&topic, 5, false)),
            ("5 to 4 (fewer)", grow(&topic, 4, false)),
            ("5 to 5 (same)", grow(&topic, 5, false)),
            ("unknown topic", grow(MISSING, 5, false)),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("CreatePartitions", v, step, o, &plan.norm);
        }
    }
}

fn delete_records_req(topic: &str, partition: i32, offset: i64) -> DeleteRecordsRequest {
    DeleteRecordsRequest {
        topics: vec![DeleteRecordsTopic {
            name: topic.into(),
            partitions: vec![DeleteRecordsPartition {
                partition_index: partition,
                offset,
                ..Default::default()
            }],
            ..Default::default()
        }],
        timeout_ms: 30_000,
        ..Default::default()
    }
}

/// Creates `topic` and appends 4 records to its partition 0; returns where that lives.
fn topic_with_records(side: &mut Side, plan: &Plan<'_>, topic: &str) -> Placement {
    let p0 = side.create_topic(topic)[0];
    let records: Bytes = BatchBuilder::new()
        .timestamps(plan.t0, 1)
        .numbered(4)
        .build();
    let pv = side.max_version::<ProduceRequest>();
    let req = if pv >= 13 {
        ProduceBuilder::new().records_by_id(p0.topic_id, 0, records)
    } else {
        ProduceBuilder::new().records(topic, 0, records)
    };
    side.expect(p0.leader, &req.build(), pv);
    p0
}

fn delete_records(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<DeleteRecordsRequest>() {
        let topic = plan.topic(&format!("trim-v{v}"));
        let p0 = topic_with_records(side, plan, &topic);
        let steps = [
            ("below the high watermark", delete_records_req(&topic, 0, 2)),
            (
                "at the high watermark (-1)",
                delete_records_req(&topic, 0, -1),
            ),
            (
                "above the high watermark",
                delete_records_req(&topic, 0, 100),
            ),
            ("bad partition", delete_records_req(&topic, 99, 1)),
            ("unknown topic", delete_records_req(MISSING, 0, 1)),
        ];
        for (step, req) in steps {
            let o = side.call(p0.leader, &req, v);
            side.record("DeleteRecords", v, step, o, &plan.norm);
        }
    }
}

fn log_dirs(topics: Option<Vec<(&str, Vec<i32>)>>) -> DescribeLogDirsRequest {
    DescribeLogDirsRequest {
        topics: topics.map(|ts| {
            ts.into_iter()
                .map(|(topic, partitions)| DescribableLogDirTopic {
                    topic: topic.into(),
                    partitions,
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    }
}

/// What `kafka-log-dirs --describe` and `AdminClient.describeLogDirs` send (every topic) and
/// what `describeReplicaLogDirs` sends (named partitions), to the leader of a topic with
/// records. Of "every topic" only this step's topic is compared: the rest of each cluster's
/// log dir holds what earlier sequences left there.
fn describe_log_dirs(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<DescribeLogDirsRequest>() {
        let topic = plan.topic(&format!("dirs-v{v}"));
        let p0 = topic_with_records(side, plan, &topic);
        let steps = [
            ("every topic", log_dirs(None)),
            ("one partition", log_dirs(Some(vec![(&topic, vec![0])]))),
            (
                "every partition and a bad one",
                log_dirs(Some(vec![(&topic, vec![0, 1, 2, 99])])),
            ),
            ("unknown topic", log_dirs(Some(vec![(MISSING, vec![0])]))),
            ("no topics", log_dirs(Some(Vec::new()))),
        ];
        for (step, req) in steps {
            let o = match side.call(p0.leader, &req, v) {
                Outcome::Answer(mut r) => {
                    for d in &mut r.results {
                        d.topics.retain(|t| t.name == topic);
                    }
                    Outcome::Answer(r)
                }
                other => other,
            };
            side.record("DescribeLogDirs", v, step, o, &plan.norm);
        }
    }
}

/// ACL codes (Kafka's `ResourceType`, `PatternType`, `AclOperation`, `AclPermissionType`).
const ANY: i8 = 1;
const UNKNOWN: i8 = 0;
/// A code no ACL enum defines (Kafka reads it as UNKNOWN, but checks requests for 0 only).
const UNDEFINED: i8 = 99;
const TOPIC_TYPE: i8 = 2;
const CLUSTER_TYPE: i8 = 4;
const LITERAL: i8 = 3;
const PREFIXED: i8 = 4;
const READ: i8 = 3;
const ALLOW: i8 = 3;

fn acl_filter(
    resource_type: i8,
    name: Option<&str>,
    pattern: i8,
    operation: i8,
) -> DeleteAclsFilter {
    DeleteAclsFilter {
        resource_type_filter: resource_type,
        resource_name_filter: name.map(Into::into),
        pattern_type_filter: pattern,
        principal_filter: Some("User:alice".into()),
        host_filter: None,
        operation,
        permission_type: ANY,
        ..Default::default()
    }
}

fn acl_creation(resource_type: i8, name: &str, pattern: i8) -> AclCreation {
    AclCreation {
        resource_type,
        resource_name: name.into(),
        resource_pattern_type: pattern,
        principal: "User:alice".into(),
        host: "*".into(),
        operation: READ,
        permission_type: ALLOW,
        ..Default::default()
    }
}

/// Neither broker has an authorizer: the ACL APIs answer SECURITY_DISABLED, on well-formed
/// requests and on ones an authorizer would refuse (an empty name, a cluster resource not
/// named `kafka-cluster`, UNKNOWN codes).
fn acls(side: &mut Side, plan: &Plan<'_>) {
    for v in plan.versions::<DescribeAclsRequest>() {
        let describe = |resource_type: i8, pattern: i8, operation: i8| DescribeAclsRequest {
            resource_type_filter: resource_type,
            resource_name_filter: None,
            pattern_type_filter: pattern,
            principal_filter: None,
            host_filter: None,
            operation,
            permission_type: ANY,
            ..Default::default()
        };
        let steps = [
            ("every acl", describe(ANY, ANY, ANY)),
            (
                "topics, prefixed, read",
                describe(TOPIC_TYPE, PREFIXED, READ),
            ),
            ("unknown resource type", describe(UNKNOWN, ANY, ANY)),
            ("unknown pattern type", describe(ANY, UNKNOWN, ANY)),
            ("an undefined operation code", describe(ANY, ANY, UNDEFINED)),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("DescribeAcls", v, step, o, &plan.norm);
        }
    }
    for v in plan.versions::<CreateAclsRequest>() {
        let create = |creations: Vec<AclCreation>| CreateAclsRequest {
            creations,
            ..Default::default()
        };
        let steps = [
            ("nothing", create(Vec::new())),
            (
                "a topic and a prefix",
                create(vec![
                    acl_creation(TOPIC_TYPE, "orders", LITERAL),
                    acl_creation(TOPIC_TYPE, "orders-", PREFIXED),
                ]),
            ),
            (
                "an empty name and a misnamed cluster",
                create(vec![
                    acl_creation(TOPIC_TYPE, "", LITERAL),
                    acl_creation(CLUSTER_TYPE, "not-the-cluster", LITERAL),
                ]),
            ),
            (
                "an unknown resource type",
                create(vec![acl_creation(UNKNOWN, "x", LITERAL)]),
            ),
            (
                "an undefined pattern code",
                create(vec![acl_creation(TOPIC_TYPE, "x", UNDEFINED)]),
            ),
            (
                "the ANY resource type",
                create(vec![acl_creation(ANY, "x", LITERAL)]),
            ),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("CreateAcls", v, step, o, &plan.norm);
        }
    }
    for v in plan.versions::<DeleteAclsRequest>() {
        let delete = |filters: Vec<DeleteAclsFilter>| DeleteAclsRequest {
            filters,
            ..Default::default()
        };
        let steps = [
            ("nothing", delete(Vec::new())),
            (
                "two filters",
                delete(vec![
                    acl_filter(TOPIC_TYPE, Some("orders"), LITERAL, READ),
                    acl_filter(ANY, None, ANY, ANY),
                ]),
            ),
            (
                "an unknown operation",
                delete(vec![acl_filter(ANY, None, ANY, UNKNOWN)]),
            ),
            (
                "an undefined resource code",
                delete(vec![acl_filter(UNDEFINED, None, ANY, ANY)]),
            ),
        ];
        for (step, req) in steps {
            let o = side.call(-1, &req, v);
            side.record("DeleteAcls", v, step, o, &plan.norm);
        }
    }
}
