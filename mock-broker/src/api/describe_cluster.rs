//! DescribeCluster: the cluster id, the controller and the live brokers (KIP-700); from v1 the
//! endpoint type (brokers only: a broker refuses to describe controllers), from v2 whether
//! brokers are fenced (never, in the mock).

use kwire_protocol::api::describe_cluster::{
    DescribeClusterBroker, DescribeClusterRequest, DescribeClusterResponse,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeClusterRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-2");

/// Endpoint type of brokers (KIP-919).
const BROKERS: i8 = 1;

/// The operations a client may perform on the cluster resource without an authorizer: every
/// one Kafka defines for it (CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS,
/// ALTER_CONFIGS, IDEMPOTENT_WRITE, CREATE_TOKENS, DESCRIBE_TOKENS), as a bit field.
const CLUSTER_OPERATIONS: i32 = 1 << 5
    | 1 << 7
    | 1 << 8
    | 1 << 9
    | 1 << 10
    | 1 << 11
    | 1 << 12
    | 1 << 13
    | 1 << 14;

/// Handles a DescribeCluster request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeClusterRequest,
) -> Outcome {
    let mut resp = DescribeClusterResponse {
        endpoint_type: req.endpoint_type,
        ..Default::default()
    };
    if ctx.version() >= 1 && req.endpoint_type != BROKERS {
        resp.error_code = ErrorCode::UnsupportedEndpointType;
        resp.error_message = Some("a broker describes brokers only (endpoint type 1)".into());
        return ctx.respond(resp);
    }
    resp.cluster_id = cluster.config().cluster_id.clone();
    resp.controller_id = cluster.controller_id();
    resp.brokers = cluster
        .brokers()
        .filter(|b| b.up)
        .map(|b| DescribeClusterBroker {
            broker_id: b.id,
            host: b.host.clone(),
            port: i32::from(b.port),
            rack: b.rack.clone(),
            is_fenced: false,
            ..Default::default()
        })
        .collect();
    if req.include_cluster_authorized_operations {
        resp.cluster_authorized_operations = CLUSTER_OPERATIONS;
    }
    ctx.respond(resp)
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::test_util::*;

    fn describe(c: &mut Cluster, req: DescribeClusterRequest, v: i16) -> DescribeClusterResponse {
        match call(c, 1, RequestBody::DescribeCluster(req), v, 0) {
            Outcome::Respond(ResponseBody::DescribeCluster(r), _) => r,
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn live_brokers_and_endpoint_types() {
        let mut c = cluster(1);
        c.broker_down(3);
        let r = describe(&mut c, DescribeClusterRequest::default(), 2);
        assert_eq!(r.error_code, ErrorCode::None);
        assert_eq!(r.brokers.iter().map(|b| b.broker_id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(r.cluster_authorized_operations, i32::MIN);
        let r = describe(
            &mut c,
            DescribeClusterRequest {
                include_cluster_authorized_operations: true,
                ..Default::default()
            },
            0,
        );
        assert_eq!(r.cluster_authorized_operations & (1 << 8), 1 << 8, "DESCRIBE");
        let r = describe(
            &mut c,
            DescribeClusterRequest {
                endpoint_type: 2,
                ..Default::default()
            },
            1,
        );
        assert_eq!(r.error_code, ErrorCode::UnsupportedEndpointType);
    }
}
