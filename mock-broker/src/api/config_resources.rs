//! What DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share: the resource types,
//! how a resource name is checked, and how the model's refusals become a resource's error.

use kwire_protocol::ErrorCode;

use crate::cluster::topic_config::ConfigError;
use crate::cluster::{BrokerConfigError, BrokerId, Cluster, TopicError, valid_topic_name};

/// ConfigResource type of a topic.
pub const TOPIC: i8 = 2;
/// ConfigResource type of a broker ("" for the cluster-wide defaults).
pub const BROKER: i8 = 4;

/// A resource a config request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// A topic that exists.
    Topic(String),
    /// The broker that received the request (its id), or all brokers ("").
    Broker(Option<BrokerId>),
}

/// An error for one resource, with its message.
pub type Refusal = (ErrorCode, String);

impl From<TopicError> for Refusal {
    fn from(e: TopicError) -> Refusal {
        (e.error_code(), e.to_string())
    }
}

impl From<ConfigError> for Refusal {
    fn from(e: ConfigError) -> Refusal {
        (ErrorCode::InvalidConfig, e.to_string())
    }
}

/// Checks a resource as Kafka does: a topic must exist (and have a legal name); a broker must
/// be the one asked, by id, or "" for the cluster-wide defaults; other types are refused.
pub fn resolve(
    cluster: &Cluster,
    broker: BrokerId,
    kind: i8,
    name: &str,
) -> Result<Resource, Refusal> {
    match kind {
        TOPIC if !valid_topic_name(name) => Err((
            ErrorCode::InvalidTopicException,
            format!("invalid topic name {name:?}"),
        )),
        TOPIC if cluster.topic(name).is_none() => Err((
            ErrorCode::UnknownTopicOrPartition,
            format!("topic {name} does not exist"),
        )),
        TOPIC => Ok(Resource::Topic(name.to_owned())),
        BROKER if name.is_empty() => Ok(Resource::Broker(None)),
        BROKER => match name.parse::<BrokerId>() {
            Ok(id) if id == broker => Ok(Resource::Broker(Some(id))),
            _ => Err((
                ErrorCode::InvalidRequest,
                format!(
                    "broker {broker} describes itself ({broker}) or the cluster (\"\"), not {name:?}"
                ),
            )),
        },
        other => Err((
            ErrorCode::InvalidRequest,
            format!("resource type {other} is not served by the mock"),
        )),
    }
}

impl From<BrokerConfigError> for Refusal {
    fn from(e: BrokerConfigError) -> Refusal {
        (e.error_code(), e.to_string())
    }
}
