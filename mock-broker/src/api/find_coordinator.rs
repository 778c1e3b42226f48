//! FindCoordinator: the broker that coordinates a consumer group, the leader of the group's
//! partition of `__consumer_offsets` (made on the first lookup, which answers
//! COORDINATOR_NOT_AVAILABLE as Kafka's does). Up to v3 one key, with Kafka's error message;
//! from v4 a batch of keys answered one by one (a success with an empty message, as Kafka 4.3).
//!
//! The mock models no transactions and no share groups: a transactional id gets
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED (as from a Kafka whose authorizer denies it, and as
//! the mock's InitProducerId answers one), a share group INVALID_REQUEST (Kafka's answer when
//! share groups are off), an unknown key type INVALID_REQUEST for the whole request.

use kwire_protocol::api::find_coordinator::{
    Coordinator, FindCoordinatorRequest, FindCoordinatorResponse,
};
use kwire_protocol::{ApiKey, ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::{BrokerId, Cluster, Target};

/// The request this module answers.
pub type Request = FindCoordinatorRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-6");

/// Kafka's `CoordinatorType` ids.
const GROUP: i8 = 0;
const TRANSACTION: i8 = 1;
const SHARE: i8 = 2;

/// The coordinator of one key, or the error for it.
fn lookup(cluster: &mut Cluster, key_type: i8, key: &str) -> Result<BrokerId, ErrorCode> {
    match key_type {
        GROUP => cluster.find_group_coordinator(key),
        TRANSACTION => Err(ErrorCode::TransactionalIdAuthorizationFailed),
        _ => Err(ErrorCode::InvalidRequest),
    }
}

/// Handles a FindCoordinator request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: FindCoordinatorRequest,
) -> Outcome {
    let version = ctx.version();
    // v0 has no key type: groups only.
    let key_type = if version == 0 { GROUP } else { req.key_type };
    let known_type = matches!(key_type, GROUP | TRANSACTION | SHARE);
    let mut answer = |key: &str| -> Result<(BrokerId, String, i32), ErrorCode> {
        let target = if key_type == GROUP {
            Target::Group(key)
        } else {
            Target::Broker
        };
        if let Some((e, _)) = cluster
            .faults
            .take_for(ApiKey::FIND_COORDINATOR, ctx.broker, target)
        {
            return Err(e);
        }
        let id = lookup(cluster, key_type, key)?;
        let b = cluster.broker(id).ok_or(ErrorCode::CoordinatorNotAvailable)?;
        Ok((id, b.host.clone(), i32::from(b.port)))
    };
    if version < 4 {
        let r = if known_type {
            answer(&req.key)
        } else {
            Err(ErrorCode::InvalidRequest)
        };
        let resp = match r {
            Ok((node_id, host, port)) => FindCoordinatorResponse {
                error_message: Some("NONE".to_owned()),
                node_id,
                host,
                port,
                ..Default::default()
            },
            Err(e) => FindCoordinatorResponse {
                error_code: e,
                error_message: coordinated::message(e).map(str::to_owned),
                node_id: -1,
                port: -1,
                ..Default::default()
            },
        };
        return ctx.respond(resp);
    }
    let coordinators = req
        .coordinator_keys
        .iter()
        .map(|key| {
            let r = if known_type {
                answer(key)
            } else {
                Err(ErrorCode::InvalidRequest)
            };
            match r {
                // Kafka 4.3 words a batched success with an empty message.
                Ok((node_id, host, port)) => Coordinator {
                    key: key.clone(),
                    node_id,
                    host,
                    port,
                    error_message: Some(String::new()),
                    ..Default::default()
                },
                Err(e) => Coordinator {
                    key: key.clone(),
                    node_id: -1,
                    port: -1,
                    error_code: e,
                    // Kafka words only a failure of the whole request (an unknown key type).
                    error_message: (!known_type)
                        .then(|| coordinated::message(e).map(str::to_owned))
                        .flatten(),
                    ..Default::default()
                },
            }
        })
        .collect();
    ctx.respond(FindCoordinatorResponse {
        coordinators,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::cluster::OFFSETS_TOPIC;
    use crate::group::offsets_partition_for;
    use crate::test_util::{call, cluster};

    fn find(c: &mut Cluster, version: i16, key_type: i8, keys: &[&str]) -> FindCoordinatorResponse {
        let req = FindCoordinatorRequest {
            key: keys[0].to_owned(),
            key_type,
            coordinator_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            ..Default::default()
        };
        match call(c, 1, RequestBody::FindCoordinator(req), version, 0) {
            Outcome::Respond(ResponseBody::FindCoordinator(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn groups_are_found_once_the_offsets_topic_exists() {
        let mut c = cluster(1);
        let r = find(&mut c, 3, GROUP, &["g"]);
        assert_eq!(r.error_code, ErrorCode::CoordinatorNotAvailable);
        assert_eq!(r.error_message.as_deref(), Some("The coordinator is not available."));
        assert_eq!((r.node_id, r.host.as_str(), r.port), (-1, "", -1));
        let r = find(&mut c, 3, GROUP, &["g"]);
        let leader = c
            .partition(OFFSETS_TOPIC, offsets_partition_for("g", 50))
            .unwrap()
            .leader
            .unwrap();
        assert_eq!(r.error_code, ErrorCode::None);
        assert_eq!(r.error_message.as_deref(), Some("NONE"));
        assert_eq!(r.node_id, leader);
        // Batched: each key on its own; the other key types are refused.
        let r = find(&mut c, 4, GROUP, &["g", "h"]);
        assert_eq!(r.coordinators.len(), 2);
        assert!(
            r.coordinators
                .iter()
                .all(|k| k.error_code.is_ok() && k.error_message.as_deref() == Some(""))
        );
        assert_eq!(r.coordinators[1].key, "h");
        let r = find(&mut c, 4, TRANSACTION, &["tx"]);
        assert_eq!(
            r.coordinators[0].error_code,
            ErrorCode::TransactionalIdAuthorizationFailed
        );
        let r = find(&mut c, 6, SHARE, &["s:t:0"]);
        assert_eq!(r.coordinators[0].error_code, ErrorCode::InvalidRequest);
        let r = find(&mut c, 4, 7, &["x"]);
        assert_eq!(r.coordinators[0].error_code, ErrorCode::InvalidRequest);
        assert!(r.coordinators[0].error_message.is_some());
    }

    #[test]
    fn a_down_coordinator_is_not_available() {
        let mut c = cluster(1);
        let _ = find(&mut c, 2, GROUP, &["g"]);
        let leader = find(&mut c, 2, GROUP, &["g"]).node_id;
        c.broker_down(leader);
        let other = (1..=3).find(|b| *b != leader).unwrap();
        let req = FindCoordinatorRequest {
            key: "g".into(),
            ..Default::default()
        };
        let r = match call(&mut c, other, RequestBody::FindCoordinator(req), 2, 0) {
            Outcome::Respond(ResponseBody::FindCoordinator(r), _) => r,
            o => panic!("{o:?}"),
        };
        // A follower in the ISR took over the partition: it is the coordinator now.
        assert_eq!(r.error_code, ErrorCode::None);
        assert_ne!(r.node_id, leader);
    }
}
