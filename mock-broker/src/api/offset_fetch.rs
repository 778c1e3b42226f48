//! OffsetFetch: a group's committed offsets, for the partitions asked or all of them (null
//! topics, v2+); one group up to v7, a batch of groups from v8, topics by id from v10. A
//! partition without a commit answers offset -1. The mock has no transactions, so every
//! offset is stable and `require_stable` changes nothing.

use kwire_protocol::api::offset_fetch::{
    OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseGroup,
    OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kwire_protocol::{ErrorCode, Uuid, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;
use crate::group::FetchedOffset;

/// The request this module answers.
pub type Request = OffsetFetchRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-10");

/// One topic of an answer: name, id, and its partitions' offsets.
type TopicOffsets = (String, Uuid, Vec<FetchedOffset>);

/// The topics asked for: (name, or `None` for an unknown id; id; partitions).
type Asked = Vec<(Option<String>, Uuid, Vec<i32>)>;

/// One group's offsets, or its group-level error.
fn fetch_group(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    group_id: &str,
    asked: Option<Asked>,
    require_stable: bool,
) -> Result<Vec<TopicOffsets>, ErrorCode> {
    if let Some(e) = coordinated::refusal(cluster, ctx, group_id) {
        return Err(e);
    }
    let id_of = |c: &Cluster, name: &str| c.topic(name).map(|t| t.id).unwrap_or_default();
    let Some(asked) = asked else {
        let all = cluster.groups().fetch_offsets(group_id, None, require_stable)?;
        let mut topics: Vec<TopicOffsets> = Vec::new();
        for o in all {
            match topics.last_mut() {
                Some((name, _, ps)) if *name == o.topic => ps.push(o),
                _ => topics.push((o.topic.clone(), id_of(cluster, &o.topic), vec![o])),
            }
        }
        return Ok(topics);
    };
    let mut topics = Vec::with_capacity(asked.len());
    for (name, id, partitions) in asked {
        let offsets = match &name {
            Some(n) => {
                let pairs: Vec<(String, i32)> = partitions.iter().map(|p| (n.clone(), *p)).collect();
                cluster
                    .groups()
                    .fetch_offsets(group_id, Some(&pairs), require_stable)?
            }
            None => partitions
                .iter()
                .map(|p| FetchedOffset {
                    topic: String::new(),
                    partition: *p,
                    offset: -1,
                    leader_epoch: -1,
                    metadata: String::new(),
                    error: ErrorCode::UnknownTopicId,
                })
                .collect(),
        };
        topics.push((name.unwrap_or_default(), id, offsets));
    }
    Ok(topics)
}

/// Handles an OffsetFetch request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: OffsetFetchRequest) -> Outcome {
    let version = ctx.version();
    if version < 8 {
        let asked = req.topics.as_ref().map(|ts| {
            ts.iter()
                .map(|t| (Some(t.name.clone()), Uuid::nil(), t.partition_indexes.clone()))
                .collect()
        });
        let r = fetch_group(cluster, ctx, &req.group_id, asked, req.require_stable);
        let mut resp = OffsetFetchResponse::default();
        match r {
            Ok(topics) => {
                resp.topics = topics
                    .into_iter()
                    .map(|(name, _, ps)| OffsetFetchResponseTopic {
                        name,
                        partitions: ps.into_iter().map(old_partition).collect(),
                        ..Default::default()
                    })
                    .collect();
            }
            // v1 has no top-level error: each partition asked carries it.
            Err(e) if version < 2 => {
                resp.topics = req
                    .topics
                    .iter()
                    .flatten()
                    .map(|t| OffsetFetchResponseTopic {
                        name: t.name.clone(),
                        partitions: t
                            .partition_indexes
                            .iter()
                            .map(|p| OffsetFetchResponsePartition {
                                partition_index: *p,
                                committed_offset: -1,
                                metadata: Some(String::new()),
                                error_code: e,
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    })
                    .collect();
            }
            Err(e) => resp.error_code = e,
        }
        return ctx.respond(resp);
    }
    let groups = req
        .groups
        .iter()
        .map(|g| {
            let asked = g.topics.as_ref().map(|ts| {
                ts.iter()
                    .map(|t| {
                        let name = if version >= 10 {
                            cluster.topic_name(&t.topic_id).map(str::to_owned)
                        } else {
                            Some(t.name.clone())
                        };
                        (name, t.topic_id, t.partition_indexes.clone())
                    })
                    .collect()
            });
            match fetch_group(cluster, ctx, &g.group_id, asked, req.require_stable) {
                Ok(topics) => OffsetFetchResponseGroup {
                    group_id: g.group_id.clone(),
                    topics: topics
                        .into_iter()
                        .map(|(name, topic_id, ps)| OffsetFetchResponseTopics {
                            name,
                            topic_id,
                            partitions: ps.into_iter().map(new_partition).collect(),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                },
                Err(error_code) => OffsetFetchResponseGroup {
                    group_id: g.group_id.clone(),
                    error_code,
                    ..Default::default()
                },
            }
        })
        .collect();
    ctx.respond(OffsetFetchResponse {
        groups,
        ..Default::default()
    })
}

fn old_partition(o: FetchedOffset) -> OffsetFetchResponsePartition {
    OffsetFetchResponsePartition {
        partition_index: o.partition,
        committed_offset: o.offset,
        committed_leader_epoch: o.leader_epoch,
        metadata: Some(o.metadata),
        error_code: o.error,
        ..Default::default()
    }
}

fn new_partition(o: FetchedOffset) -> OffsetFetchResponsePartitions {
    OffsetFetchResponsePartitions {
        partition_index: o.partition,
        committed_offset: o.offset,
        committed_leader_epoch: o.leader_epoch,
        metadata: Some(o.metadata),
        error_code: o.error,
        ..Default::default()
    }
}
