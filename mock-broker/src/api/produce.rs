//! Produce: acks=0 (append, no response), acks=1 (answer once the leader appended), acks=all
//! (answer once every ISR member has the batch, or REQUEST_TIMED_OUT at the request's timeout;
//! NOT_ENOUGH_REPLICAS when the ISR is below `min.insync.replicas` before the append and
//! NOT_ENOUGH_REPLICAS_AFTER_APPEND when it shrank after). Partitions this broker does not lead
//! get NOT_LEADER_OR_FOLLOWER with the current leader (v10+).

use kwire_protocol::api::produce::{
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceResponse,
};
use kwire_protocol::{ApiKey, ErrorCode, Uuid, VersionRange};

use super::{Close, Outcome, Pending, RequestContext};
use crate::cluster::{AckState, BrokerId, Cluster};

/// The request this module answers.
pub type Request = ProduceRequest;

/// Advertised versions: Kafka 4.x advertises Produce from 0 (librdkafka refuses a broker that
/// does not), though only v3+ can be sent.
pub const VERSIONS: VersionRange = VersionRange::parse("0-13");

/// One partition waiting for acks=all.
#[derive(Debug, Clone)]
struct Wait {
    topic_index: usize,
    partition_index: usize,
    topic: String,
    /// The id of the topic written to: a topic deleted (and perhaps re-created) meanwhile is
    /// another topic.
    topic_id: Uuid,
    partition: i32,
    end_offset: i64,
    leader_epoch: i32,
    /// Error to report once replicated (an injected after-append error).
    then_error: ErrorCode,
}

/// An acks=all Produce waiting for its followers.
#[derive(Debug, Clone)]
pub struct PendingProduce {
    broker: BrokerId,
    version: i16,
    response: ProduceResponse,
    waits: Vec<Wait>,
    /// Model time at which the remaining partitions time out.
    pub deadline: u64,
}

impl PendingProduce {
    /// The version to encode the response at.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// The broker that received the request.
    pub fn broker(&self) -> BrokerId {
        self.broker
    }

    /// Looks again at the cluster: returns the response once every partition is done or the
    /// deadline has passed (see [`Pending::poll`] for a broker that went down meanwhile).
    pub fn poll(&mut self, cluster: &Cluster, now: u64) -> Option<ProduceResponse> {
        let timed_out = now >= self.deadline;
        let response = &mut self.response;
        self.waits.retain(|w| {
            let state = if cluster.topic(&w.topic).map(|t| t.id) == Some(w.topic_id) {
                cluster.ack_state(
                    self.broker,
                    &w.topic,
                    w.partition,
                    w.end_offset,
                    w.leader_epoch,
                )
            } else {
                AckState::Done(ErrorCode::UnknownTopicOrPartition)
            };
            let pr = &mut response.responses[w.topic_index].partition_responses[w.partition_index];
            match state {
                AckState::Done(ErrorCode::None) => {
                    pr.error_code = w.then_error;
                    false
                }
                AckState::Done(e) => {
                    pr.error_code = e;
                    false
                }
                AckState::Waiting if timed_out => {
                    pr.error_code = ErrorCode::RequestTimedOut;
                    false
                }
                AckState::Waiting => true,
            }
        });
        if self.waits.is_empty() {
            for t in &mut self.response.responses {
                for p in &mut t.partition_responses {
                    if !p.error_code.is_ok() {
                        p.base_offset = -1;
                    }
                }
            }
            Some(std::mem::take(&mut self.response))
        } else {
            None
        }
    }
}

fn leader_hint(cluster: &Cluster, topic: &str, partition: i32) -> LeaderIdAndEpoch {
    match cluster.partition(topic, partition) {
        Some(p) => LeaderIdAndEpoch {
            leader_id: p.leader.unwrap_or(-1),
            leader_epoch: p.leader_epoch,
            ..Default::default()
        },
        None => LeaderIdAndEpoch::default(),
    }
}

/// Handles a Produce request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: ProduceRequest) -> Outcome {
    let (broker, version, now) = (ctx.broker, ctx.version(), ctx.now);
    let acks = req.acks;
    let mut resp = ProduceResponse::default();
    let mut waits = Vec::new();
    let mut hinted_leaders: Vec<BrokerId> = Vec::new();
    for (ti, td) in req.topic_data.iter().enumerate() {
        let name = if version >= 13 {
            cluster.topic_name(&td.topic_id).map(str::to_owned)
        } else {
            Some(td.name.clone())
        };
        let mut tr = TopicProduceResponse {
            name: td.name.clone(),
            topic_id: td.topic_id,
            ..Default::default()
        };
        for (pi, pd) in td.partition_data.iter().enumerate() {
            let mut pr = PartitionProduceResponse {
                index: pd.index,
                base_offset: -1,
                ..Default::default()
            };
            let result = match &name {
                _ if !matches!(acks, -1..=1) => Err(ErrorCode::InvalidRequiredAcks),
                _ if req.transactional_id.is_some() => {
                    Err(ErrorCode::TransactionalIdAuthorizationFailed)
                }
                None => Err(ErrorCode::UnknownTopicId),
                Some(topic) => {
                    let injected =
                        cluster
                            .faults
                            .take(ApiKey::PRODUCE, broker, Some((topic, pd.index)));
                    match (injected, &pd.records) {
                        (Some((e, false)), _) => Err(e),
                        (_, None) => Err(ErrorCode::CorruptMessage),
                        (inj, Some(records)) => cluster
                            .append(broker, topic, pd.index, records, acks, now)
                            .map(|a| (a, inj.map_or(ErrorCode::None, |(e, _)| e))),
                    }
                }
            };
            match result {
                Ok((a, then_error)) => {
                    pr.base_offset = a.base_offset;
                    pr.log_start_offset = a.log_start_offset;
                    let topic = name.clone().unwrap_or_default();
                    if acks == -1 {
                        let epoch = cluster
                            .partition(&topic, pd.index)
                            .map_or(-1, |p| p.leader_epoch);
                        let topic_id = cluster.topic(&topic).map_or(Uuid::nil(), |t| t.id);
                        waits.push(Wait {
                            topic_index: ti,
                            partition_index: pi,
                            topic,
                            topic_id,
                            partition: pd.index,
                            end_offset: a.end_offset,
                            leader_epoch: epoch,
                            then_error,
                        });
                    } else {
                        pr.error_code = then_error;
                        if !then_error.is_ok() {
                            pr.base_offset = -1;
                        }
                    }
                }
                Err(e) => {
                    pr.error_code = e;
                    if e == ErrorCode::NotLeaderOrFollower
                        && version >= 10
                        && let Some(topic) = &name
                    {
                        pr.current_leader = leader_hint(cluster, topic, pd.index);
                        if pr.current_leader.leader_id >= 0
                            && !hinted_leaders.contains(&pr.current_leader.leader_id)
                        {
                            hinted_leaders.push(pr.current_leader.leader_id);
                        }
                    }
                }
            }
            tr.partition_responses.push(pr);
        }
        resp.responses.push(tr);
    }
    if version >= 10 {
        resp.node_endpoints = hinted_leaders
            .iter()
            .filter_map(|id| cluster.broker(*id))
            .map(|b| NodeEndpoint {
                node_id: b.id,
                host: b.host.clone(),
                port: i32::from(b.port),
                rack: b.rack.clone(),
                ..Default::default()
            })
            .collect();
    }
    if acks == 0 {
        // A client that expects no answer learns of an error only from a closed connection,
        // which also makes it refresh its metadata: Kafka closes it for any failed partition.
        let failed = resp
            .responses
            .iter()
            .flat_map(|t| &t.partition_responses)
            .map(|p| p.error_code)
            .find(|e| !e.is_ok());
        return match failed {
            Some(error) => Outcome::Close(Close::FailedWithoutResponse { error }),
            None => Outcome::NoResponse,
        };
    }
    if waits.is_empty() {
        return ctx.respond(resp);
    }
    cluster.tick(now);
    let mut pending = PendingProduce {
        broker,
        version,
        response: resp,
        waits,
        deadline: now.saturating_add(u64::try_from(req.timeout_ms.max(0)).unwrap_or(0)),
    };
    match pending.poll(cluster, now) {
        Some(r) => ctx.respond(r),
        None => Outcome::Wait(Pending::Produce(pending)),
    }
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::RequestBody;

    use super::*;
    use crate::cluster::{FollowerLag, Injection, Scope};
    use crate::test_util::*;

    #[test]
    fn acks_zero_gets_no_response_and_bad_acks_are_refused() {
        let mut c = cluster(1);
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, 0, 1000, batch(2, -1, 0, 0))),
            9,
            0,
        );
        assert!(matches!(o, Outcome::NoResponse));
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 2);
        let r = produced(call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, 2, 1000, batch(1, -1, 0, 0))),
            9,
            0,
        ));
        assert_eq!(
            r.responses[0].partition_responses[0].error_code,
            ErrorCode::InvalidRequiredAcks
        );
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 2);
    }

    #[test]
    fn a_failed_acks_zero_produce_closes_the_connection() {
        let mut c = cluster(1);
        // Broker 2 follows partition 0: NOT_LEADER_OR_FOLLOWER, with no response to carry it.
        let o = call(
            &mut c,
            2,
            RequestBody::Produce(produce("t", 0, 0, 1000, batch(2, -1, 0, 0))),
            9,
            0,
        );
        assert!(
            matches!(
                o,
                Outcome::Close(Close::FailedWithoutResponse {
                    error: ErrorCode::NotLeaderOrFollower
                })
            ),
            "{o:?}"
        );
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 0);
    }

    #[test]
    fn acks_all_waits_for_the_followers_then_answers() {
        let mut c = cluster(1);
        c.set_default_lag(FollowerLag::Millis(50));
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, -1, 1000, batch(3, -1, 0, 0))),
            9,
            0,
        );
        let Outcome::Wait(Pending::Produce(mut pending)) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert!(pending.poll(&c, 10).is_none());
        c.tick(50);
        let r = pending.poll(&c, 50).expect("replicated");
        let p = &r.responses[0].partition_responses[0];
        assert_eq!((p.error_code, p.base_offset), (ErrorCode::None, 0));
    }

    #[test]
    fn acks_all_times_out_at_the_request_deadline() {
        let mut c = cluster(1);
        c.set_default_lag(FollowerLag::Stalled);
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, -1, 100, batch(3, -1, 0, 0))),
            9,
            0,
        );
        let Outcome::Wait(Pending::Produce(mut pending)) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert_eq!(pending.deadline, 100);
        c.tick(99);
        assert!(pending.poll(&c, 99).is_none());
        c.tick(100);
        let r = pending.poll(&c, 100).expect("deadline");
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(
            (p.error_code, p.base_offset),
            (ErrorCode::RequestTimedOut, -1)
        );
        // The records stay in the leader's log (Kafka does not roll back), above the HW.
        let part = c.partition("t", 0).unwrap();
        assert_eq!((part.log_end_offset(), part.high_watermark), (3, 0));
    }

    #[test]
    fn idempotent_duplicates_get_the_original_offset_and_gaps_are_refused() {
        let mut c = cluster(1);
        assert_eq!(
            produce1(&mut c, 1, 0, batch(3, 7, 0, 0), 0),
            (ErrorCode::None, 0)
        );
        assert_eq!(
            produce1(&mut c, 1, 0, batch(2, 7, 0, 3), 0),
            (ErrorCode::None, 3)
        );
        // A retry of the first batch: success with offset 0, nothing appended.
        assert_eq!(
            produce1(&mut c, 1, 0, batch(3, 7, 0, 0), 0),
            (ErrorCode::None, 0)
        );
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 5);
        assert_eq!(c.stats().duplicates, 1);
        // A gap.
        assert_eq!(
            produce1(&mut c, 1, 0, batch(1, 7, 0, 9), 0).0,
            ErrorCode::OutOfOrderSequenceNumber
        );
        // A new epoch must start at 0; then the old epoch is fenced.
        assert_eq!(
            produce1(&mut c, 1, 0, batch(1, 7, 1, 5), 0).0,
            ErrorCode::OutOfOrderSequenceNumber
        );
        assert_eq!(
            produce1(&mut c, 1, 0, batch(1, 7, 1, 0), 0),
            (ErrorCode::None, 5)
        );
        assert_eq!(
            produce1(&mut c, 1, 0, batch(1, 7, 0, 5), 0).0,
            ErrorCode::InvalidProducerEpoch
        );
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 6);
    }

    #[test]
    fn an_after_append_error_makes_the_retry_a_duplicate() {
        let mut c = cluster(1);
        c.faults.inject(Injection::new(
            ApiKey::PRODUCE,
            Scope::Cluster,
            ErrorCode::RequestTimedOut,
            1,
        ));
        let b = batch(4, 11, 0, 0);
        assert_eq!(
            produce1(&mut c, 1, 0, b.clone(), 0),
            (ErrorCode::RequestTimedOut, -1)
        );
        assert_eq!(
            c.partition("t", 0).unwrap().log_end_offset(),
            4,
            "appended anyway"
        );
        assert_eq!(produce1(&mut c, 1, 0, b, 0), (ErrorCode::None, 0));
        assert_eq!(c.partition("t", 0).unwrap().log_end_offset(), 4);
        assert_eq!(c.stats().duplicates, 1);
    }

    #[test]
    fn not_leader_answers_carry_the_current_leader() {
        let mut c = cluster(1);
        let r = produced(call(
            &mut c,
            2,
            RequestBody::Produce(produce("t", 0, 1, 1000, batch(1, -1, 0, 0))),
            10,
            0,
        ));
        let p = &r.responses[0].partition_responses[0];
        assert_eq!(p.error_code, ErrorCode::NotLeaderOrFollower);
        assert_eq!(p.current_leader.leader_id, 1);
        assert_eq!(r.node_endpoints.len(), 1);
        assert_eq!(r.node_endpoints[0].node_id, 1);
    }
}
