//! ListOffsets: earliest (-2), latest (-1: the high watermark, which is also the last stable
//! offset here), max timestamp (-3), earliest local (-4), earliest pending upload (-5: the log
//! start, as there is no tiered storage), or the first offset at or after a timestamp.

use kwire_protocol::api::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use kwire_protocol::{ApiKey, ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = ListOffsetsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-11");

/// Handles a ListOffsets request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: ListOffsetsRequest) -> Outcome {
    let broker = ctx.broker;
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
                    // v4+ only: Kafka's writer refuses a non-default epoch before.
                    if ctx.version() >= 4 {
                        pr.leader_epoch = p.leader_epoch;
                    }
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
                        match found {
                            Some((offset, ts)) => {
                                pr.offset = offset;
                                pr.timestamp = ts;
                            }
                            // No record that recent: Kafka answers offset, timestamp and
                            // leader epoch all unknown.
                            None => {
                                pr.offset = -1;
                                pr.timestamp = -1;
                                pr.leader_epoch = -1;
                            }
                        }
                    }
                }
            }
            tr.partitions.push(pr);
        }
        resp.topics.push(tr);
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::list_offsets::{ListOffsetsPartition, ListOffsetsTopic};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::{BrokerId, ClusterConfig, FollowerLag, TopicSpec};
    use crate::test_util::*;

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
            list_offsets(&mut c, 1, -2, -1),
            (ErrorCode::None, 4, -1),
            "earliest"
        );
        assert_eq!(
            list_offsets(&mut c, 1, -4, -1),
            (ErrorCode::None, 4, -1),
            "earliest local"
        );
        assert_eq!(list_offsets(&mut c, 1, -1, -1), (ErrorCode::None, 6, -1), "latest");
        // Timestamps of deleted records find the first record still there.
        assert_eq!(list_offsets(&mut c, 1, 0, -1), (ErrorCode::None, 4, 30));
        assert_eq!(list_offsets(&mut c, 1, -3, -1), (ErrorCode::None, 5, 31));
        c.tick(301);
        assert_eq!(
            list_offsets(&mut c, 1, -2, -1),
            (ErrorCode::None, 6, -1),
            "empty log"
        );
        assert_eq!(list_offsets(&mut c, 1, -1, -1), (ErrorCode::None, 6, -1));
        assert_eq!(list_offsets(&mut c, 1, -3, -1), (ErrorCode::None, -1, -1));
        assert_eq!(list_offsets(&mut c, 1, 0, -1), (ErrorCode::None, -1, -1));
    }

    /// A ListOffsets request for t/0 at `ts` with `current_leader_epoch` `epoch`.
    fn request(ts: i64, epoch: i32) -> ListOffsetsRequest {
        ListOffsetsRequest {
            replica_id: -1,
            topics: vec![ListOffsetsTopic {
                name: "t".into(),
                partitions: vec![ListOffsetsPartition {
                    partition_index: 0,
                    current_leader_epoch: epoch,
                    timestamp: ts,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn list_offsets(c: &mut Cluster, broker: BrokerId, ts: i64, epoch: i32) -> (ErrorCode, i64, i64) {
        match call(c, broker, RequestBody::ListOffsets(request(ts, epoch)), 9, 0) {
            Outcome::Respond(ResponseBody::ListOffsets(ListOffsetsResponse { topics, .. }), _) => {
                let p = &topics[0].partitions[0];
                (p.error_code, p.offset, p.timestamp)
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn no_record_that_recent_answers_every_field_unknown() {
        let mut c = cluster(1);
        produce1(&mut c, 1, 0, batch_at(2, -1, 0, 0, 100), 0);
        c.tick(1);
        assert_eq!(c.partition("t", 0).unwrap().high_watermark, 2);
        let epoch_for = |c: &mut Cluster, ts: i64| {
            match call(c, 1, RequestBody::ListOffsets(request(ts, -1)), 9, 0) {
                Outcome::Respond(ResponseBody::ListOffsets(r), _) => {
                    r.topics[0].partitions[0].leader_epoch
                }
                o => panic!("{o:?}"),
            }
        };
        let current = c.partition("t", 0).unwrap().leader_epoch;
        assert!(current >= 0);
        assert_eq!(epoch_for(&mut c, 100), current, "a match carries the epoch");
        assert_eq!(epoch_for(&mut c, -1), current, "latest carries the epoch");
        assert_eq!(epoch_for(&mut c, 5_000), -1, "no match: unknown epoch");
    }

    #[test]
    fn list_offsets_specials_and_timestamps() {
        let mut c = cluster(1);
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        assert_eq!(list_offsets(&mut c, 1, -1, -1), (ErrorCode::None, 0, -1));
        assert_eq!(
            list_offsets(&mut c, 1, -3, -1),
            (ErrorCode::None, -1, -1),
            "empty: no max"
        );
        // Records at timestamps 100..103 and 200..203 (max in the middle of nothing special).
        produce1(&mut c, 1, 0, batch_at(4, -1, 0, 0, 100), 0);
        produce1(&mut c, 1, 0, batch_at(4, -1, 0, 0, 200), 0);
        c.tick(MAX + 1); // 3 leaves the ISR: HW = 8
        produce1(&mut c, 1, 0, batch_at(1, -1, 0, 0, 900), MAX + 1); // broker 2 copies at once...
        c.tick(MAX + 1);
        c.set_broker_lag(2, Some(FollowerLag::Stalled));
        produce1(&mut c, 1, 0, batch_at(1, -1, 0, 0, 999), MAX + 1); // ...but not this one
        c.tick(MAX + 1);
        assert_eq!(c.partition("t", 0).unwrap().high_watermark, 9);
        assert_eq!(
            list_offsets(&mut c, 1, -1, -1),
            (ErrorCode::None, 9, -1),
            "latest = HW"
        );
        assert_eq!(
            list_offsets(&mut c, 1, -2, -1),
            (ErrorCode::None, 0, -1),
            "earliest"
        );
        assert_eq!(
            list_offsets(&mut c, 1, -4, -1),
            (ErrorCode::None, 0, -1),
            "earliest local"
        );
        assert_eq!(
            list_offsets(&mut c, 1, -3, -1),
            (ErrorCode::None, 8, 900),
            "max timestamp below HW"
        );
        assert_eq!(
            list_offsets(&mut c, 1, 102, -1),
            (ErrorCode::None, 2, 102),
            "record inside a batch"
        );
        assert_eq!(list_offsets(&mut c, 1, 150, -1), (ErrorCode::None, 4, 200));
        assert_eq!(
            list_offsets(&mut c, 1, 950, -1),
            (ErrorCode::None, -1, -1),
            "only above the HW"
        );
        assert_eq!(list_offsets(&mut c, 1, -7, -1).0, ErrorCode::InvalidRequest);
        assert_eq!(
            list_offsets(&mut c, 2, -1, -1).0,
            ErrorCode::NotLeaderOrFollower
        );
        assert_eq!(
            list_offsets(&mut c, 1, -1, 5).0,
            ErrorCode::UnknownLeaderEpoch
        );
    }

}
