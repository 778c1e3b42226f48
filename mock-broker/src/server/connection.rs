//! One client connection. Requests are handled one at a time, in order, as Kafka does (a
//! client may pipeline; responses come back in request order). Garbage, oversized frames and
//! unsupported APIs close this connection only.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use kwire_protocol::api::{RequestBody, ResponseBody};
use kwire_protocol::frame::{decode_request_header, split_frame, write_sized};
use kwire_protocol::header::response_header_version;
use kwire_protocol::{ApiKey, EncodeError, RequestHeader, ResponseHeader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::handle::Shared;
use crate::api::{self, Outcome};
use crate::cluster::BrokerId;

/// Bytes read per `read` call when no frame size is known yet.
const READ_CHUNK: usize = 64 * 1024;

pub(crate) async fn run(shared: Arc<Shared>, broker: BrokerId, mut sock: TcpStream) {
    let peer = sock.peer_addr().ok();
    let mut shutdown = shared.shutdown.subscribe();
    let mut up = shared.up[&broker].subscribe();
    let max_frame = shared.lock().config().socket_request_max_bytes;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut out = BytesMut::new();
    loop {
        // Serve every complete frame already buffered.
        loop {
            let payload = match split_frame(&mut buf, max_frame) {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(broker, ?peer, error = %e, "bad frame; closing connection");
                    return;
                }
            };
            let (header, body) = match decode_request_header(&payload) {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(broker, ?peer, error = %e, "bad request header; closing connection");
                    return;
                }
            };
            let outcome = dispatch(&shared, broker, &header, &body);
            let reply = match outcome {
                Outcome::Respond(body, v) => Some((body, v)),
                Outcome::NoResponse => None,
                Outcome::Disconnect(why) => {
                    tracing::warn!(broker, ?peer, api = %header.api_key, version = header.api_version, "{why}; closing connection");
                    return;
                }
                Outcome::WaitAcks(mut pending) => {
                    if shared.take_drop_after_append(broker) {
                        tracing::info!(broker, ?peer, "fault: dropping connection after append");
                        return;
                    }
                    let v = pending.version();
                    let deadline = pending.deadline;
                    let resp = wait(&shared, deadline, &mut shutdown, &mut up, |s| {
                        let c = s.lock();
                        pending.poll(&c, s.now())
                    })
                    .await;
                    match resp {
                        Some(r) => Some((ResponseBody::Produce(r), v)),
                        None => return,
                    }
                }
                Outcome::WaitFetch(mut pending) => {
                    let v = pending.version();
                    let deadline = pending.deadline;
                    let resp = wait(&shared, deadline, &mut shutdown, &mut up, |s| {
                        let mut c = s.lock();
                        let now = s.now();
                        pending.poll(&mut c, now)
                    })
                    .await;
                    match resp {
                        Some(r) => Some((ResponseBody::Fetch(r), v)),
                        None => return,
                    }
                }
            };
            if header.api_key == ApiKey::PRODUCE
                && reply.is_some()
                && shared.take_drop_after_append(broker)
            {
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
            let faults = shared.faults_for(broker);
            if faults.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
            }
            while shared.faults_for(broker).stall {
                let unstall = shared.unstall.notified();
                tokio::select! {
                    _ = unstall => {}
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    _ = shutdown.changed() => return,
                    _ = up.changed() => if !*up.borrow() { return },
                }
            }
            tokio::select! {
                r = sock.write_all(&out) => if r.is_err() { return },
                _ = shutdown.changed() => return,
                _ = up.changed() => if !*up.borrow() { return },
            }
        }
        // Read more; never more than the frame being assembled can justify.
        if buf.capacity() - buf.len() < READ_CHUNK / 4 {
            buf.reserve(READ_CHUNK);
        }
        tokio::select! {
            r = sock.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = shutdown.changed() => return,
            _ = up.changed() => if !*up.borrow() {
                tracing::debug!(broker, ?peer, "broker down; closing connection");
                return;
            },
        }
    }
}

fn dispatch(
    shared: &Shared,
    broker: BrokerId,
    header: &RequestHeader,
    body: &bytes::Bytes,
) -> Outcome {
    let (key, version) = (header.api_key, header.api_version);
    if !api::supported(key, version) {
        if key == ApiKey::API_VERSIONS {
            return api::api_versions::unsupported();
        }
        return Outcome::Disconnect(format!("unsupported request {key} v{version}"));
    }
    let req = match RequestBody::decode(key, version, body) {
        Ok(r) => r,
        Err(e) => return Outcome::Disconnect(format!("malformed {key} v{version}: {e}")),
    };
    let outcome = {
        let mut c = shared.lock();
        let now = shared.now();
        api::handle(&mut c, broker, header, req, now)
    };
    shared.changed();
    outcome
}

/// Waits for `poll` to produce a result: after every model change, and at `deadline`.
async fn wait<T>(
    shared: &Shared,
    deadline: u64,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    up: &mut tokio::sync::watch::Receiver<bool>,
    mut poll: impl FnMut(&Shared) -> Option<T>,
) -> Option<T> {
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if let Some(r) = poll(shared) {
            return Some(r);
        }
        let left = deadline.saturating_sub(shared.now());
        tokio::select! {
            _ = notified => {}
            _ = tokio::time::sleep(Duration::from_millis(left.max(1))) => {}
            _ = shutdown.changed() => return None,
            _ = up.changed() => if !*up.borrow() { return None },
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
