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
    // As Kafka's response: the partitions refused here first, then the coordinator's answers,
    // each added to its topic's entry (one entry per topic, in first-seen order).
    let refused = req.topics.iter().flat_map(|t| {
        t.partitions
            .iter()
            .filter(|p| cluster.partition(&t.name, p.partition_index).is_none())
            .map(|p| (t.name.clone(), p.partition_index, ErrorCode::UnknownTopicOrPartition))
    });
    let answered = known.into_iter().zip(errors).map(|((t, p), e)| (t, p, e));
    let mut topics: Vec<OffsetDeleteResponseTopic> = Vec::new();
    for (name, partition_index, error_code) in refused.collect::<Vec<_>>().into_iter().chain(answered) {
        let partition = OffsetDeleteResponsePartition {
            partition_index,
            error_code,
            ..Default::default()
        };
        match topics.iter_mut().find(|t| t.name == name) {
            Some(t) => t.partitions.push(partition),
            None => topics.push(OffsetDeleteResponseTopic {
                name,
                partitions: vec![partition],
                ..Default::default()
            }),
        }
    }
    ctx.respond(OffsetDeleteResponse {
        topics,
        ..Default::default()
    })
}
