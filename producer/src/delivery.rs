//! Record outcomes: one shared cell per batch instead of a channel per record.
//!
//! Every record of a batch ends the same way (its offset is the batch's base offset plus its
//! index), so the batch holds one [`BatchOutcome`] and each record's [`DeliveryFuture`] holds
//! a reference to it and its index. Resolving a batch is one write and one wake-up per waiting
//! task, whatever the number of records; handing out a future is one reference count.
//!
//! A batch the broker finds too large is split in two: its cell then forwards each future to
//! the half that holds its record.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use crate::error::ProduceError;
use crate::record::RecordMetadata;

/// How a batch ended.
enum Resolved {
    /// Written: record `i` is at `base_offset + i` (`base_offset` -1: unknown, acks=0).
    Delivered {
        topic: Arc<str>,
        partition: i32,
        base_offset: i64,
        /// The broker's time for every record (`LogAppendTime` topics), or -1.
        log_append_time: i64,
    },
    /// Not written (or not known to be): every record gets this error.
    Failed(ProduceError),
    /// Split: records from index `start` on live in `cell` at `index - start`; sorted by
    /// `start`, the first is 0.
    Split(Vec<(u32, Arc<Cell>)>),
}

#[derive(Default)]
struct Cell {
    result: OnceLock<Resolved>,
    /// Tasks waiting for `result`.
    wakers: Mutex<Wakers>,
}

/// One slot per waiting future (a future keeps its slot across polls and frees it when
/// dropped), so re-polls and abandoned futures do not make the list grow.
#[derive(Default)]
struct Wakers {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
}

impl Cell {
    fn wakers(&self) -> std::sync::MutexGuard<'_, Wakers> {
        self.wakers.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn resolve(&self, r: Resolved) {
        if self.result.set(r).is_err() {
            return;
        }
        // `result` is set before the lock is taken: a poller that registers under the lock
        // either sees the result or is in the list taken here.
        let slots = std::mem::take(&mut self.wakers().slots);
        for w in slots.into_iter().flatten() {
            w.wake();
        }
    }
}

/// The producer's side of a batch's outcome. Dropped unresolved, its records fail with
/// [`ProduceError::Closed`].
pub(crate) struct BatchOutcome {
    cell: Arc<Cell>,
}

impl fmt::Debug for BatchOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchOutcome")
            .field("resolved", &self.cell.result.get().is_some())
            .finish()
    }
}

impl BatchOutcome {
    /// A new, unresolved outcome.
    pub(crate) fn new() -> Self {
        BatchOutcome {
            cell: Arc::new(Cell::default()),
        }
    }

    /// The future of the record at `index` in the batch, created at `timestamp`.
    pub(crate) fn future(&self, index: u32, timestamp: i64) -> DeliveryFuture {
        DeliveryFuture {
            cell: self.cell.clone(),
            index,
            timestamp,
            slot: None,
        }
    }

    /// The batch was written at `base_offset` (-1 if unknown).
    pub(crate) fn deliver(
        &self,
        topic: Arc<str>,
        partition: i32,
        base_offset: i64,
        log_append_time: i64,
    ) {
        self.cell.resolve(Resolved::Delivered {
            topic,
            partition,
            base_offset,
            log_append_time,
        });
    }

    /// The batch failed with `e`.
    pub(crate) fn fail(&self, e: ProduceError) {
        self.cell.resolve(Resolved::Failed(e));
    }

    /// The batch is split before record `at`: returns the outcomes of the two halves and
    /// forwards this one's futures to them. An outcome already settled stays as it is (its
    /// futures have their answer; the halves' outcomes reach nobody).
    pub(crate) fn split(&self, at: u32) -> [BatchOutcome; 2] {
        let halves = [BatchOutcome::new(), BatchOutcome::new()];
        self.cell.resolve(Resolved::Split(vec![
            (0, halves[0].cell.clone()),
            (at, halves[1].cell.clone()),
        ]));
        halves
    }
}

impl Drop for BatchOutcome {
    fn drop(&mut self) {
        self.cell.resolve(Resolved::Failed(ProduceError::Closed));
    }
}

/// The outcome of one record, resolved when its batch is acknowledged or fails.
#[must_use = "the record is sent either way; await this to learn its outcome"]
pub struct DeliveryFuture {
    cell: Arc<Cell>,
    index: u32,
    timestamp: i64,
    /// This future's slot in `cell`'s wakers, once it waited.
    slot: Option<usize>,
}

impl fmt::Debug for DeliveryFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryFuture")
            .field("index", &self.index)
            .field("resolved", &self.cell.result.get().is_some())
            .finish()
    }
}

impl DeliveryFuture {
    /// The outcome if it is known, following splits.
    pub(crate) fn try_outcome(&mut self) -> Option<Result<RecordMetadata, ProduceError>> {
        loop {
            match self.cell.result.get()? {
                Resolved::Delivered {
                    topic,
                    partition,
                    base_offset,
                    log_append_time,
                } => {
                    return Some(Ok(RecordMetadata {
                        topic: topic.clone(),
                        partition: *partition,
                        offset: if *base_offset >= 0 {
                            base_offset + i64::from(self.index)
                        } else {
                            -1
                        },
                        timestamp: if *log_append_time >= 0 {
                            *log_append_time
                        } else {
                            self.timestamp
                        },
                    }));
                }
                Resolved::Failed(e) => return Some(Err(e.clone())),
                Resolved::Split(parts) => {
                    let (start, cell) = parts
                        .iter()
                        .rev()
                        .find(|(start, _)| *start <= self.index)
                        .unwrap_or(&parts[0]);
                    let next = cell.clone();
                    self.index -= start;
                    self.cell = next;
                    // The split cell's wakers were taken when it resolved.
                    self.slot = None;
                }
            }
        }
    }
}

impl Drop for DeliveryFuture {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let mut wakers = self.cell.wakers();
            // After the cell resolved its slots are gone (and nobody registers any more).
            if let Some(w) = wakers.slots.get_mut(i) {
                *w = None;
                wakers.free.push(i);
            }
        }
    }
}

impl Future for DeliveryFuture {
    type Output = Result<RecordMetadata, ProduceError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            if let Some(r) = self.try_outcome() {
                return Poll::Ready(r);
            }
            let cell = self.cell.clone();
            let mut wakers = cell.wakers();
            if cell.result.get().is_some() {
                continue;
            }
            match self.slot {
                Some(i) => {
                    let w = &mut wakers.slots[i];
                    if !w.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        *w = Some(cx.waker().clone());
                    }
                }
                None => {
                    let waker = Some(cx.waker().clone());
                    let i = match wakers.free.pop() {
                        Some(i) => {
                            wakers.slots[i] = waker;
                            i
                        }
                        None => {
                            wakers.slots.push(waker);
                            wakers.slots.len() - 1
                        }
                    };
                    self.slot = Some(i);
                }
            }
            return Poll::Pending;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(f: &mut DeliveryFuture) -> Option<Result<RecordMetadata, ProduceError>> {
        f.try_outcome()
    }

    #[test]
    fn offsets_follow_the_index_and_splits() {
        let o = BatchOutcome::new();
        let mut fs: Vec<_> = (0..5).map(|i| o.future(i, 100 + i64::from(i))).collect();
        assert!(fs.iter_mut().all(|f| ready(f).is_none()));
        let [a, b] = o.split(2);
        let [b1, b2] = b.split(1);
        a.deliver("t".into(), 3, 10, -1);
        b1.fail(ProduceError::Closed);
        b2.deliver("t".into(), 3, 50, 7);
        let got: Vec<_> = fs
            .iter_mut()
            .map(|f| ready(f).unwrap().map(|m| (m.offset, m.timestamp)))
            .collect();
        assert_eq!(
            got,
            vec![
                Ok((10, 100)),
                Ok((11, 101)),
                Err(ProduceError::Closed),
                Ok((50, 7)),
                Ok((51, 7)),
            ]
        );
    }

    #[test]
    fn first_outcome_wins_and_drop_closes() {
        let o = BatchOutcome::new();
        let mut f = o.future(0, 0);
        o.deliver("t".into(), 0, -1, -1);
        o.fail(ProduceError::Closed);
        assert_eq!(ready(&mut f).unwrap().unwrap().offset, -1);
        let o = BatchOutcome::new();
        let mut f = o.future(0, 0);
        drop(o);
        assert_eq!(ready(&mut f), Some(Err(ProduceError::Closed)));
    }

    #[test]
    fn repolls_and_dropped_futures_do_not_grow_the_wakers() {
        use std::task::Wake;
        struct Count(std::sync::atomic::AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let o = BatchOutcome::new();
        let counts: Vec<_> = (0..2)
            .map(|_| Arc::new(Count(std::sync::atomic::AtomicUsize::new(0))))
            .collect();
        let wakers: Vec<Waker> = counts.iter().map(|c| Waker::from(c.clone())).collect();
        let mut fs: Vec<_> = (0..2).map(|i| o.future(i, 0)).collect();
        // Two tasks re-polling in turn, as select! loops woken by timers do.
        for _ in 0..1000 {
            for (f, w) in fs.iter_mut().zip(&wakers) {
                let mut cx = Context::from_waker(w);
                assert!(Pin::new(f).poll(&mut cx).is_pending());
            }
        }
        assert_eq!(o.cell.wakers().slots.len(), 2);
        // Futures given up on free their slots for the next ones.
        for i in 2..1000 {
            let mut f = o.future(i, 0);
            let mut cx = Context::from_waker(&wakers[0]);
            assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        }
        assert_eq!(o.cell.wakers().slots.len(), 3);
        o.deliver("t".into(), 0, 5, -1);
        assert!(
            counts
                .iter()
                .all(|c| c.0.load(std::sync::atomic::Ordering::SeqCst) == 1)
        );
        assert_eq!(ready(&mut fs[1]).unwrap().unwrap().offset, 6);
    }

    #[tokio::test]
    async fn waiting_tasks_are_woken() {
        let o = BatchOutcome::new();
        let waiters: Vec<_> = (0..3).map(|i| tokio::spawn(o.future(i, 0))).collect();
        tokio::task::yield_now().await;
        o.deliver("t".into(), 1, 7, -1);
        for (i, w) in waiters.into_iter().enumerate() {
            assert_eq!(w.await.unwrap().unwrap().offset, 7 + i as i64);
        }
    }
}
