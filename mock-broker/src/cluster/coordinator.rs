//! Where the group coordinator runs: as in Kafka, a group's coordinator is the broker that
//! leads the group's partition of the internal topic `__consumer_offsets`, so it moves with
//! that partition's leadership (broker down, leader moved).
//!
//! The groups and their committed offsets are one [`GroupCoordinator`] beside the topics.
//! Kafka appends every commit and group change to the group's offsets partition with acks=all
//! and answers only once the whole ISR has it, so whichever ISR member a clean election picks
//! already holds every acknowledged commit: the new coordinator loads exactly what the old one
//! acknowledged. One store that survives every move of the coordinator is that outcome,
//! without replaying records. What is lost with it is the loss of an unclean election, which
//! the mock does not model for offsets.

use kwire_protocol::ErrorCode;

use super::{BrokerId, Cluster, TopicSpec};
use crate::group::{GroupCoordinator, offsets_partition_for};

/// The internal topic whose partition leaders coordinate the groups.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Whether Metadata marks `topic` internal: `__consumer_offsets` is the only internal topic the
/// mock makes (no transactions, no share groups).
pub fn is_internal_topic(topic: &str) -> bool {
    topic == OFFSETS_TOPIC
}

impl Cluster {
    /// The groups and their committed offsets.
    pub fn groups(&self) -> &GroupCoordinator {
        &self.groups
    }

    /// The groups and their committed offsets, to change.
    pub fn groups_mut(&mut self) -> &mut GroupCoordinator {
        &mut self.groups
    }

    /// FindCoordinator for a group: the broker that coordinates it. The first lookup creates
    /// `__consumer_offsets` and, as Kafka's, answers COORDINATOR_NOT_AVAILABLE (the topic did
    /// not exist when asked); so does a lookup while the group's partition has no live leader.
    pub fn find_group_coordinator(&mut self, group_id: &str) -> Result<BrokerId, ErrorCode> {
        if self.topic(OFFSETS_TOPIC).is_none() {
            let brokers = i16::try_from(self.brokers.len()).unwrap_or(i16::MAX);
            let spec = TopicSpec {
                name: OFFSETS_TOPIC.to_owned(),
                partitions: self.config.offsets_topic_num_partitions.max(1),
                replication_factor: self
                    .config
                    .offsets_topic_replication_factor
                    .clamp(1, brokers),
            };
            match self.create_topic(&spec) {
                Ok(_) => tracing::info!(
                    partitions = spec.partitions,
                    replication = spec.replication_factor,
                    "created {OFFSETS_TOPIC}"
                ),
                Err(e) => tracing::warn!(error = %e, "cannot create {OFFSETS_TOPIC}"),
            }
            return Err(ErrorCode::CoordinatorNotAvailable);
        }
        self.group_coordinator(group_id)
            .ok_or(ErrorCode::CoordinatorNotAvailable)
    }

    /// The live broker leading the group's partition of `__consumer_offsets`, if any.
    pub fn group_coordinator(&self, group_id: &str) -> Option<BrokerId> {
        let topic = self.topic(OFFSETS_TOPIC)?;
        let count = i32::try_from(topic.partitions.len()).ok()?;
        let index = usize::try_from(offsets_partition_for(group_id, count)).ok()?;
        topic.partitions[index].leader.filter(|b| self.is_up(*b))
    }

    /// Fault: moves the group's coordinator by moving the leadership of its partition of
    /// `__consumer_offsets` (to `to`, a live ISR member, or the next eligible replica), as a
    /// broker failover or reassignment does in Kafka: requests to the old coordinator get
    /// NOT_COORDINATOR and clients look it up again. Returns the new coordinator;
    /// COORDINATOR_NOT_AVAILABLE before `__consumer_offsets` exists.
    pub fn move_group_coordinator(
        &mut self,
        group_id: &str,
        to: Option<BrokerId>,
    ) -> Result<BrokerId, ErrorCode> {
        let count = self
            .topic(OFFSETS_TOPIC)
            .ok_or(ErrorCode::CoordinatorNotAvailable)?
            .partitions
            .len();
        let index = offsets_partition_for(group_id, i32::try_from(count).unwrap_or(i32::MAX));
        self.move_leader(OFFSETS_TOPIC, index, to)
    }

    /// Whether `broker` coordinates the group: NOT_COORDINATOR if not (also before
    /// `__consumer_offsets` exists, when no broker does), as Kafka answers a group request
    /// sent to a broker that has not loaded the group's partition.
    pub fn check_group_coordinator(
        &self,
        broker: BrokerId,
        group_id: &str,
    ) -> Result<(), ErrorCode> {
        if self.group_coordinator(group_id) == Some(broker) {
            Ok(())
        } else {
            Err(ErrorCode::NotCoordinator)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterConfig;

    fn cluster(brokers: i32) -> Cluster {
        let config = ClusterConfig {
            brokers,
            offsets_topic_num_partitions: 5,
            ..ClusterConfig::default()
        };
        Cluster::new(config, 0).unwrap()
    }

    #[test]
    fn the_first_lookup_creates_the_offsets_topic_and_the_leader_coordinates() {
        let mut c = cluster(3);
        assert_eq!(
            c.check_group_coordinator(1, "g"),
            Err(ErrorCode::NotCoordinator)
        );
        assert_eq!(
            c.find_group_coordinator("g"),
            Err(ErrorCode::CoordinatorNotAvailable)
        );
        let t = c.topic(OFFSETS_TOPIC).expect("created");
        assert_eq!(t.partitions.len(), 5);
        assert!(t.partitions.iter().all(|p| p.replicas.len() == 3));
        let index = offsets_partition_for("g", 5);
        let leader = c.partition(OFFSETS_TOPIC, index).unwrap().leader.unwrap();
        assert_eq!(c.find_group_coordinator("g"), Ok(leader));
        assert_eq!(c.check_group_coordinator(leader, "g"), Ok(()));
        let other = leader % 3 + 1;
        assert_eq!(
            c.check_group_coordinator(other, "g"),
            Err(ErrorCode::NotCoordinator)
        );
        assert!(is_internal_topic(OFFSETS_TOPIC) && !is_internal_topic("t"));
    }

    #[test]
    fn the_coordinator_moves_with_the_partition_leader() {
        let mut c = cluster(3);
        let _ = c.find_group_coordinator("g");
        let index = offsets_partition_for("g", 5);
        let first = c.find_group_coordinator("g").unwrap();
        let to = c.move_leader(OFFSETS_TOPIC, index, None).unwrap();
        assert_ne!(to, first);
        assert_eq!(c.find_group_coordinator("g"), Ok(to));
        assert_eq!(
            c.check_group_coordinator(first, "g"),
            Err(ErrorCode::NotCoordinator)
        );
        c.broker_down(to);
        let third = c.find_group_coordinator("g").unwrap();
        assert!(third != to);
    }

    #[test]
    fn moving_the_coordinator_moves_the_offsets_partition_leader() {
        let mut c = cluster(3);
        assert_eq!(
            c.move_group_coordinator("g", None),
            Err(ErrorCode::CoordinatorNotAvailable)
        );
        let _ = c.find_group_coordinator("g");
        let first = c.find_group_coordinator("g").unwrap();
        let to = first % 3 + 1;
        assert_eq!(c.move_group_coordinator("g", Some(to)), Ok(to));
        assert_eq!(c.group_coordinator("g"), Some(to));
        assert_eq!(
            c.check_group_coordinator(first, "g"),
            Err(ErrorCode::NotCoordinator)
        );
        let next = c.move_group_coordinator("g", None).unwrap();
        assert_ne!(next, to);
        c.broker_down(first);
        c.broker_down(next);
        assert!(
            c.move_group_coordinator("g", Some(first)).is_err(),
            "a broker that is down"
        );
    }

    #[test]
    fn deleting_a_topic_removes_its_committed_offsets() {
        use crate::group::{CommitOffset, CommitRequest};
        let mut c = cluster(1);
        c.create_topic(&TopicSpec {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
        })
        .unwrap();
        let commit = CommitRequest {
            group_id: "g".into(),
            generation_id_or_member_epoch: -1,
            version: 9,
            offsets: vec![CommitOffset {
                topic: "t".into(),
                offset: 5,
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            c.groups_mut().commit_offsets(&commit, 0),
            Ok(vec![ErrorCode::None])
        );
        assert!(c.groups().offsets().get("g", "t", 0).is_some());
        c.delete_topic("t").unwrap();
        assert!(c.groups().offsets().get("g", "t", 0).is_none());
    }

    #[test]
    fn a_leaderless_offsets_partition_has_no_coordinator() {
        let mut c = cluster(1);
        let _ = c.find_group_coordinator("g");
        assert_eq!(c.find_group_coordinator("g"), Ok(1));
        c.broker_down(1);
        assert_eq!(
            c.find_group_coordinator("g"),
            Err(ErrorCode::CoordinatorNotAvailable)
        );
        assert_eq!(
            c.topic(OFFSETS_TOPIC).unwrap().partitions[0].replicas,
            vec![1]
        );
    }
}
