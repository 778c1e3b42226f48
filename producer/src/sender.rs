//! The thin tokio driver: one task that feeds network events and time into the
//! [`Engine`](crate::engine::Engine) and carries out the actions it returns (connect, send,
//! disconnect). All decisions are the engine's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant as StdInstant;

use kwire_protocol::api::RequestBody;
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tracing::{debug, debug_span, trace};

use crate::connection::{self, ConnConfig, ConnHandle, EventTx};
use crate::engine::{Action, Engine, Event};
use crate::security::ConnSecurity;

/// State shared by the producer handles and the driver task.
#[derive(Debug)]
pub(crate) struct Shared {
    pub engine: Mutex<Engine>,
    /// Wakes the driver (new batch, flush, close, metadata wanted).
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
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The current time for the engine, from tokio's clock (so paused-time tests work).
pub(crate) fn now() -> StdInstant {
    Instant::now().into_std()
}

/// Runs the producer until it is closed and idle, or aborted.
pub(crate) async fn run(shared: Arc<Shared>, security: Arc<ConnSecurity>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let cfg = {
        let e = shared.lock();
        let c = e.config();
        ConnConfig {
            client_id: c.client_id.clone(),
            setup_timeout: c.connection_setup_timeout,
            max_frame_size: 100 * 1024 * 1024,
            security,
        }
    };
    let mut driver = Driver {
        conns: HashMap::new(),
        next_conn_id: 0,
        tx,
        cfg,
    };
    loop {
        let now_std = now();
        let (actions, wake, next, done) = {
            let mut e = shared.lock();
            while let Ok((conn_id, ev)) = rx.try_recv() {
                driver.deliver(&mut e, conn_id, ev, now_std);
            }
            let abort = shared
                .abort_at
                .lock()
                .map(|a| a.is_some_and(|t| t <= Instant::now()))
                .unwrap_or(false);
            if abort {
                debug!("close deadline passed: failing what is left");
                e.abort();
                drop(e);
                shared.changed.notify_waiters();
                break;
            }
            let actions = e.poll(now_std);
            (
                actions,
                e.take_wake_waiters(),
                e.next_wakeup(),
                e.is_closing() && e.is_idle(),
            )
        };
        if wake {
            shared.changed.notify_waiters();
        }
        for a in actions {
            driver.execute(a);
        }
        if done {
            debug!("closed: everything delivered");
            break;
        }
        let abort_at = shared.abort_at.lock().ok().and_then(|a| *a);
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
            ev = rx.recv() => {
                if let Some((conn_id, ev)) = ev {
                    let mut e = shared.lock();
                    driver.deliver(&mut e, conn_id, ev, now());
                }
            }
            _ = shared.wake.notified() => {}
            _ = timer => {}
        }
    }
    drop(driver);
    shared
        .stopped_flag
        .store(true, std::sync::atomic::Ordering::SeqCst);
    shared.changed.notify_waiters();
    shared.stopped.notify_waiters();
}

struct Driver {
    conns: HashMap<i32, (u64, ConnHandle)>,
    next_conn_id: u64,
    tx: EventTx,
    cfg: ConnConfig,
}

impl Driver {
    /// Passes an event to the engine unless it comes from a connection since replaced.
    fn deliver(&mut self, e: &mut Engine, conn_id: u64, ev: Event, now: StdInstant) {
        let node = ev.node();
        match self.conns.get(&node) {
            Some((id, _)) if *id == conn_id => {}
            _ => {
                trace!(node, conn_id, "event from a closed connection");
                return;
            }
        }
        if matches!(ev, Event::ConnectFailed { .. } | Event::Disconnected { .. }) {
            self.conns.remove(&node);
        }
        e.handle_event(ev, now);
    }

    fn execute(&mut self, a: Action) {
        match a {
            Action::Connect { node, addr } => {
                let id = self.next_conn_id;
                self.next_conn_id += 1;
                debug!(node, %addr, "connecting");
                let h = connection::spawn(node, id, addr, self.cfg.clone(), self.tx.clone());
                self.conns.insert(node, (id, h));
            }
            Action::Disconnect { node } => {
                self.conns.remove(&node);
            }
            Action::Send { node, request } => {
                let Some((_, h)) = self.conns.get(&node) else {
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
