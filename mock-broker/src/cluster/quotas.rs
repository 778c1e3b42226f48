//! Client quotas (KIP-546) as Kafka's controller keeps them (`ClientQuotaControlManager`): per
//! entity — a user, a client id, both, or an IP address, each possibly the type's default —
//! the quota values set for it. The mock stores and describes them; it does not throttle.
//!
//! Where Kafka's answers depend on a Java `HashMap`'s iteration order (which of an entry's
//! faults is reported first, how an entity prints in a message), the same order is computed
//! here (`java_order`), so that answers match byte for byte.

use std::collections::BTreeMap;
use std::net::IpAddr;

use kwire_protocol::ErrorCode;

/// Entity types.
pub const USER: &str = "user";
/// Entity types.
pub const CLIENT_ID: &str = "client-id";
/// Entity types.
pub const IP: &str = "ip";

/// An entity: each type it names, with its name (`None`: the type's default entity).
pub type Entity = BTreeMap<String, Option<String>>;

/// An entity's quota values by key.
pub type Values = BTreeMap<String, f64>;

/// Keys to set (`Some`) or remove (`None`).
type Ops<'a> = Vec<(&'a str, Option<f64>)>;

/// Kafka's error code and message for a refused request or entry.
pub type QuotaError = (ErrorCode, String);

/// What a quota value must be, by Kafka's config type for its key.
#[derive(Clone, Copy)]
enum Kind {
    Long,
    Int,
    Double,
}

/// The quota keys of users and client ids (`QuotaConfig.userAndClientQuotaConfigs`).
const USER_AND_CLIENT_KEYS: &[(&str, Kind)] = &[
    ("producer_byte_rate", Kind::Long),
    ("consumer_byte_rate", Kind::Long),
    ("request_percentage", Kind::Double),
    ("controller_mutation_rate", Kind::Double),
];

/// The quota keys of IP addresses (`QuotaConfig.ipConfigs`).
const IP_KEYS: &[(&str, Kind)] = &[("connection_creation_rate", Kind::Int)];

/// One component of a describe filter.
#[derive(Debug, Clone, Copy)]
pub struct Component<'a> {
    /// Entity type.
    pub entity_type: &'a str,
    /// 0 EXACT, 1 DEFAULT, 2 ANY.
    pub match_type: i8,
    /// The name EXACT matches.
    pub name: Option<&'a str>,
}

/// One alteration: an entity and its operations (`None`: remove the key).
#[derive(Debug, Clone)]
pub struct Alteration<'a> {
    /// The entity as the request names it (a type named twice: the last name counts).
    pub entity: Vec<(&'a str, Option<&'a str>)>,
    /// Keys with the value to set, or `None` to remove.
    pub ops: Ops<'a>,
}

/// Every entity's quotas.
#[derive(Debug, Clone, Default)]
pub struct QuotaStore {
    quotas: BTreeMap<Entity, Values>,
}

fn invalid(message: impl Into<String>) -> QuotaError {
    (ErrorCode::InvalidRequest, message.into())
}

impl QuotaStore {
    /// The entities matching `components` with their quotas, as Kafka's
    /// `ClientQuotasImage.describe` filters them, or the filter's fault.
    pub fn describe(
        &self,
        components: &[Component<'_>],
        strict: bool,
    ) -> Result<Vec<(&Entity, &Values)>, QuotaError> {
        let mut seen: Vec<&str> = Vec::new();
        for c in components {
            if c.entity_type.is_empty() {
                return Err(invalid("Invalid empty entity type."));
            }
            if seen.contains(&c.entity_type) {
                return Err(invalid(format!(
                    "Entity type {} cannot appear more than once in the filter.",
                    c.entity_type
                )));
            }
            seen.push(c.entity_type);
            if ![USER, CLIENT_ID, IP].contains(&c.entity_type) {
                return Err((
                    ErrorCode::UnsupportedVersion,
                    format!("Unsupported entity type {}", c.entity_type),
                ));
            }
            match (c.match_type, c.name) {
                (0, None) => {
                    return Err(invalid(
                        "Request specified MATCH_TYPE_EXACT, but set match string to null.",
                    ));
                }
                (1, Some(_)) => {
                    return Err(invalid(
                        "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.",
                    ));
                }
                (2, Some(_)) => {
                    return Err(invalid(
                        "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.",
                    ));
                }
                (0..=2, _) => {}
                (other, _) => return Err(invalid(format!("Unknown match type {other}"))),
            }
        }
        if seen.contains(&IP) && (seen.contains(&USER) || seen.contains(&CLIENT_ID)) {
            return Err(invalid(
                "Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.",
            ));
        }
        let matches = |entity: &Entity| {
            (!strict || entity.len() == components.len())
                && components.iter().all(|c| match entity.get(c.entity_type) {
                    None => false,
                    Some(name) => match c.match_type {
                        0 => name.as_deref() == c.name,
                        1 => name.is_none(),
                        _ => true,
                    },
                })
        };
        Ok(self.quotas.iter().filter(|(e, _)| matches(e)).collect())
    }

    /// Applies alterations as Kafka's `ClientQuotaControlManager` does, entry by entry: a key
    /// named twice in an entry, or an entity altered by an earlier entry, is "Ignoring duplicate
    /// entity" (and replaces the earlier entry's result, whose changes stand); then the
    /// entity's types and names, their combination, and each set value's key and value. A
    /// refused entry changes nothing; the others apply unless `validate_only`. One result per
    /// entity, in the order first altered; the entity is returned as Kafka echoes it.
    pub fn alter(
        &mut self,
        alterations: &[Alteration<'_>],
        validate_only: bool,
    ) -> Vec<(Entity, Option<QuotaError>)> {
        let mut results: Vec<(Entity, Option<QuotaError>)> = Vec::new();
        let mut changes: Vec<(Entity, Ops<'_>)> = Vec::new();
        for a in alterations {
            // Kafka reads the entity into a map: a type named twice keeps its last name.
            let mut entity: Vec<(&str, Option<&str>)> = Vec::new();
            for &(t, n) in &a.entity {
                match entity.iter_mut().find(|(et, _)| *et == t) {
                    Some(e) => e.1 = n,
                    None => entity.push((t, n)),
                }
            }
            let key: Entity = entity
                .iter()
                .map(|(t, n)| ((*t).to_owned(), n.map(str::to_owned)))
                .collect();
            let mut keys: Vec<&str> = Vec::new();
            let duplicate_key = a.ops.iter().any(|(k, _)| {
                let twice = keys.contains(k);
                keys.push(k);
                twice
            });
            let earlier = results.iter().position(|(e, _)| *e == key);
            if duplicate_key || earlier.is_some() {
                let message = format!("Ignoring duplicate entity {}", java_entity(&entity));
                match earlier {
                    Some(at) => results[at].1 = Some(invalid(message)),
                    None => results.push((key, Some(invalid(message)))),
                }
                continue;
            }
            match check(&entity, &a.ops) {
                Ok(()) => {
                    changes.push((key.clone(), a.ops.clone()));
                    results.push((key, None));
                }
                Err(e) => results.push((key, Some(e))),
            }
        }
        if !validate_only {
            for (entity, ops) in changes {
                let values = self.quotas.entry(entity.clone()).or_default();
                for (k, v) in ops {
                    match v {
                        Some(v) => values.insert(k.to_owned(), v),
                        None => values.remove(k),
                    };
                }
                if values.is_empty() {
                    self.quotas.remove(&entity);
                }
            }
        }
        results
    }
}

/// Kafka's checks of one entry: `validateEntity`, `configKeysForEntityType`, then each value
/// set (removals are not checked), in the order Kafka's maps iterate them.
fn check(entity: &[(&str, Option<&str>)], ops: &[(&str, Option<f64>)]) -> Result<(), QuotaError> {
    if entity.is_empty() {
        return Err(invalid("Invalid empty client quota entity"));
    }
    for &at in &java_order(entity.iter().map(|(t, _)| *t)) {
        let (t, n) = entity[at];
        if ![USER, CLIENT_ID, IP].contains(&t) {
            return Err(invalid(format!("Unhandled client quota entity type: {t}")));
        }
        if n == Some("") {
            return Err(invalid(format!("Empty {t} not supported")));
        }
    }
    let has = |ty: &str| entity.iter().find(|(t, _)| *t == ty).map(|(_, n)| *n);
    let keys = match has(IP) {
        Some(_) if has(USER).is_some() || has(CLIENT_ID).is_some() => {
            return Err(invalid(
                "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
            ));
        }
        // Kafka also takes a host name it can resolve; the mock resolves nothing.
        Some(Some(ip)) if ip.parse::<IpAddr>().is_err() => {
            return Err(invalid(format!(
                "{ip} is not a valid IP or resolvable host."
            )));
        }
        Some(_) => IP_KEYS,
        None => USER_AND_CLIENT_KEYS,
    };
    for &at in &java_order(ops.iter().map(|(k, _)| *k)) {
        let (k, v) = ops[at];
        let Some(v) = v else { continue };
        let Some(&(_, kind)) = keys.iter().find(|(name, _)| *name == k) else {
            return Err(invalid(format!("Invalid configuration key {k}")));
        };
        if v <= 0.0 {
            return Err(invalid(format!("Quota {k} must be greater than 0")));
        }
        let limit = match kind {
            Kind::Double => continue,
            Kind::Long => (i64::MAX as f64, "a LONG"),
            Kind::Int => (f64::from(i32::MAX), "an INT"),
        };
        if v > limit.0 {
            return Err(invalid(format!(
                "Proposed value for {k} is too large for {}.",
                limit.1
            )));
        }
        if (v % 1.0).abs() > 1e-6 {
            return Err(invalid(format!("{k} cannot be a fractional value.")));
        }
    }
    Ok(())
}

/// Indexes of `keys` in the order a Java `HashMap<String, _>` sized for them iterates them:
/// by bucket (`String.hashCode`, spread, masked by the table size), then insertion order.
fn java_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let keys: Vec<&str> = keys.collect();
    let capacity = keys.len().max(1).next_power_of_two();
    let bucket = |s: &str| {
        let h = s
            .encode_utf16()
            .fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| bucket(keys[i]));
    order
}

/// An entity as Kafka's `ClientQuotaEntity.toString` prints it.
fn java_entity(entity: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = java_order(entity.iter().map(|(t, _)| *t))
        .into_iter()
        .map(|i| format!("{}={}", entity[i].0, entity[i].1.unwrap_or("null")))
        .collect();
    format!("ClientQuotaEntity(entries={{{}}})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set<'a>(
        entity: &[(&'a str, Option<&'a str>)],
        ops: &[(&'a str, Option<f64>)],
    ) -> Alteration<'a> {
        Alteration {
            entity: entity.to_vec(),
            ops: ops.to_vec(),
        }
    }

    fn exact(t: &str, n: &str) -> Component<'static> {
        Component {
            entity_type: Box::leak(t.to_owned().into_boxed_str()),
            match_type: 0,
            name: Some(Box::leak(n.to_owned().into_boxed_str())),
        }
    }

    /// Values are stored, replaced, removed (an entity without values is gone) and found by
    /// EXACT, DEFAULT and ANY components, strictly or not.
    #[test]
    fn quotas_are_set_described_and_removed() {
        let mut q = QuotaStore::default();
        let r = q.alter(
            &[
                set(
                    &[(USER, Some("alice"))],
                    &[("producer_byte_rate", Some(1024.0))],
                ),
                set(&[(USER, None)], &[("request_percentage", Some(12.5))]),
                set(
                    &[(USER, Some("alice")), (CLIENT_ID, Some("app"))],
                    &[("consumer_byte_rate", Some(2048.0))],
                ),
                set(
                    &[(IP, Some("10.0.0.1"))],
                    &[("connection_creation_rate", Some(5.0))],
                ),
            ],
            false,
        );
        assert!(r.iter().all(|(_, e)| e.is_none()), "{r:?}");
        assert_eq!(q.describe(&[exact(USER, "alice")], true).unwrap().len(), 1);
        assert_eq!(q.describe(&[exact(USER, "alice")], false).unwrap().len(), 2);
        let default = Component {
            entity_type: USER,
            match_type: 1,
            name: None,
        };
        let d = q.describe(&[default], true).unwrap();
        assert_eq!(d[0].1["request_percentage"], 12.5);
        let any = Component {
            entity_type: USER,
            match_type: 2,
            name: None,
        };
        assert_eq!(q.describe(&[any], true).unwrap().len(), 2);
        assert_eq!(q.describe(&[], false).unwrap().len(), 4);
        assert!(q.describe(&[], true).unwrap().is_empty());

        q.alter(
            &[set(
                &[(USER, Some("alice"))],
                &[("producer_byte_rate", None)],
            )],
            false,
        );
        assert!(
            q.describe(&[exact(USER, "alice")], true)
                .unwrap()
                .is_empty()
        );
        // validate_only changes nothing
        q.alter(
            &[set(
                &[(USER, Some("bob"))],
                &[("producer_byte_rate", Some(1.0))],
            )],
            true,
        );
        assert!(q.describe(&[exact(USER, "bob")], true).unwrap().is_empty());
    }

    /// Kafka's refusals with its messages, including the ones that depend on Java's map order.
    #[test]
    fn refusals_carry_kafkas_messages() {
        let mut q = QuotaStore::default();
        let r = q.alter(
            &[
                set(&[], &[("producer_byte_rate", Some(1.0))]),
                set(&[("group", Some("g"))], &[]),
                set(&[(USER, Some(""))], &[]),
                set(&[(IP, Some("10.0.0.1")), (USER, Some("u"))], &[]),
                set(&[(IP, Some("not an ip"))], &[]),
                set(
                    &[(USER, Some("a"))],
                    &[("connection_creation_rate", Some(1.0))],
                ),
                set(&[(USER, Some("b"))], &[("producer_byte_rate", Some(0.0))]),
                set(&[(USER, Some("c"))], &[("producer_byte_rate", Some(1.5))]),
                set(&[(USER, Some("d"))], &[("producer_byte_rate", Some(1e19))]),
                set(&[(IP, None)], &[("connection_creation_rate", Some(3e9))]),
                set(
                    &[(USER, Some("e")), (CLIENT_ID, Some("x"))],
                    &[
                        ("producer_byte_rate", Some(1.0)),
                        ("producer_byte_rate", Some(2.0)),
                    ],
                ),
                set(&[(USER, Some("f"))], &[("request_percentage", Some(1.0))]),
                set(&[(USER, Some("f"))], &[("request_percentage", Some(2.0))]),
            ],
            false,
        );
        let messages: Vec<_> = r
            .iter()
            .map(|(_, e)| e.as_ref().map(|(_, m)| m.as_str()).unwrap_or("ok"))
            .collect();
        assert_eq!(
            messages,
            [
                "Invalid empty client quota entity",
                "Unhandled client quota entity type: group",
                "Empty user not supported",
                "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
                "not an ip is not a valid IP or resolvable host.",
                "Invalid configuration key connection_creation_rate",
                "Quota producer_byte_rate must be greater than 0",
                "producer_byte_rate cannot be a fractional value.",
                "Proposed value for producer_byte_rate is too large for a LONG.",
                "Proposed value for connection_creation_rate is too large for an INT.",
                "Ignoring duplicate entity ClientQuotaEntity(entries={client-id=x, user=e})",
                "Ignoring duplicate entity ClientQuotaEntity(entries={user=f})",
            ]
        );
        // The first entry for f stands although its result was replaced.
        let f = q.describe(&[exact(USER, "f")], true).unwrap();
        assert_eq!(f[0].1["request_percentage"], 1.0);

        let bad = |c: Vec<Component<'static>>| q.describe(&c, false).unwrap_err();
        let any = |t: &'static str| Component {
            entity_type: t,
            match_type: 2,
            name: None,
        };
        assert_eq!(bad(vec![any("")]).1, "Invalid empty entity type.");
        assert_eq!(
            bad(vec![any(USER), any(USER)]).1,
            "Entity type user cannot appear more than once in the filter."
        );
        assert_eq!(bad(vec![any("group")]).0, ErrorCode::UnsupportedVersion);
        assert_eq!(
            bad(vec![Component {
                entity_type: USER,
                match_type: 5,
                name: None
            }])
            .1,
            "Unknown match type 5"
        );
        assert_eq!(bad(vec![any(IP), any(USER)]).0, ErrorCode::InvalidRequest);
    }
}
