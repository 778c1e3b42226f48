//! OffsetForLeaderEpoch: the end offset of a leader epoch in the leader's log, from its
//! leader-epoch cache. Consumers ask after a leader change to detect truncation (KIP-320).

use kwire_protocol::api::offset_for_leader_epoch::{
    EpochEndOffset, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
    OffsetForLeaderTopicResult,
};
use kwire_protocol::{ApiKey, ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;
use crate::cluster::log::ReplicaLog;

/// The request this module answers.
pub type Request = OffsetForLeaderEpochRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("2-4");

/// Handles an OffsetForLeaderEpoch request. As Kafka, only the leader answers (consumers and
/// followers alike), after checking the requester's current leader epoch: older →
/// FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH, -1 → no check.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: OffsetForLeaderEpochRequest,
) -> Outcome {
    let broker = ctx.broker;
    let mut resp = OffsetForLeaderEpochResponse::default();
    for t in &req.topics {
        let mut tr = OffsetForLeaderTopicResult {
            topic: t.topic.clone(),
            ..Default::default()
        };
        for op in &t.partitions {
            let mut pr = EpochEndOffset {
                partition: op.partition,
                ..Default::default()
            };
            let injected = cluster.faults.take(
                ApiKey::OFFSET_FOR_LEADER_EPOCH,
                broker,
                Some((&t.topic, op.partition)),
            );
            match (injected, cluster.partition(&t.topic, op.partition)) {
                (Some((e, _)), _) => pr.error_code = e,
                (None, None) => pr.error_code = ErrorCode::UnknownTopicOrPartition,
                // A broker without a replica knows nothing of the partition's epoch.
                (None, Some(p)) if !p.replicas.contains(&broker) => {
                    pr.error_code = ErrorCode::NotLeaderOrFollower;
                }
                // Kafka checks the epoch before leadership: a follower with newer metadata
                // than the client still fences it.
                (None, Some(p))
                    if op.current_leader_epoch >= 0 && op.current_leader_epoch < p.leader_epoch =>
                {
                    pr.error_code = ErrorCode::FencedLeaderEpoch;
                }
                (None, Some(p)) if op.current_leader_epoch > p.leader_epoch => {
                    pr.error_code = ErrorCode::UnknownLeaderEpoch;
                }
                (None, Some(p)) if p.leader != Some(broker) => {
                    pr.error_code = ErrorCode::NotLeaderOrFollower;
                }
                (None, Some(p)) => {
                    let log = p.leader_log().expect("leader has a log");
                    (pr.leader_epoch, pr.end_offset) = epoch_end(log, op.leader_epoch);
                }
            }
            tr.partitions.push(pr);
        }
        resp.topics.push(tr);
    }
    ctx.respond(resp)
}

/// Kafka's answer from a leader-epoch cache: `(largest epoch <= epoch, its end offset)`, the
/// log end for the newest epoch, `(-1, -1)` (UNDEFINED) for -1 or an epoch newer than every
/// one the log knows, and `(epoch, start of the oldest known epoch)` for one older than all.
fn epoch_end(log: &ReplicaLog, epoch: i32) -> (i32, i64) {
    if epoch < 0 || epoch > log.latest_epoch() {
        (-1, -1)
    } else {
        log.end_offset_for_epoch(epoch)
    }
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::offset_for_leader_epoch::{OffsetForLeaderPartition, OffsetForLeaderTopic};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::BrokerId;
    use crate::test_util::*;

    /// Asks `broker` for the end of `epoch` in `topic`/0 as a consumer with `current` as its
    /// leader epoch; returns (error, epoch, end offset).
    fn ask(
        c: &mut Cluster,
        broker: BrokerId,
        topic: &str,
        current: i32,
        epoch: i32,
    ) -> (ErrorCode, i32, i64) {
        let req = OffsetForLeaderEpochRequest {
            replica_id: -1,
            topics: vec![OffsetForLeaderTopic {
                topic: topic.into(),
                partitions: vec![OffsetForLeaderPartition {
                    partition: 0,
                    current_leader_epoch: current,
                    leader_epoch: epoch,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(c, broker, RequestBody::OffsetForLeaderEpoch(req), 4, 0) {
            Outcome::Respond(ResponseBody::OffsetForLeaderEpoch(r), 4) => {
                let p = &r.topics[0].partitions[0];
                (p.error_code, p.leader_epoch, p.end_offset)
            }
            other => panic!("{other:?}"),
        }
    }

    /// t/0: epoch 0 holds offsets 0..3 (led by 1), epoch 1 starts at 3 and ends at the log end
    /// 5 (led by 2), epoch 2 (led by 3) is empty so far and starts at 5.
    fn three_epochs() -> Cluster {
        let mut c = cluster(1);
        assert_eq!(c.partition("t", 0).unwrap().leader, Some(1));
        c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
        c.tick(1);
        c.move_leader("t", 0, Some(2)).unwrap();
        c.append(2, "t", 0, &batch(2, -1, 0, 0), 1, 2).unwrap();
        c.tick(3);
        c.move_leader("t", 0, Some(3)).unwrap();
        assert_eq!(c.partition("t", 0).unwrap().leader_epoch, 2);
        c
    }

    #[test]
    fn end_offsets_from_the_leader_epoch_cache() {
        let mut c = three_epochs();
        let none = ErrorCode::None;
        assert_eq!(ask(&mut c, 3, "t", 2, 0), (none, 0, 3));
        assert_eq!(ask(&mut c, 3, "t", 2, 1), (none, 1, 5));
        // The current epoch ends at the log end (KIP-320: the consumer's position is fine).
        assert_eq!(ask(&mut c, 3, "t", -1, 2), (none, 2, 5));
        c.append(3, "t", 0, &batch(4, -1, 0, 0), 1, 4).unwrap();
        assert_eq!(ask(&mut c, 3, "t", 2, 2), (none, 2, 9));
        // Unknown epochs: -1 and newer than the log knows are UNDEFINED.
        assert_eq!(ask(&mut c, 3, "t", 2, -1), (none, -1, -1));
        assert_eq!(ask(&mut c, 3, "t", 2, 7), (none, -1, -1));
    }

    #[test]
    fn an_epoch_gap_answers_the_largest_epoch_below() {
        let mut c = cluster(1);
        c.append(1, "t", 0, &batch(3, -1, 0, 0), 1, 0).unwrap();
        c.tick(1);
        // Broker 2 leads epoch 1 without a write, so broker 3's log knows epochs 0 and 2 only:
        // epoch 1 ends where epoch 2 starts, and the answer names epoch 0, the largest below.
        c.move_leader("t", 0, Some(2)).unwrap();
        c.move_leader("t", 0, Some(3)).unwrap();
        c.append(3, "t", 0, &batch(2, -1, 0, 0), 1, 2).unwrap();
        assert_eq!(ask(&mut c, 3, "t", -1, 1), (ErrorCode::None, 0, 3));
        assert_eq!(ask(&mut c, 3, "t", -1, 2), (ErrorCode::None, 2, 5));
    }

    #[test]
    fn errors_as_kafka() {
        let mut c = three_epochs();
        // Followers and non-leaders do not answer, even for consumers.
        assert_eq!(ask(&mut c, 1, "t", 2, 0).0, ErrorCode::NotLeaderOrFollower);
        assert_eq!(ask(&mut c, 2, "t", -1, 0).0, ErrorCode::NotLeaderOrFollower);
        // The requester's current epoch is checked first: older is fenced, newer unknown.
        assert_eq!(ask(&mut c, 3, "t", 1, 0).0, ErrorCode::FencedLeaderEpoch);
        assert_eq!(ask(&mut c, 1, "t", 1, 0).0, ErrorCode::FencedLeaderEpoch);
        assert_eq!(ask(&mut c, 3, "t", 3, 0).0, ErrorCode::UnknownLeaderEpoch);
        let unknown = (ErrorCode::UnknownTopicOrPartition, -1, -1);
        assert_eq!(ask(&mut c, 3, "nope", -1, 0), unknown);
    }
}
