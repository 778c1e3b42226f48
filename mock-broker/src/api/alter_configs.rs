//! AlterConfigs (the legacy form): a topic's overrides are replaced by those given; broker
//! configs Kafka changes at run time are set for every broker, read-only ones refused.

use std::collections::BTreeMap;

use kwire_protocol::api::alter_configs::{
    AlterConfigsRequest, AlterConfigsResource, AlterConfigsResourceResponse, AlterConfigsResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::config_resources::{Refusal, Resource, resolve};
use super::{Outcome, RequestContext};
use crate::cluster::{AlterOp, Cluster, ConfigChange};
use crate::cluster::topic_config::ConfigError;

/// The request this module answers.
pub type Request = AlterConfigsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

fn alter(
    cluster: &mut Cluster,
    broker: i32,
    r: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Refusal> {
    match resolve(cluster, broker, r.resource_type, &r.resource_name)? {
        Resource::Topic(topic) => {
            let mut configs = BTreeMap::new();
            for c in &r.configs {
                let value = c
                    .value
                    .clone()
                    .ok_or_else(|| ConfigError::Null(c.name.clone()))?;
                configs.insert(c.name.clone(), value);
            }
            Ok(cluster.set_topic_configs(&topic, configs, validate_only)?)
        }
        Resource::Broker(id) => {
            let changes: Vec<ConfigChange> = r
                .configs
                .iter()
                .map(|c| ConfigChange {
                    name: c.name.clone(),
                    op: AlterOp::Set,
                    value: c.value.clone(),
                })
                .collect();
            Ok(cluster.alter_broker_configs(id, &changes, validate_only)?)
        }
    }
}

/// Handles an AlterConfigs request.
pub fn handle(cluster: &mut Cluster, ctx: &RequestContext<'_>, req: AlterConfigsRequest) -> Outcome {
    let mut resp = AlterConfigsResponse::default();
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
    use kwire_protocol::api::alter_configs::AlterableConfig;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::config_resources::{BROKER, TOPIC};
    use crate::test_util::*;

    fn alter_one(c: &mut Cluster, kind: i8, name: &str, configs: &[(&str, &str)], validate_only: bool) -> ErrorCode {
        let req = AlterConfigsRequest {
            resources: vec![AlterConfigsResource {
                resource_type: kind,
                resource_name: name.into(),
                configs: configs
                    .iter()
                    .map(|(k, v)| AlterableConfig {
                        name: (*k).into(),
                        value: Some((*v).into()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            validate_only,
            ..Default::default()
        };
        match call(c, 1, RequestBody::AlterConfigs(req), 2, 0) {
            Outcome::Respond(ResponseBody::AlterConfigs(r), _) => r.responses[0].error_code,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn overrides_are_replaced_and_brokers_altered() {
        let mut c = cluster(1);
        assert_eq!(alter_one(&mut c, TOPIC, "t", &[("retention.ms", "1000"), ("retention.bytes", "10")], false), ErrorCode::None);
        assert_eq!(c.topic("t").unwrap().configs.len(), 2);
        assert_eq!(alter_one(&mut c, TOPIC, "t", &[("retention.bytes", "20")], false), ErrorCode::None);
        assert_eq!(c.topic("t").unwrap().configs.len(), 1, "replaced, not merged");
        assert_eq!(alter_one(&mut c, TOPIC, "t", &[("retention.bytes", "30")], true), ErrorCode::None);
        assert_eq!(c.topic("t").unwrap().configs["retention.bytes"], "20");
        assert_eq!(alter_one(&mut c, TOPIC, "t", &[("retention.ms", "soon")], false), ErrorCode::InvalidConfig);
        assert_eq!(alter_one(&mut c, TOPIC, "nope", &[("retention.ms", "1")], false), ErrorCode::UnknownTopicOrPartition);
        assert_eq!(alter_one(&mut c, BROKER, "1", &[("num.partitions", "5")], false), ErrorCode::InvalidRequest);
        assert_eq!(alter_one(&mut c, BROKER, "", &[("min.insync.replicas", "2")], false), ErrorCode::None);
        assert_eq!(c.config().min_insync_replicas, 2);
    }
}
