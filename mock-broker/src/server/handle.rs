//! [`MockCluster`]: the embedding handle — start a cluster in a test, get its bootstrap list,
//! drive faults, shut it down.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kwire_protocol::ErrorCode;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cluster::{
    BrokerId, Cluster, ClusterConfig, FollowerLag, Injection, TopicError, TopicSpec,
};

/// Connection-level faults, per broker (id 0 = every broker).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
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
}

impl Shared {
    /// Model time in milliseconds since start.
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connection faults for a broker (its own merged over the cluster-wide ones).
    pub(crate) fn faults_for(&self, broker: BrokerId) -> ConnectionFaults {
        let f = self.faults.lock().unwrap_or_else(|e| e.into_inner());
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
        let mut f = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        for key in [broker, 0] {
            if let Some(c) = f.get_mut(&key)
                && c.drop_after_append > 0
            {
                c.drop_after_append -= 1;
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
        self.config.follower_lag =
            FollowerLag::Millis(u64::try_from(lag.as_millis()).unwrap_or(u64::MAX));
        self
    }
    /// `min.insync.replicas`.
    pub fn min_insync_replicas(mut self, n: i32) -> Self {
        self.config.min_insync_replicas = n;
        self
    }
    /// `replica.lag.time.max.ms`.
    pub fn replica_lag_time_max(mut self, d: Duration) -> Self {
        self.config.replica_lag_time_max_ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
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

    /// Binds every broker and starts serving. Returns when all listeners are ready.
    pub async fn start(self) -> Result<MockCluster, StartError> {
        MockCluster::start(self.config).await
    }
}

/// A running mock cluster. `Send + Sync`; dropping it (or [`MockCluster::shutdown`]) stops
/// every listener and connection.
pub struct MockCluster {
    shared: Arc<Shared>,
    addrs: BTreeMap<BrokerId, SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MockCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCluster")
            .field("brokers", &self.addrs)
            .finish_non_exhaustive()
    }
}

impl MockCluster {
    /// A builder with the defaults: 3 brokers on free loopback ports, auto-created topics.
    pub fn builder() -> MockClusterBuilder {
        MockClusterBuilder::default()
    }

    async fn start(config: ClusterConfig) -> Result<MockCluster, StartError> {
        let cluster = Cluster::new(config.clone(), 0)?;
        let ids: Vec<BrokerId> = cluster.brokers().map(|b| b.id).collect();
        let mut listeners = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let port = if config.port == 0 {
                0
            } else {
                config.port + i as u16
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
        tracing::info!(bootstrap = %bootstrap_of(&addrs), "mock cluster ready");
        Ok(MockCluster {
            shared,
            addrs,
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

    /// Runs `f` on the cluster model (inspect state, create topics, inject errors...). Waiting
    /// requests look again afterwards.
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
    pub fn broker_down(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_down(id));
        if let Some(up) = self.shared.up.get(&id) {
            up.send_replace(false);
        }
        done
    }

    /// Restarts a broker.
    pub fn broker_up(&self, id: BrokerId) -> bool {
        let done = self.with_cluster(|c| c.broker_up(id));
        if let Some(up) = self.shared.up.get(&id) {
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

    /// Injects an error for the next requests of an API.
    pub fn inject(&self, injection: Injection) {
        self.with_cluster(|c| c.faults.inject(injection));
    }

    /// Sets connection-level faults for a broker (0 = every broker).
    pub fn set_connection_faults(&self, broker: BrokerId, faults: ConnectionFaults) {
        self.shared
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(broker, faults);
        self.shared.unstall.notify_waiters();
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

    /// Stops everything and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for MockCluster {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
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
