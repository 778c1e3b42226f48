//! What legitimately differs between two brokers answering the same request, and only that, is
//! rewritten to one value before answers are compared. Each rule says why it is not a
//! difference a client could notice.

use std::collections::BTreeSet;

use kwire_protocol::Uuid;
use kwire_protocol::api::alter_client_quotas::AlterClientQuotasResponse;
use kwire_protocol::api::alter_configs::AlterConfigsResponse;
use kwire_protocol::api::alter_user_scram_credentials::AlterUserScramCredentialsResponse;
use kwire_protocol::api::api_versions::ApiVersionsResponse;
use kwire_protocol::api::create_acls::CreateAclsResponse;
use kwire_protocol::api::create_partitions::CreatePartitionsResponse;
use kwire_protocol::api::create_topics::CreateTopicsResponse;
use kwire_protocol::api::delete_acls::DeleteAclsResponse;
use kwire_protocol::api::delete_records::DeleteRecordsResponse;
use kwire_protocol::api::delete_topics::DeleteTopicsResponse;
use kwire_protocol::api::describe_acls::DescribeAclsResponse;
use kwire_protocol::api::describe_client_quotas::DescribeClientQuotasResponse;
use kwire_protocol::api::describe_cluster::DescribeClusterResponse;
use kwire_protocol::api::describe_configs::{
    DescribeConfigsResourceResult, DescribeConfigsResponse,
};
use kwire_protocol::api::describe_log_dirs::DescribeLogDirsResponse;
use kwire_protocol::api::describe_producers::DescribeProducersResponse;
use kwire_protocol::api::describe_user_scram_credentials::DescribeUserScramCredentialsResponse;
use kwire_protocol::api::elect_leaders::ElectLeadersResponse;
use kwire_protocol::api::fetch::FetchResponse;
use kwire_protocol::api::find_coordinator::FindCoordinatorResponse;
use kwire_protocol::api::incremental_alter_configs::IncrementalAlterConfigsResponse;
use kwire_protocol::api::init_producer_id::InitProducerIdResponse;
use kwire_protocol::api::list_offsets::ListOffsetsResponse;
use kwire_protocol::api::metadata::MetadataResponse;
use kwire_protocol::api::offset_for_leader_epoch::OffsetForLeaderEpochResponse;
use kwire_protocol::api::produce::ProduceResponse;

/// What the rules need to know about the run.
pub struct Norm<'a> {
    /// Every topic this run creates starts with it.
    pub prefix: &'a str,
    /// The API keys the mock advertises.
    pub served: &'a BTreeSet<i16>,
}

/// An answer that can be brought to its comparable form.
pub trait Normalise {
    /// Rewrites what legitimately differs between brokers.
    fn normalise(&mut self, n: &Norm<'_>);
}

/// Which broker leads a partition or acts as controller is each cluster's own choice (Kafka
/// places leaders round-robin from a random start and picks a random broker as "controller"
/// in KRaft); what the protocol promises is that a live broker is named, or -1 for none.
fn any_broker(id: &mut i32) {
    if *id >= 0 {
        *id = 0;
    }
}

/// Ports are chosen per run (the mock takes free ports); host names are compared.
fn any_port(port: &mut i32) {
    *port = 0;
}

/// Topic ids are random per topic and cluster; a zero id (none) stays distinct from a real one.
pub(super) fn any_topic_id(id: &mut Uuid) {
    if !id.is_nil() {
        *id = Uuid::from_u128(1);
    }
}

/// Replica and ISR lists name the same brokers in each cluster's own placement order.
fn as_set(ids: &mut [i32]) {
    ids.sort_unstable();
}

/// Error messages are each broker's own wording (the project does not copy Kafka's texts);
/// whether there is one, and whether it is empty, is compared.
pub(super) fn any_message(m: &mut Option<String>) {
    if let Some(text) = m.as_mut().filter(|t| !t.is_empty()) {
        *text = "<message>".into();
    }
}

/// Throttle times reflect the broker's quota state at that moment; neither broker has quotas
/// here, but a loaded Kafka can still report a few ms.
pub(super) fn no_throttle(ms: &mut i32) {
    *ms = 0;
}

impl Normalise for ApiVersionsResponse {
    fn normalise(&mut self, n: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        // Keys the mock does not serve are listed apart (see `unserved_keys`): here only the
        // ranges of what both advertise are compared.
        self.api_keys.retain(|k| n.served.contains(&k.api_key));
        // The epoch is the offset of the metadata record that set the features: -1 (none)
        // must match, any real epoch is as good as another.
        if self.finalized_features_epoch >= 0 {
            self.finalized_features_epoch = 0;
        }
    }
}

impl Normalise for MetadataResponse {
    fn normalise(&mut self, n: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        // Brokers and topics come out of hash maps in Kafka: their order means nothing.
        self.brokers.sort_by_key(|b| b.node_id);
        for b in &mut self.brokers {
            any_port(&mut b.port);
        }
        // Each cluster has its own random id; present or absent must match.
        if let Some(id) = self.cluster_id.as_mut() {
            *id = "<cluster id>".into();
        }
        any_broker(&mut self.controller_id);
        // The Kafka under test also holds internal topics and those of other tests.
        self.topics.retain(|t| {
            t.name
                .as_deref()
                .is_none_or(|name| name.starts_with(n.prefix))
        });
        self.topics.sort_by(|a, b| a.name.cmp(&b.name));
        for t in &mut self.topics {
            any_topic_id(&mut t.topic_id);
            t.partitions.sort_by_key(|p| p.partition_index);
            for p in &mut t.partitions {
                any_broker(&mut p.leader_id);
                as_set(&mut p.replica_nodes);
                as_set(&mut p.isr_nodes);
                as_set(&mut p.offline_replicas);
            }
        }
    }
}

impl Normalise for ProduceResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for e in &mut self.node_endpoints {
            any_broker(&mut e.node_id);
            any_port(&mut e.port);
        }
        for t in &mut self.responses {
            any_topic_id(&mut t.topic_id);
            for p in &mut t.partition_responses {
                any_broker(&mut p.current_leader.leader_id);
                any_message(&mut p.error_message);
                for e in &mut p.record_errors {
                    any_message(&mut e.batch_index_error_message);
                }
            }
        }
    }
}

impl Normalise for FetchResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for e in &mut self.node_endpoints {
            any_broker(&mut e.node_id);
            any_port(&mut e.port);
        }
        for t in &mut self.responses {
            any_topic_id(&mut t.topic_id);
            for p in &mut t.partitions {
                any_broker(&mut p.current_leader.leader_id);
            }
        }
    }
}

impl Normalise for ListOffsetsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for InitProducerIdResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        // Kafka hands out producer ids from blocks its controller allocates; any id is valid,
        // and -1 (none) must match.
        if self.producer_id >= 0 {
            self.producer_id = 0;
        }
    }
}

impl Normalise for OffsetForLeaderEpochResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for CreateTopicsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for t in &mut self.topics {
            any_topic_id(&mut t.topic_id);
            any_message(&mut t.error_message);
            // Configs are listed from a map: by name.
            if let Some(c) = t.configs.as_mut() {
                c.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }
}

impl Normalise for DeleteTopicsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for t in &mut self.responses {
            any_topic_id(&mut t.topic_id);
            any_message(&mut t.error_message);
        }
    }
}

/// Broker configs `tests/interop/kafka.sh` sets on Kafka that describe a Kafka process the mock
/// is not (listeners, log dirs, the KRaft quorum, thread counts, the transaction log): the mock
/// describes Kafka's defaults for them. Their names, types and flags and their defaults (the
/// DEFAULT_CONFIG synonyms) are compared; their values and sources are not.
const KAFKA_PROCESS_CONFIGS: &[&str] = &[
    "advertised.listeners",
    "background.threads",
    "broker.heartbeat.interval.ms",
    "broker.session.timeout.ms",
    "controller.listener.names",
    "controller.quorum.voters",
    "inter.broker.listener.name",
    "listener.security.protocol.map",
    "listeners",
    "log.cleaner.threads",
    "log.dirs",
    "num.io.threads",
    "num.network.threads",
    "num.recovery.threads.per.data.dir",
    "num.replica.fetchers",
    "process.roles",
    "transaction.state.log.min.isr",
    "transaction.state.log.num.partitions",
    "transaction.state.log.replication.factor",
];

/// ConfigSource values: set in the broker's file, and Kafka's default.
const STATIC_BROKER: i8 = 4;
const DEFAULT: i8 = 5;

/// A broker config described with its synonyms, brought to what it would be on a broker that
/// leaves it at its default where the difference is only in how the broker was started: a
/// setting of `KAFKA_PROCESS_CONFIGS`, or a static setting equal to the default (kafka.sh
/// writes some defaults out, `auto.create.topics.enable=true` for one; the mock describes a
/// value equal to the default as the default).
fn as_default_if_started_so(c: &mut DescribeConfigsResourceResult) {
    if c.synonyms.is_empty() {
        return;
    }
    let default = c
        .synonyms
        .iter()
        .find(|s| s.source == DEFAULT)
        .map(|s| s.value.clone());
    let same_as_default = c.config_source == STATIC_BROKER && default.as_ref() == Some(&c.value);
    if KAFKA_PROCESS_CONFIGS.contains(&c.name.as_str()) || same_as_default {
        c.value = default.flatten();
        c.config_source = DEFAULT;
        c.synonyms.retain(|s| s.source == DEFAULT);
    }
}

impl Normalise for DescribeConfigsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for r in &mut self.results {
            any_message(&mut r.error_message);
            r.configs.sort_by(|a, b| a.name.cmp(&b.name));
            if r.resource_type == 4 {
                r.configs.iter_mut().for_each(as_default_if_started_so);
            }
        }
    }
}

impl Normalise for IncrementalAlterConfigsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for r in &mut self.responses {
            any_message(&mut r.error_message);
        }
    }
}

impl Normalise for AlterConfigsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for r in &mut self.responses {
            any_message(&mut r.error_message);
        }
    }
}

impl Normalise for CreatePartitionsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for r in &mut self.results {
            any_message(&mut r.error_message);
        }
    }
}

impl Normalise for DeleteRecordsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for DescribeAclsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for CreateAclsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

impl Normalise for DeleteAclsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
    }
}

/// Producer ids are each broker's own (as in InitProducerId); Kafka lists a partition's
/// producers in its hash map's order: sorted by id first.
impl Normalise for ElectLeadersResponse {
    fn normalise(&mut self, n: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        // Asked for every partition, a broker answers for every topic it has: only this run's
        // topics are the same on both (Kafka also has other runs' topics), listed by name (Kafka
        // lists them from a hash map).
        self.replica_election_results
            .retain(|t| t.topic.starts_with(n.prefix) || t.topic == super::sequences::MISSING);
        self.replica_election_results
            .sort_by(|a, b| a.topic.cmp(&b.topic));
        for t in &mut self.replica_election_results {
            for p in &mut t.partition_result {
                any_message(&mut p.error_message);
            }
        }
    }
}

impl Normalise for DescribeProducersResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for t in &mut self.topics {
            for p in &mut t.partitions {
                p.active_producers.sort_by_key(|s| s.producer_id);
                for s in &mut p.active_producers {
                    if s.producer_id >= 0 {
                        s.producer_id = 0;
                    }
                }
            }
        }
    }
}

/// Kafka lists entities, their types and their values in its hash maps' order, which clients
/// do not rely on: all are sorted. A broker reused across runs also holds other runs' quotas:
/// only entities of this run (a name with its prefix, or an address in TEST-NET-1) and
/// defaults are kept.
impl Normalise for DescribeClientQuotasResponse {
    fn normalise(&mut self, n: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        if let Some(entries) = &mut self.entries {
            entries.retain(|e| {
                e.entity.iter().all(|c| {
                    c.entity_name.as_deref().is_none_or(|name| {
                        name.starts_with(n.prefix) || name.starts_with("192.0.2.")
                    })
                })
            });
            for e in entries.iter_mut() {
                e.entity.sort_by(|a, b| a.entity_type.cmp(&b.entity_type));
                e.values.sort_by(|a, b| a.key.cmp(&b.key));
            }
            entries.sort_by(|a, b| format!("{:?}", a.entity).cmp(&format!("{:?}", b.entity)));
        }
    }
}

/// Kafka answers entities in its hash map's order: sorted, each entity's types too.
impl Normalise for AlterClientQuotasResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for e in &mut self.entries {
            e.entity.sort_by(|a, b| a.entity_type.cmp(&b.entity_type));
        }
        self.entries
            .sort_by(|a, b| format!("{:?}", a.entity).cmp(&format!("{:?}", b.entity)));
    }
}

/// Kafka lists users and mechanisms in its hash maps' order, which clients do not rely on
/// (they key results by user): both are sorted. A broker reused across runs also holds other
/// runs' users: only this run's (named after its prefix) and the empty name are kept.
impl Normalise for DescribeUserScramCredentialsResponse {
    fn normalise(&mut self, n: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        self.results
            .retain(|r| r.user.is_empty() || r.user.starts_with(n.prefix));
        self.results.sort_by(|a, b| a.user.cmp(&b.user));
        for r in &mut self.results {
            r.credential_infos.sort_by_key(|i| i.mechanism);
        }
    }
}

/// Kafka's controller answers users in its hash maps' order: sorted.
impl Normalise for AlterUserScramCredentialsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        self.results.sort_by(|a, b| a.user.cmp(&b.user));
    }
}

impl Normalise for FindCoordinatorResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        // The coordinator is the leader of a __consumer_offsets partition: a placement choice.
        no_throttle(&mut self.throttle_time_ms);
        any_broker(&mut self.node_id);
        any_port(&mut self.port);
        any_message(&mut self.error_message);
        for c in &mut self.coordinators {
            any_broker(&mut c.node_id);
            any_port(&mut c.port);
            any_message(&mut c.error_message);
        }
    }
}

impl Normalise for DescribeClusterResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        self.cluster_id = "<cluster id>".into();
        any_message(&mut self.error_message);
        any_broker(&mut self.controller_id);
        self.brokers.sort_by_key(|b| b.broker_id);
        for b in &mut self.brokers {
            any_port(&mut b.port);
        }
    }
}

impl Normalise for DescribeLogDirsResponse {
    fn normalise(&mut self, _: &Norm<'_>) {
        no_throttle(&mut self.throttle_time_ms);
        for d in &mut self.results {
            // Where a broker keeps its logs is its own configuration; how large and how full
            // that volume is belongs to the machine (a known size stays distinct from -1,
            // unknown).
            d.log_dir = "<log dir>".into();
            for bytes in [&mut d.total_bytes, &mut d.usable_bytes] {
                if *bytes >= 0 {
                    *bytes = 0;
                }
            }
            d.topics.sort_by(|a, b| a.name.cmp(&b.name));
            for t in &mut d.topics {
                t.partitions.sort_by_key(|p| p.partition_index);
            }
        }
    }
}

impl Normalise for &'static str {
    fn normalise(&mut self, _: &Norm<'_>) {}
}
