//! CreatePartitions: a topic grows to `count` partitions, round-robin or on the replicas given;
//! `validate_only` checks without growing (rules in `Cluster::create_partitions`).

use kwire_protocol::api::create_partitions::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopicResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{BrokerId, Cluster};

/// The request this module answers.
pub type Request = CreatePartitionsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-3");

/// Handles a CreatePartitions request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: CreatePartitionsRequest,
) -> Outcome {
    let mut resp = CreatePartitionsResponse::default();
    for t in &req.topics {
        let twice = req.topics.iter().filter(|o| o.name == t.name).count() > 1;
        let assignment: Option<Vec<Vec<BrokerId>>> = t
            .assignments
            .as_ref()
            .map(|a| a.iter().map(|r| r.broker_ids.clone()).collect());
        let result = if twice {
            Err((
                ErrorCode::InvalidRequest,
                format!("topic {} is listed more than once", t.name),
            ))
        } else {
            cluster
                .create_partitions(&t.name, t.count, assignment.as_deref(), req.validate_only)
                .map_err(|e| (e.error_code(), e.to_string()))
        };
        // Kafka names no reason for an unknown topic.
        let (error_code, error_message) = match result {
            Ok(()) => (ErrorCode::None, None),
            Err((ErrorCode::UnknownTopicOrPartition, _)) => (ErrorCode::UnknownTopicOrPartition, None),
            Err((code, message)) => (code, Some(message)),
        };
        resp.results.push(CreatePartitionsTopicResult {
            name: t.name.clone(),
            error_code,
            error_message,
            ..Default::default()
        });
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::create_partitions::{CreatePartitionsAssignment, CreatePartitionsTopic};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn grow(c: &mut Cluster, count: i32, assignments: Option<Vec<Vec<i32>>>, validate_only: bool) -> CreatePartitionsTopicResult {
        let req = CreatePartitionsRequest {
            topics: vec![CreatePartitionsTopic {
                name: "t".into(),
                count,
                assignments: assignments.map(|a| {
                    a.into_iter()
                        .map(|broker_ids| CreatePartitionsAssignment {
                            broker_ids,
                            ..Default::default()
                        })
                        .collect()
                }),
                ..Default::default()
            }],
            validate_only,
            ..Default::default()
        };
        match call(c, 1, RequestBody::CreatePartitions(req), 3, 0) {
            Outcome::Respond(ResponseBody::CreatePartitions(mut r), _) => r.results.remove(0),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn partitions_are_added() {
        let mut c = cluster(2);
        let r = grow(&mut c, 4, None, true);
        assert_eq!((r.error_code, r.error_message), (ErrorCode::None, None));
        assert_eq!(c.topic("t").unwrap().partitions.len(), 2);
        assert_eq!(grow(&mut c, 3, Some(vec![vec![2, 3, 1]]), false).error_code, ErrorCode::None);
        assert_eq!(c.partition("t", 2).unwrap().leader, Some(2));
        let r = grow(&mut c, 3, None, false);
        assert_eq!(r.error_code, ErrorCode::InvalidPartitions);
        assert!(r.error_message.is_some());
    }
}
