//! Consumer groups as `GET /state` shows them: type, state, generation or epoch, members with
//! their assignments (a classic member's decoded from its consumer-protocol bytes), committed
//! offsets with the lag behind each partition's high watermark.

use std::collections::BTreeMap;

use kwire_protocol::consumer_protocol::ConsumerProtocolAssignment;
use serde::Serialize;

use crate::cluster::{BrokerId, Cluster};
use crate::group::{ClassicGroup, ConsumerGroup, Group};

/// A group in [`super::State`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupState {
    /// Group id.
    pub group_id: String,
    /// `classic` or `consumer` (KIP-848).
    #[serde(rename = "type")]
    pub group_type: &'static str,
    /// Kafka's state name (`Stable`, `PreparingRebalance`, `Reconciling`, ...).
    pub state: &'static str,
    /// The coordinator (leader of the group's `__consumer_offsets` partition), if live.
    pub coordinator: Option<BrokerId>,
    /// Protocol type (`consumer` for consumers, "" if none).
    pub protocol_type: String,
    /// Classic: the chosen assignor (`range`, `cooperative-sticky`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Classic: the generation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i32>,
    /// Consumer: the group epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_epoch: Option<i32>,
    /// Consumer: the epoch of the target assignment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_epoch: Option<i32>,
    /// Members.
    pub members: Vec<GroupMemberState>,
    /// Committed offsets, by topic and partition.
    pub offsets: Vec<CommittedOffset>,
}

/// A group member in [`GroupState`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMemberState {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub instance_id: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client address.
    pub client_host: String,
    /// Consumer: the member epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_epoch: Option<i32>,
    /// Partitions assigned, by topic; `null` for a classic member whose assignment is not
    /// consumer-protocol bytes (another protocol type, or garbage).
    pub assignment: Option<BTreeMap<String, Vec<i32>>>,
}

/// A committed offset in [`GroupState`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommittedOffset {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// The committed offset.
    pub offset: i64,
    /// The client's metadata string.
    pub metadata: String,
    /// The partition's high watermark (null if the partition is gone).
    pub high_watermark: Option<i64>,
    /// High watermark minus committed offset, at least 0 (null if the partition is gone).
    pub lag: Option<i64>,
}

fn by_topic<'a>(partitions: impl Iterator<Item = (&'a str, i32)>) -> BTreeMap<String, Vec<i32>> {
    let mut out: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (t, p) in partitions {
        out.entry(t.to_owned()).or_default().push(p);
    }
    for ps in out.values_mut() {
        ps.sort_unstable();
    }
    out
}

fn classic_members(g: &ClassicGroup) -> Vec<GroupMemberState> {
    g.members()
        .iter()
        .map(|m| GroupMemberState {
            member_id: m.member_id.clone(),
            instance_id: m.group_instance_id.clone(),
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            member_epoch: None,
            assignment: if m.assignment.is_empty() {
                Some(BTreeMap::new())
            } else {
                ConsumerProtocolAssignment::decode(&m.assignment)
                    .ok()
                    .map(|(_, a)| by_topic(a.partitions()))
            },
        })
        .collect()
}

fn consumer_members(g: &ConsumerGroup) -> Vec<GroupMemberState> {
    g.members()
        .values()
        .map(|m| GroupMemberState {
            member_id: m.member_id.clone(),
            instance_id: m.instance_id.clone(),
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            member_epoch: Some(m.member_epoch),
            assignment: Some(by_topic(m.assigned.iter().map(|(t, p)| (t.as_str(), *p)))),
        })
        .collect()
}

/// Every group of `c`, by id.
pub(crate) fn groups(c: &Cluster) -> Vec<GroupState> {
    let coordinator = c.groups();
    coordinator
        .groups()
        .iter()
        .map(|(id, g)| {
            let offsets = coordinator
                .offsets()
                .group(id)
                .into_iter()
                .flatten()
                .flat_map(|(topic, parts)| {
                    parts.iter().map(move |(p, o)| {
                        let hw = c.partition(topic, *p).map(|p| p.high_watermark);
                        CommittedOffset {
                            topic: topic.clone(),
                            partition: *p,
                            offset: o.offset,
                            metadata: o.metadata.clone(),
                            high_watermark: hw,
                            lag: hw.map(|hw| (hw - o.offset).max(0)),
                        }
                    })
                })
                .collect();
            let mut s = GroupState {
                group_id: id.clone(),
                group_type: g.type_name(),
                state: g.state_name(),
                coordinator: c.group_coordinator(id),
                protocol_type: g.protocol_type().to_owned(),
                protocol: None,
                generation: None,
                group_epoch: None,
                assignment_epoch: None,
                members: Vec::new(),
                offsets,
            };
            match g {
                Group::Classic(g) => {
                    s.protocol = g.protocol_name().map(str::to_owned);
                    s.generation = Some(g.generation());
                    s.members = classic_members(g);
                }
                Group::Consumer(g) => {
                    s.group_epoch = Some(g.group_epoch());
                    s.assignment_epoch = Some(g.target_epoch());
                    s.members = consumer_members(g);
                }
            }
            s
        })
        .collect()
}
