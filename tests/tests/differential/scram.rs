//! SCRAM credentials (KIP-554): DescribeUserScramCredentials and AlterUserScramCredentials on
//! their success and error paths. The run's users are named after its topic prefix, so a
//! broker reused across runs only ever shows this run's users (see the normalisation), and the
//! sequence deletes what it creates.
//!
//! Kafka applies an alteration through its controller's metadata log and its brokers learn it
//! a moment later, so each describe that follows an alteration is repeated until it shows the
//! alteration (at most 10 s) and only its last answer is recorded.

use bytes::Bytes;
use kwire_auth::Secret;
use kwire_auth::sasl::scram::ScramHash;
use kwire_protocol::api::alter_user_scram_credentials::{
    AlterUserScramCredentialsRequest, ScramCredentialDeletion, ScramCredentialUpsertion,
};
use kwire_protocol::api::describe_user_scram_credentials::{
    DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse, UserName,
};

use super::sequences::Plan;
use super::side::Side;

const SHA256: i8 = 1;
const SHA512: i8 = 2;

fn upsertion(name: &str, mechanism: i8, iterations: i32) -> ScramCredentialUpsertion {
    let salt = format!("salt-of-{name}").into_bytes();
    let salted = ScramHash::from_code(mechanism).map_or_else(
        || vec![7; 32],
        |hash| hash.salted_password(&Secret::new("pw"), &salt, iterations.clamp(1, 16384) as u32),
    );
    ScramCredentialUpsertion {
        name: name.into(),
        mechanism,
        iterations,
        salt: Bytes::from(salt),
        salted_password: Bytes::from(salted),
        ..Default::default()
    }
}

fn deletion(name: &str, mechanism: i8) -> ScramCredentialDeletion {
    ScramCredentialDeletion {
        name: name.into(),
        mechanism,
        ..Default::default()
    }
}

fn alter(
    deletions: Vec<ScramCredentialDeletion>,
    upsertions: Vec<ScramCredentialUpsertion>,
) -> AlterUserScramCredentialsRequest {
    AlterUserScramCredentialsRequest {
        deletions,
        upsertions,
        ..Default::default()
    }
}

fn describe(users: Option<&[&str]>) -> DescribeUserScramCredentialsRequest {
    DescribeUserScramCredentialsRequest {
        users: users.map(|u| {
            u.iter()
                .map(|n| UserName {
                    name: (*n).into(),
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    }
}

/// Each named user's mechanisms and iteration counts (empty for a user described with an
/// error), from an answer.
fn mechanisms(r: &DescribeUserScramCredentialsResponse, user: &str) -> Vec<(i8, i32)> {
    let mut m: Vec<_> = r
        .results
        .iter()
        .filter(|u| u.user == user)
        .flat_map(|u| {
            u.credential_infos
                .iter()
                .map(|i| (i.mechanism, i.iterations))
        })
        .collect();
    m.sort_unstable();
    m
}

/// Describes `users` until every one shows the mechanisms `want` gives it, and records it.
fn describe_until(
    side: &mut Side,
    plan: &Plan<'_>,
    step: &'static str,
    users: &[&str],
    want: &[&[(i8, i32)]],
) {
    side.record_settled(-1, &describe(Some(users)), 0, step, &plan.norm, |r| {
        users.iter().zip(want).all(|(u, w)| mechanisms(r, u) == *w)
    });
}

/// Creates, lists, changes and deletes two users' credentials, then sends each alteration and
/// description Kafka refuses, user by user.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    if plan
        .versions::<AlterUserScramCredentialsRequest>()
        .is_empty()
        || plan
            .versions::<DescribeUserScramCredentialsRequest>()
            .is_empty()
    {
        return;
    }
    let p = plan.norm.prefix;
    let (alice, bob, carol) = (
        format!("{p}-alice"),
        format!("{p}-bob"),
        format!("{p}-carol"),
    );
    let (alice, bob, carol) = (alice.as_str(), bob.as_str(), carol.as_str());
    let record_alter = |side: &mut Side, step, req: &AlterUserScramCredentialsRequest| {
        let o = side.call(-1, req, 0);
        side.record("AlterUserScramCredentials", 0, step, o, &plan.norm);
    };
    let record_describe = |side: &mut Side, step, req: &DescribeUserScramCredentialsRequest| {
        let o = side.call(-1, req, 0);
        side.record("DescribeUserScramCredentials", 0, step, o, &plan.norm);
    };

    record_describe(
        side,
        "a user with no credentials",
        &describe(Some(&[alice])),
    );
    record_alter(side, "nothing", &alter(vec![], vec![]));
    record_alter(
        side,
        "two users",
        &alter(
            vec![],
            vec![upsertion(alice, SHA256, 4096), upsertion(bob, SHA512, 8192)],
        ),
    );
    describe_until(
        side,
        plan,
        "the two users",
        &[alice, bob],
        &[&[(SHA256, 4096)], &[(SHA512, 8192)]],
    );
    record_describe(side, "every user", &describe(None));
    record_describe(side, "every user (an empty list)", &describe(Some(&[])));
    record_describe(
        side,
        "a user twice, and one without credentials",
        &describe(Some(&[alice, carol, alice])),
    );
    record_describe(side, "an empty name", &describe(Some(&[""])));

    record_alter(
        side,
        "refused alterations",
        &alter(
            vec![
                deletion(carol, SHA256),
                deletion("", SHA256),
                deletion(bob, 0),
            ],
            vec![
                upsertion(&format!("{p}-u3"), 3, 4096),
                upsertion(&format!("{p}-few"), SHA256, 4095),
                upsertion(&format!("{p}-many"), SHA512, 16385),
                upsertion(&format!("{p}-twice"), SHA256, 4096),
                upsertion(&format!("{p}-twice"), SHA512, 4096),
                upsertion(&format!("{p}-negative"), SHA256, -1),
                upsertion("", SHA256, 4096),
            ],
        ),
    );
    record_alter(
        side,
        "a deletion and an upsertion of one user",
        &alter(
            vec![deletion(alice, SHA256)],
            vec![upsertion(alice, SHA512, 4096)],
        ),
    );
    record_alter(
        side,
        "two deletions of one user",
        &alter(vec![deletion(bob, SHA512), deletion(bob, SHA256)], vec![]),
    );
    let mut empty = upsertion(carol, SHA256, 4096);
    empty.salted_password = Bytes::new();
    record_alter(
        side,
        "an empty salted password",
        &alter(vec![], vec![empty]),
    );
    // Nothing of the refused alterations took effect.
    describe_until(
        side,
        plan,
        "unchanged by the refusals",
        &[alice, bob],
        &[&[(SHA256, 4096)], &[(SHA512, 8192)]],
    );

    record_alter(
        side,
        "a second mechanism and a new iteration count",
        &alter(
            vec![],
            vec![
                upsertion(alice, SHA512, 16384),
                upsertion(bob, SHA512, 4096),
            ],
        ),
    );
    describe_until(
        side,
        plan,
        "both mechanisms, replaced iterations",
        &[alice, bob],
        &[&[(SHA256, 4096), (SHA512, 16384)], &[(SHA512, 4096)]],
    );
    record_alter(
        side,
        "deletions",
        &alter(vec![deletion(alice, SHA256), deletion(bob, SHA512)], vec![]),
    );
    describe_until(
        side,
        plan,
        "after the deletions",
        &[alice, bob],
        &[&[(SHA512, 16384)], &[]],
    );
    record_alter(
        side,
        "the last credential",
        &alter(vec![deletion(alice, SHA512)], vec![]),
    );
    describe_until(side, plan, "nobody left", &[alice], &[&[]]);
}
