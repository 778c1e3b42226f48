//! IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT (the last two on list configs)
//! on a topic's overrides or on the broker configs Kafka changes at run time.

use kwire_protocol::api::incremental_alter_configs::{
    AlterConfigsResource, AlterConfigsResourceResponse, IncrementalAlterConfigsRequest,
    IncrementalAlterConfigsResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::config_resources::{Refusal, Resource, alter_brokers, alter_topic, resolve};
use super::{Outcome, RequestContext};
use crate::cluster::Cluster;
use crate::cluster::topic_config::{self, ConfigError};

/// The request this module answers.
pub type Request = IncrementalAlterConfigsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// AlterConfigOp types (KIP-339).
const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

fn invalid_request(message: String) -> Refusal {
    (ErrorCode::InvalidRequest, message)
}

fn alter(
    cluster: &mut Cluster,
    broker: i32,
    r: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Refusal> {
    if let Some(dup) = (0..r.configs.len())
        .find(|&i| r.configs[..i].iter().any(|c| c.name == r.configs[i].name))
    {
        return Err(invalid_request(format!(
            "config {} is altered twice",
            r.configs[dup].name
        )));
    }
    if let Some(c) = r.configs.iter().find(|c| !(SET..=SUBTRACT).contains(&c.config_operation)) {
        return Err(invalid_request(format!(
            "unknown operation {} on {}",
            c.config_operation, c.name
        )));
    }
    match resolve(cluster, broker, r.resource_type, &r.resource_name)? {
        Resource::Topic(topic) => {
            let mut configs = cluster.topic(&topic).expect("resolved").configs.clone();
            for c in &r.configs {
                // Deleting a name that is not a topic config is accepted, as Kafka accepts it.
                if c.config_operation == DELETE {
                    configs.remove(&c.name);
                    continue;
                }
                let list = topic_config::is_list(&c.name)
                    .ok_or_else(|| ConfigError::Unknown(c.name.clone()))?;
                let value = || c.value.clone().ok_or_else(|| ConfigError::Null(c.name.clone()));
                match c.config_operation {
                    SET => {
                        configs.insert(c.name.clone(), value()?);
                    }
                    _ if !list => {
                        return Err(ConfigError::Invalid {
                            name: c.name.clone(),
                            value: c.value.clone().unwrap_or_default(),
                            reason: "APPEND and SUBTRACT apply to list configs only",
                        }
                        .into());
                    }
                    op => {
                        let given = value()?;
                        let current = match configs.get(&c.name) {
                            Some(v) => v.clone(),
                            None => topic_config::describe(
                                cluster.config(),
                                &configs,
                                Some(std::slice::from_ref(&c.name)),
                            )
                            .pop()
                            .and_then(|d| d.value)
                            .unwrap_or_default(),
                        };
                        let mut items: Vec<String> = current
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect();
                        for item in given.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                            if op == APPEND {
                                if !items.iter().any(|i| i == item) {
                                    items.push(item.to_owned());
                                }
                            } else {
                                items.retain(|i| i != item);
                            }
                        }
                        configs.insert(c.name.clone(), items.join(","));
                    }
                }
            }
            alter_topic(cluster, &topic, configs, validate_only)
        }
        Resource::Broker(_) => {
            let mut changes = Vec::new();
            for c in &r.configs {
                match c.config_operation {
                    SET => changes.push((c.name.clone(), c.value.clone())),
                    DELETE => changes.push((c.name.clone(), None)),
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: c.name.clone(),
                            value: c.value.clone().unwrap_or_default(),
                            reason: "APPEND and SUBTRACT apply to list configs only",
                        }
                        .into());
                    }
                }
            }
            alter_brokers(cluster, &changes, validate_only)
        }
    }
}

/// Handles an IncrementalAlterConfigs request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: IncrementalAlterConfigsRequest,
) -> Outcome {
    let mut resp = IncrementalAlterConfigsResponse::default();
    for r in &req.resources {
        let (error_code, error_message) = match alter(cluster, ctx.broker, r, req.validate_only) {
            Ok(()) => (ErrorCode::None, None),
            Err((code, message)) => (code, Some(message)),
        };
        resp.responses.push(AlterConfigsResourceResponse {
            error_code,
            error_message,
            resource_type: r.resource_type,
            resource_name: r.resource_name.clone(),
            ..Default::default()
        });
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::incremental_alter_configs::AlterableConfig;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::config_resources::{BROKER, TOPIC};
    use crate::test_util::*;

    fn op(name: &str, operation: i8, value: Option<&str>) -> AlterableConfig {
        AlterableConfig {
            name: name.into(),
            config_operation: operation,
            value: value.map(Into::into),
            ..Default::default()
        }
    }

    fn alter_one(c: &mut Cluster, kind: i8, name: &str, configs: Vec<AlterableConfig>, validate_only: bool) -> ErrorCode {
        let req = IncrementalAlterConfigsRequest {
            resources: vec![AlterConfigsResource {
                resource_type: kind,
                resource_name: name.into(),
                configs,
                ..Default::default()
            }],
            validate_only,
            ..Default::default()
        };
        match call(c, 1, RequestBody::IncrementalAlterConfigs(req), 1, 0) {
            Outcome::Respond(ResponseBody::IncrementalAlterConfigs(r), _) => r.responses[0].error_code,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn operations_apply_to_the_overrides() {
        let mut c = cluster(1);
        let cfg = |c: &Cluster| c.topic("t").unwrap().configs.clone();
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", SET, Some("1000"))], false), ErrorCode::None);
        assert_eq!(c.partition("t", 0).unwrap().retention.ms, Some(1000), "takes effect");
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", SET, Some("5"))], true), ErrorCode::None);
        assert_eq!(cfg(&c)["retention.ms"], "1000");
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("cleanup.policy", APPEND, Some("compact"))], false), ErrorCode::None);
        assert_eq!(cfg(&c)["cleanup.policy"], "delete,compact");
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("cleanup.policy", SUBTRACT, Some("delete"))], false), ErrorCode::None);
        assert_eq!(cfg(&c)["cleanup.policy"], "compact");
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", APPEND, Some("1"))], false), ErrorCode::InvalidConfig);
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", DELETE, None)], false), ErrorCode::None);
        assert!(!cfg(&c).contains_key("retention.ms"));
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("nope", SET, Some("1"))], false), ErrorCode::InvalidConfig);
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("nope", DELETE, None)], false), ErrorCode::None);
        assert_eq!(alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", 7, Some("1"))], false), ErrorCode::InvalidRequest);
        assert_eq!(
            alter_one(&mut c, TOPIC, "t", vec![op("retention.ms", SET, Some("1")), op("retention.ms", DELETE, None)], false),
            ErrorCode::InvalidRequest
        );
        assert_eq!(alter_one(&mut c, TOPIC, "x", vec![op("retention.ms", SET, Some("1"))], false), ErrorCode::UnknownTopicOrPartition);
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("log.retention.bytes", SET, Some("100"))], false), ErrorCode::None);
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, Some(100), "brokers' default followed");
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("num.partitions", SET, Some("1"))], false), ErrorCode::InvalidRequest);
        // As Kafka 4.3.1 answers: an invalid value is INVALID_REQUEST, a name it does not
        // know is accepted, APPEND on a number INVALID_CONFIG, DELETE restores the default.
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("log.retention.bytes", SET, Some("x"))], false), ErrorCode::InvalidRequest);
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("no.such.config", SET, Some("1"))], false), ErrorCode::None);
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("log.retention.bytes", APPEND, Some("1"))], false), ErrorCode::InvalidConfig);
        assert_eq!(alter_one(&mut c, BROKER, "1", vec![op("log.retention.bytes", DELETE, None)], false), ErrorCode::None);
        assert_eq!(c.partition("t", 0).unwrap().retention.bytes, None);
    }
}
