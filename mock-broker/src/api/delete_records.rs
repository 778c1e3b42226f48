//! DeleteRecords: the leader moves a partition's log start up to the offset given (-1: the
//! high watermark) and answers the new low watermark; above the high watermark it answers
//! OFFSET_OUT_OF_RANGE, on a broker that does not lead NOT_LEADER_OR_FOLLOWER.

use kwire_protocol::api::delete_records::{
    DeleteRecordsPartitionResult, DeleteRecordsRequest, DeleteRecordsResponse,
    DeleteRecordsTopicResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DeleteRecordsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

/// Handles a DeleteRecords request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: DeleteRecordsRequest) -> Outcome {
    let mut resp = DeleteRecordsResponse::default();
    for t in &req.topics {
        let partitions = t
            .partitions
            .iter()
            .map(|p| {
                let (low_watermark, error_code) =
                    match cluster.delete_records(ctx.broker, &t.name, p.partition_index, p.offset) {
                        Ok(low) => (low, ErrorCode::None),
                        Err(e) => (-1, e),
                    };
                DeleteRecordsPartitionResult {
                    partition_index: p.partition_index,
                    low_watermark,
                    error_code,
                    ..Default::default()
                }
            })
            .collect();
        resp.topics.push(DeleteRecordsTopicResult {
            name: t.name.clone(),
            partitions,
            ..Default::default()
        });
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::delete_records::{DeleteRecordsPartition, DeleteRecordsTopic};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn trim(c: &mut Cluster, broker: i32, offset: i64) -> (i64, ErrorCode) {
        let req = DeleteRecordsRequest {
            topics: vec![DeleteRecordsTopic {
                name: "t".into(),
                partitions: vec![DeleteRecordsPartition {
                    partition_index: 0,
                    offset,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(c, broker, RequestBody::DeleteRecords(req), 2, 0) {
            Outcome::Respond(ResponseBody::DeleteRecords(r), _) => {
                let p = &r.topics[0].partitions[0];
                (p.low_watermark, p.error_code)
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn the_low_watermark_moves_up_to_the_high_watermark() {
        let mut c = cluster(1);
        produce1(&mut c, 1, 0, batch(4, -1, 0, 0), 0);
        c.tick(1);
        assert_eq!(trim(&mut c, 1, 2), (2, ErrorCode::None));
        assert_eq!(trim(&mut c, 1, 100), (-1, ErrorCode::OffsetOutOfRange));
        assert_eq!(trim(&mut c, 2, 3), (-1, ErrorCode::NotLeaderOrFollower));
        assert_eq!(trim(&mut c, 1, -1), (4, ErrorCode::None));
    }
}
