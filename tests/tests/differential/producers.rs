//! DescribeProducers: the state an idempotent producer leaves on a partition, as its leader
//! and a follower report it, and each fault Kafka reports per partition or topic.

use kwire_protocol::api::describe_producers::{DescribeProducersRequest, TopicRequest};
use kwire_protocol::api::produce::ProduceRequest;
use kwire_protocol::testing::{BatchBuilder, ProduceBuilder};

use super::sequences::{MISSING, Plan, idempotent_producer};
use super::side::Side;

fn describe(topics: &[(&str, &[i32])]) -> DescribeProducersRequest {
    DescribeProducersRequest {
        topics: topics
            .iter()
            .map(|(name, partitions)| TopicRequest {
                name: (*name).into(),
                partition_indexes: partitions.to_vec(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Writes two batches of one idempotent producer and one plain batch to partition 0 of a new
/// topic, then describes its producers.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    if plan.versions::<DescribeProducersRequest>().is_empty() {
        return;
    }
    let topic = plan.topic("producers");
    let p0 = side.create_topic(&topic)[0];
    let id = idempotent_producer(side);
    // By name (below v13) on both brokers.
    let pv = (*plan.versions::<ProduceRequest>().end()).min(12);
    let batches = [
        BatchBuilder::new()
            .producer(id.producer_id, id.producer_epoch, 0)
            .timestamps(plan.t0 + 100, 1)
            .record(None, Some(b"a"))
            .record(None, Some(b"b"))
            .record(None, Some(b"c"))
            .build(),
        BatchBuilder::new()
            .producer(id.producer_id, id.producer_epoch, 3)
            .timestamps(plan.t0 + 200, 5)
            .record(None, Some(b"d"))
            .record(None, Some(b"e"))
            .build(),
        BatchBuilder::new()
            .timestamps(plan.t0 + 300, 1)
            .record(None, Some(b"plain"))
            .build(),
    ];
    for b in batches {
        let req = ProduceBuilder::new().acks(-1).records(&topic, 0, b).build();
        side.expect(p0.leader, &req, pv);
    }

    let record = |side: &mut Side, node: i32, step, req: &DescribeProducersRequest| {
        let o = side.call(node, req, 0);
        side.record("DescribeProducers", 0, step, o, &plan.norm);
    };
    record(side, p0.leader, "the leader", &describe(&[(&topic, &[0])]));
    if let Some(f) = p0.follower.filter(|_| plan.cluster) {
        // A follower reports the batches it has copied: ask until it has the last one.
        let req = describe(&[(&topic, &[0])]);
        side.record_settled(f, &req, 0, "a follower", &plan.norm, |r| {
            r.topics[0].partitions[0]
                .active_producers
                .first()
                .is_some_and(|p| p.last_sequence == 4)
        });
    }
    record(
        side,
        p0.leader,
        "a partition twice, one out of range, one negative",
        &describe(&[(&topic, &[0, 0, 999, -1])]),
    );
    record(
        side,
        p0.leader,
        "an unknown topic and no partitions",
        &describe(&[(MISSING, &[0]), (&topic, &[])]),
    );
    let long = "x".repeat(250);
    record(
        side,
        p0.leader,
        "invalid topic names",
        &describe(&[
            ("", &[0]),
            (".", &[0]),
            ("..", &[0, 1]),
            ("bad name!", &[0]),
            (&long, &[0]),
        ]),
    );
    record(side, p0.leader, "nothing", &describe(&[]));
}
