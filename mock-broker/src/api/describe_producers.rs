//! DescribeProducers: the producers a partition replica on this broker holds state for, as
//! Kafka answers it — from any replica, leader or follower (`kafka-transactions.sh
//! describe-producers --broker-id` asks a follower). Partitions are answered in request order,
//! a repeated index as often as it is named.

use kwire_protocol::api::describe_producers::{
    DescribeProducersRequest, DescribeProducersResponse, PartitionResponse, ProducerState,
    TopicResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{Cluster, invalid_topic_reason};

/// The request this module answers.
pub type Request = DescribeProducersRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0");

/// Handles a DescribeProducers request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeProducersRequest,
) -> Outcome {
    let topics = req
        .topics
        .into_iter()
        .map(|t| {
            // A fault of the whole topic: every partition named gets it, with its message.
            let topic_fault = match invalid_topic_reason(&t.name) {
                Some(reason) => Some((
                    ErrorCode::InvalidTopicException,
                    format!("Topic name is invalid: {reason}"),
                )),
                None if cluster.topic(&t.name).is_none() => Some((
                    ErrorCode::UnknownTopicOrPartition,
                    "This server does not host this topic-partition.".to_owned(),
                )),
                None => None,
            };
            let partitions = t
                .partition_indexes
                .iter()
                .map(|&index| {
                    let mut r = PartitionResponse {
                        partition_index: index,
                        ..Default::default()
                    };
                    if let Some((code, message)) = &topic_fault {
                        r.error_code = *code;
                        r.error_message = Some(message.clone());
                        return r;
                    }
                    let Some(p) = cluster.partition(&t.name, index) else {
                        r.error_code = ErrorCode::UnknownTopicOrPartition;
                        return r;
                    };
                    let Some(state) = p.producers_on(ctx.broker) else {
                        r.error_code = ErrorCode::NotLeaderOrFollower;
                        return r;
                    };
                    r.active_producers = state
                        .iter()
                        .map(|(producer_id, entry)| ProducerState {
                            producer_id,
                            producer_epoch: i32::from(entry.epoch),
                            last_sequence: entry.last_seq().unwrap_or(-1),
                            last_timestamp: entry.batches.back().map_or(-1, |b| b.timestamp),
                            // No transactions: no coordinator epoch, no transaction open.
                            coordinator_epoch: -1,
                            current_txn_start_offset: -1,
                            ..Default::default()
                        })
                        .collect();
                    r
                })
                .collect();
            TopicResponse {
                name: t.name,
                partitions,
                ..Default::default()
            }
        })
        .collect();
    ctx.respond(DescribeProducersResponse {
        topics,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::describe_producers::TopicRequest;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn describe(c: &mut Cluster, broker: i32, topic: &str, partitions: &[i32]) -> TopicResponse {
        let req = DescribeProducersRequest {
            topics: vec![TopicRequest {
                name: topic.into(),
                partition_indexes: partitions.to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        };
        match call(c, broker, RequestBody::DescribeProducers(req), 0, 10_000) {
            Outcome::Respond(ResponseBody::DescribeProducers(mut r), 0) => r.topics.remove(0),
            o => panic!("{o:?}"),
        }
    }

    /// The leader reports a producer's epoch, last sequence and last batch's max timestamp; a
    /// follower reports what it copied; a plain batch adds no producer; each fault is Kafka's.
    #[test]
    fn replicas_report_their_producers_and_faults_are_kafkas() {
        let mut c = cluster(1);
        let leader = c.partition("t", 0).unwrap().leader.unwrap();
        let follower = c.partition("t", 0).unwrap().replicas.iter().copied().find(|&b| b != leader);
        assert_eq!(produce1(&mut c, leader, 0, batch_at(3, 7, 2, 0, 1_000), 0).0, ErrorCode::None);
        assert_eq!(produce1(&mut c, leader, 0, batch_at(2, 7, 2, 3, 2_000), 0).0, ErrorCode::None);
        assert_eq!(produce1(&mut c, leader, 0, batch(1, -1, -1, -1), 0).0, ErrorCode::None);
        let want = ProducerState {
            producer_id: 7,
            producer_epoch: 2,
            last_sequence: 4,
            last_timestamp: 2_001,
            coordinator_epoch: -1,
            current_txn_start_offset: -1,
            ..Default::default()
        };
        let t = describe(&mut c, leader, "t", &[0]);
        assert_eq!(t.partitions[0].error_code, ErrorCode::None);
        assert_eq!(t.partitions[0].error_message, None);
        assert_eq!(t.partitions[0].active_producers, std::slice::from_ref(&want));

        c.tick(60_000);
        let t = describe(&mut c, follower.unwrap(), "t", &[0, 0, 5]);
        assert_eq!(t.partitions[0].active_producers, std::slice::from_ref(&want));
        assert_eq!(t.partitions[1].active_producers, [want]);
        assert_eq!(t.partitions[2].error_code, ErrorCode::UnknownTopicOrPartition);
        assert_eq!(t.partitions[2].error_message, None);

        let t = describe(&mut c, leader, "nope", &[0]);
        assert_eq!(t.partitions[0].error_code, ErrorCode::UnknownTopicOrPartition);
        assert_eq!(
            t.partitions[0].error_message.as_deref(),
            Some("This server does not host this topic-partition.")
        );
        let t = describe(&mut c, leader, "bad name!", &[0, 1]);
        assert_eq!(t.partitions.len(), 2);
        assert_eq!(
            t.partitions[1].error_message.as_deref(),
            Some(
                "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
            )
        );
    }
}
