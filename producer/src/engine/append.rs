//! Records in: [`Engine::try_append`] checks a record (topic name, size), looks its topic up,
//! chooses its partition ([`partitioner::choose`], then the sticky partitioner) and appends it
//! to the accumulator; and the queue lengths the sticky partitioner weighs its choices by.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Engine, leader_of};
use crate::batch::{BATCH_OVERHEAD, PendingRecord, record_size_upper_bound};
use crate::delivery::DeliveryFuture;
use crate::error::ProduceError;
use crate::metadata::is_fatal_topic_error;
use crate::partitioner::{self, Choice};
use crate::record::ProducerRecord;
use crate::sequence::Tp;

/// Why [`Engine::try_append`] could not take a record now; the record is handed back.
#[derive(Debug)]
pub(crate) enum Blocked {
    /// The topic's partition count is not known yet.
    NeedMetadata(ProducerRecord),
    /// `buffer.memory` is full.
    BufferFull(ProducerRecord),
}

/// A record taken by [`Engine::try_append`]: the receiver of its outcome, and whether the
/// driver should look at the accumulator now (a batch was started or filled).
pub(crate) type Accepted = (DeliveryFuture, bool);

/// The topic of the last record taken, for one metadata generation.
#[derive(Debug)]
pub(super) struct LastTopic {
    name: Arc<str>,
    index: u32,
    partitions: usize,
    generation: u64,
}

/// Checks a topic name as Kafka does: 1–249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
fn check_topic_name(topic: &str) -> Result<(), ProduceError> {
    if topic.is_empty()
        || topic.len() > 249
        || topic == "."
        || topic == ".."
        || !topic
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    {
        return Err(ProduceError::InvalidTopic(topic.to_string()));
    }
    Ok(())
}

impl Engine {
    /// Checks a record's size against `max.request.size` and `buffer.memory`; returns the
    /// most it can take of a batch.
    fn check_size(&self, record: &ProducerRecord) -> Result<usize, ProduceError> {
        let size = record_size_upper_bound(
            record.key.as_deref(),
            record.value.as_deref(),
            &record.headers,
        ) + BATCH_OVERHEAD;
        if size > self.cfg.max_request_size {
            return Err(ProduceError::RecordTooLarge {
                size,
                limit: self.cfg.max_request_size,
                limit_name: "max.request.size",
            });
        }
        if size > self.cfg.buffer_memory {
            return Err(ProduceError::RecordTooLarge {
                size,
                limit: self.cfg.buffer_memory,
                limit_name: "buffer.memory",
            });
        }
        Ok(size)
    }

    /// Appends a record, or says why it cannot be appended yet (the record comes back).
    /// `now_ms` is the wall-clock time for records without a timestamp. On success, returns
    /// the record's [`DeliveryFuture`] and whether the sender should be woken.
    pub fn try_append(
        &mut self,
        record: ProducerRecord,
        now: Instant,
        now_ms: i64,
    ) -> Result<Result<Accepted, Blocked>, ProduceError> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        if self.closing {
            return Err(ProduceError::Closed);
        }
        let generation = self.meta.generation;
        let cached = self
            .last_topic
            .as_ref()
            .filter(|t| {
                t.generation == generation
                    && (Arc::ptr_eq(&t.name, &record.topic) || t.name == record.topic)
            })
            .map(|t| (t.index, t.partitions));
        if cached.is_none() {
            check_topic_name(&record.topic)?;
        }
        let size = self.check_size(&record)?;
        let (ti, count) = match cached {
            Some(found) => found,
            None => match self.resolve_topic(&record)? {
                Some(found) => found,
                None => return Ok(Err(Blocked::NeedMetadata(record))),
            },
        };
        let choice = partitioner::choose(
            &record,
            count,
            self.custom.as_deref(),
            self.cfg.partitioner_ignore_keys,
        )
        .map_err(|partition| ProduceError::InvalidPartition {
            topic: record.topic.to_string(),
            partition,
            partitions: count,
        })?;
        let (partition, sticky) = match choice {
            Choice::Partition(p) => (p, false),
            Choice::Sticky => {
                self.refresh_available(ti);
                let avail = &self.avail_cache[ti as usize].1;
                let acc = &self.acc;
                let p = self
                    .sticky
                    .sticky_partition(&record.topic, count, avail, |p| {
                        acc.all_batches_full(Tp {
                            topic: ti,
                            partition: p,
                        })
                    });
                (p, true)
            }
        };
        if !self.acc.try_reserve(size) {
            return Ok(Err(Blocked::BufferFull(record)));
        }
        let tp = Tp {
            topic: ti,
            partition,
        };
        let rec = PendingRecord {
            timestamp: record.timestamp.unwrap_or(now_ms),
            key: record.key,
            value: record.value,
            headers: record.headers,
        };
        let a = self.acc.append(tp, rec, size, now);
        if sticky {
            let enable_switch = self.acc.all_batches_full(tp);
            let avail = &self.avail_cache[ti as usize].1;
            self.sticky
                .on_appended(&record.topic, partition, size, enable_switch, count, avail);
        }
        self.counters.records_enqueued += 1;
        Ok(Ok((a.delivery, a.new_batch || a.batch_full)))
    }

    /// The index and partition count of a record's topic, whose name is valid (`None`: not
    /// known yet, metadata is asked for), remembered for the records that follow.
    fn resolve_topic(
        &mut self,
        record: &ProducerRecord,
    ) -> Result<Option<(u32, usize)>, ProduceError> {
        self.meta.want(&record.topic);
        let count = match self.meta.cluster.partition_count(&record.topic) {
            Some(n) if n > 0 => n,
            _ => {
                if let Some(&e) = self.meta.cluster.topic_errors.get(&record.topic)
                    && is_fatal_topic_error(e)
                {
                    return Err(ProduceError::Broker {
                        topic: record.topic.to_string(),
                        partition: -1,
                        code: e,
                        message: None,
                    });
                }
                return Ok(None);
            }
        };
        let index = self.acc.topic_index(&record.topic);
        self.last_topic = Some(LastTopic {
            name: record.topic.clone(),
            index,
            partitions: count,
            generation: self.meta.generation,
        });
        Ok(Some((index, count)))
    }

    /// Brings topic `ti`'s entry of partitions with a leader up to the metadata generation.
    fn refresh_available(&mut self, ti: u32) {
        let generation = self.meta.generation;
        if self
            .avail_cache
            .get(ti as usize)
            .is_some_and(|(g, _)| *g == generation)
        {
            return;
        }
        let name = self.acc.topic_name(ti).clone();
        let avail = self.meta.cluster.available_partitions(&name);
        if self.avail_cache.len() <= ti as usize {
            // u64::MAX: a generation no metadata has, so the entry is filled before use.
            self.avail_cache
                .resize_with(ti as usize + 1, || (u64::MAX, Vec::new()));
        }
        self.avail_cache[ti as usize] = (generation, avail);
    }

    /// Adaptive partitioning: feeds queue lengths to the sticky partitioner, at most once a
    /// millisecond.
    pub(super) fn update_partitioner_load(&mut self, now: Instant) {
        if !self.cfg.partitioner_adaptive
            || self
                .last_load_update
                .is_some_and(|t| now < t + Duration::from_millis(1))
        {
            return;
        }
        self.last_load_update = Some(now);
        for ti in 0..self.acc.topic_count() {
            let name = self.acc.topic_name(ti).clone();
            if self.sticky.current(&name).is_none() {
                continue;
            }
            let Some(count) = self.meta.cluster.partition_count(&name) else {
                continue;
            };
            let (meta, acc, waiting) = (&self.meta, &self.acc, &self.node_waiting);
            let timeout = self.cfg.partitioner_availability_timeout;
            // Partitions without a leader, or whose leader has not taken data for
            // partitioner.availability.timeout.ms, are left out.
            let lens = acc.queue_lengths(
                ti,
                |tp| {
                    leader_of(meta, acc, tp).filter(|l| {
                        timeout.is_zero()
                            || waiting.get(l).is_none_or(|&since| now < since + timeout)
                    })
                },
                count,
            );
            self.sticky.update_load(&name, &lens, count);
        }
    }
}
