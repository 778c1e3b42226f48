//! What the server's tasks share: the model behind a mutex, its clock, wake-ups for requests
//! that wait on it, each broker's up/down switch, connection faults and counters.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use kwire_auth::sasl::ScramCredentials;
use kwire_auth::sasl::scram::{ScramCredential, ScramHash};
use kwire_protocol::ApiKey;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::connection_faults::{ConnectionFaults, FaultTable};
use super::metrics::Metrics;
use crate::cluster::{BrokerId, Cluster};
use crate::security::{ListenerSecurity, SaslShared};

/// The state behind a running cluster.
pub(crate) struct Shared {
    cluster: Mutex<Cluster>,
    /// Woken after every change to the model: waiting Produce/Fetch requests look again.
    pub(crate) changed: Notify,
    /// Woken when the ticker should recompute its next deadline.
    pub(crate) kick: Notify,
    start: Instant,
    faults: Mutex<FaultTable>,
    /// Faults and counters of the SASL layer (every broker's).
    sasl: Mutex<SaslShared>,
    /// What the listeners are (`GET /state`).
    pub(crate) listener_security: ListenerSecurity,
    /// Woken whenever connection faults change (a stall may be lifted).
    pub(crate) unstall: Notify,
    /// `true` while each broker is up.
    up: BTreeMap<BrokerId, watch::Sender<bool>>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) metrics: Metrics,
    /// Largest request frame (`socket.request.max.bytes`).
    pub(crate) max_frame: usize,
    /// Most connections open at once, over all brokers.
    pub(crate) max_connections: usize,
    /// Idle time after which a connection is closed (`connections.max.idle.ms`).
    pub(crate) max_idle: Duration,
    /// (client address, client id, API) of every unsupported request logged at WARN.
    unsupported_seen: Mutex<HashSet<(Option<IpAddr>, String, i16)>>,
}

/// Most (client, API) pairs remembered for logging unsupported requests once; past it the
/// rest are logged at DEBUG, so a client cycling through ids cannot grow the set.
const UNSUPPORTED_SEEN_MAX: usize = 4096;

impl Shared {
    /// Shared state for `cluster` behind listeners that are `listener_security`, every broker
    /// up, the clock starting now.
    pub(crate) fn new(cluster: Cluster, listener_security: ListenerSecurity) -> Shared {
        let config = cluster.config().clone();
        let up = cluster
            .brokers()
            .map(|b| (b.id, watch::channel(b.up).0))
            .collect();
        Shared {
            cluster: Mutex::new(cluster),
            changed: Notify::new(),
            kick: Notify::new(),
            start: Instant::now(),
            faults: Mutex::new(FaultTable::default()),
            sasl: Mutex::new(SaslShared::default()),
            listener_security,
            unstall: Notify::new(),
            up,
            shutdown: watch::channel(false).0,
            metrics: Metrics::default(),
            max_frame: config.socket_request_max_bytes,
            max_connections: config.max_connections.max(1),
            max_idle: Duration::from_millis(config.connections_max_idle_ms.max(1)),
            unsupported_seen: Mutex::new(HashSet::new()),
        }
    }

    /// True the first time a client (address and client id) sends an unsupported `api`.
    pub(crate) fn first_unsupported(
        &self,
        ip: Option<IpAddr>,
        client_id: &str,
        api: ApiKey,
    ) -> bool {
        let mut seen = self
            .unsupported_seen
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        seen.len() < UNSUPPORTED_SEEN_MAX && seen.insert((ip, client_id.to_owned(), api.0))
    }

    /// Model time in milliseconds since start.
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The model, locked.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Cluster> {
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the model after advancing it to now; waiting requests look again after.
    pub(crate) fn with_cluster<R>(&self, f: impl FnOnce(&mut Cluster) -> R) -> R {
        let r = {
            let mut c = self.lock();
            c.tick(self.now());
            f(&mut c)
        };
        self.changed();
        r
    }

    /// Wakes every request waiting on the model, and the ticker.
    pub(crate) fn changed(&self) {
        self.changed.notify_waiters();
        self.kick.notify_one();
    }

    fn faults(&self) -> MutexGuard<'_, FaultTable> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The SASL faults and counters, locked. A SASL step looks up SCRAM credentials in the
    /// model while holding this lock (see [`ScramCredentials`]), so no code may take this
    /// lock while holding the model's.
    pub(crate) fn sasl(&self) -> MutexGuard<'_, SaslShared> {
        self.sasl.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The connection faults a broker's connections apply now.
    pub(crate) fn faults_for(&self, broker: BrokerId) -> ConnectionFaults {
        self.faults().effective(broker)
    }

    /// Consumes one "drop after append" for a broker; true if the connection must close.
    pub(crate) fn take_drop_after_append(&self, broker: BrokerId) -> bool {
        let dropped = self.faults().take_drop_after_append(broker);
        if dropped {
            Metrics::add(&self.metrics.dropped_after_append, 1);
        }
        dropped
    }

    /// Sets a broker's connection faults (0 = every broker); the default clears them.
    pub(crate) fn set_connection_faults(&self, broker: BrokerId, faults: ConnectionFaults) {
        self.faults().set(broker, faults);
        self.unstall.notify_waiters();
    }

    /// The connection faults set per broker (0 = every broker).
    pub(crate) fn connection_faults(&self) -> BTreeMap<BrokerId, ConnectionFaults> {
        self.faults().all().clone()
    }

    /// Tells the broker's listener and connections that it went down or came back.
    pub(crate) fn set_up(&self, broker: BrokerId, up: bool) {
        if let Some(s) = self.up.get(&broker) {
            s.send_replace(up);
        }
    }

    /// A broker's up/down switch, for its listener.
    pub(crate) fn watch_up(&self, broker: BrokerId) -> watch::Receiver<bool> {
        self.up
            .get(&broker)
            .map_or_else(|| watch::channel(false).1, watch::Sender::subscribe)
    }

    /// The life of one connection to `broker`, starting now.
    pub(crate) fn connection_life(&self, broker: BrokerId) -> ConnectionLife {
        let mut up = self.watch_up(broker);
        let alive = *up.borrow_and_update();
        ConnectionLife {
            shutdown: self.shutdown.subscribe(),
            up,
            alive,
        }
    }
}

/// Resolves once shutdown is asked for, also when it was asked for before the first poll (a
/// task spawned just before shutdown subscribes to a value that has already changed).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// When a connection must end: at shutdown, and when its broker goes down. A broker that is
/// down has crashed: it answers nothing, and a restarted broker has none of its old
/// connections — so any change of the broker's switch after the connection began ends it.
pub(crate) struct ConnectionLife {
    shutdown: watch::Receiver<bool>,
    up: watch::Receiver<bool>,
    alive: bool,
}

impl ConnectionLife {
    /// False if the broker was already down when the connection began.
    pub(crate) fn alive(&self) -> bool {
        self.alive
    }

    /// Resolves when the connection must close.
    pub(crate) async fn ended(&mut self) {
        tokio::select! {
            () = stopped(&mut self.shutdown) => {}
            _ = self.up.changed() => {}
        }
    }
}

/// SASL logins check the model's SCRAM credentials as they are at that moment, so that
/// AlterUserScramCredentials applies to the next login on every broker.
impl ScramCredentials for Shared {
    fn scram_credential(&self, hash: ScramHash, user: &str) -> Option<ScramCredential> {
        self.lock().scram().scram_credential(hash, user)
    }
}
