//! What every group request shares before the group coordinator sees it: an injected error for
//! the API, then whether this broker coordinates the group; and the messages Kafka puts beside
//! the group errors it answers.

use kwire_protocol::ErrorCode;

use super::RequestContext;
use crate::cluster::{Cluster, Target};

/// The error a group request gets before the coordinator reads it: an injected one, or
/// NOT_COORDINATOR when this broker does not lead the group's partition of
/// `__consumer_offsets`. An empty group id passes: the coordinator answers INVALID_GROUP_ID
/// for it wherever it arrives, as Kafka checks it before routing the request.
pub(super) fn refusal(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    group_id: &str,
) -> Option<ErrorCode> {
    if let Some((e, _)) =
        cluster
            .faults
            .take_for(ctx.header.api_key, ctx.broker, Target::Group(group_id))
    {
        return Some(e);
    }
    if group_id.is_empty() {
        return None;
    }
    cluster.check_group_coordinator(ctx.broker, group_id).err()
}

/// Kafka's message for the errors the group APIs answer with a message field (its `Errors`
/// default messages); `None` for others.
pub(super) fn message(error: ErrorCode) -> Option<&'static str> {
    Some(match error {
        ErrorCode::CoordinatorLoadInProgress => {
            "The coordinator is loading and hence can't process requests."
        }
        ErrorCode::CoordinatorNotAvailable => "The coordinator is not available.",
        ErrorCode::NotCoordinator => "This is not the correct coordinator.",
        ErrorCode::InvalidRequest => {
            "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."
        }
        ErrorCode::TransactionalIdAuthorizationFailed => "Transactional Id authorization failed.",
        ErrorCode::GroupIdNotFound => "The group id does not exist.",
        ErrorCode::NonEmptyGroup => "The group is not empty.",
        ErrorCode::InvalidGroupId => "The configured groupId is invalid.",
        _ => return None,
    })
}
