//! DeleteTopics: by name, and from v6 by topic id. A deleted topic leaves Metadata at once and
//! its name can be created again; requests waiting on it end (see `Cluster::delete_topic`).

use kwire_protocol::api::delete_topics::{
    DeletableTopicResult, DeleteTopicState, DeleteTopicsRequest, DeleteTopicsResponse,
};
use kwire_protocol::{Uuid, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::{Cluster, TopicError};

/// The request this module answers.
pub type Request = DeleteTopicsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("1-6");

fn delete(cluster: &mut Cluster, t: &DeleteTopicState) -> Result<(String, Uuid), TopicError> {
    if t.name.is_some() && !t.topic_id.is_nil() {
        return Err(TopicError::InvalidRequest(
            t.name.clone().unwrap_or_default(),
            "give a topic name or a topic id, not both",
        ));
    }
    let name = cluster.resolve_topic(t.name.as_deref(), &t.topic_id)?;
    let id = cluster.delete_topic(&name)?;
    Ok((name, id))
}

/// Handles a DeleteTopics request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DeleteTopicsRequest,
) -> Outcome {
    let version = ctx.version();
    let topics: Vec<DeleteTopicState> = if version >= 6 {
        req.topics
    } else {
        req.topic_names
            .into_iter()
            .map(|n| DeleteTopicState {
                name: Some(n),
                ..Default::default()
            })
            .collect()
    };
    let mut resp = DeleteTopicsResponse::default();
    for t in &topics {
        let mut r = DeletableTopicResult {
            name: t.name.clone(),
            ..Default::default()
        };
        match delete(cluster, t) {
            Ok((name, id)) => {
                r.name = Some(name);
                if version >= 6 {
                    r.topic_id = id;
                }
            }
            Err(e) => {
                r.error_code = e.error_code();
                if version >= 5 {
                    r.error_message = Some(e.to_string());
                }
                if version >= 6 {
                    r.topic_id = t.topic_id;
                }
            }
        }
        if version < 6 && r.name.is_none() {
            r.name = Some(String::new());
        }
        resp.responses.push(r);
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::ErrorCode;
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn delete_req(c: &mut Cluster, topics: Vec<DeleteTopicState>, v: i16) -> DeleteTopicsResponse {
        let req = if v >= 6 {
            DeleteTopicsRequest {
                topics,
                ..Default::default()
            }
        } else {
            DeleteTopicsRequest {
                topic_names: topics.into_iter().filter_map(|t| t.name).collect(),
                ..Default::default()
            }
        };
        match call(c, 1, RequestBody::DeleteTopics(req), v, 0) {
            Outcome::Respond(ResponseBody::DeleteTopics(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    fn by_name(n: &str) -> DeleteTopicState {
        DeleteTopicState {
            name: Some(n.into()),
            ..Default::default()
        }
    }

    #[test]
    fn deletes_by_name_and_by_id() {
        let mut c = cluster(1);
        let id = c.topic("t").unwrap().id;
        let r = delete_req(&mut c, vec![by_name("t"), by_name("t")], 4);
        assert_eq!(r.responses[0].error_code, ErrorCode::None);
        assert_eq!(r.responses[1].error_code, ErrorCode::UnknownTopicOrPartition);
        assert!(c.topic("t").is_none());
        let r = delete_req(
            &mut c,
            vec![DeleteTopicState {
                topic_id: id,
                ..Default::default()
            }],
            6,
        );
        assert_eq!(
            (r.responses[0].error_code, r.responses[0].name.clone()),
            (ErrorCode::UnknownTopicId, None)
        );
        c.auto_create("u");
        let id = c.topic("u").unwrap().id;
        let r = delete_req(
            &mut c,
            vec![DeleteTopicState {
                topic_id: id,
                ..Default::default()
            }],
            6,
        );
        let r = &r.responses[0];
        assert_eq!(
            (r.error_code, r.name.as_deref(), r.topic_id),
            (ErrorCode::None, Some("u"), id)
        );
        let r = delete_req(
            &mut c,
            vec![DeleteTopicState {
                name: Some("x".into()),
                topic_id: id,
                ..Default::default()
            }],
            6,
        );
        assert_eq!(r.responses[0].error_code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn a_wait_on_a_deleted_topic_ends() {
        use crate::cluster::FollowerLag;
        let mut c = cluster(1);
        c.set_default_lag(FollowerLag::Stalled);
        let o = call(
            &mut c,
            1,
            RequestBody::Produce(produce("t", 0, -1, 1000, batch(1, -1, 0, 0))),
            10,
            0,
        );
        let Outcome::Wait(mut wait) = o else {
            panic!("expected a wait, got {o:?}")
        };
        assert!(wait.poll(&mut c, 1).is_none());
        delete_req(&mut c, vec![by_name("t")], 6);
        // Re-created at once, with the same leader: still another topic.
        c.auto_create("t");
        let r = produced(wait.poll(&mut c, 2).expect("answered"));
        assert_eq!(
            r.responses[0].partition_responses[0].error_code,
            ErrorCode::UnknownTopicOrPartition
        );
    }
}
