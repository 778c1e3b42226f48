//! ElectLeaders: what a healthy cluster answers at each version (every leader is already the
//! preferred replica, so no election is needed, named or among all partitions) and each
//! refusal: unknown topics and partitions, and an unknown election type.

use kwire_protocol::api::elect_leaders::{
    ELECTION_PREFERRED, ELECTION_UNCLEAN, ElectLeadersRequest, TopicPartitions,
};

use super::sequences::{MISSING, Plan};
use super::side::Side;

fn elect(election_type: i8, partitions: Option<&[(&str, &[i32])]>) -> ElectLeadersRequest {
    ElectLeadersRequest {
        election_type,
        topic_partitions: partitions.map(|ps| {
            ps.iter()
                .map(|(topic, p)| TopicPartitions {
                    topic: (*topic).into(),
                    partitions: p.to_vec(),
                    ..Default::default()
                })
                .collect()
        }),
        timeout_ms: 30_000,
        ..Default::default()
    }
}

/// Elections on a new topic's partitions, named and among all, at every version both serve.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    let versions = plan.versions::<ElectLeadersRequest>();
    if versions.is_empty() {
        return;
    }
    let topic = plan.topic("elect");
    let partitions: Vec<i32> = (0..side.create_topic(&topic).len() as i32).collect();
    for v in versions {
        let step = |side: &mut Side, what: &'static str, req: &ElectLeadersRequest| {
            let o = side.call(-1, req, v);
            side.record("ElectLeaders", v, what, o, &plan.norm);
        };
        step(
            side,
            "preferred, every partition of the topic",
            &elect(ELECTION_PREFERRED, Some(&[(&topic, &partitions)])),
        );
        step(
            side,
            "unknown topic, out-of-range and negative partitions",
            &elect(
                ELECTION_PREFERRED,
                Some(&[(MISSING, &[0]), (&topic, &[99, -1])]),
            ),
        );
        step(
            side,
            "preferred, all partitions of the cluster",
            &elect(ELECTION_PREFERRED, None),
        );
        if v >= 1 {
            step(
                side,
                "unclean, partitions that have leaders",
                &elect(ELECTION_UNCLEAN, Some(&[(&topic, &partitions)])),
            );
            step(
                side,
                "unclean, all partitions of the cluster",
                &elect(ELECTION_UNCLEAN, None),
            );
            step(
                side,
                "an unknown election type",
                &elect(7, Some(&[(&topic, &[0])])),
            );
        }
    }
}
