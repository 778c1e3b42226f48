//! Producer configuration: Kafka's config names and defaults (Kafka 4.x), a builder, and
//! validation with clear errors.
//!
//! ```
//! use kwire_producer::{Acks, ProducerConfig};
//!
//! let config = ProducerConfig::builder()
//!     .bootstrap_servers("127.0.0.1:9092")
//!     .set("linger.ms", "10")
//!     .set("compression.type", "zstd")
//!     .build()?;
//! assert_eq!(config.acks, Acks::All);
//! assert!(config.enable_idempotence);
//! assert_eq!(config.linger.as_millis(), 10);
//!
//! // Idempotence asked for explicitly, with a setting it cannot work with:
//! let err = ProducerConfig::builder()
//!     .bootstrap_servers("127.0.0.1:9092")
//!     .set("enable.idempotence", "true")
//!     .set("acks", "1")
//!     .build()
//!     .unwrap_err();
//! assert!(err.to_string().contains("acks"));
//! # Ok::<(), kwire_producer::ConfigError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

pub use kwire_protocol::records::Compression;

use crate::error::ConfigError;
use crate::security::{SECRET_KEYS, SecurityConfig};

/// How many acknowledgements the partition leader waits for before answering (`acks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acks {
    /// `acks=0`: the broker sends no response; records complete once written to the socket,
    /// with offset −1.
    None,
    /// `acks=1`: the leader answers once it has appended the batch.
    Leader,
    /// `acks=all` (`-1`): the leader answers once every in-sync replica has the batch.
    All,
}

impl Acks {
    /// The value sent in Produce requests.
    pub const fn wire(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

impl fmt::Display for Acks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        })
    }
}

/// Every config key the producer understands, with its Kafka 4.x default.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("bootstrap.servers", ""),
    ("client.id", "kwire-producer"),
    ("acks", "all"),
    ("enable.idempotence", "true"),
    ("linger.ms", "5"),
    ("batch.size", "16384"),
    ("batch.max.size", "1048576"),
    ("compression.type", "none"),
    ("compression.gzip.level", "-1"),
    ("compression.lz4.level", "9"),
    ("compression.zstd.level", "3"),
    ("retries", "2147483647"),
    ("retry.backoff.ms", "100"),
    ("retry.backoff.max.ms", "1000"),
    ("delivery.timeout.ms", "120000"),
    ("request.timeout.ms", "30000"),
    ("max.in.flight.requests.per.connection", "5"),
    ("buffer.memory", "33554432"),
    ("max.block.ms", "60000"),
    ("max.request.size", "1048576"),
    ("metadata.max.age.ms", "300000"),
    ("partitioner.adaptive.partitioning.enable", "true"),
    ("partitioner.availability.timeout.ms", "0"),
    ("partitioner.ignore.keys", "false"),
    ("partitioner.class", ""),
    ("reconnect.backoff.ms", "50"),
    ("reconnect.backoff.max.ms", "1000"),
    ("socket.connection.setup.timeout.ms", "10000"),
    ("allow.auto.create.topics", "true"),
    ("security.protocol", "PLAINTEXT"),
    ("sasl.mechanism", "GSSAPI"),
    ("sasl.username", ""),
    ("sasl.password", ""),
    ("sasl.jaas.config", ""),
    ("ssl.ca.location", ""),
    ("ssl.certificate.location", ""),
    ("ssl.key.location", ""),
    ("ssl.key.password", ""),
    ("ssl.endpoint.identification.algorithm", "https"),
];

/// A validated producer configuration. Build it with [`ProducerConfig::builder`] (typed
/// setters or Kafka's string configs) or [`ProducerConfig::from_properties`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProducerConfig {
    /// `bootstrap.servers`: `host:port` pairs used to find the cluster.
    pub bootstrap_servers: Vec<String>,
    /// `client.id`, sent in every request header.
    pub client_id: String,
    /// `acks`.
    pub acks: Acks,
    /// `enable.idempotence` after validation: true only with `acks=all`, `retries > 0` and
    /// `max.in.flight.requests.per.connection ≤ 5`.
    pub enable_idempotence: bool,
    /// `linger.ms`: how long a batch waits for more records before it is sent.
    pub linger: Duration,
    /// `batch.size`: a batch is closed once it holds this many bytes (minimum 1).
    pub batch_size: usize,
    /// `batch.max.size` (KIP-782's name; at least `batch.size`): a sendable batch that waits
    /// for its leader's connection goes on taking records up to this many bytes (and never past
    /// `max.request.size`), so a backlog leaves in one request instead of many small ones.
    pub batch_max_size: usize,
    /// `compression.type`.
    pub compression: Compression,
    /// The level of the chosen codec (`compression.gzip.level`, `compression.zstd.level`;
    /// `None`: the codec's default).
    pub compression_level: Option<i32>,
    /// `retries`: attempts after the first before a retriable error fails the batch.
    pub retries: u32,
    /// `retry.backoff.ms`: the first retry backoff.
    pub retry_backoff: Duration,
    /// `retry.backoff.max.ms`: the cap of the exponential backoff.
    pub retry_backoff_max: Duration,
    /// `delivery.timeout.ms`: upper bound on the time from `send` to the record's outcome.
    pub delivery_timeout: Duration,
    /// `request.timeout.ms`: how long to wait for a response before giving the connection up.
    pub request_timeout: Duration,
    /// `max.in.flight.requests.per.connection`.
    pub max_in_flight: usize,
    /// `buffer.memory`: bytes of records buffered before `send` waits.
    pub buffer_memory: usize,
    /// `max.block.ms`: how long `send` waits for buffer space or metadata.
    pub max_block: Duration,
    /// `max.request.size`: the largest record, and the largest Produce request.
    pub max_request_size: usize,
    /// `metadata.max.age.ms`: metadata is refreshed at least this often.
    pub metadata_max_age: Duration,
    /// `partitioner.adaptive.partitioning.enable`: sticky partitions for records without keys
    /// are chosen with a bias against partitions whose queues are long.
    pub partitioner_adaptive: bool,
    /// `partitioner.availability.timeout.ms` (0: off): a partition whose leader has not
    /// accepted data for this long is skipped by the sticky partitioner.
    pub partitioner_availability_timeout: Duration,
    /// `partitioner.ignore.keys`: keyed records are partitioned like records without keys.
    pub partitioner_ignore_keys: bool,
    /// `reconnect.backoff.ms`: first delay before reconnecting to a broker.
    pub reconnect_backoff: Duration,
    /// `reconnect.backoff.max.ms`: cap of the reconnect backoff.
    pub reconnect_backoff_max: Duration,
    /// `socket.connection.setup.timeout.ms`: TCP connect plus ApiVersions handshake.
    pub connection_setup_timeout: Duration,
    /// `allow.auto.create.topics`: let Metadata requests create missing topics.
    pub allow_auto_create_topics: bool,
    /// `security.protocol` with the `sasl.*` and `ssl.*` configs.
    pub security: SecurityConfig,
}

impl Default for ProducerConfig {
    /// Kafka 4.x defaults, with no bootstrap servers.
    fn default() -> Self {
        ProducerConfigBuilder::default()
            .build_unchecked()
            .expect("the defaults are valid")
    }
}

impl ProducerConfig {
    /// A builder starting from Kafka 4.x defaults.
    pub fn builder() -> ProducerConfigBuilder {
        ProducerConfigBuilder::default()
    }

    /// Parses Kafka-style `key=value` properties.
    pub fn from_properties<'a, I>(props: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut b = ProducerConfigBuilder::default();
        for (k, v) in props {
            b = b.set(k, v);
        }
        b.build()
    }

    /// Whether `key` is a config this crate knows.
    pub fn is_known_key(key: &str) -> bool {
        DEFAULTS.iter().any(|(k, _)| *k == key)
    }
}

/// Reads a Java properties file's `key=value` (or `key: value`) lines, as Kafka's console
/// tools read `--producer.config`: blank lines and lines starting with `#` or `!` are skipped,
/// a line ending in `\` continues on the next, and blanks around keys and values go.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let line = line.trim_start();
        if pending.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head);
                continue;
            }
            None => pending.push_str(line),
        }
        let entry = std::mem::take(&mut pending);
        let split = entry.find(['=', ':']).unwrap_or(entry.len());
        let (k, v) = entry.split_at(split);
        let v = v.get(1..).unwrap_or("");
        out.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    out
}

/// Builds a [`ProducerConfig`] from typed setters and/or Kafka's string configs; unset keys
/// keep their Kafka 4.x defaults. Everything is checked in [`build`](Self::build). Its
/// `Debug` redacts the secrets (`sasl.password`, `sasl.jaas.config`, `ssl.key.password`).
#[derive(Clone, Default)]
pub struct ProducerConfigBuilder {
    set: BTreeMap<String, String>,
}

impl fmt::Debug for ProducerConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.set.iter().map(|(k, v)| {
            let v = if SECRET_KEYS.contains(&k.as_str()) {
                "<redacted>"
            } else {
                v.as_str()
            };
            (k, v)
        });
        f.debug_struct("ProducerConfigBuilder")
            .field("set", &shown.collect::<BTreeMap<_, _>>())
            .finish()
    }
}

impl ProducerConfigBuilder {
    /// Sets any config by its Kafka name (`"linger.ms"`, `"acks"`, …). Unknown keys and bad
    /// values are reported by [`build`](Self::build).
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set.insert(key.into(), value.into());
        self
    }

    /// `bootstrap.servers`, comma separated `host:port` pairs.
    pub fn bootstrap_servers(self, servers: impl Into<String>) -> Self {
        self.set("bootstrap.servers", servers)
    }

    /// `client.id`.
    pub fn client_id(self, id: impl Into<String>) -> Self {
        self.set("client.id", id)
    }

    /// `acks`.
    pub fn acks(self, acks: Acks) -> Self {
        self.set("acks", acks.to_string())
    }

    /// `enable.idempotence`.
    pub fn enable_idempotence(self, on: bool) -> Self {
        self.set("enable.idempotence", on.to_string())
    }

    /// `linger.ms`.
    pub fn linger(self, linger: Duration) -> Self {
        self.set("linger.ms", linger.as_millis().to_string())
    }

    /// `batch.size`.
    pub fn batch_size(self, bytes: usize) -> Self {
        self.set("batch.size", bytes.to_string())
    }

    /// `batch.max.size`.
    pub fn batch_max_size(self, bytes: usize) -> Self {
        self.set("batch.max.size", bytes.to_string())
    }

    /// `compression.type`.
    pub fn compression(self, codec: Compression) -> Self {
        self.set("compression.type", codec.name())
    }

    /// `retries`.
    pub fn retries(self, retries: u32) -> Self {
        self.set("retries", retries.to_string())
    }

    /// `retry.backoff.ms`.
    pub fn retry_backoff(self, d: Duration) -> Self {
        self.set("retry.backoff.ms", d.as_millis().to_string())
    }

    /// `retry.backoff.max.ms`.
    pub fn retry_backoff_max(self, d: Duration) -> Self {
        self.set("retry.backoff.max.ms", d.as_millis().to_string())
    }

    /// `delivery.timeout.ms`.
    pub fn delivery_timeout(self, d: Duration) -> Self {
        self.set("delivery.timeout.ms", d.as_millis().to_string())
    }

    /// `request.timeout.ms`.
    pub fn request_timeout(self, d: Duration) -> Self {
        self.set("request.timeout.ms", d.as_millis().to_string())
    }

    /// `max.in.flight.requests.per.connection`.
    pub fn max_in_flight(self, n: usize) -> Self {
        self.set("max.in.flight.requests.per.connection", n.to_string())
    }

    /// `buffer.memory`.
    pub fn buffer_memory(self, bytes: usize) -> Self {
        self.set("buffer.memory", bytes.to_string())
    }

    /// `max.block.ms`.
    pub fn max_block(self, d: Duration) -> Self {
        self.set("max.block.ms", d.as_millis().to_string())
    }

    /// `max.request.size`.
    pub fn max_request_size(self, bytes: usize) -> Self {
        self.set("max.request.size", bytes.to_string())
    }

    /// Parses and validates everything.
    pub fn build(self) -> Result<ProducerConfig, ConfigError> {
        let c = self.build_unchecked()?;
        if c.bootstrap_servers.is_empty() {
            return Err(ConfigError::Missing("bootstrap.servers"));
        }
        Ok(c)
    }

    fn build_unchecked(self) -> Result<ProducerConfig, ConfigError> {
        for k in self.set.keys() {
            if !ProducerConfig::is_known_key(k) {
                return Err(ConfigError::UnknownKey(k.clone()));
            }
        }
        let p = Parser { set: &self.set };
        let acks = match p.raw("acks").trim().to_ascii_lowercase().as_str() {
            "all" | "-1" => Acks::All,
            "1" => Acks::Leader,
            "0" => Acks::None,
            other => return Err(p.invalid("acks", other, "expected all, -1, 0 or 1")),
        };
        let compression = match p
            .raw("compression.type")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "none" => Compression::None,
            "gzip" => Compression::Gzip,
            "snappy" => Compression::Snappy,
            "lz4" => Compression::Lz4,
            "zstd" => Compression::Zstd,
            other => {
                return Err(p.invalid(
                    "compression.type",
                    other,
                    "expected none, gzip, snappy, lz4 or zstd",
                ));
            }
        };
        if !compression.is_enabled() {
            return Err(p.invalid(
                "compression.type",
                compression.name(),
                "this build of kwire-protocol has the codec disabled",
            ));
        }
        let compression_level = match compression {
            Compression::Gzip => {
                let l = p.int("compression.gzip.level", -1, 9)?;
                (l != -1).then_some(l as i32)
            }
            Compression::Zstd => Some(p.int("compression.zstd.level", -131072, 22)? as i32),
            Compression::Lz4 => {
                p.int("compression.lz4.level", 1, 17)?;
                None
            }
            _ => None,
        };
        let batch_size = p.int("batch.size", 0, i32::MAX as i64)?.max(1) as usize;
        let batch_max_size =
            (p.int("batch.max.size", 0, i32::MAX as i64)? as usize).max(batch_size);
        let retries = p.int("retries", 0, i32::MAX as i64)? as u32;
        let max_in_flight = p.int("max.in.flight.requests.per.connection", 1, i32::MAX as i64)?;
        let linger = p.ms("linger.ms")?;
        let request_timeout = p.ms("request.timeout.ms")?;
        let mut delivery_timeout = p.ms("delivery.timeout.ms")?;
        if delivery_timeout < linger + request_timeout {
            if p.is_set("delivery.timeout.ms") {
                return Err(ConfigError::Conflict(format!(
                    "delivery.timeout.ms ({} ms) must be at least linger.ms + request.timeout.ms ({} ms)",
                    delivery_timeout.as_millis(),
                    (linger + request_timeout).as_millis()
                )));
            }
            delivery_timeout = linger + request_timeout;
        }

        // Idempotence, as Kafka 4.x decides it: asked for explicitly, a conflicting setting is
        // an error; on by default, acks != all or retries = 0 turn it off; more than 5 requests
        // in flight is an error either way.
        let explicit_idem = p.is_set("enable.idempotence");
        let mut idem = p.bool("enable.idempotence")?;
        if idem {
            if acks != Acks::All {
                if explicit_idem {
                    return Err(ConfigError::Conflict(format!(
                        "enable.idempotence=true needs acks=all, but acks={acks}"
                    )));
                }
                idem = false;
            }
            if retries == 0 {
                if explicit_idem {
                    return Err(ConfigError::Conflict(
                        "enable.idempotence=true needs retries > 0".into(),
                    ));
                }
                idem = false;
            }
        }
        if (idem || !explicit_idem && acks == Acks::All) && max_in_flight > 5 {
            return Err(ConfigError::Conflict(format!(
                "max.in.flight.requests.per.connection must be at most 5 with idempotence \
                 (got {max_in_flight}); set enable.idempotence=false to allow more"
            )));
        }
        if !p.raw("partitioner.class").is_empty() {
            return Err(p.invalid(
                "partitioner.class",
                p.raw("partitioner.class"),
                "classes cannot be loaded by name: pass a Partitioner to Producer::with_partitioner",
            ));
        }
        let servers: Vec<String> = p
            .raw("bootstrap.servers")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        for s in &servers {
            match s.rsplit_once(':') {
                Some((h, port)) if !h.is_empty() && port.parse::<u16>().is_ok() => {}
                _ => return Err(p.invalid("bootstrap.servers", s, "expected host:port")),
            }
        }
        let retry_backoff = p.ms("retry.backoff.ms")?;
        let mut retry_backoff_max = p.ms("retry.backoff.max.ms")?;
        if retry_backoff_max < retry_backoff {
            // Kafka's rule: the max never undercuts the base.
            retry_backoff_max = retry_backoff;
        }
        let reconnect_backoff = p.ms("reconnect.backoff.ms")?;
        let reconnect_backoff_max = p.ms("reconnect.backoff.max.ms")?.max(reconnect_backoff);
        let max_request_size = p.int("max.request.size", 1, i32::MAX as i64)? as usize;
        let security =
            SecurityConfig::from_properties(self.set.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(ConfigError::Security)?;
        Ok(ProducerConfig {
            bootstrap_servers: servers,
            client_id: p.raw("client.id").to_owned(),
            acks,
            enable_idempotence: idem,
            linger,
            batch_size,
            batch_max_size,
            compression,
            compression_level,
            retries,
            retry_backoff,
            retry_backoff_max,
            delivery_timeout,
            request_timeout,
            max_in_flight: max_in_flight as usize,
            buffer_memory: p.int("buffer.memory", 0, i64::MAX)? as usize,
            max_block: p.ms("max.block.ms")?,
            max_request_size,
            metadata_max_age: p.ms("metadata.max.age.ms")?,
            partitioner_adaptive: p.bool("partitioner.adaptive.partitioning.enable")?,
            partitioner_availability_timeout: p.ms("partitioner.availability.timeout.ms")?,
            partitioner_ignore_keys: p.bool("partitioner.ignore.keys")?,
            reconnect_backoff,
            reconnect_backoff_max,
            connection_setup_timeout: p.ms("socket.connection.setup.timeout.ms")?,
            allow_auto_create_topics: p.bool("allow.auto.create.topics")?,
            security,
        })
    }
}

struct Parser<'a> {
    set: &'a BTreeMap<String, String>,
}

impl Parser<'_> {
    fn is_set(&self, key: &str) -> bool {
        self.set.contains_key(key)
    }

    fn raw(&self, key: &str) -> &str {
        if let Some(v) = self.set.get(key) {
            return v;
        }
        DEFAULTS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .unwrap_or("")
    }

    fn invalid(&self, key: &str, value: &str, reason: &str) -> ConfigError {
        ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn int(&self, key: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
        let v = self.raw(key).trim();
        let n: i64 = v
            .parse()
            .map_err(|_| self.invalid(key, v, "expected an integer"))?;
        if n < min || n > max {
            return Err(self.invalid(key, v, &format!("must be in {min}..={max}")));
        }
        Ok(n)
    }

    fn ms(&self, key: &str) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.int(key, 0, i64::MAX)? as u64))
    }

    fn bool(&self, key: &str) -> Result<bool, ConfigError> {
        match self.raw(key).trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            v => Err(self.invalid(key, v, "expected true or false")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ProducerConfigBuilder {
        ProducerConfig::builder().bootstrap_servers("127.0.0.1:9092")
    }

    #[test]
    fn kafka_4_defaults() {
        let c = base().build().unwrap();
        assert_eq!(c.acks, Acks::All);
        assert!(c.enable_idempotence);
        assert_eq!(c.linger, Duration::from_millis(5));
        assert_eq!(c.batch_size, 16384);
        assert_eq!(c.batch_max_size, 1024 * 1024);
        assert_eq!(c.buffer_memory, 32 * 1024 * 1024);
        assert_eq!(c.max_in_flight, 5);
        assert_eq!(c.retries, i32::MAX as u32);
        assert_eq!(c.delivery_timeout, Duration::from_secs(120));
        assert_eq!(c.request_timeout, Duration::from_secs(30));
        assert_eq!(c.retry_backoff, Duration::from_millis(100));
        assert_eq!(c.retry_backoff_max, Duration::from_millis(1000));
        assert_eq!(c.max_block, Duration::from_secs(60));
        assert_eq!(c.max_request_size, 1024 * 1024);
        assert_eq!(c.compression, Compression::None);
        assert!(c.partitioner_adaptive);
    }

    #[test]
    fn missing_bootstrap_and_unknown_keys() {
        assert_eq!(
            ProducerConfig::builder().build().unwrap_err(),
            ConfigError::Missing("bootstrap.servers")
        );
        assert!(matches!(
            base().set("linger.msec", "1").build(),
            Err(ConfigError::UnknownKey(k)) if k == "linger.msec"
        ));
        assert!(
            base()
                .set("bootstrap.servers", "nohostport")
                .build()
                .is_err()
        );
    }

    #[test]
    fn bad_values_say_which_key() {
        let e = base().set("acks", "2").build().unwrap_err();
        assert!(e.to_string().contains("acks"), "{e}");
        let e = base().set("linger.ms", "-1").build().unwrap_err();
        assert!(e.to_string().contains("linger.ms"), "{e}");
        let e = base()
            .set("compression.type", "brotli")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("compression.type"), "{e}");
        let e = base().set("enable.idempotence", "yes").build().unwrap_err();
        assert!(e.to_string().contains("enable.idempotence"), "{e}");
    }

    #[test]
    fn explicit_idempotence_conflicts_are_errors() {
        let explicit = || base().enable_idempotence(true);
        assert!(matches!(
            explicit().acks(Acks::Leader).build(),
            Err(ConfigError::Conflict(_))
        ));
        assert!(matches!(
            explicit().retries(0).build(),
            Err(ConfigError::Conflict(_))
        ));
        assert!(matches!(
            explicit().max_in_flight(6).build(),
            Err(ConfigError::Conflict(_))
        ));
        assert!(
            explicit()
                .max_in_flight(5)
                .build()
                .unwrap()
                .enable_idempotence
        );
    }

    #[test]
    fn default_idempotence_yields_to_acks_and_retries() {
        let c = base().acks(Acks::Leader).build().unwrap();
        assert!(!c.enable_idempotence);
        let c = base().acks(Acks::None).max_in_flight(10).build().unwrap();
        assert!(!c.enable_idempotence);
        let c = base().retries(0).build().unwrap();
        assert!(!c.enable_idempotence);
        // Kafka 4.x: more than 5 in flight with (default) idempotence is an error.
        assert!(base().max_in_flight(6).build().is_err());
        let c = base()
            .enable_idempotence(false)
            .max_in_flight(10)
            .build()
            .unwrap();
        assert_eq!(c.max_in_flight, 10);
    }

    #[test]
    fn delivery_timeout_bound() {
        let e = base()
            .set("delivery.timeout.ms", "1000")
            .set("request.timeout.ms", "2000")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("delivery.timeout.ms"), "{e}");
        // Not set explicitly: raised to linger + request timeout, as Kafka does.
        let c = base().set("request.timeout.ms", "200000").build().unwrap();
        assert_eq!(c.delivery_timeout, Duration::from_millis(200_005));
    }

    #[test]
    fn properties_files_as_java_reads_them() {
        let text = "# comment\n! also\n\nbootstrap.servers = a:1\nacks:1\n\
                    sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule \\\n  required username=\"u\" password=\"p\";\n";
        assert_eq!(
            parse_properties(text),
            [
                ("bootstrap.servers".to_owned(), "a:1".to_owned()),
                ("acks".to_owned(), "1".to_owned()),
                (
                    "sasl.jaas.config".to_owned(),
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn security_configs_and_secrets_stay_out_of_debug() {
        let b = base()
            .set("security.protocol", "SASL_SSL")
            .set("sasl.mechanism", "SCRAM-SHA-512")
            .set("sasl.username", "alice")
            .set("sasl.password", "hunter2-secret");
        assert!(!format!("{b:?}").contains("hunter2"));
        let c = b.build().unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.security.protocol, kwire_auth::SecurityProtocol::SaslSsl);
        assert!(c.security.tls.as_ref().unwrap().verify_hostname);
        let jaas = base()
            .set("security.protocol", "SASL_PLAINTEXT")
            .set("sasl.mechanism", "PLAIN")
            .set(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"bob\" password=\"hunter2-secret\";",
            )
            .build()
            .unwrap();
        assert!(jaas.security.tls.is_none());
        assert!(!format!("{jaas:?}").contains("hunter2"));
        // Missing credentials and unknown names are errors that name the setting, not a value.
        let e = base()
            .set("security.protocol", "SASL_PLAINTEXT")
            .set("sasl.mechanism", "PLAIN")
            .set("sasl.password", "hunter2-secret")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("sasl.username"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(matches!(
            base().set("security.protocol", "TLS").build(),
            Err(ConfigError::Security(_))
        ));
        assert!(matches!(
            base()
                .set("security.protocol", "SSL")
                .set("ssl.endpoint.identification.algorithm", "ldap")
                .build(),
            Err(ConfigError::Security(_))
        ));
    }

    #[test]
    fn from_properties_and_levels() {
        let c = ProducerConfig::from_properties([
            ("bootstrap.servers", "a:1, b:2"),
            ("acks", "-1"),
            ("compression.type", "gzip"),
            ("compression.gzip.level", "9"),
            ("batch.size", "0"),
        ])
        .unwrap();
        assert_eq!(c.bootstrap_servers, vec!["a:1", "b:2"]);
        assert_eq!(c.compression_level, Some(9));
        assert_eq!(c.batch_size, 1, "batch.size=0 means batches of one record");
        assert!(base().set("partitioner.class", "x.Y").build().is_err());
    }
}
