//! The thin tokio layer: one listener per broker, one task per connection, and a ticker that
//! drives replication. All decisions are the model's ([`crate::cluster`], [`crate::api`]).

mod connection;
mod connection_faults;
mod listener;
mod metrics;
mod shared;
mod ticker;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::cluster::{BrokerId, Cluster, ClusterConfig, TopicError};
use crate::security::Listening;

pub use connection_faults::ConnectionFaults;
pub use metrics::ServerStats;
pub(crate) use shared::Shared;

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

/// Binds `addr`.
pub(crate) async fn bind(addr: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: addr.to_owned(),
            source,
        })
}

/// A running server: its shared state, each broker's address and its tasks.
pub(crate) struct Server {
    pub(crate) shared: Arc<Shared>,
    pub(crate) security: Arc<Listening>,
    pub(crate) addrs: BTreeMap<BrokerId, SocketAddr>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// Builds the model from `config`, binds every broker's port and starts serving.
pub(crate) async fn start(config: &ClusterConfig) -> Result<Server, StartError> {
    if config.socket_request_max_bytes > i32::MAX as usize || config.socket_request_max_bytes < 64 {
        return Err(StartError::Config(format!(
            "socket_request_max_bytes {} is not in 64..=2^31-1",
            config.socket_request_max_bytes
        )));
    }
    let mut cluster = Cluster::new(config.clone(), 0)?;
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
        let l = bind(&format!("{}:{}", config.host, port)).await?;
        let addr = l.local_addr().map_err(|source| StartError::Bind {
            addr: format!("broker {id}"),
            source,
        })?;
        cluster.set_port(*id, addr.port());
        listeners.push((*id, addr, l));
    }
    let security = Arc::new(
        Listening::build(&config.security, &config.host)
            .map_err(|e| StartError::Config(format!("security: {e}")))?,
    );
    let shared = Arc::new(Shared::new(cluster, security.summary()));
    let mut addrs = BTreeMap::new();
    let mut tasks = Vec::new();
    for (id, addr, l) in listeners {
        addrs.insert(id, addr);
        tasks.push(tokio::spawn(listener::serve(
            shared.clone(),
            security.clone(),
            id,
            l,
        )));
    }
    tasks.push(tokio::spawn(ticker::run(shared.clone())));
    Ok(Server {
        shared,
        security,
        addrs,
        tasks,
    })
}
