//! IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT (the last two on list configs)
//! on a topic's overrides or on the broker configs Kafka changes at run time; the rules are the
//! model's (`cluster::config_change`).

use kwire_protocol::api::incremental_alter_configs::{
    AlterConfigsResource, AlterConfigsResourceResponse, IncrementalAlterConfigsRequest,
    IncrementalAlterConfigsResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::config_resources::{Refusal, Resource, resolve};
use super::{Outcome, RequestContext};
use crate::cluster::{AlterOp, Cluster, ConfigChange};

/// The request this module answers.
pub type Request = IncrementalAlterConfigsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

fn alter(
    cluster: &mut Cluster,
    broker: i32,
    r: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), Refusal> {
    let mut changes = Vec::with_capacity(r.configs.len());
    for c in &r.configs {
        let op = AlterOp::from_code(c.config_operation).ok_or_else(|| {
            (
                ErrorCode::InvalidRequest,
                format!("unknown operation {} on {}", c.config_operation, c.name),
            )
        })?;
        changes.push(ConfigChange {
            name: c.name.clone(),
            op,
            value: c.value.clone(),
        });
    }
    match resolve(cluster, broker, r.resource_type, &r.resource_name)? {
        Resource::Topic(topic) => Ok(cluster.alter_topic_configs(&topic, &changes, validate_only)?),
        Resource::Broker(id) => Ok(cluster.alter_broker_configs(id, &changes, validate_only)?),
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

    const SET: i8 = AlterOp::Set as i8;
    const DELETE: i8 = AlterOp::Delete as i8;
    const APPEND: i8 = AlterOp::Append as i8;
    const SUBTRACT: i8 = AlterOp::Subtract as i8;
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
