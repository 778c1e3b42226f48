//! The server's counters (the model keeps its own, see [`crate::cluster::Stats`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use kwire_protocol::ApiKey;

/// Counters updated by listeners and connections.
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
    /// Adds `n` to a counter.
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one request of `key` (keys outside 0..=127 are not counted).
    pub(crate) fn request(&self, key: ApiKey) {
        if let Ok(k) = usize::try_from(key.0)
            && let Some(c) = self.requests.get(k)
        {
            Metrics::add(c, 1);
        }
    }

    /// A snapshot of every counter.
    pub(crate) fn snapshot(&self) -> ServerStats {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let requests = self
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
            connections_total: get(&self.connections_total),
            connections_open: self.connections_open.load(Ordering::Relaxed) as u64,
            connections_refused: get(&self.connections_refused),
            bytes_in: get(&self.bytes_in),
            bytes_out: get(&self.bytes_out),
            bad_requests: get(&self.bad_requests),
            unsupported_requests: get(&self.unsupported),
            dropped_after_append: get(&self.dropped_after_append),
            idle_closed: get(&self.idle_closed),
        }
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
