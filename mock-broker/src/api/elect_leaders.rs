//! ElectLeaders: preferred and unclean leader elections on request, as Kafka's controller runs
//! them for `kafka-leader-election.sh` (the rule itself is [`Cluster::elect_leader`]). Named
//! partitions are answered in request order, a repeated one as often as it is named (the second
//! time its election is no longer needed). With no partitions named, every partition of every
//! topic is tried and the answer lists every topic, with only the partitions whose election
//! was attempted (elected, or failed for another reason than ELECTION_NOT_NEEDED).

use kwire_protocol::api::elect_leaders::{
    ELECTION_PREFERRED, ELECTION_UNCLEAN, ElectLeadersRequest, ElectLeadersResponse,
    PartitionResult, ReplicaElectionResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{Cluster, Election};

/// The request this module answers.
pub type Request = ElectLeadersRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

/// Handles an ElectLeaders request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: ElectLeadersRequest) -> Outcome {
    // v0 has no election type: it elects preferred replicas.
    let election = match (ctx.version(), req.election_type) {
        (0, _) | (_, ELECTION_PREFERRED) => Some(Election::Preferred),
        (_, ELECTION_UNCLEAN) => Some(Election::Unclean),
        _ => None,
    };
    let Some(election) = election else {
        // Kafka's controller refuses the whole request: the top level and every partition named
        // carry INVALID_REQUEST.
        let message = format!("unknown election type {}", req.election_type);
        return ctx.respond(ElectLeadersResponse {
            error_code: ErrorCode::InvalidRequest,
            replica_election_results: req
                .topic_partitions
                .unwrap_or_default()
                .into_iter()
                .map(|t| ReplicaElectionResult {
                    topic: t.topic,
                    partition_result: t
                        .partitions
                        .iter()
                        .map(|&p| failed(p, ErrorCode::InvalidRequest, message.clone()))
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
    };
    let replica_election_results = match req.topic_partitions {
        Some(topics) => topics
            .into_iter()
            .map(|t| {
                let partition_result = t
                    .partitions
                    .iter()
                    .map(|&p| result(cluster, &t.topic, p, election))
                    .collect();
                ReplicaElectionResult {
                    topic: t.topic,
                    partition_result,
                    ..Default::default()
                }
            })
            .collect(),
        None => {
            let all: Vec<(String, i32)> = cluster
                .topics()
                .map(|t| (t.name.clone(), t.partitions.len() as i32))
                .collect();
            all.into_iter()
                .map(|(topic, count)| {
                    let partition_result = (0..count)
                        .map(|p| result(cluster, &topic, p, election))
                        .filter(|r| r.error_code != ErrorCode::ElectionNotNeeded)
                        .collect();
                    ReplicaElectionResult {
                        topic,
                        partition_result,
                        ..Default::default()
                    }
                })
                .collect()
        }
    };
    ctx.respond(ElectLeadersResponse {
        replica_election_results,
        ..Default::default()
    })
}

/// One partition's election and its result: no message on success, one saying why otherwise.
fn result(cluster: &mut Cluster, topic: &str, partition: i32, election: Election) -> PartitionResult {
    match cluster.elect_leader(topic, partition, election) {
        Ok(_) => PartitionResult {
            partition_id: partition,
            ..Default::default()
        },
        Err(code) => {
            let message = match code {
                ErrorCode::UnknownTopicOrPartition => format!("no partition {topic}-{partition}"),
                ErrorCode::ElectionNotNeeded => {
                    "the partition already has the leader this election would give it".to_owned()
                }
                ErrorCode::PreferredLeaderNotAvailable => {
                    "the preferred replica is not alive and in sync".to_owned()
                }
                _ => "no live replica can lead the partition".to_owned(),
            };
            failed(partition, code, message)
        }
    }
}

fn failed(partition: i32, code: ErrorCode, message: String) -> PartitionResult {
    PartitionResult {
        partition_id: partition,
        error_code: code,
        error_message: Some(message),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::elect_leaders::TopicPartitions;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn elect(
        c: &mut Cluster,
        version: i16,
        election_type: i8,
        partitions: Option<&[(&str, &[i32])]>,
    ) -> ElectLeadersResponse {
        let req = ElectLeadersRequest {
            election_type,
            topic_partitions: partitions.map(|ps| {
                ps.iter()
                    .map(|(t, p)| TopicPartitions {
                        topic: (*t).into(),
                        partitions: p.to_vec(),
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        };
        let broker = (1..=3).find(|&b| c.is_up(b)).expect("a live broker");
        match call(c, broker, RequestBody::ElectLeaders(req), version, 10_000) {
            Outcome::Respond(ResponseBody::ElectLeaders(r), v) if v == version => r,
            o => panic!("{o:?}"),
        }
    }

    fn codes(r: &ElectLeadersResponse) -> Vec<(String, i32, ErrorCode)> {
        r.replica_election_results
            .iter()
            .flat_map(|t| {
                t.partition_result
                    .iter()
                    .map(|p| (t.topic.clone(), p.partition_id, p.error_code))
            })
            .collect()
    }

    /// A healthy cluster needs no election; after its preferred leader went down and came back,
    /// partition 0 gets it back on request (named, or among all partitions), and while it is
    /// down the preferred election fails and an unclean one is not needed.
    #[test]
    fn preferred_leaders_come_back_on_request() {
        let mut c = cluster(3);
        let preferred = c.partition("t", 0).unwrap().replicas[0];
        let r = elect(&mut c, 2, ELECTION_PREFERRED, Some(&[("t", &[0])]));
        assert_eq!(r.error_code, ErrorCode::None);
        assert_eq!(codes(&r), [("t".into(), 0, ErrorCode::ElectionNotNeeded)]);
        assert!(r.replica_election_results[0].partition_result[0].error_message.is_some());
        let r = elect(&mut c, 2, ELECTION_PREFERRED, None);
        assert!(codes(&r).is_empty(), "{r:?}");
        assert!(r.replica_election_results.iter().any(|t| t.topic == "t"));

        assert!(c.broker_down(preferred));
        let r = elect(&mut c, 1, ELECTION_PREFERRED, Some(&[("t", &[0])]));
        assert_eq!(codes(&r), [("t".into(), 0, ErrorCode::PreferredLeaderNotAvailable)]);
        let r = elect(&mut c, 1, ELECTION_UNCLEAN, Some(&[("t", &[0])]));
        assert_eq!(codes(&r), [("t".into(), 0, ErrorCode::ElectionNotNeeded)]);

        assert!(c.broker_up(preferred));
        c.tick(60_000);
        assert_ne!(c.partition("t", 0).unwrap().leader, Some(preferred));
        let epoch = c.partition("t", 0).unwrap().leader_epoch;
        // v0 knows only preferred elections, whatever the field holds.
        let r = elect(&mut c, 0, ELECTION_UNCLEAN, Some(&[("t", &[0, 0])]));
        assert_eq!(
            codes(&r),
            [
                ("t".into(), 0, ErrorCode::None),
                ("t".into(), 0, ErrorCode::ElectionNotNeeded)
            ]
        );
        assert_eq!(r.replica_election_results[0].partition_result[0].error_message, None);
        let p = c.partition("t", 0).unwrap();
        assert_eq!((p.leader, p.leader_epoch), (Some(preferred), epoch + 1));

        // Every partition: only those whose leader changed are listed.
        assert!(c.broker_down(preferred));
        assert!(c.broker_up(preferred));
        c.tick(120_000);
        let moved: Vec<_> = (0..3)
            .filter(|&i| c.partition("t", i).unwrap().leader != Some(c.partition("t", i).unwrap().replicas[0]))
            .collect();
        assert!(!moved.is_empty());
        let r = elect(&mut c, 2, ELECTION_PREFERRED, None);
        let want: Vec<_> = moved.iter().map(|&i| ("t".to_owned(), i, ErrorCode::None)).collect();
        assert_eq!(codes(&r), want);
    }

    /// A partition whose every ISR member is down gets a live out-of-sync replica from an
    /// unclean election, and none when no replica is alive.
    #[test]
    fn unclean_elections_take_any_live_replica() {
        let mut c = cluster(1);
        let replicas = c.partition("t", 0).unwrap().replicas.clone();
        // Only the leader stays in sync, then it goes down: the partition is offline.
        let leader = c.partition("t", 0).unwrap().leader.unwrap();
        c.set_isr("t", 0, vec![leader]).unwrap();
        assert!(c.broker_down(leader));
        assert_eq!(c.partition("t", 0).unwrap().leader, None);
        let r = elect(&mut c, 2, ELECTION_PREFERRED, Some(&[("t", &[0])]));
        assert_eq!(codes(&r), [("t".into(), 0, ErrorCode::PreferredLeaderNotAvailable)]);
        let r = elect(&mut c, 2, ELECTION_UNCLEAN, Some(&[("t", &[0])]));
        assert_eq!(codes(&r), [("t".into(), 0, ErrorCode::None)]);
        let now = c.partition("t", 0).unwrap().leader.unwrap();
        assert_ne!(now, leader);

        for b in replicas {
            c.broker_down(b);
        }
        // No broker is left to ask: the cluster's rule answers.
        assert_eq!(c.partition("t", 0).unwrap().leader, None);
        assert_eq!(
            c.elect_leader("t", 0, Election::Unclean),
            Err(ErrorCode::EligibleLeadersNotAvailable)
        );
    }

    /// Unknown topics and partitions fail one by one; an unknown election type fails the whole
    /// request.
    #[test]
    fn unknown_partitions_and_election_types() {
        let mut c = cluster(1);
        let r = elect(&mut c, 2, ELECTION_PREFERRED, Some(&[("nope", &[0]), ("t", &[99, -1])]));
        assert_eq!(
            codes(&r),
            [
                ("nope".into(), 0, ErrorCode::UnknownTopicOrPartition),
                ("t".into(), 99, ErrorCode::UnknownTopicOrPartition),
                ("t".into(), -1, ErrorCode::UnknownTopicOrPartition)
            ]
        );
        let r = elect(&mut c, 1, 7, Some(&[("t", &[0, 1])]));
        assert_eq!(r.error_code, ErrorCode::InvalidRequest);
        assert_eq!(
            codes(&r),
            [("t".into(), 0, ErrorCode::InvalidRequest), ("t".into(), 1, ErrorCode::InvalidRequest)]
        );
        let r = elect(&mut c, 2, 7, None);
        assert_eq!(r.error_code, ErrorCode::InvalidRequest);
        assert!(r.replica_election_results.is_empty());
    }
}
