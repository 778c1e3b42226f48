//! [`Controller`]: the handle every way of driving a running cluster goes through — the Rust
//! API, scenario files and the HTTP control endpoint. Each operation locks the model, advances
//! it to now, changes it and wakes the requests waiting on it.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use kwire_protocol::{ErrorCode, Uuid};

use super::action::{Action, Applied, ControlError, config_changes};
use super::state::{self, ConfigEntry, State};
use crate::cluster::{
    BrokerConfigError, BrokerId, Cluster, ConfigChange, Created, FollowerLag, Injection, Layout,
    NewTopic, Scope, TopicError, TopicSpec, topic_config,
};
use crate::server::{ConnectionFaults, ServerStats, Shared};

/// A cheap, cloneable handle to a running cluster's model and faults: what the Rust API, the
/// scenario runner and the HTTP control endpoint all drive. It does not keep the cluster
/// running: dropping the [`crate::MockCluster`] stops it.
#[derive(Clone)]
pub struct Controller {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller").finish_non_exhaustive()
    }
}

impl Controller {
    /// Runs `f` on the cluster model (inspect state, create topics, inject errors...), after
    /// advancing replication to now. Waiting requests look again afterwards.
    pub fn with_cluster<R>(&self, f: impl FnOnce(&mut Cluster) -> R) -> R {
        self.shared.with_cluster(f)
    }

    /// The batches a consumer can read from a partition now (the leader's log up to the high
    /// watermark), to check in a test what the cluster kept. See [`Cluster::committed`].
    pub fn committed(&self, topic: &str, partition: i32) -> Result<Bytes, ErrorCode> {
        self.with_cluster(|c| c.committed(topic, partition))
    }

    /// Stops a broker: its connections close, new ones are refused, its partitions fail over.
    /// Returns false if it was already down (or does not exist).
    pub fn broker_down(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_down(id));
        if done {
            self.shared.set_up(id, false);
        }
        done
    }

    /// Restarts a broker: it listens again, its replicas truncate what their leaders lack and
    /// catch up. Returns false if it was already up (or does not exist).
    pub fn broker_up(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_up(id));
        if done {
            self.shared.set_up(id, true);
        }
        done
    }

    /// Moves a partition's leadership (to the next eligible replica when `to` is `None`).
    pub fn move_leader(
        &self,
        topic: &str,
        partition: i32,
        to: Option<BrokerId>,
    ) -> Result<BrokerId, ErrorCode> {
        self.with_cluster(|c| c.move_leader(topic, partition, to))
    }

    /// Sets a partition's ISR (the leader always stays in it). A follower removed from the
    /// ISR rejoins once it is caught up: stall it with [`Controller::set_lag`] to keep it out.
    pub fn set_isr(
        &self,
        topic: &str,
        partition: i32,
        isr: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| c.set_isr(topic, partition, isr))
    }

    /// Reassigns a partition's replicas ("set followers").
    pub fn set_replicas(
        &self,
        topic: &str,
        partition: i32,
        replicas: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| c.set_replicas(topic, partition, replicas))
    }

    /// Sets follower lag: for one follower of one partition (`partition = Some((topic, p))`
    /// and `broker = Some(b)`), for every partition a broker follows (`broker` only), or the
    /// default for all (neither). `lag = None` removes the override.
    pub fn set_lag(
        &self,
        broker: Option<BrokerId>,
        partition: Option<(&str, i32)>,
        lag: Option<FollowerLag>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| match (broker, partition) {
            (Some(b), Some((t, p))) => c.set_partition_lag(t, p, b, lag),
            (Some(b), None) => {
                if c.set_broker_lag(b, lag) {
                    Ok(())
                } else {
                    Err(ErrorCode::BrokerNotAvailable)
                }
            }
            (None, None) => {
                c.set_default_lag(lag.unwrap_or_default());
                Ok(())
            }
            (None, Some(_)) => Err(ErrorCode::InvalidRequest),
        })
    }

    /// Injects an error for the next requests of an API.
    pub fn inject(&self, injection: Injection) {
        self.with_cluster(|c| c.faults.inject(injection));
    }

    /// Removes every pending injected error.
    pub fn clear_injections(&self) {
        self.with_cluster(|c| c.faults.clear());
    }

    /// Sets connection-level faults for a broker (0 = every broker).
    pub fn set_connection_faults(&self, broker: BrokerId, faults: ConnectionFaults) {
        self.shared.set_connection_faults(broker, faults);
    }

    /// Ends every SASL session authenticated so far on `broker` (every broker when `None`)
    /// now (see [`Action::ExpireSessions`]).
    pub fn expire_sessions(&self, broker: Option<BrokerId>) {
        self.shared
            .sasl()
            .faults
            .expire_sessions(broker, std::time::SystemTime::now());
    }

    /// Refuses the next `count` SASL logins of `user` with `mechanism` on `broker` (`None`:
    /// any).
    pub fn reject_logins(
        &self,
        broker: Option<BrokerId>,
        user: Option<String>,
        mechanism: Option<String>,
        count: u32,
    ) {
        self.shared
            .sasl()
            .faults
            .reject_logins(broker, user, mechanism, count);
    }

    /// The connection-level faults set per broker (0 = every broker).
    pub fn connection_faults(&self) -> BTreeMap<BrokerId, ConnectionFaults> {
        self.shared.connection_faults()
    }

    /// Creates a topic.
    pub fn create_topic(
        &self,
        name: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<(), TopicError> {
        self.with_cluster(|c| {
            c.create_topic(&TopicSpec {
                name: name.into(),
                partitions,
                replication_factor,
            })
            .map(|_| ())
        })
    }

    /// Creates a topic as CreateTopics does: Kafka's checks, configs, explicit replicas.
    pub fn create_topic_with(&self, topic: &NewTopic) -> Result<Created, TopicError> {
        self.with_cluster(|c| c.create_topic_with(topic, false))
    }

    /// Deletes a topic as DeleteTopics does; returns its id.
    pub fn delete_topic(&self, name: &str) -> Result<Uuid, TopicError> {
        self.with_cluster(|c| c.delete_topic(name))
    }

    /// Grows `topic` to `count` partitions as CreatePartitions does: the new partitions on
    /// `assignment` (one replica list per new partition, preferred leader first) or
    /// round-robin with the topic's replication factor.
    pub fn create_partitions(
        &self,
        topic: &str,
        count: i32,
        assignment: Option<&[Vec<BrokerId>]>,
    ) -> Result<(), TopicError> {
        self.with_cluster(|c| c.create_partitions(topic, count, assignment, false))
    }

    /// Changes the config overrides of `topic` as IncrementalAlterConfigs does (SET, DELETE,
    /// APPEND, SUBTRACT), all or none; the model follows at once (retention, min ISR, ...).
    pub fn alter_topic_configs(
        &self,
        topic: &str,
        changes: &[ConfigChange],
    ) -> Result<(), TopicError> {
        self.with_cluster(|c| c.alter_topic_configs(topic, changes, false))
    }

    /// Changes broker configs cluster-wide as IncrementalAlterConfigs on resource "" does, all
    /// or none: any config Kafka changes at run time is kept and described as a
    /// DYNAMIC_DEFAULT_BROKER_CONFIG; those the mock acts on (`min.insync.replicas`,
    /// `message.max.bytes`, `log.retention.ms`, `log.retention.bytes`,
    /// `unclean.leader.election.enable`) take effect at once.
    pub fn alter_broker_configs(&self, changes: &[ConfigChange]) -> Result<(), BrokerConfigError> {
        self.with_cluster(|c| c.alter_broker_configs(None, changes, false))
    }

    /// Every config of `topic` as DescribeConfigs lists it: value, source, type, synonyms.
    pub fn describe_topic_configs(&self, topic: &str) -> Result<Vec<ConfigEntry>, TopicError> {
        self.with_cluster(|c| {
            let overrides = c.topic_configs(topic)?;
            Ok(topic_config::describe(c.config(), overrides, None)
                .into_iter()
                .map(|d| ConfigEntry::new(d, false))
                .collect())
        })
    }

    /// Every config of broker `id` as DescribeConfigs lists it; `None` if there is no such
    /// broker.
    pub fn describe_broker_configs(&self, id: BrokerId) -> Option<Vec<ConfigEntry>> {
        self.with_cluster(|c| {
            c.broker(id)?;
            Some(
                c.describe_broker_configs(Some(id), None)
                    .into_iter()
                    .map(|b| ConfigEntry::new(b.described, b.read_only))
                    .collect(),
            )
        })
    }

    /// Deletes the records of a partition below `offset` (-1: the high watermark) as
    /// DeleteRecords does on its leader; returns the new log start offset. LEADER_NOT_AVAILABLE
    /// while the partition has no leader.
    pub fn delete_records(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
    ) -> Result<i64, ErrorCode> {
        self.with_cluster(|c| {
            let leader = c
                .partition(topic, partition)
                .ok_or(ErrorCode::UnknownTopicOrPartition)?
                .leader
                .filter(|b| c.is_up(*b))
                .ok_or(ErrorCode::LeaderNotAvailable)?;
            c.delete_records(leader, topic, partition, offset)
        })
    }

    /// Moves a group's coordinator (see [`Cluster::move_group_coordinator`]); returns the new
    /// one.
    pub fn move_coordinator(
        &self,
        group: &str,
        to: Option<BrokerId>,
    ) -> Result<BrokerId, ErrorCode> {
        self.with_cluster(|c| c.move_group_coordinator(group, to))
    }

    /// Expires a member of a group as if its session timed out: a classic group rebalances
    /// without it, a consumer group reassigns its partitions. GROUP_ID_NOT_FOUND or
    /// UNKNOWN_MEMBER_ID if there is no such group or member.
    pub fn expire_member(&self, group: &str, member: &str) -> Result<(), ErrorCode> {
        self.with_cluster(|c| {
            let now = c.now();
            let groups = c.groups_mut();
            if groups.group(group).is_none() {
                return Err(ErrorCode::GroupIdNotFound);
            }
            if groups.expire_member(group, member, now) {
                Ok(())
            } else {
                Err(ErrorCode::UnknownMemberId)
            }
        })
    }

    /// Starts a rebalance of a group with members (see
    /// [`crate::group::GroupCoordinator::force_rebalance`]). GROUP_ID_NOT_FOUND if there is no
    /// such group or it has no members.
    pub fn force_rebalance(&self, group: &str) -> Result<(), ErrorCode> {
        self.with_cluster(|c| {
            let now = c.now();
            if c.groups_mut().force_rebalance(group, now) {
                Ok(())
            } else {
                Err(ErrorCode::GroupIdNotFound)
            }
        })
    }

    /// Model time (ms since start).
    pub fn now_ms(&self) -> u64 {
        self.shared.now()
    }

    /// The server's counters.
    pub fn server_stats(&self) -> ServerStats {
        self.shared.metrics.snapshot()
    }

    /// Applies one action now.
    pub fn apply(&self, action: &Action) -> Result<Applied, ControlError> {
        let name = action.name();
        let refused = |error: ErrorCode| ControlError::Refused {
            action: name,
            error,
            message: String::new(),
        };
        let topic_refused = |e: TopicError| ControlError::Refused {
            action: name,
            error: e.error_code(),
            message: e.to_string(),
        };
        let mut out = Applied {
            action: name,
            changed: true,
            leader: None,
            low_watermark: None,
        };
        match action {
            Action::BrokerDown { broker } => {
                self.check_broker(*broker)?;
                out.changed = self.broker_down(*broker);
            }
            Action::BrokerUp { broker } => {
                self.check_broker(*broker)?;
                out.changed = self.broker_up(*broker);
            }
            Action::MoveLeader {
                topic,
                partition,
                to,
            } => {
                out.leader = Some(self.move_leader(topic, *partition, *to).map_err(refused)?);
            }
            Action::SetIsr {
                topic,
                partition,
                isr,
            } => self
                .set_isr(topic, *partition, isr.clone())
                .map_err(refused)?,
            Action::SetReplicas {
                topic,
                partition,
                replicas,
            } => self
                .set_replicas(topic, *partition, replicas.clone())
                .map_err(refused)?,
            Action::SetLag {
                broker,
                topic,
                partition,
                lag_ms,
                stalled,
                clear,
            } => {
                let lag = match (lag_ms, stalled, clear) {
                    (_, _, true) => None,
                    (None, true, false) => Some(FollowerLag::Stalled),
                    (Some(ms), false, false) => Some(FollowerLag::Millis(*ms)),
                    _ => {
                        return Err(ControlError::Invalid(
                            "set_lag needs exactly one of lag_ms, stalled or clear".into(),
                        ));
                    }
                };
                let part = match (topic, partition) {
                    (Some(t), Some(p)) => Some((t.as_str(), *p)),
                    (None, None) => None,
                    _ => {
                        return Err(ControlError::Invalid(
                            "topic and partition go together".into(),
                        ));
                    }
                };
                if part.is_some() && broker.is_none() {
                    return Err(ControlError::Invalid(
                        "a partition lag needs the follower broker".into(),
                    ));
                }
                if broker.is_none() && lag.is_none() {
                    return Err(ControlError::Invalid(
                        "the default lag cannot be cleared; set lag_ms".into(),
                    ));
                }
                self.set_lag(*broker, part, lag).map_err(refused)?;
            }
            Action::Inject {
                api,
                error,
                count,
                broker,
                topic,
                partition,
                group,
                after_append,
            } => {
                let scope = match (broker, topic, partition, group) {
                    (None, None, None, None) => Scope::Cluster,
                    (Some(b), None, None, None) => Scope::Broker { broker: *b },
                    (None, Some(t), Some(p), None) => Scope::Partition {
                        topic: t.clone(),
                        partition: *p,
                    },
                    (None, None, None, Some(g)) => Scope::Group { group: g.clone() },
                    _ => {
                        return Err(ControlError::Invalid(
                            "scope is cluster (nothing), broker, topic+partition, or group".into(),
                        ));
                    }
                };
                let mut i = Injection::new(api.api_key()?, scope, error.error_code()?, *count);
                if let Some(a) = after_append {
                    i.after_append = *a;
                }
                self.inject(i);
            }
            Action::ClearInjections => self.clear_injections(),
            Action::ConnectionFaults {
                broker,
                latency_ms,
                drop_after_append,
                stall,
            } => {
                if *broker != 0 {
                    self.check_broker(*broker)?;
                }
                self.set_connection_faults(
                    *broker,
                    ConnectionFaults {
                        latency_ms: *latency_ms,
                        drop_after_append: *drop_after_append,
                        stall: *stall,
                    },
                );
            }
            Action::CreateTopic {
                name,
                partitions,
                replication_factor,
                configs,
            } => {
                let topic = NewTopic {
                    name: name.clone(),
                    layout: Layout::Counts {
                        partitions: *partitions,
                        replication_factor: *replication_factor,
                    },
                    configs: configs
                        .iter()
                        .map(|(k, v)| (k.clone(), Some(v.clone())))
                        .collect(),
                };
                self.create_topic_with(&topic).map_err(topic_refused)?;
            }
            Action::ExpireSessions { broker } => {
                if let Some(b) = broker {
                    self.check_broker(*b)?;
                }
                self.expire_sessions(*broker);
            }
            Action::RejectLogins {
                broker,
                user,
                mechanism,
                count,
            } => {
                if let Some(b) = broker {
                    self.check_broker(*b)?;
                }
                self.reject_logins(*broker, user.clone(), mechanism.clone(), *count);
            }
            Action::DeleteTopic { name } => {
                self.delete_topic(name).map_err(topic_refused)?;
            }
            Action::CreatePartitions {
                topic,
                count,
                assignment,
            } => self
                .create_partitions(topic, *count, assignment.as_deref())
                .map_err(topic_refused)?,
            Action::AlterTopicConfigs {
                topic,
                set,
                delete,
                append,
                subtract,
            } => self
                .alter_topic_configs(topic, &config_changes(set, delete, append, subtract))
                .map_err(topic_refused)?,
            Action::AlterBrokerConfigs { set, delete } => {
                let changes = config_changes(set, delete, &BTreeMap::new(), &BTreeMap::new());
                self.alter_broker_configs(&changes)
                    .map_err(|e| ControlError::Refused {
                        action: name,
                        error: e.error_code(),
                        message: e.to_string(),
                    })?;
            }
            Action::DeleteRecords {
                topic,
                partition,
                offset,
            } => {
                out.low_watermark = Some(
                    self.delete_records(topic, *partition, *offset)
                        .map_err(refused)?,
                );
            }
            Action::MoveCoordinator { group, to } => {
                out.leader = Some(self.move_coordinator(group, *to).map_err(refused)?);
            }
            Action::ExpireMember { group, member } => {
                self.expire_member(group, member).map_err(refused)?;
            }
            Action::ForceRebalance { group } => self.force_rebalance(group).map_err(refused)?,
        }
        tracing::info!(action = ?action, changed = out.changed, "control action applied");
        Ok(out)
    }

    fn check_broker(&self, id: BrokerId) -> Result<(), ControlError> {
        if self.with_cluster(|c| c.broker(id).is_some()) {
            Ok(())
        } else {
            Err(ControlError::Invalid(format!("no broker {id}")))
        }
    }

    /// A snapshot of brokers, partitions (leader, ISR, high watermark, log-end offsets),
    /// pending faults and counters.
    pub fn state(&self) -> State {
        let faults = self.connection_faults();
        let server = self.server_stats();
        let security = state::security(&self.shared.listener_security, &self.shared.sasl());
        self.with_cluster(|c| state::snapshot(c, &faults, server, security))
    }

    /// Tells every task of the cluster to stop.
    pub(crate) fn shut_down(&self) {
        self.shared.shutdown.send_replace(true);
    }

    /// Resolves when the cluster shuts down.
    pub(crate) async fn stopped(&self) {
        let mut shutdown = self.shared.shutdown.subscribe();
        let _ = shutdown.wait_for(|s| *s).await;
    }
}
