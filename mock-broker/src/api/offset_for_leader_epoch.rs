//! OffsetForLeaderEpoch: the end offset of a leader epoch in the leader's log, from its
//! leader-epoch cache. Consumers ask after a leader change to detect truncation (KIP-320).

use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::offset_for_leader_epoch::{
    EpochEndOffset, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
    OffsetForLeaderTopicResult,
};
use kwire_protocol::{ApiKey, ErrorCode};

use super::Outcome;
use crate::cluster::log::ReplicaLog;
use crate::cluster::{BrokerId, Cluster};

/// Handles an OffsetForLeaderEpoch request. As Kafka, only the leader answers (consumers and
/// followers alike), after checking the requester's current leader epoch: older →
/// FENCED_LEADER_EPOCH, newer → UNKNOWN_LEADER_EPOCH, -1 → no check.
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    req: &OffsetForLeaderEpochRequest,
    version: i16,
) -> Outcome {
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
    Outcome::Respond(ResponseBody::OffsetForLeaderEpoch(resp), version)
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
