//! The producer handle: `send`, `flush`, `close`, counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use kwire_auth::sasl::oauthbearer::TokenProvider;

use crate::config::ProducerConfig;
use crate::delivery::DeliveryFuture;
use crate::engine::{Blocked, Engine, ProducerMetrics};
use crate::error::ProduceError;
use crate::partitioner::Partitioner;
use crate::record::{ProducerRecord, RecordMetadata};
use crate::security::ConnSecurity;
use crate::sender::{self, Shared};
use crate::sequence::ProducerIdAndEpoch;

/// An asynchronous Kafka producer. Cheap to clone; all clones share one engine and its tasks.
///
/// Must be created inside a tokio runtime. Dropping the last clone closes the producer: what
/// is buffered is still delivered (within `delivery.timeout.ms`) by the background task.
///
/// ```no_run
/// use kwire_producer::{Producer, ProducerConfig, ProducerRecord};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let producer = Producer::new(
///     ProducerConfig::builder().bootstrap_servers("127.0.0.1:9092").build()?,
/// )?;
/// // Wait for one record's outcome...
/// let md = producer.send(ProducerRecord::new("events", "hello").with_key("k1")).await?;
/// println!("written at {}-{}@{}", md.topic, md.partition, md.offset);
/// // ...or pipeline many and collect the outcomes later.
/// let mut pending = Vec::new();
/// for i in 0..1000 {
///     pending.push(producer.enqueue(ProducerRecord::new("events", format!("v{i}"))).await?);
/// }
/// for d in pending {
///     d.await?;
/// }
/// producer.close(std::time::Duration::from_secs(30)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Producer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    wall: WallClock,
}

/// Record timestamps (wall-clock ms) from the monotonic time `enqueue` reads for the engine
/// anyway, anchored to the system clock at least once a second: a clock step shows within a
/// second, and a record costs one clock read instead of two.
#[derive(Debug)]
struct WallClock {
    origin: std::time::Instant,
    /// Wall-clock µs minus monotonic µs since `origin`, at the last anchoring.
    offset_us: AtomicI64,
    /// Monotonic µs since `origin` of the last anchoring.
    anchored_us: AtomicI64,
}

impl WallClock {
    const ANCHOR_EVERY_US: i64 = 1_000_000;

    fn new() -> Self {
        let c = WallClock {
            origin: sender::now(),
            offset_us: AtomicI64::new(0),
            anchored_us: AtomicI64::new(0),
        };
        c.anchor(0);
        c
    }

    fn anchor(&self, mono_us: i64) {
        let wall_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        self.offset_us.store(wall_us - mono_us, Ordering::Relaxed);
        self.anchored_us.store(mono_us, Ordering::Relaxed);
    }

    /// Wall-clock ms at monotonic time `now`.
    fn ms(&self, now: std::time::Instant) -> i64 {
        let mono_us = now.saturating_duration_since(self.origin).as_micros() as i64;
        if mono_us - self.anchored_us.load(Ordering::Relaxed) >= Self::ANCHOR_EVERY_US {
            self.anchor(mono_us);
        }
        (mono_us + self.offset_us.load(Ordering::Relaxed)).div_euclid(1000)
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: close, letting buffered records finish in their time.
        let delivery_timeout = {
            let mut e = self.shared.lock();
            e.begin_close();
            e.config().delivery_timeout
        };
        if let Ok(mut a) = self.shared.abort_at.lock()
            && a.is_none()
        {
            *a = Some(Instant::now() + delivery_timeout + Duration::from_secs(1));
        }
        self.shared.wake.notify_one();
    }
}

impl Producer {
    /// Starts a producer with the built-in partitioner.
    pub fn new(config: ProducerConfig) -> Result<Self, ProduceError> {
        Self::build(config, None, None)
    }

    /// Starts a producer that takes its OAUTHBEARER tokens from `provider`
    /// (`sasl.mechanism=OAUTHBEARER` without `sasl.jaas.config`). The provider is asked for a
    /// token on every new connection, so it should cache one until shortly before it expires.
    /// An AWS MSK IAM signer plugs in here: its `token` returns the signed, base64url-encoded
    /// request MSK expects as the bearer token (KIP-255's framing is the same).
    pub fn with_token_provider(
        config: ProducerConfig,
        provider: Arc<dyn TokenProvider>,
    ) -> Result<Self, ProduceError> {
        Self::build(config, None, Some(provider))
    }

    /// Starts a producer that asks `partitioner` first for records without an explicit
    /// partition.
    pub fn with_partitioner(
        config: ProducerConfig,
        partitioner: Arc<dyn Partitioner>,
    ) -> Result<Self, ProduceError> {
        Self::build(config, Some(partitioner), None)
    }

    fn build(
        config: ProducerConfig,
        partitioner: Option<Arc<dyn Partitioner>>,
        token_provider: Option<Arc<dyn TokenProvider>>,
    ) -> Result<Self, ProduceError> {
        if config.bootstrap_servers.is_empty() {
            return Err(ProduceError::Fatal("bootstrap.servers is empty".into()));
        }
        let security = Arc::new(
            ConnSecurity::new(&config.security, token_provider).map_err(ProduceError::Fatal)?,
        );
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        let shared = Arc::new(Shared::new(Engine::new(config, partitioner, seed)));
        tokio::spawn(sender::run(shared.clone(), security));
        Ok(Producer {
            inner: Arc::new(Inner {
                shared,
                wall: WallClock::new(),
            }),
        })
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    /// Sends a record and waits for its outcome: where it was written, or why not.
    pub async fn send(&self, record: ProducerRecord) -> Result<RecordMetadata, ProduceError> {
        self.enqueue(record).await?.await
    }

    /// Hands a record to the producer and returns a future of its outcome, without waiting
    /// for delivery: the pipelined form of [`send`](Self::send). Waits only while the topic's
    /// metadata is unknown or `buffer.memory` is full, for at most `max.block.ms`.
    pub async fn enqueue(&self, record: ProducerRecord) -> Result<DeliveryFuture, ProduceError> {
        let shared = self.shared();
        // The fast path: one lock, one clock read, no waiter registered, no deadline computed.
        let now = sender::now();
        let now_ms = self.inner.wall.ms(now);
        let r = {
            let mut e = shared.lock();
            e.try_append(record, now, now_ms)
        };
        let mut record = match r? {
            Ok((rx, wake)) => {
                if wake {
                    shared.wake.notify_one();
                }
                return Ok(rx);
            }
            Err(Blocked::NeedMetadata(r) | Blocked::BufferFull(r)) => r,
        };
        // Blocked: wait for metadata or memory, for at most max.block.ms. The waiter is
        // registered before each retry, so a change between the retry and the wait is seen.
        let (max_block, buffer_memory) = {
            let e = shared.lock();
            (e.config().max_block, e.config().buffer_memory)
        };
        let deadline = Instant::now() + max_block;
        shared.wake.notify_one();
        loop {
            let notified = shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = sender::now();
            let now_ms = self.inner.wall.ms(now);
            let r = {
                let mut e = shared.lock();
                e.try_append(record, now, now_ms)
            };
            let blocked = match r? {
                Ok((rx, wake)) => {
                    if wake {
                        shared.wake.notify_one();
                    }
                    return Ok(rx);
                }
                Err(b) => b,
            };
            shared.wake.notify_one();
            let timeout_err = match blocked {
                Blocked::NeedMetadata(r) => {
                    let last_error = shared.lock().topic_error(&r.topic);
                    let e = ProduceError::MetadataTimeout {
                        topic: r.topic.to_string(),
                        max_block,
                        last_error,
                    };
                    record = r;
                    e
                }
                Blocked::BufferFull(r) => {
                    record = r;
                    ProduceError::BufferExhausted {
                        buffer_memory,
                        max_block,
                    }
                }
            };
            if shared.stopped_flag.load(Ordering::SeqCst) {
                return Err(ProduceError::Closed);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(timeout_err);
            }
        }
    }

    /// Sends every buffered record now (ignoring `linger.ms`) and waits until all records
    /// handed over before this call have an outcome.
    pub async fn flush(&self) {
        let shared = self.shared();
        let marker = shared.lock().begin_flush();
        shared.wake.notify_one();
        loop {
            let notified = shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if shared.lock().flushed(marker) || shared.stopped_flag.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }

    /// Stops accepting records, sends what is buffered, and waits until every record has an
    /// outcome or `timeout` passes; then fails what is left with [`ProduceError::Closed`]
    /// (`Err` if that happened) and stops the background task.
    pub async fn close(&self, timeout: Duration) -> Result<(), ProduceError> {
        let shared = self.shared();
        shared.lock().begin_close();
        if let Ok(mut a) = shared.abort_at.lock() {
            let t = Instant::now() + timeout;
            *a = Some(a.map_or(t, |old| old.min(t)));
        }
        shared.wake.notify_one();
        loop {
            let stopped = shared.stopped.notified();
            tokio::pin!(stopped);
            stopped.as_mut().enable();
            if shared.stopped_flag.load(Ordering::SeqCst) {
                break;
            }
            stopped.await;
        }
        if shared.lock().was_aborted() {
            Err(ProduceError::Closed)
        } else {
            Ok(())
        }
    }

    /// Counters: records enqueued, delivered, failed and retried; batches, requests and bytes
    /// sent; requests in flight; buffer memory in use.
    pub fn metrics(&self) -> ProducerMetrics {
        self.shared().lock().metrics()
    }

    /// The idempotent producer id and epoch in use, once known.
    pub fn producer_id(&self) -> Option<ProducerIdAndEpoch> {
        self.shared().lock().producer_id()
    }

    /// The partition count of `topic` in the producer's metadata, if known (it becomes known
    /// after the first record to the topic).
    pub fn partitions_for(&self, topic: &str) -> Option<usize> {
        self.shared().lock().partition_count(topic)
    }

    /// The configuration in use.
    pub fn config(&self) -> ProducerConfig {
        self.shared().lock().config().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_follows_the_system_clock() {
        let c = WallClock::new();
        let system_ms = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64
        };
        let before = system_ms();
        let ms = c.ms(sender::now());
        assert!(
            (before - 1..=system_ms() + 1).contains(&ms),
            "{ms} vs {before}"
        );
        // Past the anchoring period it reads the system clock again (without, this would be
        // 5 s ahead of it).
        let later = sender::now() + Duration::from_secs(5);
        let ms = c.ms(later);
        assert!((ms - system_ms()).abs() <= 2, "{ms}");
        assert!(c.anchored_us.load(Ordering::Relaxed) >= 5_000_000);
    }
}
