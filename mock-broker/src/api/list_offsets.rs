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

#[cfg(test)]
mod tests {
    use kwire_protocol::RequestHeader;
    use kwire_protocol::api::RequestBody;
    use kwire_protocol::api::list_offsets::{ListOffsetsPartition, ListOffsetsTopic};

    use super::*;
    use crate::cluster::{ClusterConfig, TopicSpec};
    use crate::test_util::batch_at;

    fn list_offsets(c: &mut Cluster, ts: i64) -> (ErrorCode, i64, i64) {
        let req = ListOffsetsRequest {
            replica_id: -1,
            topics: vec![ListOffsetsTopic {
                name: "t".into(),
                partitions: vec![ListOffsetsPartition {
                    partition_index: 0,
                    current_leader_epoch: -1,
                    timestamp: ts,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let header = RequestHeader::new(ApiKey::LIST_OFFSETS, 9, 1, Some("test"));
        match crate::api::handle(c, 1, &header, RequestBody::ListOffsets(req), 0) {
            Outcome::Respond(ResponseBody::ListOffsets(r), _) => {
                let p = &r.topics[0].partitions[0];
                (p.error_code, p.offset, p.timestamp)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn earliest_is_the_log_start_after_retention() {
        let config = ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
            }],
            log_retention_ms: Some(100),
            ..ClusterConfig::default()
        };
        let mut c = Cluster::new(config, 0).unwrap();
        // Record timestamps 10.., 20.. and 30.. appended at model times 0, 50 and 200.
        for (i, at) in [0, 50, 200].into_iter().enumerate() {
            let ts = 10 * (i64::try_from(i).unwrap() + 1);
            c.append(1, "t", 0, &batch_at(2, -1, 0, 0, ts), 1, at)
                .unwrap();
            c.tick(at);
        }
        // At 200 the batch appended at 0 is 200 ms old, the one at 50 only 150: both gone.
        assert_eq!(
            list_offsets(&mut c, -2),
            (ErrorCode::None, 4, -1),
            "earliest"
        );
        assert_eq!(
            list_offsets(&mut c, -4),
            (ErrorCode::None, 4, -1),
            "earliest local"
        );
        assert_eq!(list_offsets(&mut c, -1), (ErrorCode::None, 6, -1), "latest");
        // Timestamps of deleted records find the first record still there.
        assert_eq!(list_offsets(&mut c, 0), (ErrorCode::None, 4, 30));
        assert_eq!(list_offsets(&mut c, -3), (ErrorCode::None, 5, 31));
        c.tick(301);
        assert_eq!(
            list_offsets(&mut c, -2),
            (ErrorCode::None, 6, -1),
            "empty log"
        );
        assert_eq!(list_offsets(&mut c, -1), (ErrorCode::None, 6, -1));
        assert_eq!(list_offsets(&mut c, -3), (ErrorCode::None, -1, -1));
        assert_eq!(list_offsets(&mut c, 0), (ErrorCode::None, -1, -1));
    }
}
