//! Fetch: consumers read from partition leaders up to the high watermark. Sessions are not
//! kept (session id 0: every fetch is a full fetch, which Kafka's clients accept). A fetch
//! that finds less than `min_bytes` waits up to `max_wait_ms` for more.

use bytes::Bytes;
use kwire_protocol::api::fetch::{
    EpochEndOffset, FetchPartition, FetchRequest, FetchResponse, FetchableTopicResponse,
    LeaderIdAndEpoch, PartitionData,
};
use kwire_protocol::{ApiKey, ErrorCode, VersionRange};

use super::{Outcome, Pending, RequestContext};
use crate::cluster::{BrokerId, Cluster, ReadResult};

/// The request this module answers.
pub type Request = FetchRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("4-18");

/// A fetch waiting for data.
#[derive(Debug, Clone)]
pub struct PendingFetch {
    broker: BrokerId,
    version: i16,
    request: FetchRequest,
    /// Model time at which the fetch answers with whatever there is.
    pub deadline: u64,
}

impl PendingFetch {
    /// The version to encode the response at.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// The broker that received the request.
    pub fn broker(&self) -> BrokerId {
        self.broker
    }

    /// Reads again; returns the response once there is enough data, a partition has an error
    /// (e.g. leadership moved away, as Kafka's delayed fetch completes then), or the wait is
    /// over (see [`Pending::poll`] for a broker that went down meanwhile).
    pub fn poll(&mut self, cluster: &mut Cluster, now: u64) -> Option<FetchResponse> {
        let (resp, bytes) = read(cluster, self.broker, &self.request, self.version);
        let enough = bytes >= usize::try_from(self.request.min_bytes.max(1)).unwrap_or(1);
        (enough || has_error(&resp) || now >= self.deadline).then_some(resp)
    }
}

fn has_error(resp: &FetchResponse) -> bool {
    resp.responses
        .iter()
        .flat_map(|t| &t.partitions)
        .any(|p| !p.error_code.is_ok())
}

fn read(
    cluster: &mut Cluster,
    broker: BrokerId,
    req: &FetchRequest,
    version: i16,
) -> (FetchResponse, usize) {
    let mut resp = FetchResponse::default();
    let mut total = 0usize;
    let mut budget = usize::try_from(req.max_bytes.max(0)).unwrap_or(0);
    for ft in &req.topics {
        let name = if version >= 13 {
            cluster.topic_name(&ft.topic_id).map(str::to_owned)
        } else {
            Some(ft.topic.clone())
        };
        let mut tr = FetchableTopicResponse {
            topic: ft.topic.clone(),
            topic_id: ft.topic_id,
            ..Default::default()
        };
        for fp in &ft.partitions {
            let mut pd = PartitionData {
                partition_index: fp.partition,
                high_watermark: -1,
                ..Default::default()
            };
            let result = match &name {
                None => Err(ErrorCode::UnknownTopicId),
                Some(topic) => {
                    if let Some((e, _)) =
                        cluster
                            .faults
                            .take(ApiKey::FETCH, broker, Some((topic, fp.partition)))
                    {
                        Err(e)
                    } else {
                        let epoch_check = cluster.partition(topic, fp.partition).map(|p| {
                            if fp.current_leader_epoch < 0
                                || fp.current_leader_epoch == p.leader_epoch
                            {
                                Ok(())
                            } else if fp.current_leader_epoch < p.leader_epoch {
                                Err(ErrorCode::FencedLeaderEpoch)
                            } else {
                                Err(ErrorCode::UnknownLeaderEpoch)
                            }
                        });
                        match epoch_check {
                            Some(Err(e)) => Err(e),
                            _ => read_partition(cluster, broker, topic, fp, version, total, budget),
                        }
                    }
                }
            };
            let preferred = match (&name, &result) {
                (Some(topic), Ok(_)) if version >= 11 => {
                    cluster.preferred_read_replica(broker, topic, fp.partition, &req.rack_id)
                }
                _ => None,
            };
            match result {
                Ok((r, _)) if preferred.is_some() => {
                    // Kafka answers with the replica to use and no records.
                    pd.preferred_read_replica = preferred.unwrap_or(-1);
                    pd.high_watermark = r.high_watermark;
                    pd.last_stable_offset = r.high_watermark;
                    pd.log_start_offset = r.log_start_offset;
                    pd.records = Some(Bytes::new());
                }
                Ok((r, diverging)) => {
                    if let Some(d) = diverging {
                        pd.diverging_epoch = d;
                    }
                    pd.high_watermark = r.high_watermark;
                    pd.last_stable_offset = r.high_watermark;
                    pd.log_start_offset = r.log_start_offset;
                    if req.isolation_level == 1 {
                        pd.aborted_transactions = Some(Vec::new());
                    }
                    total += r.records.len();
                    budget = budget.saturating_sub(r.records.len());
                    pd.records = Some(r.records);
                }
                Err(e) => {
                    pd.error_code = e;
                    pd.records = Some(Bytes::new());
                    // Kafka answers a partition it does not know before reading anything, with
                    // an empty aborted-transactions list; errors found while reading carry none.
                    if matches!(
                        e,
                        ErrorCode::UnknownTopicOrPartition | ErrorCode::UnknownTopicId
                    ) {
                        pd.aborted_transactions = Some(Vec::new());
                    }
                    if e == ErrorCode::NotLeaderOrFollower
                        && version >= 12
                        && let Some(p) = name
                            .as_deref()
                            .and_then(|t| cluster.partition(t, fp.partition))
                    {
                        pd.current_leader = LeaderIdAndEpoch {
                            leader_id: p.leader.unwrap_or(-1),
                            leader_epoch: p.leader_epoch,
                            ..Default::default()
                        };
                    }
                }
            }
            tr.partitions.push(pd);
        }
        resp.responses.push(tr);
    }
    (resp, total)
}

/// Reads one partition. The first partition that returns data may exceed the remaining
/// budget by one batch (KIP-74); later ones stay within it. A consumer whose last fetched
/// epoch shows its log diverges from the leader's (after an unclean election) gets the
/// diverging epoch and no records, as Kafka answers (v12+).
fn read_partition(
    cluster: &Cluster,
    broker: BrokerId,
    topic: &str,
    fp: &FetchPartition,
    version: i16,
    total: usize,
    budget: usize,
) -> Result<(ReadResult, Option<EpochEndOffset>), ErrorCode> {
    if version >= 12
        && fp.last_fetched_epoch >= 0
        && let Some(p) = cluster.partition(topic, fp.partition)
        && p.leader == Some(broker)
        && let Some(log) = p.leader_log()
    {
        let (epoch, end) = log.end_offset_for_epoch(fp.last_fetched_epoch);
        if epoch < 0 {
            return Err(ErrorCode::OffsetOutOfRange);
        }
        if epoch < fp.last_fetched_epoch || end < fp.fetch_offset {
            let r = ReadResult {
                records: Bytes::new(),
                high_watermark: p.high_watermark,
                log_start_offset: log.start_offset(),
            };
            let d = EpochEndOffset {
                epoch,
                end_offset: end,
                ..Default::default()
            };
            return Ok((r, Some(d)));
        }
    }
    let max = usize::try_from(fp.partition_max_bytes.max(0))
        .unwrap_or(0)
        .min(budget);
    // v11+ consumer fetches carry client metadata: followers may serve them (KIP-392).
    cluster
        .read_replica(
            broker,
            version >= 11,
            topic,
            fp.partition,
            fp.fetch_offset,
            max,
            total == 0,
        )
        .map(|r| (r, None))
}

/// Handles a Fetch request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: FetchRequest) -> Outcome {
    let (broker, version, now) = (ctx.broker, ctx.version(), ctx.now);
    let (resp, bytes) = read(cluster, broker, &req, version);
    let min = usize::try_from(req.min_bytes.max(0)).unwrap_or(0);
    if bytes >= min.max(1) || req.max_wait_ms <= 0 || min == 0 || has_error(&resp) {
        return ctx.respond(resp);
    }
    let deadline = now.saturating_add(u64::try_from(req.max_wait_ms).unwrap_or(0));
    Outcome::Wait(Pending::Fetch(PendingFetch {
        broker,
        version,
        request: req,
        deadline,
    }))
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::fetch::FetchTopic;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::{ClusterConfig, FollowerLag, TopicSpec};
    use crate::test_util::*;

    /// Three brokers, t/0 on [1, 2, 3], every committed batch deleted at once.
    fn retaining_nothing() -> Cluster {
        let config = ClusterConfig {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
            }],
            log_retention_bytes: Some(0),
            ..ClusterConfig::default()
        };
        Cluster::new(config, 0).unwrap()
    }

    fn respond(c: &mut Cluster, body: RequestBody, version: i16) -> ResponseBody {
        match call(c, 1, body, version, 0) {
            Outcome::Respond(r, _) => r,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    /// Produces `n` records with acks=1; returns (base offset, log start offset).
    fn produce_n(c: &mut Cluster, n: usize) -> (i64, i64) {
        match respond(
            c,
            RequestBody::Produce(produce("t", 0, 1, 1000, batch(n, -1, 0, 0))),
            9,
        ) {
            ResponseBody::Produce(r) => {
                let p = &r.responses[0].partition_responses[0];
                assert_eq!(p.error_code, ErrorCode::None);
                (p.base_offset, p.log_start_offset)
            }
            other => panic!("{other:?}"),
        }
    }

    /// Fetches from `offset`; returns (error, high watermark, log start, bytes).
    fn fetch_at(c: &mut Cluster, offset: i64) -> (ErrorCode, i64, i64, usize) {
        let req = FetchRequest {
            max_wait_ms: 0,
            min_bytes: 0,
            max_bytes: 1 << 20,
            topics: vec![FetchTopic {
                topic: "t".into(),
                partitions: vec![FetchPartition {
                    partition: 0,
                    fetch_offset: offset,
                    partition_max_bytes: 1 << 20,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        match respond(c, RequestBody::Fetch(req), 11) {
            ResponseBody::Fetch(r) => {
                let p = &r.responses[0].partitions[0];
                let len = p.records.as_ref().map_or(0, Bytes::len);
                (p.error_code, p.high_watermark, p.log_start_offset, len)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_partitions_carry_an_empty_aborted_list_and_read_errors_none() {
        let mut c = retaining_nothing();
        let aborted = |c: &mut Cluster, partition: i32, epoch: i32| {
            let req = FetchRequest {
                topics: vec![FetchTopic {
                    topic: "t".into(),
                    partitions: vec![FetchPartition {
                        partition,
                        current_leader_epoch: epoch,
                        partition_max_bytes: 1 << 20,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            };
            match respond(c, RequestBody::Fetch(req), 11) {
                ResponseBody::Fetch(r) => {
                    let p = &r.responses[0].partitions[0];
                    (p.error_code, p.aborted_transactions.clone())
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            aborted(&mut c, 9, -1),
            (ErrorCode::UnknownTopicOrPartition, Some(Vec::new()))
        );
        assert_eq!(aborted(&mut c, 0, 1000), (ErrorCode::UnknownLeaderEpoch, None));
        assert_eq!(aborted(&mut c, 0, -1), (ErrorCode::None, None));
    }

    #[test]
    fn produce_and_fetch_report_the_log_start_and_refuse_offsets_below_it() {
        let mut c = retaining_nothing();
        assert_eq!(produce_n(&mut c, 2), (0, 0));
        assert_eq!(produce_n(&mut c, 2), (2, 0));
        let (e, hw, start, len) = fetch_at(&mut c, 0);
        assert_eq!(
            (e, hw, start),
            (ErrorCode::None, 0, 0),
            "nothing committed yet"
        );
        assert_eq!(len, 0);
        // Committed, then deleted by retention.
        c.tick(1);
        assert_eq!(
            produce_n(&mut c, 1),
            (4, 4),
            "Produce reports the new log start"
        );
        assert_eq!(fetch_at(&mut c, 0).0, ErrorCode::OffsetOutOfRange);
        assert_eq!(fetch_at(&mut c, 3).0, ErrorCode::OffsetOutOfRange);
        assert_eq!(fetch_at(&mut c, 4), (ErrorCode::None, 4, 4, 0));
        c.tick(2);
        assert_eq!(fetch_at(&mut c, 4).0, ErrorCode::OffsetOutOfRange);
        assert_eq!(fetch_at(&mut c, 5), (ErrorCode::None, 5, 5, 0));
    }

    #[test]
    fn fetch_reads_only_up_to_the_high_watermark() {
        let mut c = cluster(1);
        c.set_broker_lag(3, Some(FollowerLag::Millis(100)));
        produce1(&mut c, 1, 0, batch(3, -1, 0, 0), 0);
        c.tick(0);
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            0,
        ));
        let p = &f.responses[0].partitions[0];
        assert_eq!((p.error_code, p.high_watermark), (ErrorCode::None, 0));
        assert_eq!(record_count(&p.records), 0, "above the HW: invisible");
        // Fetching at the LEO (above the HW) is not out of range; beyond it is.
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 3, 0, 0)),
            12,
            0,
        ));
        assert_eq!(f.responses[0].partitions[0].error_code, ErrorCode::None);
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 4, 0, 0)),
            12,
            0,
        ));
        assert_eq!(
            f.responses[0].partitions[0].error_code,
            ErrorCode::OffsetOutOfRange
        );
        c.tick(100);
        let f = fetched(call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            100,
        ));
        let p = &f.responses[0].partitions[0];
        assert_eq!(p.high_watermark, 3);
        assert_eq!(record_count(&p.records), 3);
        // Before v11 (no client metadata) a follower does not serve consumers; it names the leader.
        let f = fetched(call(
            &mut c,
            2,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            10,
            100,
        ));
        let p = &f.responses[0].partitions[0];
        assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower);
        // From v11 it does (KIP-392), up to the high watermark it has: broker 3 is 100 ms behind.
        produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 100);
        c.tick(150);
        let f = fetched(call(
            &mut c,
            2,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            150,
        ));
        let p = &f.responses[0].partitions[0];
        assert_eq!((p.error_code, p.high_watermark), (ErrorCode::None, 3));
        assert_eq!(record_count(&p.records), 3);
        c.tick(200);
        let f = fetched(call(
            &mut c,
            3,
            RequestBody::Fetch(fetch_req(0, 0, 0, 0)),
            12,
            200,
        ));
        let p = &f.responses[0].partitions[0];
        assert_eq!((p.high_watermark, record_count(&p.records)), (5, 5));
    }

    #[test]
    fn consumers_are_sent_to_a_replica_in_their_rack() {
        let mut c = Cluster::new(
            ClusterConfig {
                topics: vec![TopicSpec {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 3,
                }],
                racks: vec!["a".into(), "b".into(), "c".into()],
                ..ClusterConfig::default()
            },
            0,
        )
        .unwrap();
        produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 0);
        c.tick(0);
        let mut req = fetch_req(0, 0, 0, 0);
        req.rack_id = "c".into();
        let f = fetched(call(&mut c, 1, RequestBody::Fetch(req.clone()), 12, 0));
        let p = &f.responses[0].partitions[0];
        assert_eq!(
            (p.error_code, p.preferred_read_replica),
            (ErrorCode::None, 3)
        );
        assert_eq!(record_count(&p.records), 0);
        // The leader's own rack, or an unknown one: served by the leader.
        req.rack_id = "a".into();
        let f = fetched(call(&mut c, 1, RequestBody::Fetch(req.clone()), 12, 0));
        assert_eq!(f.responses[0].partitions[0].preferred_read_replica, -1);
        assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
        req.rack_id = "c".into();
        let f = fetched(call(&mut c, 3, RequestBody::Fetch(req), 12, 0));
        assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
    }

    #[test]
    fn fetch_waits_for_min_bytes_until_data_or_max_wait() {
        let mut c = cluster(1);
        let o = call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 1, 500)),
            12,
            0,
        );
        let Outcome::Wait(Pending::Fetch(mut pending)) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert!(pending.poll(&mut c, 10).is_none());
        produce1(&mut c, 1, 0, batch(2, -1, 0, 0), 20);
        c.tick(20);
        let f = pending.poll(&mut c, 20).expect("data arrived");
        assert_eq!(record_count(&f.responses[0].partitions[0].records), 2);
        // And with nothing arriving, it answers empty at max_wait.
        let o = call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 2, 1, 500)),
            12,
            100,
        );
        let Outcome::Wait(Pending::Fetch(mut pending)) = o else {
            panic!()
        };
        assert!(pending.poll(&mut c, 599).is_none());
        assert!(pending.poll(&mut c, 600).is_some());
    }

    #[test]
    fn fetch_budget_lets_only_the_first_partition_overflow() {
        let mut c = cluster(2);
        produce1(&mut c, 1, 0, batch(10, -1, 0, 0), 0);
        produce1(&mut c, 2, 1, batch(10, -1, 0, 0), 0);
        c.tick(0);
        let mut req = fetch_req(0, 0, 0, 0);
        req.max_bytes = 10;
        req.topics[0].partitions.push(FetchPartition {
            partition: 1,
            partition_max_bytes: 1 << 20,
            ..Default::default()
        });
        // Both partitions on one broker for the test.
        c.move_leader("t", 1, Some(1)).unwrap();
        let f = fetched(call(&mut c, 1, RequestBody::Fetch(req), 12, 0));
        assert_eq!(record_count(&f.responses[0].partitions[0].records), 10);
        assert_eq!(record_count(&f.responses[0].partitions[1].records), 0);
    }

    #[test]
    fn fetch_reports_a_diverging_epoch_after_an_unclean_election() {
        let mut c = Cluster::new(
            ClusterConfig {
                topics: vec![TopicSpec {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 2,
                }],
                unclean_leader_election: true,
                replica_lag_time_max_ms: MAX,
                ..ClusterConfig::default()
            },
            0,
        )
        .unwrap();
        c.set_broker_lag(2, Some(FollowerLag::Stalled));
        produce1(&mut c, 1, 0, batch(5, -1, 0, 0), 0);
        c.tick(MAX + 1);
        assert_eq!(c.partition("t", 0).unwrap().high_watermark, 5);
        c.broker_down(1); // 2, out of sync and empty, takes over
        c.set_broker_lag(2, None);
        produce1(&mut c, 2, 0, batch(2, -1, 0, 0), MAX + 2);
        c.tick(MAX + 2);
        // A consumer that read offsets 0..5 in epoch 0 fetches from 5.
        let mut req = fetch_req(0, 5, 0, 0);
        req.topics[0].partitions[0].last_fetched_epoch = 0;
        let f = fetched(call(&mut c, 2, RequestBody::Fetch(req), 12, MAX + 3));
        let p = &f.responses[0].partitions[0];
        assert_eq!(p.error_code, ErrorCode::None);
        assert_eq!(
            (p.diverging_epoch.epoch, p.diverging_epoch.end_offset),
            (0, 0)
        );
        assert_eq!(record_count(&p.records), 0);
    }

    #[test]
    fn a_waiting_fetch_ends_early_when_leadership_moves() {
        // Before v11 the old leader cannot serve it at all: NOT_LEADER_OR_FOLLOWER.
        let mut c = cluster(1);
        let o = call(
            &mut c,
            1,
            RequestBody::Fetch(fetch_req(0, 0, 1, 5000)),
            10,
            0,
        );
        let Outcome::Wait(Pending::Fetch(mut pending)) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert!(pending.poll(&mut c, 10).is_none());
        c.move_leader("t", 0, Some(2)).unwrap();
        let f = pending.poll(&mut c, 20).expect("answered before max_wait");
        assert_eq!(
            f.responses[0].partitions[0].error_code,
            ErrorCode::NotLeaderOrFollower
        );
        // v11+: followers serve consumers, but the consumer's leader epoch is now fenced.
        let mut req = fetch_req(0, 0, 1, 5000);
        req.topics[0].partitions[0].current_leader_epoch = 1;
        let o = call(&mut c, 2, RequestBody::Fetch(req), 12, 30);
        let Outcome::Wait(Pending::Fetch(mut pending)) = o else {
            panic!("expected a wait, got {o:?}")
        };
        c.move_leader("t", 0, Some(3)).unwrap();
        let f = pending.poll(&mut c, 40).expect("answered before max_wait");
        assert_eq!(
            f.responses[0].partitions[0].error_code,
            ErrorCode::FencedLeaderEpoch
        );
    }

}
