//! [`MockCluster`]: the embedding handle — start a cluster in a test, get its bootstrap list,
//! drive faults, shut it down. It starts the server (the brokers' listeners) and, if asked,
//! the HTTP control endpoint; every fault is a method of the [`Controller`] it dereferences to.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::cluster::{BrokerId, ClusterConfig, FollowerLag, TopicSpec};
use crate::control::{Controller, http};
use crate::security::{ClientAuth, Listening, SaslUser, SecurityProtocol};
use crate::server::{self, Server, StartError};

/// Builds a [`MockCluster`].
#[derive(Debug, Clone, Default)]
pub struct MockClusterBuilder {
    config: ClusterConfig,
}

impl MockClusterBuilder {
    /// Starts from a full configuration.
    pub fn config(mut self, config: ClusterConfig) -> Self {
        self.config = config;
        self
    }
    /// Number of brokers (default 3).
    pub fn brokers(mut self, n: i32) -> Self {
        self.config.brokers = n;
        self
    }
    /// Port of the first broker (default 0: ports from the OS).
    pub fn port(mut self, port: u16) -> Self {
        self.config.port = port;
        self
    }
    /// Adds a topic.
    pub fn topic(mut self, name: &str, partitions: i32, replication_factor: i16) -> Self {
        self.config.topics.push(TopicSpec {
            name: name.into(),
            partitions,
            replication_factor,
        });
        self
    }
    /// Follower lag for every follower.
    pub fn follower_lag(mut self, lag: Duration) -> Self {
        self.config.follower_lag = FollowerLag::Millis(millis(lag));
        self
    }
    /// `min.insync.replicas`.
    pub fn min_insync_replicas(mut self, n: i32) -> Self {
        self.config.min_insync_replicas = n;
        self
    }
    /// `log.retention.bytes`: per partition, leaders delete their oldest batches below the
    /// high watermark beyond this size (unlimited by default).
    pub fn log_retention_bytes(mut self, bytes: u64) -> Self {
        self.config.log_retention_bytes = Some(bytes);
        self
    }
    /// `log.retention.ms`: leaders delete batches appended longer ago than this (unlimited by
    /// default).
    pub fn log_retention(mut self, d: Duration) -> Self {
        self.config.log_retention_ms = Some(millis(d));
        self
    }
    /// `replica.lag.time.max.ms`.
    pub fn replica_lag_time_max(mut self, d: Duration) -> Self {
        self.config.replica_lag_time_max_ms = millis(d);
        self
    }
    /// `auto.create.topics.enable`.
    pub fn auto_create_topics(mut self, on: bool) -> Self {
        self.config.auto_create_topics = on;
        self
    }
    /// `unclean.leader.election.enable`.
    pub fn unclean_leader_election(mut self, on: bool) -> Self {
        self.config.unclean_leader_election = on;
        self
    }
    /// Idempotent deduplication (on by default; off only to test checkers).
    pub fn dedup(mut self, on: bool) -> Self {
        self.config.dedup = on;
        self
    }
    /// `socket.request.max.bytes`: the largest request frame accepted.
    pub fn max_request_size(mut self, bytes: usize) -> Self {
        self.config.socket_request_max_bytes = bytes;
        self
    }
    /// Most connections open at once (over all brokers); more are closed on accept.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.config.max_connections = n;
        self
    }
    /// `connections.max.idle.ms`.
    pub fn connections_max_idle(mut self, d: Duration) -> Self {
        self.config.connections_max_idle_ms = millis(d);
        self
    }
    /// The listeners' `security.protocol` (PLAINTEXT by default).
    pub fn security_protocol(mut self, protocol: SecurityProtocol) -> Self {
        self.config.security.security_protocol = protocol;
        self
    }
    /// A SASL user, for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512.
    pub fn sasl_user(mut self, name: &str, password: &str) -> Self {
        self.config.security.sasl_users.push(SaslUser {
            name: name.into(),
            password: password.into(),
        });
        self
    }
    /// `connections.max.reauth.ms`: clients re-authenticate within this (KIP-368).
    pub fn connections_max_reauth(mut self, d: Duration) -> Self {
        self.config.security.connections_max_reauth_ms = millis(d);
        self
    }
    /// The listeners' certificate chain and key (PEM files) instead of a generated CA.
    pub fn ssl_certificate(mut self, certificate: &Path, key: &Path) -> Self {
        self.config.security.ssl_certificate_location = Some(certificate.to_owned());
        self.config.security.ssl_key_location = Some(key.to_owned());
        self
    }
    /// `ssl.client.auth=required`: clients must present a certificate (from the generated CA
    /// unless a client CA is configured).
    pub fn ssl_client_auth_required(mut self) -> Self {
        self.config.security.ssl_client_auth = ClientAuth::Required;
        self
    }
    /// Serve the HTTP/JSON control endpoint on `addr` (e.g. `127.0.0.1:0`).
    pub fn control(mut self, addr: &str) -> Self {
        self.config.control_addr = Some(addr.to_owned());
        self
    }

    /// Binds every broker and starts serving. Returns when all listeners are ready.
    pub async fn start(self) -> Result<MockCluster, StartError> {
        MockCluster::start(self.config).await
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A running mock cluster. `Send + Sync`; dropping it (or [`MockCluster::shutdown`]) stops
/// every listener and connection. Dereferences to its [`Controller`] for faults.
///
/// In a test:
///
/// ```
/// # // rustdoc builds examples without `--test`, where `#[test]` functions vanish: here
/// # // `#[tokio::test]` is `#[tokio::main]` and `main` runs the test.
/// # mod tokio { pub use ::tokio::*; pub use ::tokio::main as test; }
/// use kwire_mock::MockCluster;
///
/// #[tokio::test]
/// async fn the_leader_fails_over() -> Result<(), Box<dyn std::error::Error>> {
///     let mock = MockCluster::builder().brokers(3).topic("orders", 1, 3).start().await?;
///     let bootstrap = mock.bootstrap(); // "127.0.0.1:PORT,...": the client under test goes here
///     # let _ = bootstrap;
///     let partition = |mock: &MockCluster| mock.state().topics[0].partitions[0].clone();
///     let before = partition(&mock);
///     mock.broker_down(before.leader.unwrap()); // a new leader from the ISR, epoch + 1
///     let after = partition(&mock);
///     assert!(after.leader.is_some() && after.leader != before.leader);
///     assert_eq!(after.leader_epoch, before.leader_epoch + 1);
///     mock.shutdown().await;
///     Ok(())
/// }
/// # fn main() -> Result<(), Box<dyn std::error::Error>> { the_leader_fails_over() }
/// ```
pub struct MockCluster {
    controller: Controller,
    addrs: BTreeMap<BrokerId, SocketAddr>,
    control_addr: Option<SocketAddr>,
    security: Arc<Listening>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCluster")
            .field("brokers", &self.addrs)
            .field("control", &self.control_addr)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for MockCluster {
    type Target = Controller;
    fn deref(&self) -> &Controller {
        &self.controller
    }
}

impl MockCluster {
    /// A builder with the defaults: 3 brokers on free loopback ports, auto-created topics.
    pub fn builder() -> MockClusterBuilder {
        MockClusterBuilder::default()
    }

    async fn start(config: ClusterConfig) -> Result<MockCluster, StartError> {
        let control_listener = match &config.control_addr {
            Some(addr) => Some(server::bind(addr).await?),
            None => None,
        };
        let Server {
            shared,
            security,
            addrs,
            mut tasks,
        } = server::start(&config).await?;
        let controller = Controller { shared };
        let mut control_addr = None;
        if let Some(l) = control_listener {
            let addr = l.local_addr().map_err(|source| StartError::Bind {
                addr: "control".into(),
                source,
            })?;
            control_addr = Some(addr);
            tasks.push(tokio::spawn(http::serve(controller.clone(), l)));
            tracing::info!(%addr, "control endpoint ready");
        }
        tracing::info!(bootstrap = %bootstrap_of(&addrs), "mock cluster ready");
        if let Some(ca) = &security.ca_location {
            tracing::info!(ca = %ca.display(), "generated CA written (clients trust it with ssl.ca.location)");
        }
        Ok(MockCluster {
            controller,
            addrs,
            control_addr,
            security,
            tasks,
        })
    }

    /// The bootstrap list, `host:port,host:port,…`.
    pub fn bootstrap(&self) -> String {
        bootstrap_of(&self.addrs)
    }

    /// Each broker's address.
    pub fn addresses(&self) -> &BTreeMap<BrokerId, SocketAddr> {
        &self.addrs
    }

    /// The control endpoint's address, if it was asked for.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control_addr
    }

    /// The listeners' `security.protocol`.
    pub fn security_protocol(&self) -> SecurityProtocol {
        self.security.protocol
    }

    /// The PEM file of the CA generated at start (TLS listeners without certificates of their
    /// own): what clients name in `ssl.ca.location`.
    pub fn ca_location(&self) -> Option<&Path> {
        self.security.ca_location.as_deref()
    }

    /// With a generated CA and required client certificates: a client certificate and its
    /// key issued by that CA (`ssl.certificate.location`, `ssl.key.location`).
    pub fn client_certificate(&self) -> Option<(&Path, &Path)> {
        self.security
            .client_certificate
            .as_ref()
            .map(|(c, k)| (c.as_path(), k.as_path()))
    }

    /// A cloneable handle for faults and inspection (for other tasks).
    pub fn controller(&self) -> Controller {
        self.controller.clone()
    }

    /// Stops everything and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        self.controller.shut_down();
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        self.controller.shut_down();
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn bootstrap_of(addrs: &BTreeMap<BrokerId, SocketAddr>) -> String {
    addrs
        .values()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
