//! Altering configs as IncrementalAlterConfigs does (KIP-339: SET, DELETE, APPEND, SUBTRACT), on
//! a topic's overrides and on the broker configs Kafka changes at run time. The one place these
//! rules live: the wire handlers (IncrementalAlterConfigs, AlterConfigs) and the `Controller`
//! both come through here.

use std::collections::BTreeMap;

use kwire_protocol::ErrorCode;

use super::topic_config::{self, ConfigError};
use super::{BrokerId, Cluster, TopicError, broker_config};

/// An IncrementalAlterConfigs operation (its `config_operation` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i8)]
pub enum AlterOp {
    /// Set the value.
    Set = 0,
    /// Remove the override (back to the broker's value or Kafka's default).
    Delete = 1,
    /// Add items to a list config (each at most once).
    Append = 2,
    /// Remove items from a list config.
    Subtract = 3,
}

impl AlterOp {
    /// The operation of a wire code, `None` for a code Kafka does not define.
    pub fn from_code(code: i8) -> Option<AlterOp> {
        [
            AlterOp::Set,
            AlterOp::Delete,
            AlterOp::Append,
            AlterOp::Subtract,
        ]
        .into_iter()
        .find(|op| *op as i8 == code)
    }
}

/// One change to one config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChange {
    /// The config.
    pub name: String,
    /// What to do.
    pub op: AlterOp,
    /// The value (ignored by DELETE; null is refused by the others).
    pub value: Option<String>,
}

impl ConfigChange {
    /// A change of `name`.
    pub fn new(name: &str, op: AlterOp, value: Option<&str>) -> ConfigChange {
        ConfigChange {
            name: name.to_owned(),
            op,
            value: value.map(str::to_owned),
        }
    }
}

/// Why a change of broker configs is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokerConfigError {
    /// A config Kafka reads only at start-up.
    #[error("{0} cannot be changed at run time")]
    ReadOnly(String),
    /// A value the config does not take.
    #[error("{0}")]
    InvalidValue(ConfigError),
    /// APPEND or SUBTRACT on a config that is not a list.
    #[error("{0}")]
    NotAList(ConfigError),
    /// The same config changed twice in one request.
    #[error("config {0} is altered twice")]
    Duplicate(String),
}

impl BrokerConfigError {
    /// Kafka 4.3.1's error code for it: INVALID_REQUEST for a read-only config or a bad value,
    /// INVALID_CONFIG for APPEND/SUBTRACT on a non-list.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            BrokerConfigError::NotAList(_) => ErrorCode::InvalidConfig,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

fn not_a_list(c: &ConfigChange) -> ConfigError {
    ConfigError::Invalid {
        name: c.name.clone(),
        value: c.value.clone().unwrap_or_default(),
        reason: "APPEND and SUBTRACT apply to list configs only",
    }
}

/// The first config named twice in `changes`.
fn duplicate(changes: &[ConfigChange]) -> Option<&str> {
    (0..changes.len())
        .find(|&i| changes[..i].iter().any(|c| c.name == changes[i].name))
        .map(|i| changes[i].name.as_str())
}

/// `current` (a comma-separated list) with the items of `given` appended (each once) or
/// subtracted.
fn edit_list(current: &str, given: &str, op: AlterOp) -> String {
    let mut items: Vec<&str> = current.split(',').filter(|s| !s.is_empty()).collect();
    for item in given.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if op == AlterOp::Append {
            if !items.contains(&item) {
                items.push(item);
            }
        } else {
            items.retain(|i| *i != item);
        }
    }
    items.join(",")
}

impl Cluster {
    /// Applies `changes` to the overrides of `topic`, all or none (checked first); the model's
    /// settings follow at once. Deleting a name that is not a topic config is accepted, as
    /// Kafka accepts it.
    pub fn alter_topic_configs(
        &mut self,
        topic: &str,
        changes: &[ConfigChange],
        validate_only: bool,
    ) -> Result<(), TopicError> {
        if let Some(name) = duplicate(changes) {
            return Err(TopicError::InvalidRequest(
                name.to_owned(),
                "a config is altered twice in one request",
            ));
        }
        let mut configs = self
            .topic(topic)
            .ok_or_else(|| TopicError::Unknown(topic.to_owned()))?
            .configs
            .clone();
        for c in changes {
            if c.op == AlterOp::Delete {
                configs.remove(&c.name);
                continue;
            }
            let list = topic_config::is_list(&c.name)
                .ok_or_else(|| ConfigError::Unknown(c.name.clone()))?;
            let value = c
                .value
                .clone()
                .ok_or_else(|| ConfigError::Null(c.name.clone()))?;
            let next = match c.op {
                AlterOp::Set => value,
                _ if !list => return Err(not_a_list(c).into()),
                op => {
                    let current = match configs.get(&c.name) {
                        Some(v) => v.clone(),
                        None => topic_config::describe(
                            self.config(),
                            &configs,
                            Some(std::slice::from_ref(&c.name)),
                        )
                        .pop()
                        .and_then(|d| d.value)
                        .unwrap_or_default(),
                    };
                    edit_list(&current, &value, op)
                }
            };
            configs.insert(c.name.clone(), next);
        }
        self.set_topic_configs(topic, configs, validate_only)
    }

    /// Applies `changes` to the broker configs of broker `broker`, or cluster-wide (`None`:
    /// resource name ""), all or none, as Kafka 4.3.1 answers them: APPEND and SUBTRACT are
    /// refused (no broker config the mock has is a list), read-only configs and values Kafka
    /// cannot parse are refused, names Kafka does not have are accepted. What is set is kept and
    /// described as Kafka describes dynamic configs; DELETE (or a null value) removes it. The
    /// configs the mock acts on follow at once, for every broker (the mock's brokers share one
    /// configuration): the broker's own value, else the cluster-wide one, else the static one.
    pub fn alter_broker_configs(
        &mut self,
        broker: Option<BrokerId>,
        changes: &[ConfigChange],
        validate_only: bool,
    ) -> Result<(), BrokerConfigError> {
        if let Some(name) = duplicate(changes) {
            return Err(BrokerConfigError::Duplicate(name.to_owned()));
        }
        if let Some(c) = changes
            .iter()
            .find(|c| matches!(c.op, AlterOp::Append | AlterOp::Subtract))
        {
            return Err(BrokerConfigError::NotAList(not_a_list(c)));
        }
        if let Some(c) = changes
            .iter()
            .find(|c| broker_config::dynamic(&c.name) == Some(false))
        {
            return Err(BrokerConfigError::ReadOnly(c.name.clone()));
        }
        // A null value removes the config, as DELETE does.
        let value = |c: &ConfigChange| match c.op {
            AlterOp::Delete => None,
            _ => c.value.clone(),
        };
        if let Some((c, v)) = changes
            .iter()
            .filter_map(|c| Some((c, value(c)?)))
            .find(|(c, v)| !broker_config::parses(&c.name, v))
        {
            return Err(BrokerConfigError::InvalidValue(ConfigError::Invalid {
                name: c.name.clone(),
                value: v,
                reason: "not a value of the config's type",
            }));
        }
        let mut dynamic = self.dynamic_configs.clone();
        for c in changes {
            dynamic.set(broker, &c.name, value(c).as_deref());
        }
        let acted_on: Vec<&ConfigChange> = changes
            .iter()
            .filter(|c| broker_config::acts_on(&c.name))
            .collect();
        for validate in [true, false] {
            if !validate && validate_only {
                return Ok(());
            }
            for c in &acted_on {
                let next = dynamic.effective(broker, &c.name).map(str::to_owned);
                self.set_broker_config(&c.name, next.as_deref(), validate)
                    .map_err(BrokerConfigError::InvalidValue)?;
            }
        }
        self.dynamic_configs = dynamic;
        Ok(())
    }

    /// Broker `broker`'s configs (or the cluster-wide ones, `None`), or those in `keys`, as
    /// DescribeConfigs lists them.
    pub fn describe_broker_configs(
        &self,
        broker: Option<BrokerId>,
        keys: Option<&[String]>,
    ) -> Vec<broker_config::BrokerConfig> {
        match broker {
            Some(id) => {
                broker_config::describe(&self.static_config, &self.dynamic_configs, id, keys)
            }
            None => broker_config::describe_cluster_defaults(&self.dynamic_configs, keys),
        }
    }

    /// The overrides of `topic`.
    pub fn topic_configs(&self, topic: &str) -> Result<&BTreeMap<String, String>, TopicError> {
        self.topic(topic)
            .map(|t| &t.configs)
            .ok_or_else(|| TopicError::Unknown(topic.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterConfig, TopicSpec};

    fn cluster() -> Cluster {
        let mut c = Cluster::new(ClusterConfig::default(), 0).unwrap();
        c.create_topic(&TopicSpec {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
        })
        .unwrap();
        c
    }

    fn code<T>(r: Result<T, TopicError>) -> ErrorCode {
        r.map_or_else(|e| e.error_code(), |_| ErrorCode::None)
    }

    #[test]
    fn topic_configs_are_set_deleted_appended_and_subtracted() {
        let mut c = cluster();
        let ch = ConfigChange::new;
        let cfg = |c: &Cluster| c.topic_configs("t").unwrap().clone();
        c.alter_topic_configs(
            "t",
            &[ch("retention.ms", AlterOp::Set, Some("1000"))],
            false,
        )
        .unwrap();
        assert_eq!(c.partition("t", 0).unwrap().retention.ms, Some(1000));
        c.alter_topic_configs("t", &[ch("retention.ms", AlterOp::Set, Some("5"))], true)
            .unwrap();
        assert_eq!(
            cfg(&c)["retention.ms"],
            "1000",
            "validation changes nothing"
        );
        c.alter_topic_configs(
            "t",
            &[ch("cleanup.policy", AlterOp::Append, Some("compact"))],
            false,
        )
        .unwrap();
        assert_eq!(cfg(&c)["cleanup.policy"], "delete,compact");
        c.alter_topic_configs(
            "t",
            &[ch("cleanup.policy", AlterOp::Subtract, Some("delete"))],
            false,
        )
        .unwrap();
        assert_eq!(cfg(&c)["cleanup.policy"], "compact");
        c.alter_topic_configs("t", &[ch("retention.ms", AlterOp::Delete, None)], false)
            .unwrap();
        assert!(!cfg(&c).contains_key("retention.ms"));
        let refused = |c: &mut Cluster, changes: &[ConfigChange]| {
            code(c.alter_topic_configs("t", changes, false))
        };
        assert_eq!(
            refused(&mut c, &[ch("retention.ms", AlterOp::Append, Some("1"))]),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            refused(&mut c, &[ch("retention.ms", AlterOp::Set, Some("soon"))]),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            refused(&mut c, &[ch("retention.ms", AlterOp::Set, None)]),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            refused(&mut c, &[ch("nope", AlterOp::Set, Some("1"))]),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            refused(&mut c, &[ch("nope", AlterOp::Delete, None)]),
            ErrorCode::None
        );
        assert_eq!(
            refused(
                &mut c,
                &[
                    ch("retention.ms", AlterOp::Set, Some("1")),
                    ch("retention.ms", AlterOp::Delete, None)
                ]
            ),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(c.alter_topic_configs("x", &[], false)),
            ErrorCode::UnknownTopicOrPartition
        );
        assert_eq!(
            cfg(&c),
            BTreeMap::from([("cleanup.policy".to_owned(), "compact".to_owned())]),
            "refused changes changed nothing"
        );
    }

    #[test]
    fn broker_configs_change_for_every_broker_or_not_at_all() {
        let mut c = cluster();
        let ch = ConfigChange::new;
        let err =
            |r: Result<(), BrokerConfigError>| r.err().map_or(ErrorCode::None, |e| e.error_code());
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[ch("log.retention.bytes", AlterOp::Set, Some("100"))],
                false
            )),
            ErrorCode::None
        );
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, Some(100));
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[ch("num.partitions", AlterOp::Set, Some("1"))],
                false
            )),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[
                    ch("min.insync.replicas", AlterOp::Set, Some("2")),
                    ch("log.retention.bytes", AlterOp::Set, Some("x"))
                ],
                false
            )),
            ErrorCode::InvalidRequest
        );
        assert_eq!(c.config().min_insync_replicas, 1, "all or none");
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[ch("no.such.config", AlterOp::Set, Some("1"))],
                false
            )),
            ErrorCode::None
        );
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[ch("log.retention.bytes", AlterOp::Append, Some("1"))],
                false
            )),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            err(c.alter_broker_configs(
                None,
                &[ch("log.retention.bytes", AlterOp::Delete, None)],
                false
            )),
            ErrorCode::None
        );
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, None);
        assert_eq!(AlterOp::from_code(3), Some(AlterOp::Subtract));
        assert_eq!(AlterOp::from_code(4), None);
    }

    fn source(
        c: &Cluster,
        id: Option<BrokerId>,
        name: &str,
    ) -> Option<(Option<String>, &'static str, Vec<&'static str>)> {
        let b = c
            .describe_broker_configs(id, Some(&[name.to_owned()]))
            .pop()?;
        Some((
            b.described.value,
            b.described.source.name(),
            b.described.synonyms.iter().map(|s| s.2.name()).collect(),
        ))
    }

    #[test]
    fn dynamic_broker_configs_are_kept_per_broker_and_cluster_wide() {
        let mut c = cluster();
        let ch = ConfigChange::new;
        let flush = "log.flush.interval.messages";
        c.alter_broker_configs(Some(1), &[ch(flush, AlterOp::Set, Some("2000"))], false)
            .unwrap();
        assert_eq!(
            source(&c, Some(1), flush),
            Some((
                Some("2000".into()),
                "DYNAMIC_BROKER_CONFIG",
                vec!["DYNAMIC_BROKER_CONFIG", "DEFAULT_CONFIG"]
            ))
        );
        assert_eq!(
            source(&c, Some(2), flush).unwrap().1,
            "DEFAULT_CONFIG",
            "broker 1's own"
        );
        c.alter_broker_configs(None, &[ch(flush, AlterOp::Set, Some("3000"))], false)
            .unwrap();
        assert_eq!(
            source(&c, Some(1), flush).unwrap().2,
            vec![
                "DYNAMIC_BROKER_CONFIG",
                "DYNAMIC_DEFAULT_BROKER_CONFIG",
                "DEFAULT_CONFIG"
            ]
        );
        assert_eq!(
            source(&c, None, flush),
            Some((
                Some("3000".into()),
                "DYNAMIC_DEFAULT_BROKER_CONFIG",
                vec!["DYNAMIC_DEFAULT_BROKER_CONFIG"]
            ))
        );
        let refused = c
            .alter_broker_configs(Some(1), &[ch(flush, AlterOp::Set, Some("many"))], false)
            .unwrap_err();
        assert_eq!(refused.error_code(), ErrorCode::InvalidRequest);
        c.alter_broker_configs(Some(1), &[ch(flush, AlterOp::Delete, None)], false)
            .unwrap();
        assert_eq!(
            source(&c, Some(1), flush).unwrap().0.as_deref(),
            Some("3000"),
            "the cluster-wide value shows through"
        );
        c.alter_broker_configs(None, &[ch(flush, AlterOp::Delete, None)], false)
            .unwrap();
        assert_eq!(source(&c, None, flush), None);
        assert_eq!(source(&c, Some(1), flush).unwrap().1, "DEFAULT_CONFIG");
    }

    #[test]
    fn a_config_the_mock_acts_on_follows_the_nearest_dynamic_value() {
        let mut c = cluster();
        let ch = ConfigChange::new;
        let bytes = "log.retention.bytes";
        c.alter_broker_configs(None, &[ch(bytes, AlterOp::Set, Some("500"))], false)
            .unwrap();
        c.alter_broker_configs(Some(1), &[ch(bytes, AlterOp::Set, Some("100"))], false)
            .unwrap();
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, Some(100));
        c.alter_broker_configs(Some(1), &[ch(bytes, AlterOp::Delete, None)], false)
            .unwrap();
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, Some(500));
        c.alter_broker_configs(None, &[ch(bytes, AlterOp::Delete, None)], false)
            .unwrap();
        assert_eq!(
            c.partition("t", 0).unwrap().retention.bytes,
            None,
            "back to the static config"
        );
        // Kafka 4's controller records min.insync.replicas cluster-wide at start-up.
        assert_eq!(
            source(&c, None, "min.insync.replicas").unwrap().1,
            "DYNAMIC_DEFAULT_BROKER_CONFIG"
        );
        let validated =
            c.alter_broker_configs(Some(1), &[ch(bytes, AlterOp::Set, Some("7"))], true);
        assert!(validated.is_ok());
        assert_eq!(
            source(&c, Some(1), bytes).unwrap().1,
            "DEFAULT_CONFIG",
            "validate only"
        );
    }
}
