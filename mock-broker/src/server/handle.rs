//! [`MockCluster`]: the embedding handle — start a cluster in a test, get its bootstrap list,
//! drive faults, shut it down. Every fault is a method of [`Controller`], which `MockCluster`
//! dereferences to; the scenario runner and the HTTP control endpoint use the same methods.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kwire_protocol::{ApiKey, ErrorCode};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cluster::{
    BrokerId, Cluster, ClusterConfig, FollowerLag, Injection, TopicError, TopicSpec,
};

/// Connection-level faults, per broker (id 0 = every broker).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionFaults {
    /// Extra delay before every response, in milliseconds.
    pub latency_ms: u64,
    /// Close the connection after the next N Produce requests were appended, without answering
    /// (the client must retry; idempotence must deduplicate).
    pub drop_after_append: u32,
    /// Hold every response until this is cleared.
    pub stall: bool,
}

/// Why a cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A topic in the configuration is invalid.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The error.
        source: std::io::Error,
    },
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Counters kept by the server (the model keeps its own, see [`crate::cluster::Stats`]).
#[derive(Debug)]
pub(crate) struct Metrics {
    /// Requests served, by API key (0..=127).
    pub(crate) requests: [AtomicU64; 128],
    pub(crate) connections_total: AtomicU64,
    pub(crate) connections_open: AtomicUsize,
    pub(crate) connections_refused: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Connections closed because of a bad frame, header or body.
    pub(crate) bad_requests: AtomicU64,
    /// Connections closed for an unsupported API or version.
    pub(crate) unsupported: AtomicU64,
    /// Connections closed by a "drop after append" fault.
    pub(crate) dropped_after_append: AtomicU64,
    /// Connections closed after `connections_max_idle_ms` without a request.
    pub(crate) idle_closed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: std::array::from_fn(|_| AtomicU64::new(0)),
            connections_total: AtomicU64::new(0),
            connections_open: AtomicUsize::new(0),
            connections_refused: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            bad_requests: AtomicU64::new(0),
            unsupported: AtomicU64::new(0),
            dropped_after_append: AtomicU64::new(0),
            idle_closed: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A snapshot of the server's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServerStats {
    /// Requests served, by API name.
    pub requests: BTreeMap<String, u64>,
    /// Connections accepted since start.
    pub connections_total: u64,
    /// Connections open now.
    pub connections_open: u64,
    /// Connections closed at once because `max_connections` were open.
    pub connections_refused: u64,
    /// Bytes read from clients.
    pub bytes_in: u64,
    /// Bytes written to clients.
    pub bytes_out: u64,
    /// Connections closed because of a malformed or oversized request.
    pub bad_requests: u64,
    /// Connections closed because of an unsupported API or version.
    pub unsupported_requests: u64,
    /// Connections closed by the drop-after-append fault.
    pub dropped_after_append: u64,
    /// Connections closed for being idle too long.
    pub idle_closed: u64,
}

pub(crate) struct Shared {
    pub(crate) cluster: Mutex<Cluster>,
    /// Woken after every change to the model: waiting Produce/Fetch requests look again.
    pub(crate) changed: Notify,
    /// Woken when the ticker should recompute its next deadline.
    pub(crate) kick: Notify,
    pub(crate) start: Instant,
    pub(crate) faults: Mutex<BTreeMap<BrokerId, ConnectionFaults>>,
    /// Bumped whenever a stall is lifted.
    pub(crate) unstall: Notify,
    /// `true` while each broker is up (listeners watch it).
    pub(crate) up: BTreeMap<BrokerId, watch::Sender<bool>>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) metrics: Metrics,
    /// Largest request frame (`socket.request.max.bytes`).
    pub(crate) max_frame: usize,
    /// Most connections open at once, over all brokers.
    pub(crate) max_connections: usize,
    /// Idle time after which a connection is closed (`connections.max.idle.ms`).
    pub(crate) max_idle: Duration,
}

impl Shared {
    /// Model time in milliseconds since start.
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn faults_lock(&self) -> MutexGuard<'_, BTreeMap<BrokerId, ConnectionFaults>> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connection faults for a broker (its own merged over the cluster-wide ones).
    pub(crate) fn faults_for(&self, broker: BrokerId) -> ConnectionFaults {
        let f = self.faults_lock();
        if f.is_empty() {
            return ConnectionFaults::default();
        }
        let all = f.get(&0).cloned().unwrap_or_default();
        let own = f.get(&broker).cloned().unwrap_or_default();
        ConnectionFaults {
            latency_ms: all.latency_ms.max(own.latency_ms),
            drop_after_append: own.drop_after_append.max(all.drop_after_append),
            stall: all.stall || own.stall,
        }
    }

    /// Consumes one "drop after append" for a broker; true if the connection must close.
    pub(crate) fn take_drop_after_append(&self, broker: BrokerId) -> bool {
        let mut f = self.faults_lock();
        for key in [broker, 0] {
            if let Some(c) = f.get_mut(&key)
                && c.drop_after_append > 0
            {
                c.drop_after_append -= 1;
                Metrics::add(&self.metrics.dropped_after_append, 1);
                return true;
            }
        }
        false
    }

    pub(crate) fn changed(&self) {
        self.changed.notify_waiters();
        self.kick.notify_one();
    }
}

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

/// A cheap, cloneable handle to a running cluster's model and faults: what the Rust API, the
/// scenario runner and the HTTP control endpoint all drive. It does not keep the cluster
/// running: dropping the [`MockCluster`] stops it.
#[derive(Clone)]
pub struct Controller {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller").finish_non_exhaustive()
    }
}

impl Controller {
    /// Runs `f` on the cluster model (inspect state, create topics, inject errors...), after
    /// advancing replication to now. Waiting requests look again afterwards.
    pub fn with_cluster<R>(&self, f: impl FnOnce(&mut Cluster) -> R) -> R {
        let r = {
            let mut c = self.shared.lock();
            let now = self.shared.now();
            c.tick(now);
            f(&mut c)
        };
        self.shared.changed();
        r
    }

    /// Stops a broker: its connections close, new ones are refused, its partitions fail over.
    /// Returns false if it was already down (or does not exist).
    pub fn broker_down(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_down(id));
        if done && let Some(up) = self.shared.up.get(&id) {
            up.send_replace(false);
        }
        done
    }

    /// Restarts a broker: it listens again, its replicas truncate what their leaders lack and
    /// catch up. Returns false if it was already up (or does not exist).
    pub fn broker_up(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_up(id));
        if done && let Some(up) = self.shared.up.get(&id) {
            up.send_replace(true);
        }
        done
    }

    /// Moves a partition's leadership (to the next eligible replica when `to` is `None`).
    pub fn move_leader(
        &self,
        topic: &str,
        partition: i32,
        to: Option<BrokerId>,
    ) -> Result<BrokerId, ErrorCode> {
        self.with_cluster(|c| c.move_leader(topic, partition, to))
    }

    /// Sets a partition's ISR (the leader always stays in it). A follower removed from the
    /// ISR rejoins once it is caught up: stall it with [`Controller::set_lag`] to keep it out.
    pub fn set_isr(
        &self,
        topic: &str,
        partition: i32,
        isr: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| c.set_isr(topic, partition, isr))
    }

    /// Reassigns a partition's replicas ("set followers").
    pub fn set_replicas(
        &self,
        topic: &str,
        partition: i32,
        replicas: Vec<BrokerId>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| c.set_replicas(topic, partition, replicas))
    }

    /// Sets follower lag: for one follower of one partition (`partition = Some((topic, p))`
    /// and `broker = Some(b)`), for every partition a broker follows (`broker` only), or the
    /// default for all (neither). `lag = None` removes the override.
    pub fn set_lag(
        &self,
        broker: Option<BrokerId>,
        partition: Option<(&str, i32)>,
        lag: Option<FollowerLag>,
    ) -> Result<(), ErrorCode> {
        self.with_cluster(|c| match (broker, partition) {
            (Some(b), Some((t, p))) => c.set_partition_lag(t, p, b, lag),
            (Some(b), None) => {
                if c.set_broker_lag(b, lag) {
                    Ok(())
                } else {
                    Err(ErrorCode::BrokerNotAvailable)
                }
            }
            (None, None) => {
                c.set_default_lag(lag.unwrap_or_default());
                Ok(())
            }
            (None, Some(_)) => Err(ErrorCode::InvalidRequest),
        })
    }

    /// Injects an error for the next requests of an API.
    pub fn inject(&self, injection: Injection) {
        self.with_cluster(|c| c.faults.inject(injection));
    }

    /// Removes every pending injected error.
    pub fn clear_injections(&self) {
        self.with_cluster(|c| c.faults.clear());
    }

    /// Sets connection-level faults for a broker (0 = every broker).
    pub fn set_connection_faults(&self, broker: BrokerId, faults: ConnectionFaults) {
        let mut f = self.shared.faults_lock();
        if faults == ConnectionFaults::default() {
            f.remove(&broker);
        } else {
            f.insert(broker, faults);
        }
        drop(f);
        self.shared.unstall.notify_waiters();
    }

    /// The connection-level faults set per broker (0 = every broker).
    pub fn connection_faults(&self) -> BTreeMap<BrokerId, ConnectionFaults> {
        self.shared.faults_lock().clone()
    }

    /// Creates a topic.
    pub fn create_topic(
        &self,
        name: &str,
        partitions: i32,
        replication_factor: i16,
    ) -> Result<(), TopicError> {
        self.with_cluster(|c| {
            c.create_topic(&TopicSpec {
                name: name.into(),
                partitions,
                replication_factor,
            })
            .map(|_| ())
        })
    }

    /// Model time (ms since start).
    pub fn now_ms(&self) -> u64 {
        self.shared.now()
    }

    /// The server's counters.
    pub fn server_stats(&self) -> ServerStats {
        let m = &self.shared.metrics;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let requests = m
            .requests
            .iter()
            .enumerate()
            .filter_map(|(k, n)| {
                let n = get(n);
                (n > 0).then(|| {
                    let key = ApiKey(i16::try_from(k).unwrap_or(-1));
                    (key.name().to_owned(), n)
                })
            })
            .collect();
        ServerStats {
            requests,
            connections_total: get(&m.connections_total),
            connections_open: m.connections_open.load(Ordering::Relaxed) as u64,
            connections_refused: get(&m.connections_refused),
            bytes_in: get(&m.bytes_in),
            bytes_out: get(&m.bytes_out),
            bad_requests: get(&m.bad_requests),
            unsupported_requests: get(&m.unsupported),
            dropped_after_append: get(&m.dropped_after_append),
            idle_closed: get(&m.idle_closed),
        }
    }
}

/// A running mock cluster. `Send + Sync`; dropping it (or [`MockCluster::shutdown`]) stops
/// every listener and connection. Dereferences to its [`Controller`] for faults.
pub struct MockCluster {
    controller: Controller,
    addrs: BTreeMap<BrokerId, SocketAddr>,
    control_addr: Option<SocketAddr>,
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
        if config.socket_request_max_bytes > i32::MAX as usize
            || config.socket_request_max_bytes < 64
        {
            return Err(StartError::Config(format!(
                "socket_request_max_bytes {} is not in 64..=2^31-1",
                config.socket_request_max_bytes
            )));
        }
        let cluster = Cluster::new(config.clone(), 0)?;
        let ids: Vec<BrokerId> = cluster.brokers().map(|b| b.id).collect();
        let mut listeners = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let port = if config.port == 0 {
                0
            } else {
                u16::try_from(usize::from(config.port) + i).map_err(|_| {
                    StartError::Config(format!("port {} + {i} is out of range", config.port))
                })?
            };
            let addr = format!("{}:{}", config.host, port);
            let l = tokio::net::TcpListener::bind(&addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: addr.clone(),
                    source,
                })?;
            listeners.push((*id, l));
        }
        let control_listener =
            match &config.control_addr {
                Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.map_err(
                    |source| StartError::Bind {
                        addr: addr.clone(),
                        source,
                    },
                )?),
                None => None,
            };
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            cluster: Mutex::new(cluster),
            changed: Notify::new(),
            kick: Notify::new(),
            start: Instant::now(),
            faults: Mutex::new(BTreeMap::new()),
            unstall: Notify::new(),
            up: ids.iter().map(|id| (*id, watch::channel(true).0)).collect(),
            shutdown,
            metrics: Metrics::default(),
            max_frame: config.socket_request_max_bytes,
            max_connections: config.max_connections.max(1),
            max_idle: Duration::from_millis(config.connections_max_idle_ms.max(1)),
        });
        let mut addrs = BTreeMap::new();
        let mut tasks = Vec::new();
        for (id, l) in listeners {
            let addr = l.local_addr().map_err(|source| StartError::Bind {
                addr: format!("{id}"),
                source,
            })?;
            shared.lock().set_port(id, addr.port());
            addrs.insert(id, addr);
            tasks.push(tokio::spawn(super::listener::serve(shared.clone(), id, l)));
        }
        tasks.push(tokio::spawn(ticker(shared.clone())));
        let controller = Controller { shared };
        let mut control_addr = None;
        if let Some(l) = control_listener {
            let addr = l.local_addr().map_err(|source| StartError::Bind {
                addr: "control".into(),
                source,
            })?;
            control_addr = Some(addr);
            tasks.push(tokio::spawn(crate::control::http::serve(
                controller.clone(),
                l,
            )));
            tracing::info!(%addr, "control endpoint ready");
        }
        tracing::info!(bootstrap = %bootstrap_of(&addrs), "mock cluster ready");
        Ok(MockCluster {
            controller,
            addrs,
            control_addr,
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

    /// A cloneable handle for faults and inspection (for other tasks).
    pub fn controller(&self) -> Controller {
        self.controller.clone()
    }

    /// Stops everything and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        self.controller.shared.shutdown.send_replace(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        self.controller.shared.shutdown.send_replace(true);
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

/// Drives replication: ticks the model when it next has work, or when kicked.
async fn ticker(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let due = {
            let mut c = shared.lock();
            let now = shared.now();
            if c.tick(now) {
                shared.changed.notify_waiters();
            }
            c.next_due()
        };
        let sleep_for = due.map_or(Duration::from_millis(250), |d| {
            Duration::from_millis(d.saturating_sub(shared.now()).clamp(1, 250))
        });
        tokio::select! {
            _ = tokio::time::sleep(sleep_for) => {}
            _ = shared.kick.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
