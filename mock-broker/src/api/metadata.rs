//! Metadata: live brokers, controller, cluster id, and per partition the leader, epoch,
//! replicas, ISR and offline replicas. Unknown topics are created when auto-creation is on and
//! the request allows it.

use kwire_protocol::api::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use kwire_protocol::{ApiKey, ErrorCode, Uuid, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{Cluster, Topic, is_internal_topic, valid_topic_name};

/// The request this module answers.
pub type Request = MetadataRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-13");

/// The brokers as Metadata lists them: live ones only, as Kafka does.
pub fn brokers(cluster: &Cluster) -> Vec<MetadataResponseBroker> {
    cluster
        .brokers()
        .filter(|b| b.up)
        .map(|b| MetadataResponseBroker {
            node_id: b.id,
            host: b.host.clone(),
            port: i32::from(b.port),
            rack: b.rack.clone(),
            ..Default::default()
        })
        .collect()
}

fn describe(cluster: &Cluster, t: &Topic) -> MetadataResponseTopic {
    let partitions = t
        .partitions
        .iter()
        .map(|p| MetadataResponsePartition {
            error_code: if p.leader.is_some() {
                ErrorCode::None
            } else {
                ErrorCode::LeaderNotAvailable
            },
            partition_index: p.index,
            leader_id: p.leader.unwrap_or(-1),
            leader_epoch: p.leader_epoch,
            replica_nodes: p.replicas.clone(),
            isr_nodes: p.isr.clone(),
            offline_replicas: p
                .replicas
                .iter()
                .copied()
                .filter(|r| !cluster.is_up(*r))
                .collect(),
            ..Default::default()
        })
        .collect();
    MetadataResponseTopic {
        name: Some(t.name.clone()),
        topic_id: t.id,
        is_internal: is_internal_topic(&t.name),
        partitions,
        ..Default::default()
    }
}

/// Handles a Metadata request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: MetadataRequest) -> Outcome {
    let (broker, version) = (ctx.broker, ctx.version());
    let mut resp = MetadataResponse {
        cluster_id: Some(cluster.config().cluster_id.clone()),
        ..Default::default()
    };
    if let Some((e, _)) = cluster.faults.take(ApiKey::METADATA, broker, None) {
        resp.error_code = e;
        if version < 13 {
            // Versions without a top-level error: fail every requested topic instead.
            for t in req.topics.iter().flatten() {
                resp.topics.push(MetadataResponseTopic {
                    error_code: e,
                    name: t.name.clone(),
                    topic_id: t.topic_id,
                    ..Default::default()
                });
            }
        }
        return ctx.respond(resp);
    }
    // v0: an empty list means all topics; v1+: null means all topics.
    let all = match &req.topics {
        None => true,
        Some(t) => t.is_empty() && version == 0,
    };
    // Before v12 topics are named: Kafka rejects ids or a null name with INVALID_REQUEST for
    // every requested topic (its MetadataRequest.getErrorResponse: "" for a null name, no
    // brokers, no cluster id).
    if !all
        && version < 12
        && req
            .topics
            .iter()
            .flatten()
            .any(|t| t.name.is_none() || !t.topic_id.is_nil())
    {
        let topics = req
            .topics
            .iter()
            .flatten()
            .map(|t| MetadataResponseTopic {
                error_code: ErrorCode::InvalidRequest,
                name: Some(t.name.clone().unwrap_or_default()),
                topic_id: t.topic_id,
                ..Default::default()
            })
            .collect();
        return ctx.respond(MetadataResponse {
            topics,
            ..Default::default()
        });
    }
    let auto = version < 4 || req.allow_auto_topic_creation;
    if all {
        let topics: Vec<MetadataResponseTopic> =
            cluster.topics().map(|t| describe(cluster, t)).collect();
        resp.topics = topics;
    } else {
        for rt in req.topics.iter().flatten() {
            let name = match (&rt.name, rt.topic_id.is_nil()) {
                (Some(n), _) => Some(n.clone()),
                (None, false) => cluster.topic_name(&rt.topic_id).map(str::to_owned),
                (None, true) => None,
            };
            let Some(name) = name else {
                resp.topics.push(MetadataResponseTopic {
                    error_code: ErrorCode::UnknownTopicId,
                    topic_id: rt.topic_id,
                    ..Default::default()
                });
                continue;
            };
            if !valid_topic_name(&name) {
                resp.topics.push(MetadataResponseTopic {
                    error_code: ErrorCode::InvalidTopicException,
                    name: Some(name),
                    ..Default::default()
                });
                continue;
            }
            let exists = if auto {
                cluster.auto_create(&name)
            } else {
                cluster.topic(&name).is_some()
            };
            match cluster.topic(&name) {
                Some(t) if exists => resp.topics.push(describe(cluster, t)),
                _ => resp.topics.push(MetadataResponseTopic {
                    error_code: ErrorCode::UnknownTopicOrPartition,
                    name: Some(name),
                    topic_id: Uuid::nil(),
                    ..Default::default()
                }),
            }
        }
    }
    resp.brokers = brokers(cluster);
    resp.controller_id = cluster.controller_id();
    if version < 10 {
        for t in &mut resp.topics {
            t.topic_id = Uuid::nil();
        }
    }
    if version < 8 {
        resp.cluster_authorized_operations = i32::MIN;
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::metadata::MetadataRequestTopic;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::{BrokerId, ClusterConfig, TopicSpec};
    use crate::test_util::*;

    fn metadata(
        c: &mut Cluster,
        broker: BrokerId,
        topics: Option<Vec<&str>>,
        version: i16,
        auto: bool,
    ) -> MetadataResponse {
        let req = MetadataRequest {
            topics: topics.map(|t| {
                t.into_iter()
                    .map(|n| MetadataRequestTopic {
                        name: Some(n.into()),
                        ..Default::default()
                    })
                    .collect()
            }),
            allow_auto_topic_creation: auto,
            ..Default::default()
        };
        match call(c, broker, RequestBody::Metadata(req), version, 0) {
            Outcome::Respond(ResponseBody::Metadata(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn metadata_shows_offline_replicas_and_leaderless_partitions() {
        let mut c = Cluster::new(
            ClusterConfig {
                topics: vec![TopicSpec {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 2,
                }],
                ..ClusterConfig::default()
            },
            0,
        )
        .unwrap();
        let r = metadata(&mut c, 1, None, 12, true);
        assert_eq!(r.brokers.len(), 3);
        assert_eq!(r.controller_id, 1);
        assert_eq!(r.cluster_id.as_deref(), Some("kwire-mock-cluster"));
        let p = &r.topics[0].partitions[0];
        assert_eq!(
            (p.leader_id, p.replica_nodes.clone(), p.isr_nodes.clone()),
            (1, vec![1, 2], vec![1, 2])
        );
        assert!(!r.topics[0].topic_id.is_nil());
        c.broker_down(2);
        let r = metadata(&mut c, 1, Some(vec!["t"]), 12, true);
        let p = &r.topics[0].partitions[0];
        assert_eq!(r.brokers.len(), 2, "only live brokers");
        assert_eq!((p.error_code, p.leader_id), (ErrorCode::None, 1));
        assert_eq!(p.offline_replicas, vec![2]);
        assert_eq!(p.isr_nodes, vec![1]);
        c.broker_down(1);
        let r = metadata(&mut c, 3, Some(vec!["t"]), 12, true);
        let p = &r.topics[0].partitions[0];
        assert_eq!(
            (p.error_code, p.leader_id),
            (ErrorCode::LeaderNotAvailable, -1)
        );
        assert_eq!(p.offline_replicas, vec![1, 2]);
        assert_eq!(r.controller_id, 3);
        // Topic ids only from v10.
        let r = metadata(&mut c, 3, None, 9, true);
        assert!(r.topics[0].topic_id.is_nil());
    }

    #[test]
    fn metadata_auto_creates_only_when_allowed() {
        let mut c = cluster(1);
        let r = metadata(&mut c, 1, Some(vec!["new"]), 12, false);
        assert_eq!(r.topics[0].error_code, ErrorCode::UnknownTopicOrPartition);
        let r = metadata(&mut c, 1, Some(vec!["new"]), 12, true);
        assert_eq!(r.topics[0].error_code, ErrorCode::None);
        assert_eq!(r.topics[0].partitions.len(), 3);
        let r = metadata(&mut c, 1, Some(vec!["bad/name"]), 12, true);
        assert_eq!(r.topics[0].error_code, ErrorCode::InvalidTopicException);
        // v0: an empty list means every topic.
        let r = metadata(&mut c, 1, Some(vec![]), 0, true);
        assert_eq!(r.topics.len(), 2);
        let r = metadata(&mut c, 1, Some(vec![]), 1, true);
        assert!(r.topics.is_empty());
    }

}
