//! Produce: acks=0 (append, no response), acks=1 (answer once the leader appended), acks=all
//! (answer once every ISR member has the batch, or REQUEST_TIMED_OUT at the request's timeout;
//! NOT_ENOUGH_REPLICAS when the ISR is below `min.insync.replicas` before the append and
//! NOT_ENOUGH_REPLICAS_AFTER_APPEND when it shrank after). Partitions this broker does not lead
//! get NOT_LEADER_OR_FOLLOWER with the current leader (v10+).

use kwire_protocol::api::ResponseBody;
use kwire_protocol::api::produce::{
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceResponse,
};
use kwire_protocol::{ApiKey, ErrorCode};

use super::Outcome;
use crate::cluster::{AckState, BrokerId, Cluster};

/// One partition waiting for acks=all.
#[derive(Debug, Clone)]
struct Wait {
    topic_index: usize,
    partition_index: usize,
    topic: String,
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

    /// Looks again at the cluster: returns the response once every partition is done or the
    /// deadline has passed; never while the broker is down (a dead broker answers nothing).
    pub fn poll(&mut self, cluster: &Cluster, now: u64) -> Option<ProduceResponse> {
        // A broker that went down answers nothing; its connection is closed.
        if !cluster.is_up(self.broker) {
            return None;
        }
        let timed_out = now >= self.deadline;
        let response = &mut self.response;
        self.waits.retain(|w| {
            let state = cluster.ack_state(
                self.broker,
                &w.topic,
                w.partition,
                w.end_offset,
                w.leader_epoch,
            );
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
pub fn handle(
    cluster: &mut Cluster,
    broker: BrokerId,
    req: ProduceRequest,
    version: i16,
    now: u64,
) -> Outcome {
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
                        waits.push(Wait {
                            topic_index: ti,
                            partition_index: pi,
                            topic,
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
        return Outcome::NoResponse;
    }
    if waits.is_empty() {
        return Outcome::Respond(ResponseBody::Produce(resp), version);
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
        Some(r) => Outcome::Respond(ResponseBody::Produce(r), version),
        None => Outcome::WaitAcks(pending),
    }
}
