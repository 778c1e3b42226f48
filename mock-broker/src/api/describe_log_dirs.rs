//! DescribeLogDirs: one log directory per broker, holding the replicas the broker has, with
//! their sizes in bytes and how far each is behind the high watermark.

use kwire_protocol::api::describe_log_dirs::{
    DescribeLogDirsPartition, DescribeLogDirsRequest, DescribeLogDirsResponse,
    DescribeLogDirsResult, DescribeLogDirsTopic,
};
use kwire_protocol::VersionRange;

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeLogDirsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-5");

/// Handles a DescribeLogDirs request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeLogDirsRequest,
) -> Outcome {
    let broker = ctx.broker;
    let wanted = |topic: &str, partition: i32| match &req.topics {
        None => true,
        Some(ts) => ts
            .iter()
            .any(|t| t.topic == topic && t.partitions.contains(&partition)),
    };
    let topics = cluster
        .topics()
        .filter_map(|t| {
            let partitions: Vec<DescribeLogDirsPartition> = t
                .partitions
                .iter()
                .filter(|p| wanted(&t.name, p.index))
                .filter_map(|p| {
                    let log = p.logs.get(&broker)?;
                    Some(DescribeLogDirsPartition {
                        partition_index: p.index,
                        partition_size: i64::try_from(log.size_bytes()).unwrap_or(i64::MAX),
                        offset_lag: (p.high_watermark - log.end_offset()).max(0),
                        is_future_key: false,
                        ..Default::default()
                    })
                })
                .collect();
            (!partitions.is_empty()).then(|| DescribeLogDirsTopic {
                name: t.name.clone(),
                partitions,
                ..Default::default()
            })
        })
        .collect();
    ctx.respond(DescribeLogDirsResponse {
        results: vec![DescribeLogDirsResult {
            log_dir: format!("/kwire-mock/broker-{broker}"),
            topics,
            ..Default::default()
        }],
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::describe_log_dirs::DescribableLogDirTopic;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::FollowerLag;
    use crate::test_util::*;

    fn dirs(c: &mut Cluster, broker: i32, topics: Option<Vec<DescribableLogDirTopic>>) -> DescribeLogDirsResult {
        let req = DescribeLogDirsRequest {
            topics,
            ..Default::default()
        };
        match call(c, broker, RequestBody::DescribeLogDirs(req), 4, 0) {
            Outcome::Respond(ResponseBody::DescribeLogDirs(mut r), _) => r.results.remove(0),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn sizes_and_lags_come_from_the_replica_logs() {
        let mut c = cluster(2);
        c.set_broker_lag(3, Some(FollowerLag::Stalled));
        let len = batch(3, -1, 0, 0).len() as i64;
        produce1(&mut c, 1, 0, batch(3, -1, 0, 0), 0);
        c.tick(MAX + 1);
        let r = dirs(&mut c, 1, None);
        assert_eq!(r.topics[0].partitions.len(), 2);
        assert_eq!(r.topics[0].partitions[0].partition_size, len);
        let r = dirs(
            &mut c,
            3,
            Some(vec![DescribableLogDirTopic {
                topic: "t".into(),
                partitions: vec![0],
                ..Default::default()
            }]),
        );
        let p = &r.topics[0].partitions;
        assert_eq!((p.len(), p[0].partition_size, p[0].offset_lag), (1, 0, 3));
    }
}
