//! DescribeGroups: classic groups with their state, protocol and members (member metadata
//! only while Stable). A group the coordinator does not know is Dead, or GROUP_ID_NOT_FOUND
//! from v6.

use kwire_protocol::api::describe_groups::{
    DescribeGroupsRequest, DescribeGroupsResponse, DescribedGroup, DescribedGroupMember,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeGroupsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-6");

fn describe(cluster: &mut Cluster, ctx: &RequestContext<'_>, group_id: &str) -> DescribedGroup {
    let failed = |error_code: ErrorCode, message: Option<String>| DescribedGroup {
        group_id: group_id.to_owned(),
        error_code,
        error_message: message,
        ..Default::default()
    };
    if group_id.is_empty() {
        return failed(ErrorCode::InvalidGroupId, None);
    }
    if let Some(e) = coordinated::refusal(cluster, ctx, group_id) {
        return failed(e, None);
    }
    match cluster.groups().describe(group_id) {
        Some(d) => DescribedGroup {
            group_id: d.group_id,
            group_state: d.state.to_owned(),
            protocol_type: d.protocol_type,
            protocol_data: d.protocol_data,
            members: d
                .members
                .into_iter()
                .map(|m| DescribedGroupMember {
                    member_id: m.member_id,
                    group_instance_id: m.group_instance_id,
                    client_id: m.client_id,
                    client_host: m.client_host,
                    member_metadata: m.metadata,
                    member_assignment: m.assignment,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        },
        None if ctx.version() >= 6 => DescribedGroup {
            group_state: "Dead".to_owned(),
            ..failed(
                ErrorCode::GroupIdNotFound,
                // A consumer group is there, but not for this API (Kafka says which).
                Some(if cluster.groups().group(group_id).is_some() {
                    format!("Group {group_id} is not a classic group.")
                } else {
                    format!("Group {group_id} not found.")
                }),
            )
        },
        None => DescribedGroup {
            group_state: "Dead".to_owned(),
            ..failed(ErrorCode::None, None)
        },
    }
}

/// Handles a DescribeGroups request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeGroupsRequest,
) -> Outcome {
    let groups = req
        .groups
        .iter()
        .map(|g| describe(cluster, ctx, g))
        .collect();
    ctx.respond(DescribeGroupsResponse {
        groups,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use kwire_protocol::api::delete_groups::{DeleteGroupsRequest, DeleteGroupsResponse};
    use kwire_protocol::api::list_groups::{ListGroupsRequest, ListGroupsResponse};
    use kwire_protocol::api::offset_commit::{
        OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic,
    };
    use kwire_protocol::api::{RequestBody, ResponseBody};

    use super::*;
    use crate::api::tests::local_group;
    use crate::test_util::{call, cluster};

    fn respond(c: &mut Cluster, broker: i32, body: RequestBody, version: i16) -> ResponseBody {
        match call(c, broker, body, version, 0) {
            Outcome::Respond(r, _) => r,
            o => panic!("{o:?}"),
        }
    }

    fn describe(c: &mut Cluster, broker: i32, g: &str, version: i16) -> DescribedGroup {
        let body = RequestBody::DescribeGroups(DescribeGroupsRequest {
            groups: vec![g.into()],
            ..Default::default()
        });
        match respond(c, broker, body, version) {
            ResponseBody::DescribeGroups(mut r) => r.groups.remove(0),
            r => panic!("{r:?}"),
        }
    }

    fn list(c: &mut Cluster, broker: i32) -> ListGroupsResponse {
        match respond(c, broker, RequestBody::ListGroups(ListGroupsRequest::default()), 5) {
            ResponseBody::ListGroups(r) => r,
            r => panic!("{r:?}"),
        }
    }

    fn delete(c: &mut Cluster, g: &str) -> DeleteGroupsResponse {
        let body = RequestBody::DeleteGroups(DeleteGroupsRequest {
            groups_names: vec![g.into(), String::new()],
            ..Default::default()
        });
        match respond(c, 1, body, 2) {
            ResponseBody::DeleteGroups(r) => r,
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn groups_are_described_listed_by_their_coordinator_and_deleted() {
        let mut c = cluster(1);
        let g = local_group(&mut c);
        // Unknown: Dead, and GROUP_ID_NOT_FOUND from v6.
        let d = describe(&mut c, 1, &g, 5);
        assert_eq!((d.error_code, d.group_state.as_str()), (ErrorCode::None, "Dead"));
        let d = describe(&mut c, 1, &g, 6);
        assert_eq!(d.error_code, ErrorCode::GroupIdNotFound);
        assert_eq!(d.error_message, Some(format!("Group {g} not found.")));
        assert_eq!(describe(&mut c, 2, &g, 5).error_code, ErrorCode::NotCoordinator);
        // A simple commit makes an Empty group.
        let body = RequestBody::OffsetCommit(OffsetCommitRequest {
            group_id: g.clone(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 0,
                    committed_offset: 1,
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        });
        respond(&mut c, 1, body, 9);
        let d = describe(&mut c, 1, &g, 6);
        assert_eq!((d.error_code, d.group_state.as_str()), (ErrorCode::None, "Empty"));
        let l = list(&mut c, 1);
        assert_eq!(l.groups.len(), 1);
        assert_eq!(
            (l.groups[0].group_id.as_str(), l.groups[0].group_state.as_str()),
            (g.as_str(), "Empty")
        );
        assert_eq!(l.groups[0].group_type, "classic");
        assert!(list(&mut c, 2).groups.is_empty(), "broker 2 does not coordinate it");
        let r = delete(&mut c, &g);
        assert_eq!(r.results[0].error_code, ErrorCode::None);
        assert_eq!(r.results[1].error_code, ErrorCode::InvalidGroupId);
        assert!(list(&mut c, 1).groups.is_empty());
        assert_eq!(delete(&mut c, &g).results[0].error_code, ErrorCode::GroupIdNotFound);
    }
}
