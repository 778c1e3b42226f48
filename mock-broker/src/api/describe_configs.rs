//! DescribeConfigs: a topic's configs (every topic config, with where its value comes from)
//! and a broker's (those the mock has, see `cluster::broker_config`), with synonyms and
//! documentation when asked.

use kwire_protocol::api::describe_configs::{
    DescribeConfigsRequest, DescribeConfigsResourceResult, DescribeConfigsResponse,
    DescribeConfigsResult, DescribeConfigsSynonym,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::config_resources::{Resource, resolve};
use super::{Outcome, RequestContext};
use crate::cluster::topic_config::{self, Described};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeConfigsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-4");

fn entry(
    d: Described,
    read_only: bool,
    is_sensitive: bool,
    req: &DescribeConfigsRequest,
) -> DescribeConfigsResourceResult {
    DescribeConfigsResourceResult {
        name: d.name.into(),
        value: d.value,
        read_only,
        config_source: d.source as i8,
        is_sensitive,
        synonyms: if req.include_synonyms {
            d.synonyms
                .into_iter()
                .map(|(name, value, source)| DescribeConfigsSynonym {
                    name: name.into(),
                    value,
                    source: source as i8,
                    ..Default::default()
                })
                .collect()
        } else {
            Vec::new()
        },
        config_type: d.kind as i8,
        documentation: req.include_documentation.then(|| d.doc.to_owned()),
        ..Default::default()
    }
}

/// Handles a DescribeConfigs request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeConfigsRequest,
) -> Outcome {
    let mut resp = DescribeConfigsResponse::default();
    for r in &req.resources {
        // Kafka answers an empty message, not none, when it has nothing to say.
        let mut result = DescribeConfigsResult {
            error_message: Some(String::new()),
            resource_type: r.resource_type,
            resource_name: r.resource_name.clone(),
            ..Default::default()
        };
        let keys = r.configuration_keys.as_deref();
        match resolve(cluster, ctx.broker, r.resource_type, &r.resource_name) {
            Ok(Resource::Topic(name)) => {
                let overrides = &cluster.topic(&name).expect("resolved").configs;
                result.configs = topic_config::describe(cluster.config(), overrides, keys)
                    .into_iter()
                    .map(|d| entry(d, false, false, &req))
                    .collect();
            }
            Ok(Resource::Broker(id)) => {
                // "" lists the cluster-wide dynamic defaults.
                result.configs = cluster
                    .describe_broker_configs(id, keys)
                    .into_iter()
                    .map(|b| entry(b.described, b.read_only, b.sensitive, &req))
                    .collect();
            }
            Err((code, _)) if code == ErrorCode::UnknownTopicOrPartition => {
                result.error_code = code;
            }
            Err((code, message)) => {
                result.error_code = code;
                result.error_message = Some(message);
            }
        }
        resp.results.push(result);
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::describe_configs::DescribeConfigsResource;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::config_resources::{BROKER, TOPIC};
    use crate::test_util::*;

    fn describe(c: &mut Cluster, kind: i8, name: &str, keys: Option<Vec<&str>>, synonyms: bool) -> DescribeConfigsResult {
        let req = DescribeConfigsRequest {
            resources: vec![DescribeConfigsResource {
                resource_type: kind,
                resource_name: name.into(),
                configuration_keys: keys.map(|k| k.into_iter().map(Into::into).collect()),
                ..Default::default()
            }],
            include_synonyms: synonyms,
            include_documentation: true,
            ..Default::default()
        };
        match call(c, 1, RequestBody::DescribeConfigs(req), 4, 0) {
            Outcome::Respond(ResponseBody::DescribeConfigs(mut r), _) => r.results.remove(0),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn topics_and_the_broker_asked_are_described() {
        let mut c = cluster(1);
        let r = describe(&mut c, TOPIC, "t", None, false);
        assert_eq!(r.error_code, ErrorCode::None);
        assert_eq!(r.configs.len(), 33);
        assert!(r.configs.iter().all(|c| c.synonyms.is_empty() && c.documentation.is_some()));
        let r = describe(&mut c, TOPIC, "t", Some(vec!["retention.ms"]), true);
        assert_eq!(r.configs.len(), 1);
        assert_eq!(r.configs[0].config_type, 5, "LONG");
        assert!(!r.configs[0].synonyms.is_empty());
        let r = describe(&mut c, TOPIC, "nope", None, false);
        assert_eq!(r.error_code, ErrorCode::UnknownTopicOrPartition);
        let r = describe(&mut c, BROKER, "1", Some(vec!["num.partitions"]), false);
        assert_eq!((r.configs.len(), r.configs[0].read_only), (1, true));
        let all = describe(&mut c, BROKER, "1", None, true);
        assert!(all.configs.len() > 300, "Kafka's full set");
        let pw = all.configs.iter().find(|e| e.name == "ssl.key.password").unwrap();
        assert!(pw.is_sensitive && pw.value.is_none() && pw.config_type == 9);
        let cluster_wide = describe(&mut c, BROKER, "", None, true);
        assert_eq!(cluster_wide.configs.len(), 1, "min.insync.replicas");
        assert_eq!(describe(&mut c, BROKER, "2", None, false).error_code, ErrorCode::InvalidRequest);
        assert_eq!(describe(&mut c, 9, "x", None, false).error_code, ErrorCode::InvalidRequest);
    }
}
