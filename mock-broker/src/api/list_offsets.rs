//! ListOffsets: earliest (-2), latest (-1: the high watermark, which is also the last stable
//! offset here), max timestamp (-3), earliest local (-4), earliest pending upload (-5: the log
//! start, as there is no tiered storage), or the first offset at or after a timestamp.

use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use kwire_protocol::{ApiKey, ErrorCode};

use super::Outcome;
use crate::cluster::{BrokerId, Cluster};

/// Handles a ListOffsets request.
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    req: &ListOffsetsRequest,
    version: i16,
) -> Outcome {
    let mut resp = ListOffsetsResponse::default();
    for t in &req.topics {
        let mut tr = ListOffsetsTopicResponse {
            name: t.name.clone(),
            ..Default::default()
        };
        for lp in &t.partitions {
            let mut pr = ListOffsetsPartitionResponse {
                partition_index: lp.partition_index,
                ..Default::default()
            };
            let injected = cluster.faults.take(
                ApiKey::LIST_OFFSETS,
                broker,
                Some((&t.name, lp.partition_index)),
            );
            match (injected, cluster.partition(&t.name, lp.partition_index)) {
                (Some((e, _)), _) => pr.error_code = e,
                (None, None) => pr.error_code = ErrorCode::UnknownTopicOrPartition,
                (None, Some(p)) if p.leader != Some(broker) => {
                    pr.error_code = ErrorCode::NotLeaderOrFollower
                }
                (None, Some(p))
                    if lp.current_leader_epoch >= 0 && lp.current_leader_epoch < p.leader_epoch =>
                {
                    pr.error_code = ErrorCode::FencedLeaderEpoch;
                }
                (None, Some(p)) if lp.current_leader_epoch > p.leader_epoch => {
                    pr.error_code = ErrorCode::UnknownLeaderEpoch
                }
                (None, Some(p)) => {
                    let log = p.leader_log().expect("leader has a log");
                    let hw = p.high_watermark;
                    pr.leader_epoch = p.leader_epoch;
                    let found = match lp.timestamp {
                        -1 => Some((hw, -1)),
                        -2 | -4 | -5 => Some((log.start_offset(), -1)),
                        -3 => log.max_timestamp(hw).or(Some((-1, -1))),
                        ts if ts >= 0 => log.offset_for_timestamp(ts, hw),
                        _ => {
                            pr.error_code = ErrorCode::InvalidRequest;
                            None
                        }
                    };
                    if pr.error_code.is_ok() {
                        let (offset, ts) = found.unwrap_or((-1, -1));
                        pr.offset = offset;
                        pr.timestamp = ts;
                    }
                }
            }
            tr.partitions.push(pr);
        }
        resp.topics.push(tr);
    }
    Outcome::Respond(ResponseBody::ListOffsets(resp), version)
}
