//! The thin tokio driver. Network events go straight into the
//! [`Engine`](crate::engine::Engine) from the connection task that saw them, which carries out
//! the actions the engine answers with (the next request usually goes out on the same
//! connection, in the same task, with no hand-off). One task, [`run`], covers time: linger,
//! timeouts, backoffs, close. All decisions are the engine's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant as StdInstant;

use kwire_protocol::api::RequestBody;
use tokio::sync::Notify;
use tokio::time::Instant;
use tracing::{debug, debug_span, trace};

use crate::connection::{self, ConnConfig, ConnHandle, EventSink};
use crate::engine::{Action, Engine, Event};
use crate::security::ConnSecurity;

/// State shared by the producer handles, the timer task and the connection tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub engine: Mutex<Engine>,
    /// The connections; locked after `engine`, never alone while it is wanted.
    conns: Mutex<Conns>,
    /// When the timer task sleeps until (`None`: until woken); read and written under the
    /// engine lock, so an event that brings the engine's next deadline forward wakes it.
    sleeping_until: Mutex<Option<StdInstant>>,
    /// Wakes the timer task (new batch, flush, close, metadata wanted, an earlier deadline).
    pub wake: Notify,
    /// Wakes `send`/`flush` callers waiting for metadata, memory or completions.
    pub changed: Notify,
    /// When the driver must give up on what is left (close deadline).
    pub abort_at: Mutex<Option<Instant>>,
    /// The driver has stopped.
    pub stopped: Notify,
    pub stopped_flag: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub fn new(engine: Engine) -> Self {
        Shared {
            engine: Mutex::new(engine),
            conns: Mutex::new(Conns::default()),
            sleeping_until: Mutex::new(None),
            wake: Notify::new(),
            changed: Notify::new(),
            abort_at: Mutex::new(None),
            stopped: Notify::new(),
            stopped_flag: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Locks the engine (a panic elsewhere does not make the state unusable for the
    /// remaining outcomes).
    pub fn lock(&self) -> MutexGuard<'_, Engine> {
        lock(&self.engine)
    }

    /// Feeds `ev` from connection `conn_id` to the engine and carries out what it asks for.
    /// Called by the connection tasks.
    fn on_event(&self, conn_id: u64, ev: Event) {
        let now = now();
        let wake_waiters;
        let wake_timer;
        {
            let mut e = self.lock();
            let mut conns = lock(&self.conns);
            if !conns.deliver(&mut e, conn_id, ev, now) {
                return;
            }
            for a in e.poll(now) {
                conns.execute(a);
            }
            wake_waiters = e.take_wake_waiters();
            let next = e.next_wakeup();
            let sleeping = *lock(&self.sleeping_until);
            wake_timer = e.is_closing()
                || match (next, sleeping) {
                    (Some(n), Some(s)) => n < s,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
        }
        if wake_waiters {
            self.changed.notify_waiters();
        }
        if wake_timer {
            self.wake.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The current time for the engine, from tokio's clock (so paused-time tests work).
pub(crate) fn now() -> StdInstant {
    Instant::now().into_std()
}

/// Runs the producer's timers until it is closed and idle, or aborted.
pub(crate) async fn run(shared: Arc<Shared>, security: Arc<ConnSecurity>) {
    {
        let e = shared.lock();
        let c = e.config();
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        let sink: EventSink = Arc::new(move |conn_id, ev| {
            if let Some(shared) = weak.upgrade() {
                shared.on_event(conn_id, ev);
            }
        });
        *lock(&shared.conns) = Conns {
            map: HashMap::new(),
            next_conn_id: 0,
            setup: Some((
                ConnConfig {
                    client_id: c.client_id.clone(),
                    setup_timeout: c.connection_setup_timeout,
                    max_frame_size: 100 * 1024 * 1024,
                    security,
                },
                sink,
            )),
        };
    }
    loop {
        let now_std = now();
        let (wake, next, done) = {
            let mut e = shared.lock();
            let abort = lock(&shared.abort_at).is_some_and(|t| t <= Instant::now());
            if abort {
                debug!("close deadline passed: failing what is left");
                e.abort();
                drop(e);
                shared.changed.notify_waiters();
                break;
            }
            let mut conns = lock(&shared.conns);
            for a in e.poll(now_std) {
                conns.execute(a);
            }
            let next = e.next_wakeup();
            *lock(&shared.sleeping_until) = next;
            (e.take_wake_waiters(), next, e.is_closing() && e.is_idle())
        };
        if wake {
            shared.changed.notify_waiters();
        }
        if done {
            debug!("closed: everything delivered");
            break;
        }
        let abort_at = *lock(&shared.abort_at);
        let sleep_until = match (next, abort_at) {
            (Some(n), Some(a)) => Some(Instant::from_std(n).min(a)),
            (Some(n), None) => Some(Instant::from_std(n)),
            (None, a) => a,
        };
        let timer = async {
            match sleep_until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = timer => {}
        }
    }
    // Closes every connection (their tasks end) and drops the sink's way back here.
    *lock(&shared.conns) = Conns::default();
    shared
        .stopped_flag
        .store(true, std::sync::atomic::Ordering::SeqCst);
    shared.changed.notify_waiters();
    shared.stopped.notify_waiters();
}

/// The producer's connections, by node.
#[derive(Default)]
struct Conns {
    map: HashMap<i32, (u64, ConnHandle)>,
    next_conn_id: u64,
    /// How to open a connection and where its events go; `None` once stopped.
    setup: Option<(ConnConfig, EventSink)>,
}

impl std::fmt::Debug for Conns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conns")
            .field("nodes", &self.map.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Conns {
    /// Passes an event to the engine unless it comes from a connection since replaced;
    /// returns whether it did.
    fn deliver(&mut self, e: &mut Engine, conn_id: u64, ev: Event, now: StdInstant) -> bool {
        let node = ev.node();
        match self.map.get(&node) {
            Some((id, _)) if *id == conn_id => {}
            _ => {
                trace!(node, conn_id, "event from a closed connection");
                return false;
            }
        }
        if matches!(ev, Event::ConnectFailed { .. } | Event::Disconnected { .. }) {
            self.map.remove(&node);
        }
        e.handle_event(ev, now);
        true
    }

    fn execute(&mut self, a: Action) {
        match a {
            Action::Connect { node, addr } => {
                let Some((cfg, sink)) = &self.setup else {
                    return;
                };
                let id = self.next_conn_id;
                self.next_conn_id += 1;
                debug!(node, %addr, "connecting");
                let h = connection::spawn(node, id, addr, cfg.clone(), sink.clone());
                self.map.insert(node, (id, h));
            }
            Action::Disconnect { node } => {
                self.map.remove(&node);
            }
            Action::Send { node, request } => {
                let Some((_, h)) = self.map.get(&node) else {
                    // Cannot happen (sends go to ready connections); the request's timeout
                    // would recover anyway.
                    return;
                };
                let span = match &request.body {
                    RequestBody::Produce(p) => debug_span!(
                        "produce",
                        node,
                        id = request.id,
                        version = request.version,
                        partitions = p
                            .topic_data
                            .iter()
                            .map(|t| t.partition_data.len())
                            .sum::<usize>()
                    ),
                    body => debug_span!(
                        "request",
                        api = body.api_key().name(),
                        node,
                        id = request.id,
                        version = request.version
                    ),
                };
                let _enter = span.enter();
                trace!("queued");
                h.send(request);
            }
        }
    }
}
