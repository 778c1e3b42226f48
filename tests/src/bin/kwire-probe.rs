//! `kwire-probe`: asks a Kafka-speaking broker what the interop scripts need to know, through
//! kwire-protocol (no client library), and prints one JSON line.
//!
//! ```text
//! kwire-probe apiversions --bootstrap H:P[,H:P]        {"error_code":0,"api_keys":{"0":[3,13],...}}
//! kwire-probe metadata --bootstrap B [--topic T]...     brokers, controller, topics with leaders and ISR
//!                                                       (never creates a topic)
//! kwire-probe leader --bootstrap B --topic T --partition P
//!                                                       the leader's node id (exit 1 when none)
//! kwire-probe wait --bootstrap B [--brokers N] [--timeout-s S]
//!                                                       until every address answers Metadata listing
//!                                                       at least N brokers (exit 1 on timeout)
//! kwire-probe create-topic --bootstrap B --topic T [--partitions 3] [--replication-factor -1]
//!                          [--config k=v]... [--timeout-s 60]
//!                                                       CreateTopics (an existing topic is fine), then
//!                                                       until every partition has a leader
//! kwire-probe coordinator --bootstrap B --group G      the node id coordinating consumer group G
//!                                                       (FindCoordinator; exit 1 on an error)
//! kwire-probe broker-configs --bootstrap B [--broker ID]
//!                                                       DescribeConfigs of a broker (default: the
//!                                                       first one Metadata lists) with synonyms:
//!                                                       {"configs":[{"name","type","read_only",
//!                                                       "sensitive","source","value","synonyms":
//!                                                       [[name,value,source],...]},...]}
//! ```
//!
//! A command that takes `--bootstrap` with several addresses asks the first that answers. Exit
//! status 0 on success, 1 when the broker said no or the wait ran out, 2 on bad arguments.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use kwire_protocol::ErrorCode;
use kwire_protocol::api::create_topics::{
    CreatableTopic, CreatableTopicConfig, CreateTopicsRequest,
};
use kwire_protocol::api::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use kwire_protocol::api::find_coordinator::FindCoordinatorRequest;
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_tests::{Conn, ConnError};
use serde_json::{Value, json};

/// How long one request may take before the broker counts as not answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Pause between two polls of a wait.
const POLL: Duration = Duration::from_millis(200);

#[derive(Debug, Parser)]
#[command(
    name = "kwire-probe",
    about = "Ask a Kafka broker over the wire; one JSON line out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The broker's ApiVersions answer: API key -> [min, max].
    Apiversions {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
    },
    /// Brokers, controller and topics (all, or the named ones) with leaders, replicas and ISR.
    Metadata {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// A topic to describe (repeatable; none: every topic).
        #[arg(long = "topic")]
        topics: Vec<String>,
    },
    /// The node id leading a partition.
    Leader {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// Topic.
        #[arg(long)]
        topic: String,
        /// Partition index.
        #[arg(long)]
        partition: i32,
    },
    /// The node id coordinating a consumer group (FindCoordinator).
    Coordinator {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// Group id.
        #[arg(long)]
        group: String,
    },
    /// Waits until every address answers Metadata listing at least `--brokers` brokers.
    Wait {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// Brokers each address must list.
        #[arg(long, default_value_t = 1)]
        brokers: usize,
        /// Give up after this many seconds (0: ask once).
        #[arg(long = "timeout-s", default_value_t = 120.0)]
        timeout_s: f64,
    },
    /// Creates a topic (an existing one is fine) and waits until every partition has a leader.
    CreateTopic {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// Topic name.
        #[arg(long)]
        topic: String,
        /// Partitions (-1: the broker's num.partitions).
        #[arg(long, default_value_t = 3, allow_negative_numbers = true)]
        partitions: i32,
        /// Replication factor (-1: the broker's default.replication.factor).
        #[arg(long = "replication-factor", default_value_t = -1, allow_negative_numbers = true)]
        replication_factor: i16,
        /// A topic config `key=value` (repeatable).
        #[arg(long = "config")]
        configs: Vec<String>,
        /// Give up after this many seconds.
        #[arg(long = "timeout-s", default_value_t = 60.0)]
        timeout_s: f64,
    },
    /// Every config of a broker as DescribeConfigs lists it, with synonyms.
    BrokerConfigs {
        /// host:port[,host:port...]
        #[arg(long)]
        bootstrap: String,
        /// The broker to describe (default: the first broker Metadata lists).
        #[arg(long)]
        broker: Option<i32>,
    },
}

/// Why a command did not succeed: printed as `{"error": ...}` with exit status 1.
struct Failed(Value);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Apiversions { bootstrap } => first_answer(&bootstrap, api_versions),
        Command::Metadata { bootstrap, topics } => {
            let topics = (!topics.is_empty()).then_some(topics);
            first_answer(&bootstrap, |c| {
                metadata(c, topics.as_deref()).map(|m| metadata_json(&m))
            })
        }
        Command::Leader {
            bootstrap,
            topic,
            partition,
        } => leader(&bootstrap, &topic, partition),
        Command::Wait {
            bootstrap,
            brokers,
            timeout_s,
        } => wait(&bootstrap, brokers, timeout_s),
        Command::CreateTopic {
            bootstrap,
            topic,
            partitions,
            replication_factor,
            configs,
            timeout_s,
        } => create_topic(
            &bootstrap,
            &topic,
            partitions,
            replication_factor,
            &configs,
            timeout_s,
        ),
        Command::Coordinator { bootstrap, group } => coordinator(&bootstrap, &group),
        Command::BrokerConfigs { bootstrap, broker } => {
            first_answer(&bootstrap, |c| broker_configs(c, broker))
        }
    };
    match result {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(Failed(v)) => {
            println!("{v}");
            ExitCode::FAILURE
        }
    }
}

fn addresses(bootstrap: &str) -> impl Iterator<Item = &str> {
    bootstrap
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
}

/// Runs `ask` against the first address of `bootstrap` that answers.
fn first_answer(
    bootstrap: &str,
    mut ask: impl FnMut(&mut Conn) -> Result<Value, ConnError>,
) -> Result<Value, Failed> {
    let mut last = String::from("no address given");
    for addr in addresses(bootstrap) {
        match Conn::connect_timeout(addr, REQUEST_TIMEOUT).and_then(|mut c| ask(&mut c)) {
            Ok(v) => return Ok(v),
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(Failed(
        json!({ "error": format!("no broker answered ({last})") }),
    ))
}

fn api_versions(c: &mut Conn) -> Result<Value, ConnError> {
    let keys: serde_json::Map<String, Value> = c
        .versions
        .api_keys
        .iter()
        .map(|k| (k.api_key.to_string(), json!([k.min_version, k.max_version])))
        .collect();
    Ok(json!({ "error_code": c.versions.error_code.code(), "api_keys": keys }))
}

/// Metadata for `topics` (`None`: every topic; empty: none, brokers only), never creating one.
fn metadata(c: &mut Conn, topics: Option<&[String]>) -> Result<MetadataResponse, ConnError> {
    let req = MetadataRequest {
        topics: topics.map(|ts| {
            ts.iter()
                .map(|t| MetadataRequestTopic {
                    name: Some(t.clone()),
                    ..Default::default()
                })
                .collect()
        }),
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    // From version 4 on the request can refuse auto-creation; every broker we probe serves it.
    let v = *c.common_versions::<MetadataRequest>().end();
    c.send(&req, v)
}

fn metadata_json(m: &MetadataResponse) -> Value {
    json!({
        "throttle_ms": m.throttle_time_ms,
        "brokers": m.brokers.iter().map(|b| json!({
            "node_id": b.node_id, "host": b.host, "port": b.port, "rack": b.rack,
        })).collect::<Vec<_>>(),
        "cluster_id": m.cluster_id,
        "controller_id": m.controller_id,
        "topics": m.topics.iter().map(|t| json!({
            "error_code": t.error_code.code(),
            "name": t.name,
            "internal": t.is_internal,
            "partitions": t.partitions.iter().map(|p| json!({
                "error_code": p.error_code.code(),
                "partition": p.partition_index,
                "leader": p.leader_id,
                "replicas": p.replica_nodes,
                "isr": p.isr_nodes,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn leader(bootstrap: &str, topic: &str, partition: i32) -> Result<Value, Failed> {
    let topics = [topic.to_string()];
    let md = first_answer(bootstrap, |c| {
        metadata(c, Some(&topics)).map(|m| {
            m.topics
                .iter()
                .flat_map(|t| &t.partitions)
                .find(|p| p.partition_index == partition && p.leader_id >= 0)
                .map_or(Value::Null, |p| json!(p.leader_id))
        })
    })?;
    if md.is_null() {
        return Err(Failed(json!({
            "error": format!("no leader known for {topic}/{partition}")
        })));
    }
    Ok(md)
}

/// FindCoordinator for a consumer group at the highest version both sides speak (a key of its
/// own up to v3, one of a batch from v4).
fn coordinator(bootstrap: &str, group: &str) -> Result<Value, Failed> {
    let answer = first_answer(bootstrap, |c| {
        let v = *c.common_versions::<FindCoordinatorRequest>().end();
        let (key, coordinator_keys) = if v >= 4 {
            (String::new(), vec![group.to_string()])
        } else {
            (group.to_string(), Vec::new())
        };
        let req = FindCoordinatorRequest {
            key,
            key_type: 0,
            coordinator_keys,
            ..Default::default()
        };
        let r = c.send(&req, v)?;
        let (code, node) = match r.coordinators.first() {
            Some(k) => (k.error_code, k.node_id),
            None => (r.error_code, r.node_id),
        };
        Ok(if code == ErrorCode::None {
            json!(node)
        } else {
            json!({ "error": format!("FindCoordinator for {group}: {code}") })
        })
    })?;
    if answer.get("error").is_some() {
        return Err(Failed(answer));
    }
    Ok(answer)
}

fn wait(bootstrap: &str, brokers: usize, timeout_s: f64) -> Result<Value, Failed> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_s.max(0.0));
    let mut pending: Vec<&str> = addresses(bootstrap).collect();
    let all = pending.clone();
    let mut last = String::new();
    loop {
        pending.retain(|addr| {
            match Conn::connect_timeout(addr, REQUEST_TIMEOUT)
                .and_then(|mut c| metadata(&mut c, Some(&[])))
            {
                Ok(m) if m.brokers.len() >= brokers => false,
                Ok(m) => {
                    last = format!("{addr} lists {}/{brokers} brokers", m.brokers.len());
                    true
                }
                Err(e) => {
                    last = format!("{addr}: {e}");
                    true
                }
            }
        });
        if pending.is_empty() {
            return Ok(json!({ "ready": all }));
        }
        if Instant::now() >= deadline {
            return Err(Failed(json!({ "ready": false, "last": last })));
        }
        std::thread::sleep(POLL);
    }
}

/// DescribeConfigs(BROKER) with synonyms at the highest version both sides speak.
fn broker_configs(c: &mut Conn, broker: Option<i32>) -> Result<Value, ConnError> {
    let id = match broker {
        Some(id) => id,
        None => metadata(c, Some(&[]))?
            .brokers
            .iter()
            .map(|b| b.node_id)
            .min()
            .unwrap_or(1),
    };
    let req = DescribeConfigsRequest {
        resources: vec![DescribeConfigsResource {
            resource_type: 4,
            resource_name: id.to_string(),
            configuration_keys: None,
            ..Default::default()
        }],
        include_synonyms: true,
        ..Default::default()
    };
    let v = *c.common_versions::<DescribeConfigsRequest>().end();
    let mut resp = c.send(&req, v)?;
    let Some(r) = resp.results.pop() else {
        return Ok(json!({ "error": "no result" }));
    };
    let configs: Vec<Value> = r
        .configs
        .iter()
        .map(|e| {
            json!({
                "name": e.name,
                "type": e.config_type,
                "read_only": e.read_only,
                "sensitive": e.is_sensitive,
                "source": e.config_source,
                "value": e.value,
                "synonyms": e.synonyms.iter()
                    .map(|s| json!([s.name, s.value, s.source]))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(json!({
        "broker": id, "version": v, "error_code": r.error_code.code(), "configs": configs,
    }))
}

fn create_topic(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    replication_factor: i16,
    configs: &[String],
    timeout_s: f64,
) -> Result<Value, Failed> {
    let deadline = Instant::now() + Duration::from_secs_f64(timeout_s.max(0.0));
    let mut creatable = CreatableTopic {
        name: topic.to_string(),
        num_partitions: partitions,
        replication_factor,
        ..Default::default()
    };
    for kv in configs {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(Failed(
                json!({ "error": format!("--config {kv}: want key=value") }),
            ));
        };
        creatable.configs.push(CreatableTopicConfig {
            name: k.to_string(),
            value: Some(v.to_string()),
            ..Default::default()
        });
    }
    let timeout_ms = (timeout_s * 1000.0) as i32;
    let req = CreateTopicsRequest {
        topics: vec![creatable],
        timeout_ms,
        ..Default::default()
    };
    let answer = first_answer(bootstrap, |c| {
        let v = *c.common_versions::<CreateTopicsRequest>().end();
        let resp = c.send(&req, v)?;
        Ok(resp.topics.first().map_or_else(
            || json!({ "error_code": -1, "error_message": "empty response" }),
            |t| json!({ "error_code": t.error_code.code(), "error_message": t.error_message }),
        ))
    })?;
    let code = answer["error_code"].as_i64().unwrap_or(-1);
    let created = code == 0;
    if !created && code != i64::from(ErrorCode::TopicAlreadyExists.code()) {
        return Err(Failed(json!({
            "topic": topic, "error_code": code, "error_message": answer["error_message"],
        })));
    }
    let topics = [topic.to_string()];
    loop {
        let md = first_answer(bootstrap, |c| {
            metadata(c, Some(&topics)).map(|m| metadata_json(&m))
        });
        match md {
            Ok(md) => {
                let t = &md["topics"][0];
                let parts = t["partitions"].as_array().cloned().unwrap_or_default();
                if t["error_code"] == 0
                    && !parts.is_empty()
                    && parts.iter().all(|p| p["leader"].as_i64() >= Some(0))
                {
                    let leaders: serde_json::Map<String, Value> = parts
                        .iter()
                        .map(|p| (p["partition"].to_string(), p["leader"].clone()))
                        .collect();
                    return Ok(
                        json!({ "topic": topic, "created": created, "partitions": leaders }),
                    );
                }
                if Instant::now() >= deadline {
                    return Err(Failed(json!({
                        "topic": topic, "error": "no leaders before the timeout", "last": t,
                    })));
                }
            }
            Err(Failed(e)) if Instant::now() >= deadline => return Err(Failed(e)),
            Err(_) => {}
        }
        std::thread::sleep(POLL);
    }
}
