//! Committed offsets: a store that changes only by replaying [`OffsetRecord`]s, the records a
//! replicated `__consumer_offsets` partition would carry, so the store can later be rebuilt
//! from such a log; and Kafka's rule for when an offset has expired.

use std::collections::BTreeMap;

/// A committed offset, as Kafka keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OffsetAndMetadata {
    /// The committed offset.
    pub offset: i64,
    /// The leader epoch of the last consumed record, -1 if none.
    pub leader_epoch: i32,
    /// The client's metadata string.
    pub metadata: String,
    /// Model time of the commit.
    pub commit_timestamp: u64,
    /// An explicit expiry (OffsetCommit v2-v4 `retention_time_ms`), model time.
    pub expire_timestamp: Option<u64>,
}

/// A change to the committed offsets of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OffsetRecord {
    /// An offset committed for a partition.
    Commit {
        /// Group id.
        group: String,
        /// Topic name.
        topic: String,
        /// Partition index.
        partition: i32,
        /// What was committed.
        value: OffsetAndMetadata,
    },
    /// A partition's offset removed (deleted, expired, or its group deleted).
    Tombstone {
        /// Group id.
        group: String,
        /// Topic name.
        topic: String,
        /// Partition index.
        partition: i32,
    },
}

type TopicOffsets = BTreeMap<String, BTreeMap<i32, OffsetAndMetadata>>;

/// The committed offsets of every group, by group, topic and partition.
#[derive(Debug, Clone, Default)]
pub struct OffsetStore {
    by_group: BTreeMap<String, TopicOffsets>,
}

impl OffsetStore {
    /// Applies one record.
    pub fn apply(&mut self, record: OffsetRecord) {
        match record {
            OffsetRecord::Commit {
                group,
                topic,
                partition,
                value,
            } => {
                self.by_group
                    .entry(group)
                    .or_default()
                    .entry(topic)
                    .or_default()
                    .insert(partition, value);
            }
            OffsetRecord::Tombstone {
                group,
                topic,
                partition,
            } => {
                let Some(topics) = self.by_group.get_mut(&group) else {
                    return;
                };
                if let Some(parts) = topics.get_mut(&topic) {
                    parts.remove(&partition);
                    if parts.is_empty() {
                        topics.remove(&topic);
                    }
                }
                if topics.is_empty() {
                    self.by_group.remove(&group);
                }
            }
        }
    }

    /// The committed offset of one partition.
    pub fn get(&self, group: &str, topic: &str, partition: i32) -> Option<&OffsetAndMetadata> {
        self.by_group.get(group)?.get(topic)?.get(&partition)
    }

    /// Every committed offset of a group, by topic and partition.
    pub fn group(&self, group: &str) -> Option<&TopicOffsets> {
        self.by_group.get(group)
    }

    /// Whether the group has any committed offset.
    pub fn has_group(&self, group: &str) -> bool {
        self.by_group.contains_key(group)
    }

    /// Tombstones for every offset of a group.
    pub fn tombstones_for_group(&self, group: &str) -> Vec<OffsetRecord> {
        self.by_group
            .get(group)
            .into_iter()
            .flat_map(|topics| topics.iter())
            .flat_map(|(topic, parts)| {
                parts.keys().map(move |&partition| OffsetRecord::Tombstone {
                    group: group.to_owned(),
                    topic: topic.clone(),
                    partition,
                })
            })
            .collect()
    }

    /// Tombstones for every group's offsets of `topic` (the topic was deleted).
    pub fn tombstones_for_topic(&self, topic: &str) -> Vec<OffsetRecord> {
        self.by_group
            .iter()
            .filter_map(|(group, topics)| Some((group, topics.get(topic)?)))
            .flat_map(|(group, parts)| {
                parts.keys().map(move |&partition| OffsetRecord::Tombstone {
                    group: group.clone(),
                    topic: topic.to_owned(),
                    partition,
                })
            })
            .collect()
    }
}

/// From when an offset's retention counts, for the offsets of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionBase {
    /// From the time the group became empty (classic groups with members' protocol type).
    EmptySince(u64),
    /// From each offset's commit time (simple groups; consumer groups for topics no member
    /// subscribes to).
    CommitTime,
}

impl RetentionBase {
    /// Kafka's rule: an explicit expiry wins; otherwise the offset expires once `retention_ms`
    /// have passed since the base.
    pub fn is_expired(self, o: &OffsetAndMetadata, now: u64, retention_ms: u64) -> bool {
        if let Some(at) = o.expire_timestamp {
            return now >= at;
        }
        let base = match self {
            RetentionBase::EmptySince(t) => t,
            RetentionBase::CommitTime => o.commit_timestamp,
        };
        now.saturating_sub(base) >= retention_ms
    }
}
