//! Metadata: live brokers, controller, cluster id, and per partition the leader, epoch,
//! replicas, ISR and offline replicas. Unknown topics are created when auto-creation is on and
//! the request allows it.

use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use kwire_protocol::{ApiKey, ErrorCode, Uuid};

use super::Outcome;
use crate::cluster::{BrokerId, Cluster, Topic, valid_topic_name};

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
        partitions,
        ..Default::default()
    }
}

/// Handles a Metadata request.
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    req: &MetadataRequest,
    version: i16,
) -> Outcome {
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
        return Outcome::Respond(ResponseBody::Metadata(resp), version);
    }
    // v0: an empty list means all topics; v1+: null means all topics.
    let all = match &req.topics {
        None => true,
        Some(t) => t.is_empty() && version == 0,
    };
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
    Outcome::Respond(ResponseBody::Metadata(resp), version)
}
