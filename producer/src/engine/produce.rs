//! The produce path: for each leader with data, the batches it leads go into one Produce
//! request (one batch per partition, encoded once and re-sent as is while the producer stamp
//! holds); each partition's answer in the response settles its batch.

use std::sync::Arc;
use std::time::Instant;

use kwire_protocol::ErrorCode;
use kwire_protocol::api::RequestBody;
use kwire_protocol::api::produce::{
    PartitionProduceData, PartitionProduceResponse, ProduceRequest, ProduceResponse,
    TopicProduceData,
};
use kwire_protocol::records::Compression;
use tracing::warn;

use super::Engine;
use super::io::{Action, OutRequest, Versions};
use super::nodes::{Conn, Pending};
use super::timers::Timer;
use crate::accumulator::{Batch, NoGate, ReadyCheck};
use crate::batch::{ProducerStamp, encode_batch};
use crate::config::Acks;
use crate::sequence::Tp;

impl Engine {
    /// Sends a Produce request to each ready leader with room for one, connecting to those
    /// not connected; leaders that cannot take their data start a wait clock (for
    /// `partitioner.availability.timeout.ms`).
    pub(super) fn send_produce(&mut self, now: Instant, ready: ReadyCheck, out: &mut Vec<Action>) {
        self.timers.set(Timer::Send, ready.next_check);
        self.node_waiting.retain(|n, _| ready.nodes.contains(n));
        for node in ready.nodes {
            let brokers = &self.meta.cluster.brokers;
            self.nodes.ensure(node, || {
                brokers
                    .get(&node)
                    .map(|b| b.to_addr_string())
                    .unwrap_or_default()
            });
            self.node_waiting.entry(node).or_insert(now);
            let Some((conn, in_flight)) = self.nodes.state(node) else {
                continue;
            };
            match conn {
                Conn::Ready(v) => {
                    // Batches that can still grow wait for the request on the wire: at
                    // acks=all the broker answers one request per connection per replication
                    // round trip, so a second request of batch.size batches would not go
                    // sooner, only smaller (more requests cost the broker CPU per record).
                    if in_flight >= self.cfg.max_in_flight
                        || (in_flight > 0 && !ready.pressing.contains(&node))
                    {
                        continue;
                    }
                    if let Some(a) = self.produce_to(node, v, now) {
                        out.push(a);
                        self.node_waiting.remove(&node);
                    }
                }
                Conn::Connecting => {}
                Conn::Idle { retry_at } => match retry_at.filter(|&t| t > now) {
                    Some(t) => self.timers.set_earliest(Timer::Reconnect, t),
                    None => out.push(self.start_connect(node)),
                },
            }
        }
    }

    /// Drains batches led by `node` into one Produce request.
    fn produce_to(&mut self, node: i32, v: Versions, now: Instant) -> Option<Action> {
        let (meta, acc, idem) = (&self.meta, &mut self.acc, &mut self.idem);
        // The leader closure cannot borrow `acc` while it is drained: copy the names first.
        let names: Vec<Arc<str>> = acc.topic_names().cloned().collect();
        let leader = |tp: Tp| meta.cluster.leader(&names[tp.topic as usize], tp.partition);
        let mut batches = match idem {
            Some(i) => acc.drain(now, node, self.cfg.max_request_size, leader, i),
            None => acc.drain(now, node, self.cfg.max_request_size, leader, &mut NoGate),
        };
        if batches.is_empty() {
            return None;
        }
        let mut version = v.produce;
        // v13 names topics by id: fall back to v12 when an id is unknown.
        if version >= 13
            && batches.iter().any(|b| {
                self.meta
                    .cluster
                    .topics
                    .get(&names[b.tp.topic as usize])
                    .is_none_or(|t| t.id.is_nil())
            })
        {
            version = 12;
        }
        let mut topic_data: Vec<TopicProduceData> = Vec::new();
        let mut failed = Vec::new();
        let mut keep = Vec::with_capacity(batches.len());
        for mut b in batches.drain(..) {
            if b.encoded.is_none()
                && let Err(e) = self.encode(&mut b)
            {
                failed.push((b, e));
                continue;
            }
            b.attempts += 1;
            let name = &names[b.tp.topic as usize];
            let topic_id = self
                .meta
                .cluster
                .topics
                .get(name)
                .map(|t| t.id)
                .unwrap_or_default();
            let pd = PartitionProduceData {
                index: b.tp.partition,
                records: b.encoded.clone(),
                ..Default::default()
            };
            self.counters.batches_sent += 1;
            self.counters.bytes_sent += b.encoded.as_ref().map_or(0, |e| e.len() as u64);
            if b.attempts > 1 {
                self.counters.records_retried += b.records.len() as u64;
            }
            match topic_data.iter_mut().find(|t| {
                if version >= 13 {
                    t.topic_id == topic_id
                } else {
                    t.name == **name
                }
            }) {
                Some(t) => t.partition_data.push(pd),
                None => topic_data.push(TopicProduceData {
                    name: if version >= 13 {
                        String::new()
                    } else {
                        name.to_string()
                    },
                    topic_id: if version >= 13 {
                        topic_id
                    } else {
                        Default::default()
                    },
                    partition_data: vec![pd],
                    ..Default::default()
                }),
            }
            keep.push(b);
        }
        for (b, e) in failed {
            self.acc.returned(b.tp);
            self.fail_batch(b, e, None, true);
        }
        if keep.is_empty() {
            return None;
        }
        self.counters.produce_requests += 1;
        let acks = self.cfg.acks;
        let id = self.nodes.start_request(node, now, Pending::Produce(keep));
        Some(Action::Send {
            node,
            request: OutRequest {
                id,
                version,
                body: RequestBody::Produce(ProduceRequest {
                    transactional_id: None,
                    acks: acks.wire(),
                    timeout_ms: i32::try_from(self.cfg.request_timeout.as_millis())
                        .unwrap_or(i32::MAX),
                    topic_data,
                    ..Default::default()
                }),
                expect_response: acks != Acks::None,
            },
        })
    }

    /// Encodes a batch under its producer stamp (into a recycled buffer), and feeds the
    /// topic's compression ratio estimate.
    fn encode(&mut self, b: &mut Batch) -> Result<(), crate::error::ProduceError> {
        let stamp = match b.producer {
            Some(p) => ProducerStamp {
                producer_id: p.id,
                producer_epoch: p.epoch,
                base_sequence: b.base_sequence,
            },
            None => ProducerStamp::NONE,
        };
        let buf = self.acc.take_buffer(b.size + 64);
        let bytes = encode_batch(
            &b.records,
            stamp,
            self.cfg.compression,
            self.cfg.compression_level,
            buf,
        )?;
        if self.cfg.compression != Compression::None {
            self.acc
                .observe_compression(b.tp.topic, b.size, bytes.len());
        }
        b.encoded = Some(bytes);
        Ok(())
    }

    /// Settles each batch of a Produce request from its partition's answer.
    pub(super) fn on_produce_response(
        &mut self,
        batches: Vec<Batch>,
        resp: ProduceResponse,
        now: Instant,
    ) {
        for b in batches {
            self.acc.returned(b.tp);
            let name = self.acc.topic_name(b.tp.topic).clone();
            let id = self.meta.cluster.topics.get(&name).map(|t| t.id);
            let pr: Option<&PartitionProduceResponse> = resp
                .responses
                .iter()
                .filter(|t| *t.name == *name || (!t.topic_id.is_nil() && Some(t.topic_id) == id))
                .flat_map(|t| t.partition_responses.iter())
                .find(|p| p.index == b.tp.partition);
            let Some(pr) = pr else {
                warn!(topic = %name, partition = b.tp.partition, "no response for a partition sent");
                self.on_batch_error(b, ErrorCode::NetworkException, None, -1, false, now);
                continue;
            };
            if pr.error_code == ErrorCode::None {
                let (base, lat) = (pr.base_offset, pr.log_append_time_ms);
                self.complete_batch(b, base, lat);
                continue;
            }
            let code = pr.error_code;
            if matches!(
                code,
                ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch
            ) && pr.current_leader.leader_id >= 0
            {
                self.meta.update_leader(
                    &name,
                    b.tp.partition,
                    pr.current_leader.leader_id,
                    pr.current_leader.leader_epoch,
                );
            }
            let msg = pr.error_message.clone();
            let lso = pr.log_start_offset;
            self.on_batch_error(b, code, msg, lso, true, now);
        }
    }
}
