//! OffsetDelete: removes a group's committed offsets of some partitions, unless the group
//! still reads their topic (GROUP_SUBSCRIBED_TO_TOPIC). Partitions the cluster does not have
//! get UNKNOWN_TOPIC_OR_PARTITION, as Kafka filters them before the coordinator.

use kwire_protocol::api::offset_delete::{
    OffsetDeleteRequest, OffsetDeleteResponse, OffsetDeleteResponsePartition,
    OffsetDeleteResponseTopic,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = OffsetDeleteRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0");

/// Handles an OffsetDelete request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: OffsetDeleteRequest) -> Outcome {
    let known: Vec<(String, i32)> = req
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| (t.name.clone(), p.partition_index)))
        .filter(|(t, p)| cluster.partition(t, *p).is_some())
        .collect();
    let result = match coordinated::refusal(cluster, ctx, &req.group_id) {
        Some(e) => Err(e),
        None => cluster
            .groups_mut()
            .delete_offsets(&req.group_id, &known, ctx.now),
    };
    let errors = match result {
        Err(error_code) => {
            return ctx.respond(OffsetDeleteResponse {
                error_code,
                ..Default::default()
            });
        }
        Ok(errors) => errors,
    };
    let mut errors = known.iter().zip(errors);
    let topics = req
        .topics
        .iter()
        .map(|t| OffsetDeleteResponseTopic {
            name: t.name.clone(),
            partitions: t
                .partitions
                .iter()
                .map(|p| {
                    let error_code = if cluster.partition(&t.name, p.partition_index).is_some() {
                        errors.next().map_or(ErrorCode::None, |(_, e)| e)
                    } else {
                        ErrorCode::UnknownTopicOrPartition
                    };
                    OffsetDeleteResponsePartition {
                        partition_index: p.partition_index,
                        error_code,
                        ..Default::default()
                    }
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    ctx.respond(OffsetDeleteResponse {
        topics,
        ..Default::default()
    })
}
