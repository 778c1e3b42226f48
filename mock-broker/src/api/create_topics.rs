//! CreateTopics: topics with counts (-1: the broker defaults) or an explicit replica
//! assignment, and configs; `validate_only` checks without creating. The checks are the model's
//! (`Cluster::create_topic_with`); this module adds what Kafka checks on the request as a whole
//! (a name listed twice, an assignment together with counts) and the v5+ description of what
//! was created.

use std::collections::BTreeMap;

use kwire_protocol::api::create_topics::{
    CreatableTopic, CreatableTopicConfigs, CreatableTopicResult, CreateTopicsRequest,
    CreateTopicsResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{Cluster, Layout, NewTopic, TopicError, topic_config};

/// The request this module answers.
pub type Request = CreateTopicsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("2-7");

fn new_topic(t: &CreatableTopic) -> Result<NewTopic, TopicError> {
    let layout = if t.assignments.is_empty() {
        Layout::Counts {
            partitions: t.num_partitions,
            replication_factor: t.replication_factor,
        }
    } else if t.num_partitions != -1 || t.replication_factor != -1 {
        return Err(TopicError::InvalidRequest(
            t.name.clone(),
            "a replica assignment needs num_partitions and replication_factor of -1",
        ));
    } else {
        Layout::Assigned(
            t.assignments
                .iter()
                .map(|a| (a.partition_index, a.broker_ids.clone()))
                .collect(),
        )
    };
    Ok(NewTopic {
        name: t.name.clone(),
        layout,
        configs: t
            .configs
            .iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect(),
    })
}

/// The configs of a topic with `overrides` as CreateTopics v5+ lists them.
fn configs(cluster: &Cluster, overrides: &BTreeMap<String, String>) -> Vec<CreatableTopicConfigs> {
    topic_config::describe(cluster.config(), overrides, None)
        .into_iter()
        .map(|d| CreatableTopicConfigs {
            name: d.name.into(),
            value: d.value,
            read_only: false,
            config_source: d.source as i8,
            is_sensitive: false,
            ..Default::default()
        })
        .collect()
}

/// Handles a CreateTopics request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: CreateTopicsRequest,
) -> Outcome {
    let version = ctx.version();
    let mut resp = CreateTopicsResponse::default();
    let listed_twice = |name: &str| req.topics.iter().filter(|t| t.name == name).count() > 1;
    let mut reported_twice: Vec<&str> = Vec::new();
    for t in &req.topics {
        let mut r = CreatableTopicResult {
            name: t.name.clone(),
            ..Default::default()
        };
        if listed_twice(&t.name) {
            // Kafka answers a name listed twice once, with INVALID_REQUEST.
            if reported_twice.contains(&t.name.as_str()) {
                continue;
            }
            reported_twice.push(&t.name);
            r.error_code = ErrorCode::InvalidRequest;
            r.error_message = Some(format!("topic {} is listed more than once", t.name));
            if version >= 5 {
                r.configs = Some(Vec::new());
            }
            resp.topics.push(r);
            continue;
        }
        match new_topic(t).and_then(|n| cluster.create_topic_with(&n, req.validate_only)) {
            Ok(created) => {
                if version >= 5 {
                    r.num_partitions = created.partitions;
                    r.replication_factor = created.replication_factor;
                    r.configs = Some(configs(cluster, &created.configs));
                }
                if version >= 7 {
                    r.topic_id = created.id;
                }
            }
            Err(e) => {
                r.error_code = e.error_code();
                r.error_message = Some(e.to_string());
                if version >= 5 {
                    r.configs = Some(Vec::new());
                }
            }
        }
        resp.topics.push(r);
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::create_topics::{CreatableReplicaAssignment, CreatableTopicConfig};
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn creatable(name: &str, partitions: i32, rf: i16) -> CreatableTopic {
        CreatableTopic {
            name: name.into(),
            num_partitions: partitions,
            replication_factor: rf,
            ..Default::default()
        }
    }

    fn create(c: &mut Cluster, topics: Vec<CreatableTopic>, validate_only: bool, v: i16) -> CreateTopicsResponse {
        let req = CreateTopicsRequest {
            topics,
            validate_only,
            ..Default::default()
        };
        match call(c, 1, RequestBody::CreateTopics(req), v, 0) {
            Outcome::Respond(ResponseBody::CreateTopics(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn created_topics_are_described_from_v5_and_identified_from_v7() {
        let mut c = cluster(1);
        let mut t = creatable("new", -1, 2);
        t.configs = vec![CreatableTopicConfig {
            name: "retention.ms".into(),
            value: Some("3600000".into()),
            ..Default::default()
        }];
        let r = create(&mut c, vec![t], false, 7);
        let r = &r.topics[0];
        assert_eq!(r.error_code, ErrorCode::None);
        assert_eq!((r.num_partitions, r.replication_factor), (3, 2));
        assert_eq!(r.topic_id, c.topic("new").unwrap().id);
        let cfg = r.configs.as_ref().unwrap();
        let retention = cfg.iter().find(|c| c.name == "retention.ms").unwrap();
        assert_eq!(
            (retention.value.as_deref(), retention.config_source),
            (Some("3600000"), 1)
        );
        assert_eq!(c.topic("new").unwrap().configs["retention.ms"], "3600000");
        // v4: none of that, and the response encodes at v4.
        let r = create(&mut c, vec![creatable("old", 1, 1)], false, 4);
        assert_eq!(
            (r.topics[0].num_partitions, r.topics[0].configs.is_none()),
            (-1, true)
        );
    }

    #[test]
    fn request_level_errors() {
        let mut c = cluster(1);
        let r = create(
            &mut c,
            vec![creatable("d", 1, 1), creatable("d", 1, 1), creatable("e", 1, 1)],
            false,
            7,
        );
        let codes: Vec<_> = r.topics.iter().map(|t| (t.name.as_str(), t.error_code)).collect();
        assert_eq!(
            codes,
            vec![("d", ErrorCode::InvalidRequest), ("e", ErrorCode::None)]
        );
        assert!(c.topic("d").is_none());
        let mut both = creatable("f", 3, -1);
        both.assignments = vec![CreatableReplicaAssignment {
            partition_index: 0,
            broker_ids: vec![1],
            ..Default::default()
        }];
        let r = create(&mut c, vec![both], false, 7);
        assert_eq!(r.topics[0].error_code, ErrorCode::InvalidRequest);
        let r = create(&mut c, vec![creatable("t", 1, 1)], false, 7);
        assert_eq!(r.topics[0].error_code, ErrorCode::TopicAlreadyExists);
        assert!(r.topics[0].error_message.is_some());
        let r = create(&mut c, vec![creatable("g", 3, 1)], true, 7);
        assert_eq!((r.topics[0].error_code, r.topics[0].num_partitions), (ErrorCode::None, 3));
        assert!(!r.topics[0].topic_id.is_nil(), "Kafka answers a validation with an id too");
        assert!(c.topic("g").is_none(), "validate only");
    }
}
