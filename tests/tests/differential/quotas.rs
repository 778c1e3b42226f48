//! Client quotas (KIP-546): DescribeClientQuotas and AlterClientQuotas on their success and
//! error paths, at each version. The run's users and client ids are named after its topic
//! prefix and its IP addresses come from TEST-NET-1 (192.0.2.0/24), which nothing else uses;
//! the sequence removes every value it sets, the defaults' included.
//!
//! Kafka applies an alteration through its controller's metadata log and its brokers learn it
//! a moment later, so a describe that follows an alteration is repeated until it shows it (at
//! most 10 s) and only its last answer is recorded.

use kwire_protocol::api::alter_client_quotas::{
    AlterClientQuotasRequest, EntityData, EntryData, OpData,
};
use kwire_protocol::api::describe_client_quotas::{ComponentData, DescribeClientQuotasRequest};

use super::sequences::Plan;
use super::side::Side;

const EXACT: i8 = 0;
const DEFAULT: i8 = 1;
const ANY: i8 = 2;

fn entity(parts: &[(&str, Option<&str>)]) -> Vec<EntityData> {
    parts
        .iter()
        .map(|(t, n)| EntityData {
            entity_type: (*t).into(),
            entity_name: n.map(Into::into),
            ..Default::default()
        })
        .collect()
}

/// An entry setting (`Some`) or removing (`None`) keys of an entity.
fn entry(parts: &[(&str, Option<&str>)], ops: &[(&str, Option<f64>)]) -> EntryData {
    EntryData {
        entity: entity(parts),
        ops: ops
            .iter()
            .map(|(k, v)| OpData {
                key: (*k).into(),
                value: v.unwrap_or(0.0),
                remove: v.is_none(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn alter(entries: Vec<EntryData>, validate_only: bool) -> AlterClientQuotasRequest {
    AlterClientQuotasRequest {
        entries,
        validate_only,
        ..Default::default()
    }
}

fn filter(components: &[(&str, i8, Option<&str>)], strict: bool) -> DescribeClientQuotasRequest {
    DescribeClientQuotasRequest {
        components: components
            .iter()
            .map(|(t, m, n)| ComponentData {
                entity_type: (*t).into(),
                match_type: *m,
                r#match: n.map(Into::into),
                ..Default::default()
            })
            .collect(),
        strict,
        ..Default::default()
    }
}

/// Describes with `req` until it finds `want` entities, and records it.
fn describe_until(
    side: &mut Side,
    plan: &Plan<'_>,
    v: i16,
    step: &'static str,
    req: &DescribeClientQuotasRequest,
    want: usize,
) {
    side.record_settled(-1, req, v, step, &plan.norm, |r| {
        r.entries.as_ref().map_or(0, Vec::len) == want
    });
}

/// Sets quotas of users, a user's client id, the default client id and an IP address, finds
/// them with each kind of filter, sends each filter and alteration Kafka refuses, and removes
/// everything again.
pub fn run_all(side: &mut Side, plan: &Plan<'_>) {
    let versions = plan.versions::<AlterClientQuotasRequest>();
    if versions.is_empty() || plan.versions::<DescribeClientQuotasRequest>().is_empty() {
        return;
    }
    for v in versions {
        let p = plan.norm.prefix;
        let alice = format!("{p}-v{v}-alice");
        let app = format!("{p}-v{v}-app");
        let ip = format!("192.0.2.{}", 10 + v);
        let (alice, app, ip) = (Some(alice.as_str()), Some(app.as_str()), Some(ip.as_str()));
        let record_alter = |side: &mut Side, step, req: &AlterClientQuotasRequest| {
            let o = side.call(-1, req, v);
            side.record("AlterClientQuotas", v, step, o, &plan.norm);
        };
        let record_describe = |side: &mut Side, step, req: &DescribeClientQuotasRequest| {
            let o = side.call(-1, req, v);
            side.record("DescribeClientQuotas", v, step, o, &plan.norm);
        };
        let alice_only = filter(&[("user", EXACT, alice)], true);

        record_describe(side, "a user without quotas", &alice_only);
        record_alter(side, "nothing", &alter(vec![], false));
        record_alter(
            side,
            "a user, the user's client, the default client and an address",
            &alter(
                vec![
                    entry(
                        &[("user", alice)],
                        &[
                            ("producer_byte_rate", Some(1_048_576.0)),
                            ("request_percentage", Some(12.5)),
                        ],
                    ),
                    entry(
                        &[("user", alice), ("client-id", app)],
                        &[("consumer_byte_rate", Some(4096.0))],
                    ),
                    entry(
                        &[("client-id", None)],
                        &[("controller_mutation_rate", Some(5.0))],
                    ),
                    entry(&[("ip", ip)], &[("connection_creation_rate", Some(20.0))]),
                ],
                false,
            ),
        );
        describe_until(side, plan, v, "the user, exactly", &alice_only, 1);
        describe_until(
            side,
            plan,
            v,
            "the user, with its client",
            &filter(&[("user", EXACT, alice)], false),
            2,
        );
        describe_until(
            side,
            plan,
            v,
            "the default client",
            &filter(&[("client-id", DEFAULT, None)], true),
            1,
        );
        record_describe(
            side,
            "any user with any client",
            &filter(&[("user", ANY, None), ("client-id", ANY, None)], true),
        );
        describe_until(
            side,
            plan,
            v,
            "the address",
            &filter(&[("ip", EXACT, ip)], true),
            1,
        );
        let refused_filters: [(&str, DescribeClientQuotasRequest); 8] = [
            ("an empty entity type", filter(&[("", ANY, None)], false)),
            (
                "a type twice",
                filter(&[("user", ANY, None), ("user", DEFAULT, None)], false),
            ),
            ("an unknown type", filter(&[("group", ANY, None)], false)),
            (
                "EXACT without a name",
                filter(&[("user", EXACT, None)], false),
            ),
            (
                "DEFAULT with a name",
                filter(&[("user", DEFAULT, alice)], false),
            ),
            ("ANY with a name", filter(&[("client-id", ANY, app)], false)),
            ("an unknown match type", filter(&[("user", 7, None)], false)),
            (
                "an address with a user",
                filter(&[("ip", ANY, None), ("user", ANY, None)], false),
            ),
        ];
        for (step, req) in &refused_filters {
            record_describe(side, step, req);
        }

        record_alter(
            side,
            "refused entries",
            &alter(
                vec![
                    entry(&[], &[("producer_byte_rate", Some(1.0))]),
                    entry(
                        &[("group", Some("g"))],
                        &[("producer_byte_rate", Some(1.0))],
                    ),
                    entry(&[("user", Some(""))], &[("producer_byte_rate", Some(1.0))]),
                    entry(
                        &[("ip", ip), ("user", alice)],
                        &[("producer_byte_rate", Some(1.0))],
                    ),
                    entry(
                        &[("client-id", app)],
                        &[("connection_creation_rate", Some(1.0))],
                    ),
                    entry(&[("ip", None)], &[("producer_byte_rate", Some(1.0))]),
                    entry(&[("user", None)], &[("producer_byte_rate", Some(0.0))]),
                    entry(&[("client-id", None)], &[("consumer_byte_rate", Some(1.5))]),
                    entry(&[("user", app)], &[("consumer_byte_rate", Some(1e19))]),
                    entry(
                        &[("ip", Some("192.0.2.99"))],
                        &[("connection_creation_rate", Some(3e9))],
                    ),
                    entry(
                        &[("user", app), ("client-id", alice)],
                        &[
                            ("producer_byte_rate", Some(1.0)),
                            ("producer_byte_rate", Some(2.0)),
                        ],
                    ),
                ],
                false,
            ),
        );
        record_alter(
            side,
            "one entity twice (the first stands)",
            &alter(
                vec![
                    entry(
                        &[("user", alice)],
                        &[("controller_mutation_rate", Some(2.5))],
                    ),
                    entry(
                        &[("user", alice)],
                        &[("controller_mutation_rate", Some(3.5))],
                    ),
                ],
                false,
            ),
        );
        record_alter(
            side,
            "validate only",
            &alter(
                vec![entry(
                    &[("client-id", app)],
                    &[("producer_byte_rate", Some(1.0))],
                )],
                true,
            ),
        );
        record_describe(
            side,
            "nothing set by validation",
            &filter(&[("client-id", EXACT, app)], true),
        );
        record_alter(
            side,
            "removals, one of a key never set",
            &alter(
                vec![
                    entry(
                        &[("user", alice)],
                        &[
                            ("producer_byte_rate", None),
                            ("request_percentage", None),
                            ("controller_mutation_rate", None),
                            ("consumer_byte_rate", None),
                        ],
                    ),
                    entry(
                        &[("user", alice), ("client-id", app)],
                        &[("consumer_byte_rate", None)],
                    ),
                    entry(
                        &[("client-id", None)],
                        &[("controller_mutation_rate", None)],
                    ),
                    entry(&[("ip", ip)], &[("connection_creation_rate", None)]),
                ],
                false,
            ),
        );
        describe_until(
            side,
            plan,
            v,
            "nothing left",
            &filter(&[("user", EXACT, alice)], false),
            0,
        );
        describe_until(
            side,
            plan,
            v,
            "no default client left",
            &filter(&[("client-id", DEFAULT, None)], true),
            0,
        );
    }
}
