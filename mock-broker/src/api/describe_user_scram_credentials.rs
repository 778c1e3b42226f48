//! DescribeUserScramCredentials: each user's SCRAM mechanisms and iteration counts from the
//! cluster's credential store (see [`crate::cluster::scram`]), as `kafka-configs.sh --describe
//! --entity-type users` lists them. Errors are per user; the message-level error is always
//! NONE (the mock has no authorizer to refuse DESCRIBE on the cluster).

use kwire_protocol::api::describe_user_scram_credentials::{
    CredentialInfo, DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse,
    DescribeUserScramCredentialsResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;

/// The request this module answers.
pub type Request = DescribeUserScramCredentialsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0");

/// Handles a DescribeUserScramCredentials request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: DescribeUserScramCredentialsRequest,
) -> Outcome {
    let users = req
        .users
        .as_ref()
        .map(|u| u.iter().map(|u| u.name.as_str()).collect());
    let results = cluster
        .scram()
        .describe(users)
        .into_iter()
        .map(|(user, described)| {
            let (error_code, error_message, credential_infos) = match described {
                Ok(infos) => (
                    ErrorCode::None,
                    // Kafka's default for the field: empty, not null.
                    Some(String::new()),
                    infos
                        .into_iter()
                        .map(|(mechanism, iterations)| CredentialInfo {
                            mechanism,
                            iterations,
                            ..Default::default()
                        })
                        .collect(),
                ),
                Err((code, message)) => (code, message, Vec::new()),
            };
            DescribeUserScramCredentialsResult {
                user: user.to_owned(),
                error_code,
                error_message,
                credential_infos,
                ..Default::default()
            }
        })
        .collect();
    ctx.respond(DescribeUserScramCredentialsResponse {
        error_message: Some(String::new()),
        results,
        ..Default::default()
    })
}
