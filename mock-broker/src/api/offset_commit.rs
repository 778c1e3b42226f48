//! OffsetCommit: a group's consumed positions. Partitions the cluster does not have get
//! UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID for an unknown id, v10) before the coordinator
//! sees the rest, as Kafka filters them; a group-level error applies to every other partition.

use kwire_protocol::api::offset_commit::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponsePartition,
    OffsetCommitResponseTopic,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;
use crate::group::{CommitOffset, CommitRequest};

/// The request this module answers.
pub type Request = OffsetCommitRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("2-10");

/// Handles an OffsetCommit request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: OffsetCommitRequest) -> Outcome {
    let version = ctx.version();
    let mut resp = OffsetCommitResponse::default();
    // Per partition: an error found here, or the index of its offset in the commit.
    let mut slots: Vec<Vec<Result<usize, ErrorCode>>> = Vec::with_capacity(req.topics.len());
    let mut commit = CommitRequest {
        group_id: req.group_id.clone(),
        generation_id_or_member_epoch: req.generation_id_or_member_epoch,
        member_id: req.member_id.clone(),
        group_instance_id: req.group_instance_id.clone(),
        retention_time_ms: req.retention_time_ms,
        version,
        offsets: Vec::new(),
    };
    for t in &req.topics {
        let name = if version >= 10 {
            cluster.topic_name(&t.topic_id).map(str::to_owned)
        } else {
            Some(t.name.clone())
        };
        let mut topic_slots = Vec::with_capacity(t.partitions.len());
        for p in &t.partitions {
            let slot = match &name {
                None => Err(ErrorCode::UnknownTopicId),
                Some(n) if cluster.partition(n, p.partition_index).is_none() => {
                    Err(ErrorCode::UnknownTopicOrPartition)
                }
                Some(n) => {
                    commit.offsets.push(CommitOffset {
                        topic: n.clone(),
                        partition: p.partition_index,
                        offset: p.committed_offset,
                        leader_epoch: p.committed_leader_epoch,
                        metadata: p.committed_metadata.clone(),
                    });
                    Ok(commit.offsets.len() - 1)
                }
            };
            topic_slots.push(slot);
        }
        slots.push(topic_slots);
    }
    let results = match coordinated::refusal(cluster, ctx, &req.group_id) {
        Some(e) => Err(e),
        None if commit.offsets.is_empty() => Ok(Vec::new()),
        None => cluster.groups_mut().commit_offsets(&commit, ctx.now),
    };
    // As Kafka's response builder: the partitions refused here first, then the coordinator's
    // answers, each added to its topic's entry (one entry per topic, in first-seen order).
    for refused_pass in [true, false] {
        for (t, topic_slots) in req.topics.iter().zip(&slots) {
            for (p, slot) in t.partitions.iter().zip(topic_slots) {
                let error_code = match (slot, &results) {
                    (Err(e), _) if refused_pass => *e,
                    (Err(_), _) => continue,
                    (Ok(_), _) if refused_pass => continue,
                    (Ok(_), Err(e)) => *e,
                    (Ok(i), Ok(errors)) => errors.get(*i).copied().unwrap_or(ErrorCode::None),
                };
                let partition = OffsetCommitResponsePartition {
                    partition_index: p.partition_index,
                    error_code,
                    ..Default::default()
                };
                match resp
                    .topics
                    .iter_mut()
                    .find(|r| r.name == t.name && r.topic_id == t.topic_id)
                {
                    Some(r) => r.partitions.push(partition),
                    None => resp.topics.push(OffsetCommitResponseTopic {
                        name: t.name.clone(),
                        topic_id: t.topic_id,
                        partitions: vec![partition],
                        ..Default::default()
                    }),
                }
            }
        }
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::offset_commit::{OffsetCommitRequestPartition, OffsetCommitRequestTopic};
    use kwire_protocol::api::offset_fetch::{
        OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchResponse,
    };
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::tests::local_group;
    use crate::cluster::OFFSETS_TOPIC;
    use crate::group::offsets_partition_for;
    use crate::test_util::{call, cluster};

    fn commit(
        c: &mut Cluster,
        broker: i32,
        g: &str,
        parts: &[(&str, i32, i64)],
        version: i16,
    ) -> Vec<ErrorCode> {
        let topics = parts
            .iter()
            .map(|(t, p, o)| OffsetCommitRequestTopic {
                name: (*t).into(),
                topic_id: c.topic(t).map(|t| t.id).unwrap_or_default(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: *p,
                    committed_offset: *o,
                    committed_leader_epoch: 3,
                    committed_metadata: Some("meta".into()),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect();
        let req = OffsetCommitRequest {
            group_id: g.into(),
            topics,
            ..Default::default()
        };
        match call(c, broker, RequestBody::OffsetCommit(req), version, 0) {
            Outcome::Respond(ResponseBody::OffsetCommit(r), _) => r
                .topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| p.error_code))
                .collect(),
            o => panic!("{o:?}"),
        }
    }

    fn fetch(c: &mut Cluster, broker: i32, g: &str, version: i16) -> OffsetFetchResponse {
        let req = OffsetFetchRequest {
            group_id: g.into(),
            topics: Some(vec![OffsetFetchRequestTopic {
                name: "t".into(),
                partition_indexes: vec![0, 1],
                ..Default::default()
            }]),
            // v8+: every offset of the group (null topics).
            groups: vec![OffsetFetchRequestGroup {
                group_id: g.into(),
                topics: None,
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(c, broker, RequestBody::OffsetFetch(req), version, 0) {
            Outcome::Respond(ResponseBody::OffsetFetch(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn commits_are_read_back_and_survive_a_move_of_the_coordinator() {
        let mut c = cluster(2);
        let g = local_group(&mut c);
        // A simple commit (no generation); unknown partitions are refused on their own, and
        // listed first, t's two entries merged into one (t: 5, 0; nope: 0), as Kafka answers.
        let errors = commit(&mut c, 1, &g, &[("t", 0, 42), ("t", 5, 1), ("nope", 0, 1)], 9);
        assert_eq!(
            errors,
            [
                ErrorCode::UnknownTopicOrPartition,
                ErrorCode::None,
                ErrorCode::UnknownTopicOrPartition
            ]
        );
        let r = fetch(&mut c, 1, &g, 7);
        assert_eq!(r.error_code, ErrorCode::None);
        let ps = &r.topics[0].partitions;
        assert_eq!(
            (ps[0].committed_offset, ps[0].committed_leader_epoch, ps[0].metadata.as_deref()),
            (42, 3, Some("meta"))
        );
        assert_eq!((ps[1].committed_offset, ps[1].metadata.as_deref()), (-1, Some("")));
        // The coordinator moves: the old one answers NOT_COORDINATOR, the new one has the
        // offsets.
        let to = c
            .move_leader(OFFSETS_TOPIC, offsets_partition_for(&g, 50), None)
            .unwrap();
        assert_eq!(commit(&mut c, 1, &g, &[("t", 0, 50)], 8), [ErrorCode::NotCoordinator]);
        assert_eq!(fetch(&mut c, 1, &g, 5).error_code, ErrorCode::NotCoordinator);
        let r = fetch(&mut c, to, &g, 8);
        assert_eq!(r.groups[0].error_code, ErrorCode::None);
        let ps = &r.groups[0].topics[0].partitions;
        assert_eq!((ps.len(), ps[0].committed_offset), (1, 42));
        // v1 has no top-level error: the partitions carry it.
        let r = fetch(&mut c, 1, &g, 1);
        assert!(
            r.topics[0]
                .partitions
                .iter()
                .all(|p| p.error_code == ErrorCode::NotCoordinator)
        );
        // v10 names topics by id.
        assert_eq!(commit(&mut c, to, &g, &[("t", 1, 7)], 10), [ErrorCode::None]);
        let r = fetch(&mut c, to, &g, 10);
        let t = &r.groups[0].topics[0];
        assert_eq!(t.topic_id, c.topic("t").unwrap().id);
        assert_eq!(t.partitions.len(), 2);
    }
}
