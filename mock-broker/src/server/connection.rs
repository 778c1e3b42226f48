//! One client connection. Requests are handled one at a time, in order, as Kafka does (a
//! client may pipeline; responses come back in request order, and nothing more is read while a
//! request waits). Garbage, oversized frames and unsupported APIs close this connection only.
//!
//! Memory per connection is bounded: the read buffer holds at most one frame, whose size
//! prefix is checked against `socket.request.max.bytes` before anything is reserved, and it
//! grows only as bytes actually arrive (a claimed 100 MiB frame does not reserve 100 MiB).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use kwire_protocol::api::{ResponseBody, response_header_version};
use kwire_protocol::frame::{FrameReader, KEEP_CAPACITY, decode_request_header, write_sized};
use kwire_protocol::{ApiKey, EncodeError, RequestHeader, ResponseHeader};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::metrics::Metrics;
use super::shared::{ConnectionLife, Shared};
use crate::api::{self, Close, Outcome, Pending};
use crate::cluster::BrokerId;
use crate::security::Listening;
use crate::security::gate::{Gate, RawVerdict, Verdict};

/// Counts an open connection for as long as it lives.
struct Open(Arc<Shared>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0
            .metrics
            .connections_open
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves one connection: a plain socket, or a TLS session over one, whose peer is `peer`.
/// On a SASL listener every request first goes through the connection's SASL gate.
pub(crate) async fn run<S>(
    shared: Arc<Shared>,
    security: Arc<Listening>,
    broker: BrokerId,
    mut sock: S,
    peer: Option<SocketAddr>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    shared
        .metrics
        .connections_open
        .fetch_add(1, Ordering::Relaxed);
    Metrics::add(&shared.metrics.connections_total, 1);
    let _open = Open(shared.clone());
    let client_host = peer.map_or_else(|| "/127.0.0.1".to_owned(), |p| format!("/{}", p.ip()));
    let mut life = shared.connection_life(broker);
    if !life.alive() {
        return;
    }
    let mut gate = security
        .sasl
        .as_ref()
        .map(|config| Gate::new(broker, config.clone(), shared.clone(), security.max_reauth));
    let mut frames = FrameReader::new(shared.max_frame);
    let mut out = BytesMut::new();
    let mut idle_deadline = tokio::time::Instant::now() + shared.max_idle;
    loop {
        // Serve every complete frame already buffered.
        loop {
            let payload = match frames.next_frame() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    Metrics::add(&shared.metrics.bad_requests, 1);
                    tracing::warn!(broker, ?peer, error = %e, "bad frame; closing connection");
                    return;
                }
            };
            idle_deadline = tokio::time::Instant::now() + shared.max_idle;
            // After SaslHandshake v0 the SASL tokens come as bare frames, not requests.
            if let Some(gate) = gate.as_mut().filter(|g| g.wants_raw_token()) {
                let token = match gate.raw_token(&payload, SystemTime::now(), &mut shared.sasl()) {
                    RawVerdict::Respond(token) => token,
                    RawVerdict::Close(why) => {
                        tracing::info!(broker, ?peer, "{why}; closing connection");
                        return;
                    }
                };
                drop(payload);
                out.clear();
                let written = write_sized(&mut out, |b| {
                    b.extend_from_slice(&token);
                    Ok::<_, EncodeError>(())
                });
                if written.is_err() {
                    return;
                }
                tokio::select! {
                    r = async { sock.write_all(&out).await?; sock.flush().await } => if r.is_err() { return },
                    _ = life.ended() => return,
                }
                Metrics::add(&shared.metrics.bytes_out, out.len() as u64);
                continue;
            }
            let (header, body) = match decode_request_header(&payload) {
                Ok(x) => x,
                Err(e) => {
                    Metrics::add(&shared.metrics.bad_requests, 1);
                    tracing::warn!(broker, ?peer, error = %e, "bad request header; closing connection");
                    return;
                }
            };
            shared.metrics.request(header.api_key);
            let verdict = match gate.as_mut() {
                Some(gate) => {
                    gate.check_with(&header, &body, SystemTime::now(), &mut shared.sasl())
                }
                None => Verdict::Pass,
            };
            let mut close_after = None;
            let mut outcome = match verdict {
                Verdict::Pass => match api::decode(&header, &body) {
                    Ok(req) => {
                        let outcome = {
                            let mut c = shared.lock();
                            let now = shared.now();
                            api::handle_from(&mut c, broker, &client_host, &header, req, now)
                        };
                        shared.changed();
                        outcome
                    }
                    Err(refused) => refused.into(),
                },
                Verdict::Respond(body, version) => Outcome::Respond(body, version),
                Verdict::RespondAndClose(body, version, why) => {
                    close_after = Some(why);
                    Outcome::Respond(body, version)
                }
                Verdict::Close(why) => {
                    Metrics::add(&shared.metrics.bad_requests, 1);
                    tracing::info!(broker, ?peer, "{why}; closing connection");
                    return;
                }
            };
            drop((payload, body));
            let is_produce = header.api_key == ApiKey::PRODUCE;
            if let Outcome::Wait(pending) = outcome {
                if is_produce && shared.take_drop_after_append(broker) {
                    tracing::info!(broker, ?peer, "fault: dropping connection after append");
                    return;
                }
                match wait(&shared, pending, &mut life).await {
                    Some(o) => outcome = o,
                    None => return,
                }
            }
            let reply = match outcome {
                Outcome::Respond(body, v) => Some((body, v)),
                Outcome::NoResponse => None,
                Outcome::Close(why) => {
                    closing(&shared, broker, peer, &header, &why);
                    return;
                }
                Outcome::Wait(_) => unreachable!("a wait ends in a response or a close"),
            };
            if is_produce && reply.is_some() && shared.take_drop_after_append(broker) {
                tracing::info!(broker, ?peer, "fault: dropping connection after append");
                return;
            }
            let Some((body, version)) = reply else {
                continue;
            };
            out.clear();
            if let Err(e) = encode(&mut out, &header, &body, version) {
                tracing::error!(broker, ?peer, error = %e, "cannot encode response; closing connection");
                return;
            }
            drop(body);
            let faults = shared.faults_for(broker);
            if faults.latency_ms > 0 {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(faults.latency_ms)) => {}
                    _ = life.ended() => return,
                }
            }
            while shared.faults_for(broker).stall {
                let unstall = shared.unstall.notified();
                tokio::select! {
                    _ = unstall => {}
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = life.ended() => return,
                }
            }
            // A slow reader only holds up its own connection: nothing more is read meanwhile.
            tokio::select! {
                // A TLS session holds records back until flushed.
                r = async { sock.write_all(&out).await?; sock.flush().await } => if r.is_err() { return },
                _ = life.ended() => return,
            }
            Metrics::add(&shared.metrics.bytes_out, out.len() as u64);
            if let Some(why) = close_after {
                tracing::info!(broker, ?peer, "{why}; closing connection");
                return;
            }
            if out.capacity() > KEEP_CAPACITY {
                out = BytesMut::new();
            }
        }
        // Read more; the reader makes room for no more than the frame being assembled justifies.
        tokio::select! {
            r = sock.read_buf(frames.buf_for_read()) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => Metrics::add(&shared.metrics.bytes_in, n as u64),
            },
            _ = tokio::time::sleep_until(idle_deadline) => {
                Metrics::add(&shared.metrics.idle_closed, 1);
                tracing::debug!(broker, ?peer, "idle; closing connection");
                return;
            }
            _ = life.ended() => {
                tracing::debug!(broker, ?peer, "broker down or shutting down; closing connection");
                return;
            },
        }
    }
}

/// Counts and logs a connection the broker closes instead of answering. An unsupported API
/// or version is logged at WARN once per client (address and client id) and API, so that a
/// user learns why a client gave up without a line per reconnect.
fn closing(
    shared: &Shared,
    broker: BrokerId,
    peer: Option<SocketAddr>,
    header: &RequestHeader,
    why: &Close,
) {
    let client = header.client_id.as_deref().unwrap_or("");
    match why {
        Close::BrokerDown(_) => {
            tracing::debug!(broker, ?peer, "{why}; closing connection");
        }
        Close::Unsupported { api, .. } => {
            Metrics::add(&shared.metrics.unsupported, 1);
            let ip = peer.map(|p| p.ip());
            if shared.first_unsupported(ip, client, *api) {
                tracing::warn!(
                    broker,
                    ?peer,
                    client_id = client,
                    "{why}: the mock does not serve it, and closes the connection as Kafka does; the client may give up (further ones from this client are logged at DEBUG)"
                );
            } else {
                tracing::debug!(
                    broker,
                    ?peer,
                    client_id = client,
                    "{why}; closing connection"
                );
            }
        }
        Close::FailedWithoutResponse { .. } => {
            tracing::debug!(
                broker,
                ?peer,
                client_id = client,
                "{why}; closing connection"
            );
        }
        Close::Malformed { .. } | Close::Invalid { .. } => {
            Metrics::add(&shared.metrics.bad_requests, 1);
            tracing::warn!(
                broker,
                ?peer,
                client_id = client,
                "{why}; closing connection"
            );
        }
    }
}

/// Waits for a pending request's outcome: it looks again after every model change, and at its
/// deadline. `None` if the connection must close meanwhile.
async fn wait(shared: &Shared, mut pending: Pending, life: &mut ConnectionLife) -> Option<Outcome> {
    let deadline = pending.deadline();
    // Past the deadline a group request is still parked only because its group changed; the
    // model's changes (the ticker's included) wake it, so it need not spin.
    let mut late = false;
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let polled = {
            let mut c = shared.lock();
            pending.poll(&mut c, shared.now())
        };
        if polled.is_some() {
            return polled;
        }
        let left = deadline.saturating_sub(shared.now());
        let pause = match left {
            0 if late => 250,
            0 => {
                late = true;
                1
            }
            ms => ms,
        };
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_millis(pause)) => {}
            _ = life.ended() => {
                pending.abandon(&mut shared.lock());
                return None;
            }
        }
    }
}

fn encode(
    out: &mut BytesMut,
    header: &RequestHeader,
    body: &ResponseBody,
    version: i16,
) -> Result<(), EncodeError> {
    let hv = response_header_version(header.api_key, version).unwrap_or(0);
    write_sized(out, |b| {
        ResponseHeader::new(header.correlation_id).encode(b, hv);
        body.encode(b, version)
    })
}
