//! ConsumerGroupDescribe: KIP-848 consumer groups with their epochs and members' current and
//! target assignments. A classic or unknown group gets GROUP_ID_NOT_FOUND, on which Kafka's
//! admin client falls back to DescribeGroups.

use kwire_protocol::api::consumer_group_describe::{
    Assignment, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, DescribedGroup,
    Member, TopicPartitions,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext, coordinated};
use crate::cluster::Cluster;
use crate::group::Group;
use crate::group::consumer::Partitions;

/// The request this module answers.
pub type Request = ConsumerGroupDescribeRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0-1");

/// Partitions by topic, as the response lists them.
fn assignment(cluster: &Cluster, partitions: &Partitions) -> Assignment {
    let mut topic_partitions: Vec<TopicPartitions> = Vec::new();
    for (topic, p) in partitions {
        match topic_partitions.last_mut() {
            Some(t) if t.topic_name == *topic => t.partitions.push(*p),
            _ => topic_partitions.push(TopicPartitions {
                topic_id: cluster.topic(topic).map(|t| t.id).unwrap_or_default(),
                topic_name: topic.clone(),
                partitions: vec![*p],
                ..Default::default()
            }),
        }
    }
    Assignment {
        topic_partitions,
        ..Default::default()
    }
}

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
    let g = match cluster.groups().group(group_id) {
        Some(Group::Consumer(g)) => g,
        Some(Group::Classic(_)) => {
            return failed(
                ErrorCode::GroupIdNotFound,
                Some(format!("Group {group_id} is not a consumer group.")),
            );
        }
        None => {
            return failed(
                ErrorCode::GroupIdNotFound,
                Some(format!("Group {group_id} not found.")),
            );
        }
    };
    let assignor = cluster.groups().config().consumer_assignors.first();
    let members = g
        .members()
        .values()
        .map(|m| Member {
            member_id: m.member_id.clone(),
            instance_id: m.instance_id.clone(),
            rack_id: m.rack_id.clone(),
            member_epoch: m.member_epoch,
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            subscribed_topic_names: m.subscribed_topic_names.clone(),
            // Kafka describes a member without a regex with an empty one.
            subscribed_topic_regex: Some(m.subscribed_topic_regex.clone().unwrap_or_default()),
            assignment: assignment(cluster, &m.assigned),
            target_assignment: assignment(
                cluster,
                &g.target().get(&m.member_id).cloned().unwrap_or_default(),
            ),
            // KIP-1099's member type: 1 is a member of the consumer protocol (0 classic, -1 unknown).
            member_type: if ctx.version() >= 1 { 1 } else { -1 },
            ..Default::default()
        })
        .collect();
    DescribedGroup {
        group_id: group_id.to_owned(),
        group_state: g.state().name().to_owned(),
        group_epoch: g.group_epoch(),
        assignment_epoch: g.target_epoch(),
        assignor_name: assignor.cloned().unwrap_or_default(),
        members,
        ..Default::default()
    }
}

/// Handles a ConsumerGroupDescribe request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: ConsumerGroupDescribeRequest,
) -> Outcome {
    let groups = req
        .group_ids
        .iter()
        .map(|g| describe(cluster, ctx, g))
        .collect();
    ctx.respond(ConsumerGroupDescribeResponse {
        groups,
        ..Default::default()
    })
}
