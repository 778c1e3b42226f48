//! Differential conformance: the same request sequences go to a real Kafka and to an in-process
//! kwire-mock configured like it, at every version of every API both speak; answers are decoded
//! with kwire-protocol, normalised (only what legitimately differs: see `normalise`) and compared
//! field by field. The test prints a table API × version × step → equal / differs (with the
//! first differing field) and fails on any difference not in [`KNOWN`], the list the mock's
//! README mirrors under "Differences from Kafka".
//!
//! `KWIRE_KAFKA_BOOTSTRAP` (one broker: RF 1, min.insync 1) and `KWIRE_KAFKA_CLUSTER_BOOTSTRAP`
//! (three brokers: RF 3, min.insync 2), as `tests/interop/kafka.sh` starts them; each test is
//! skipped, visibly, without its variable. `KWIRE_DIFF_DUMP=DIR` writes both sides' normalised
//! answers to `DIR/{kafka,mock}-N.txt` for a closer look with `diff`.
//!
//! An API is compared only at the versions both brokers advertise: the admin sequences start
//! running on the day the mock advertises their API (`tests/interop/differential/tools.sh` and
//! `features.sh` show the client-side view of the same gaps).

mod differential {
    pub mod admin;
    pub mod compare;
    pub mod elect;
    pub mod groups;
    pub mod normalise;
    pub mod producers;
    pub mod quotas;
    pub mod scram;
    pub mod sequences;
    pub mod side;
    pub mod wire;
}

use std::collections::{BTreeMap, BTreeSet};

use differential::compare::differences;
use differential::normalise::Norm;
use differential::sequences::{Plan, run_all, unserved_keys};
use differential::side::{Answer, Side};
use kwire_mock::group::GroupConfig;
use kwire_mock::{ClusterConfig, MockCluster};
use kwire_tests::{kafka_bootstrap, kafka_cluster_bootstrap};

/// Which runs a known difference applies to.
#[derive(Clone, Copy, PartialEq)]
enum Runs {
    Both,
    Cluster,
}

/// A difference that stays, with its reason.
struct Known {
    api: &'static str,
    /// The step, or "" for every step.
    step: &'static str,
    versions: (i16, i16),
    /// The first differing field starts with this.
    path: &'static str,
    runs: Runs,
    reason: &'static str,
}

const ALL: (i16, i16) = (0, i16::MAX);

/// Every difference seen, with its reason: those that stay (the mock README's "Differences from
/// Kafka" lists them) and those still to fix in the mock (reason starting "to fix"), so the
/// suite guards everything else. A fixed one shows as NOT SEEN in the output: delete it.
const KNOWN: &[Known] = &[
    Known {
        api: "ApiVersions",
        step: "",
        versions: ALL,
        path: "supported_features",
        runs: Runs::Both,
        reason: "stays: the mock has no feature levels (KIP-584); advertising Kafka's \
                 (transaction.version, group.version, ...) would promise what it cannot do",
    },
    Known {
        api: "ApiVersions",
        step: "",
        versions: ALL,
        path: "finalized_features",
        runs: Runs::Both,
        reason: "stays: no finalized feature levels either (epoch -1, empty list)",
    },
    Known {
        api: "Metadata",
        step: "auto-create",
        versions: ALL,
        path: "topics[0]",
        runs: Runs::Both,
        reason: "stays: Kafka creates the topic through its controller and first answers \
                 UNKNOWN_TOPIC_OR_PARTITION without id or partitions (clients retry); the mock \
                 creates it at once and answers with it",
    },
    Known {
        api: "DescribeConfigs",
        step: "broker 1, num.partitions",
        versions: ALL,
        path: "results[0].configs[0]",
        runs: Runs::Cluster,
        reason: "stays: the 3-broker Kafka sets num.partitions on its controller only (which \
                 applies it to new topics since 4.3), so its brokers describe Kafka's default 1; \
                 the mock's brokers are also its controller and describe the 3 they apply",
    },
    Known {
        api: "DescribeLogDirs",
        step: "",
        versions: (4, i16::MAX),
        path: "results[0].total_bytes",
        runs: Runs::Both,
        reason: "stays: the mock keeps its logs in memory, on no volume, and answers -1 \
                 (unknown) for the volume's total and usable bytes, which AdminClient reports as \
                 absent; Kafka reports its disk's",
    },
    Known {
        api: "DescribeLogDirs",
        step: "",
        versions: (4, i16::MAX),
        path: "results[0].usable_bytes",
        runs: Runs::Both,
        reason: "stays: as total_bytes, the usable bytes of a volume the mock does not have",
    },
    Known {
        api: "JoinGroup",
        step: "classic member to a consumer group",
        versions: ALL,
        path: "",
        runs: Runs::Both,
        reason: "stays: Kafka 4.3 takes classic members into a KIP-848 consumer group (online \
                 migration, group.consumer.migration.policy=bidirectional: MEMBER_ID_REQUIRED on \
                 the way in, with a member id); the mock does not mix protocols in a group and \
                 answers INCONSISTENT_GROUP_PROTOCOL without one",
    },
];

/// The verdict on one request.
enum Verdict {
    Equal,
    Known(String),
    Differs {
        path: String,
        kafka: String,
        mock: String,
    },
}

#[test]
fn single_broker_answers_like_kafka() {
    let Some(bootstrap) = kafka_bootstrap("single_broker_answers_like_kafka") else {
        return;
    };
    differential_run(&bootstrap, 1, 1, 1);
}

#[test]
fn cluster_answers_like_kafka() {
    let Some(bootstrap) = kafka_cluster_bootstrap("cluster_answers_like_kafka") else {
        return;
    };
    differential_run(&bootstrap, 3, 3, 2);
}

/// Runs every sequence against the Kafka at `bootstrap` and a mock of `brokers` brokers with the
/// same topic defaults, compares, prints the table, and fails on unknown differences.
fn differential_run(bootstrap: &str, brokers: i32, rf: i16, min_insync: i32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt
        .block_on(
            MockCluster::builder()
                .config(ClusterConfig {
                    brokers,
                    num_partitions: 3,
                    default_replication_factor: rf,
                    min_insync_replicas: min_insync,
                    // Kafka's default time retention (7 days; the mock's is unlimited), so
                    // that topic configs describe alike.
                    log_retention_ms: Some(604_800_000),
                    // As tests/interop/kafka.sh configures Kafka.
                    offsets_topic_num_partitions: 3,
                    offsets_topic_replication_factor: rf,
                    groups: GroupConfig {
                        initial_rebalance_delay_ms: 0,
                        consumer_session_timeout_ms: 10_000,
                        consumer_min_session_timeout_ms: 6_000,
                        ..Default::default()
                    },
                    ..Default::default()
                })
                .start(),
        )
        .expect("start kwire-mock");
    let runs = if brokers > 1 {
        Runs::Cluster
    } else {
        Runs::Both
    };
    let mut kafka = Side::connect("Kafka", bootstrap);
    let mut kmock = Side::connect("kwire-mock", &mock.bootstrap());

    let served: BTreeSet<i16> = kmock.versions.api_keys.iter().map(|k| k.api_key).collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("kwire-diff-{}", nanos % 1_000_000_000_000);
    let plan = Plan {
        versions: common_versions(&kafka, &kmock),
        norm: Norm {
            prefix: &prefix,
            served: &served,
        },
        cluster: brokers > 1,
        replication_factor: rf,
        t0: (nanos / 1_000_000) as i64 - 3_600_000,
    };
    run_all(&mut kafka, &plan);
    run_all(&mut kmock, &plan);
    rt.block_on(mock.shutdown());

    assert_eq!(
        kafka.answers.len(),
        kmock.answers.len(),
        "both sides ran the same steps"
    );
    let mut verdicts = Vec::new();
    let mut seen = BTreeSet::new();
    for (k, m) in kafka.answers.iter().zip(&kmock.answers) {
        assert_eq!((k.api, k.version, k.step), (m.api, m.version, m.step));
        verdicts.push((k, verdict(k, m, runs, &mut seen)));
    }
    print_table(&verdicts, brokers);
    if let Ok(dir) = std::env::var("KWIRE_DIFF_DUMP") {
        dump(&dir, brokers, &kafka.answers, &kmock.answers);
    }
    let unserved = unserved_keys(&kafka.versions, &served);
    println!(
        "API keys Kafka advertises and kwire-mock does not ({}): {}",
        unserved.len(),
        unserved.join(", ")
    );
    println!("known differences:");
    for (i, kd) in KNOWN.iter().enumerate() {
        if kd.runs == Runs::Both || kd.runs == runs {
            let state = if seen.contains(&i) {
                "seen"
            } else {
                "NOT SEEN (fixed?)"
            };
            println!(
                "  [{state}] {} v{}-{} {} {}: {}",
                kd.api, kd.versions.0, kd.versions.1, kd.step, kd.path, kd.reason
            );
        }
    }
    let unknown: Vec<String> = verdicts
        .iter()
        .filter_map(|(a, v)| match v {
            Verdict::Differs { path, kafka, mock } => Some(format!(
                "{} v{} {}: {path}\n    Kafka: {kafka}\n    mock:  {mock}",
                a.api, a.version, a.step
            )),
            _ => None,
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "{} answers differ from Kafka's (not in KNOWN):\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

/// Writes both sides' answers, one file each, for a closer look at what differs
/// (`KWIRE_DIFF_DUMP=DIR`; compare with `diff DIR/kafka-N.txt DIR/mock-N.txt`).
fn dump(dir: &str, brokers: i32, kafka: &[Answer], mock: &[Answer]) {
    std::fs::create_dir_all(dir).expect("dump dir");
    for (name, answers) in [("kafka", kafka), ("mock", mock)] {
        let text: String = answers
            .iter()
            .map(|a| format!("=== {} v{} {}\n{}\n", a.api, a.version, a.step, a.text))
            .collect();
        let path = format!("{dir}/{name}-{brokers}.txt");
        std::fs::write(&path, text).expect("write dump");
    }
    println!("answers written to {dir}/{{kafka,mock}}-{brokers}.txt");
}

/// Per API both advertise: the versions both brokers and the codec speak.
fn common_versions(kafka: &Side, mock: &Side) -> BTreeMap<i16, std::ops::RangeInclusive<i16>> {
    let mut out = BTreeMap::new();
    for k in &kafka.versions.api_keys {
        let key = kwire_protocol::ApiKey(k.api_key);
        let (Some((mmin, mmax)), Some(codec)) = (
            mock.versions.range_for(key),
            kwire_protocol::api::supported_versions(key, true),
        ) else {
            continue;
        };
        let lo = k.min_version.max(mmin).max(codec.min);
        let hi = k.max_version.min(mmax).min(codec.max);
        if lo <= hi {
            out.insert(k.api_key, lo..=hi);
        }
    }
    out
}

fn verdict(k: &Answer, m: &Answer, runs: Runs, seen: &mut BTreeSet<usize>) -> Verdict {
    let diffs = differences(&k.text, &m.text);
    let Some(first) = diffs.first() else {
        return Verdict::Equal;
    };
    let mut unknown = None;
    for d in &diffs {
        let known = KNOWN.iter().position(|kd| {
            kd.api == k.api
                && (kd.step.is_empty() || kd.step == k.step)
                && (kd.versions.0..=kd.versions.1).contains(&k.version)
                && d.path.starts_with(kd.path)
                && (kd.runs == Runs::Both || kd.runs == runs)
        });
        match known {
            Some(i) => {
                seen.insert(i);
            }
            None if unknown.is_none() => unknown = Some(d),
            None => {}
        }
    }
    match unknown {
        None => Verdict::Known(first.path.clone()),
        Some(d) => Verdict::Differs {
            path: d.path.clone(),
            kafka: d.kafka.clone(),
            mock: d.mock.clone(),
        },
    }
}

/// One row per API and step; versions with the same verdict are merged into ranges.
fn print_table(verdicts: &[(&Answer, Verdict)], brokers: i32) {
    // (API, step) -> (version, verdict) in the order they ran
    type Row<'a> = ((&'a str, &'a str), Vec<(i16, String)>);
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (a, v) in verdicts {
        let text = match v {
            Verdict::Equal => "equal".to_owned(),
            Verdict::Known(p) => format!("known difference ({p})"),
            Verdict::Differs { path, .. } => format!("DIFFERS at {path}"),
        };
        match rows.iter_mut().find(|(key, _)| *key == (a.api, a.step)) {
            Some((_, vs)) => vs.push((a.version, text)),
            None => rows.push(((a.api, a.step), vec![(a.version, text)])),
        }
    }
    let equal = verdicts
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Equal))
        .count();
    println!(
        "\ndifferential, {brokers} broker(s): {} requests compared per side, {equal} equal",
        verdicts.len()
    );
    for ((api, step), vs) in rows {
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < vs.len() {
            let mut j = i;
            while j + 1 < vs.len() && vs[j + 1].1 == vs[i].1 && vs[j + 1].0 == vs[j].0 + 1 {
                j += 1;
            }
            let range = if i == j {
                format!("v{}", vs[i].0)
            } else {
                format!("v{}-{}", vs[i].0, vs[j].0)
            };
            parts.push(format!("{range} {}", vs[i].1));
            i = j + 1;
        }
        println!("  {api:<21} {step:<34} {}", parts.join("; "));
    }
}
