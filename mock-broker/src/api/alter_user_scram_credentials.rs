//! AlterUserScramCredentials: deletes and creates or replaces users' SCRAM credentials in the
//! cluster's store, with Kafka's per-user rules (see [`crate::cluster::scram`]). The next
//! SCRAM login on any broker checks the new credentials; sessions already authenticated are
//! left alone, as in Kafka.

use kwire_protocol::api::alter_user_scram_credentials::{
    AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse,
    AlterUserScramCredentialsResult,
};
use kwire_protocol::{ErrorCode, VersionRange};

use super::{Outcome, RequestContext};
use crate::cluster::Cluster;
use crate::cluster::scram::{Deletion, Upsertion};

/// The request this module answers.
pub type Request = AlterUserScramCredentialsRequest;

/// Advertised versions (Kafka 4.3's).
pub const VERSIONS: VersionRange = VersionRange::parse("0");

/// Handles an AlterUserScramCredentials request.
pub fn handle(
    cluster: &mut Cluster,
    ctx: &RequestContext<'_>,
    req: AlterUserScramCredentialsRequest,
) -> Outcome {
    let deletions: Vec<_> = req
        .deletions
        .iter()
        .map(|d| Deletion {
            name: &d.name,
            mechanism: d.mechanism,
        })
        .collect();
    let upsertions: Vec<_> = req
        .upsertions
        .iter()
        .map(|u| Upsertion {
            name: &u.name,
            mechanism: u.mechanism,
            iterations: u.iterations,
            salt: &u.salt,
            salted_password: &u.salted_password,
        })
        .collect();
    let results = cluster
        .scram_mut()
        .alter(&deletions, &upsertions)
        .into_iter()
        .map(|(user, outcome)| {
            let (error_code, error_message) = outcome.err().unwrap_or((ErrorCode::None, None));
            AlterUserScramCredentialsResult {
                user: user.to_owned(),
                error_code,
                error_message,
                ..Default::default()
            }
        })
        .collect();
    ctx.respond(AlterUserScramCredentialsResponse {
        results,
        ..Default::default()
    })
}
