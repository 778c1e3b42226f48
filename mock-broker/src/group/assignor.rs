//! The server-side assignors of KIP-848 groups, `uniform` and `range`: pure functions from the
//! members' subscriptions, the topics' partition counts and the current target to a new target.

use std::collections::{BTreeMap, BTreeSet};

/// A topic partition, by topic name.
pub type TopicPartition = (String, i32);

/// What an assignor sees of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpec {
    /// The topics the member reads (names resolved from names and regex).
    pub topics: BTreeSet<String>,
    /// Its partitions in the current target (for stickiness).
    pub current: BTreeSet<TopicPartition>,
}

/// Assigns with the named assignor; unknown names fall back to `uniform`.
pub fn assign(
    name: &str,
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, i32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    match name {
        "range" => range(members, partitions),
        _ => uniform(members, partitions),
    }
}

/// Kafka's `range`: per topic, its subscribers sorted by member id get contiguous ranges, the
/// first `partitions % subscribers` one partition more; the same index ranges across topics
/// keep co-partitioned topics together.
pub fn range(
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, i32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let mut out: BTreeMap<String, BTreeSet<TopicPartition>> = members
        .keys()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for (topic, &count) in partitions {
        let subs: Vec<&String> = members
            .iter()
            .filter(|(_, s)| s.topics.contains(topic))
            .map(|(id, _)| id)
            .collect();
        if subs.is_empty() {
            continue;
        }
        let n = subs.len() as i32;
        let (per, extra) = (count / n, count % n);
        let mut next = 0;
        for (i, id) in subs.iter().enumerate() {
            let take = per + i32::from((i as i32) < extra);
            let set = out.get_mut(*id).expect("member");
            set.extend((next..next + take).map(|p| (topic.clone(), p)));
            next += take;
        }
    }
    out
}

/// Kafka's `uniform`: as balanced as the subscriptions allow and sticky — a member keeps the
/// partitions it has while it is not above its share; the rest go one by one to the subscribed
/// member with the fewest. Kafka's placement of the moved partitions may differ.
pub fn uniform(
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, i32>,
) -> BTreeMap<String, BTreeSet<TopicPartition>> {
    let mut out: BTreeMap<String, BTreeSet<TopicPartition>> = members
        .keys()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    let all: Vec<TopicPartition> = partitions
        .iter()
        .filter(|(t, _)| members.values().any(|s| s.topics.contains(*t)))
        .flat_map(|(t, &n)| (0..n).map(move |p| (t.clone(), p)))
        .collect();
    if members.is_empty() || all.is_empty() {
        return out;
    }
    // Each member's share of what it can read: an even split, rounded up.
    let share = all.len().div_ceil(members.len());
    let mut taken = BTreeSet::new();
    for (id, spec) in members {
        let set = out.get_mut(id).expect("member");
        for tp in &spec.current {
            let exists = partitions.get(&tp.0).is_some_and(|&n| tp.1 < n);
            if set.len() < share
                && exists
                && spec.topics.contains(&tp.0)
                && taken.insert(tp.clone())
            {
                set.insert(tp.clone());
            }
        }
    }
    for tp in all.into_iter().filter(|tp| !taken.contains(tp)) {
        let fewest = members
            .iter()
            .filter(|(_, s)| s.topics.contains(&tp.0))
            .min_by_key(|(id, _)| (out[*id].len(), (*id).clone()))
            .map(|(id, _)| id.clone());
        if let Some(id) = fewest {
            out.get_mut(&id).expect("member").insert(tp);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(topics: &[&str], current: &[(&str, i32)]) -> MemberSpec {
        MemberSpec {
            topics: topics.iter().map(|t| t.to_string()).collect(),
            current: current.iter().map(|(t, p)| (t.to_string(), *p)).collect(),
        }
    }

    fn parts(v: &[(&str, i32)]) -> BTreeMap<String, i32> {
        v.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    #[test]
    fn range_gives_contiguous_ranges_with_the_extra_to_the_first() {
        let members = BTreeMap::from([
            ("a".to_owned(), spec(&["t", "u"], &[])),
            ("b".to_owned(), spec(&["t", "u"], &[])),
        ]);
        let out = range(&members, &parts(&[("t", 3), ("u", 3)]));
        let a: Vec<_> = out["a"].iter().cloned().collect();
        assert_eq!(
            a,
            vec![
                ("t".to_owned(), 0),
                ("t".to_owned(), 1),
                ("u".to_owned(), 0),
                ("u".to_owned(), 1)
            ]
        );
        assert_eq!(out["b"].len(), 2);
    }

    #[test]
    fn uniform_is_balanced_and_keeps_what_it_can() {
        let members = BTreeMap::from([
            (
                "a".to_owned(),
                spec(&["t"], &[("t", 0), ("t", 1), ("t", 2), ("t", 3)]),
            ),
            ("b".to_owned(), spec(&["t"], &[("t", 4), ("t", 5)])),
            ("c".to_owned(), spec(&["t"], &[])),
        ]);
        let out = uniform(&members, &parts(&[("t", 6)]));
        assert_eq!(
            out.values().map(BTreeSet::len).collect::<Vec<_>>(),
            vec![2, 2, 2]
        );
        assert!(out["b"].contains(&("t".to_owned(), 4)) && out["b"].contains(&("t".to_owned(), 5)));
        assert!(out["a"].contains(&("t".to_owned(), 0)) && out["a"].contains(&("t".to_owned(), 1)));
    }

    #[test]
    fn uniform_only_gives_members_what_they_subscribe_to() {
        let members = BTreeMap::from([
            ("a".to_owned(), spec(&["t"], &[])),
            ("b".to_owned(), spec(&["u"], &[])),
        ]);
        let out = uniform(&members, &parts(&[("t", 2), ("u", 1), ("v", 4)]));
        assert!(out["a"].iter().all(|(t, _)| t == "t"));
        assert_eq!(out["a"].len(), 2);
        assert_eq!(out["b"].len(), 1);
    }
}
