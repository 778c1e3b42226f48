//! One broker's listener. While the broker is down its port is closed (connections are
//! refused) and its open connections are dropped; when it comes back it listens again on the
//! same port.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};

use super::metrics::Metrics;
use super::shared::Shared;
use crate::cluster::BrokerId;
use crate::security::Listening;

/// How long a client has to finish its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections for broker `id` until shutdown, closing and reopening the port as the
/// broker goes down and comes back.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    security: Arc<Listening>,
    id: BrokerId,
    listener: TcpListener,
) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut up = shared.watch_up(id);
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(broker = id, error = %e, "listener has no address");
            return;
        }
    };
    let mut listener = Some(listener);
    loop {
        match listener.take() {
            Some(l) => {
                tokio::select! {
                    accepted = l.accept() => {
                        match accepted {
                            Ok((sock, peer)) => {
                                let open = shared.metrics.connections_open.load(Ordering::Relaxed);
                                if open >= shared.max_connections {
                                    Metrics::add(&shared.metrics.connections_refused, 1);
                                    tracing::warn!(broker = id, %peer, open, "too many connections; closing the new one");
                                    drop(sock);
                                } else {
                                    let _ = sock.set_nodelay(true);
                                    tracing::debug!(broker = id, %peer, "connection");
                                    tokio::spawn(accept(shared.clone(), security.clone(), id, sock, peer));
                                }
                            }
                            Err(e) => {
                                // Out of file descriptors, typically: back off instead of spinning.
                                tracing::warn!(broker = id, error = %e, "accept failed");
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            }
                        }
                        listener = Some(l);
                    }
                    _ = up.changed() => {
                        if *up.borrow() {
                            listener = Some(l);
                        } else {
                            tracing::info!(broker = id, %addr, "listener closed (broker down)");
                            drop(l);
                        }
                    }
                    () = super::shared::stopped(&mut shutdown) => return,
                }
            }
            None => {
                tokio::select! {
                    _ = up.changed() => {
                        if *up.borrow() {
                            match TcpListener::bind(addr).await {
                                Ok(l) => {
                                    tracing::info!(broker = id, %addr, "listening again (broker up)");
                                    listener = Some(l);
                                }
                                Err(e) => tracing::error!(broker = id, %addr, error = %e, "cannot listen again"),
                            }
                        }
                    }
                    () = super::shared::stopped(&mut shutdown) => return,
                }
            }
        }
    }
}

/// Runs a new connection, after its TLS handshake on an SSL or SASL_SSL listener. A failed or
/// slow handshake closes it (counted as a bad request).
async fn accept(
    shared: Arc<Shared>,
    security: Arc<Listening>,
    id: BrokerId,
    sock: TcpStream,
    peer: SocketAddr,
) {
    let Some(tls) = security.tls.clone() else {
        return super::connection::run(shared, security, id, sock, Some(peer)).await;
    };
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, tls.accept(sock)).await {
        Ok(Ok(stream)) => super::connection::run(shared, security, id, stream, Some(peer)).await,
        Ok(Err(e)) => {
            Metrics::add(&shared.metrics.bad_requests, 1);
            tracing::info!(broker = id, %peer, error = %e, "TLS handshake failed; closing connection");
        }
        Err(_) => {
            Metrics::add(&shared.metrics.bad_requests, 1);
            tracing::info!(broker = id, %peer, "TLS handshake timed out; closing connection");
        }
    }
}
