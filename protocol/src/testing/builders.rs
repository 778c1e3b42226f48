//! Record batches, Produce and Fetch requests for tests, with the defaults tests want.
//!
//! ```
//! use kwire_protocol::testing::{BatchBuilder, FetchBuilder, ProduceBuilder};
//!
//! // Three records "0", "1", "2" under key "k", from producer 7 epoch 0 at sequence 0.
//! let batch = BatchBuilder::new()
//!     .producer(7, 0, 0)
//!     .values(Some(b"k"), ["0", "1", "2"])
//!     .build();
//! let produce = ProduceBuilder::new().acks(1).records("orders", 0, batch).build();
//! assert_eq!(produce.topic_data[0].partition_data[0].index, 0);
//!
//! let fetch = FetchBuilder::new().partition("orders", 0, 0).partition("orders", 1, 42).build();
//! assert_eq!(fetch.topics.len(), 1);
//! assert_eq!(fetch.topics[0].partitions[1].fetch_offset, 42);
//! ```
//!
//! The builders panic on what cannot be encoded: they are for tests, whose inputs are fixed.

use bytes::{Bytes, BytesMut};
use uuid::Uuid;

use crate::api::fetch::{FetchPartition, FetchRequest, FetchTopic};
use crate::api::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use crate::records::{
    BatchOptions, BatchWriter, CRC_OFFSET, CRC_START, Compression, Header, HeaderRef, crc32c,
};

/// The create time [`BatchBuilder`] gives its first record unless told otherwise
/// (2023-11-14T22:13:20Z).
pub const TEST_TIMESTAMP: i64 = 1_700_000_000_000;

/// One record waiting in a [`BatchBuilder`].
#[derive(Debug, Clone)]
struct PendingRecord {
    timestamp: i64,
    key: Option<Bytes>,
    value: Option<Bytes>,
    headers: Vec<Header>,
}

/// A record batch v2 under construction: options, then records, then [`build`](Self::build).
///
/// Records get consecutive offset deltas and timestamps [`TEST_TIMESTAMP`], +1 ms, +2 ms, …
/// unless [`timestamps`](Self::timestamps) says otherwise. Without
/// [`producer`](Self::producer) the batch is not idempotent (producer id, epoch and base
/// sequence −1).
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    options: BatchOptions,
    records: Vec<PendingRecord>,
    next_timestamp: i64,
    timestamp_step: i64,
}

impl Default for BatchBuilder {
    fn default() -> Self {
        BatchBuilder::new()
    }
}

impl BatchBuilder {
    /// An empty, uncompressed, non-idempotent batch.
    pub fn new() -> Self {
        BatchBuilder {
            options: BatchOptions::default(),
            records: Vec::new(),
            next_timestamp: TEST_TIMESTAMP,
            timestamp_step: 1,
        }
    }

    /// Replaces every batch option (the producer fields and codec included).
    pub fn options(mut self, options: BatchOptions) -> Self {
        self.options = options;
        self
    }

    /// The batch's producer id, epoch and first sequence. A negative id means no producer, and
    /// then epoch and sequence are −1 as well, as Kafka writes a non-idempotent batch.
    pub fn producer(mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Self {
        let idempotent = producer_id >= 0;
        self.options.producer_id = if idempotent { producer_id } else { -1 };
        self.options.producer_epoch = if idempotent { producer_epoch } else { -1 };
        self.options.base_sequence = if idempotent { base_sequence } else { -1 };
        self
    }

    /// The codec the records are compressed with.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.options.compression = compression;
        self
    }

    /// Marks the batch transactional (attribute bit 4).
    pub fn transactional(mut self) -> Self {
        self.options.transactional = true;
        self
    }

    /// Timestamps of the records added from now on: `first`, then `step` ms apart.
    pub fn timestamps(mut self, first: i64, step: i64) -> Self {
        self.next_timestamp = first;
        self.timestamp_step = step;
        self
    }

    /// Adds a record with headers.
    pub fn record_with_headers(
        mut self,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[HeaderRef<'_>],
    ) -> Self {
        let timestamp = self.next_timestamp;
        self.next_timestamp = timestamp.saturating_add(self.timestamp_step);
        self.records.push(PendingRecord {
            timestamp,
            key: key.map(Bytes::copy_from_slice),
            value: value.map(Bytes::copy_from_slice),
            headers: headers
                .iter()
                .map(|h| Header {
                    key: Bytes::copy_from_slice(h.key),
                    value: h.value.map(Bytes::copy_from_slice),
                })
                .collect(),
        });
        self
    }

    /// Adds a record.
    pub fn record(self, key: Option<&[u8]>, value: Option<&[u8]>) -> Self {
        self.record_with_headers(key, value, &[])
    }

    /// Adds one record per value, all under `key`.
    pub fn values<V: AsRef<[u8]>>(
        mut self,
        key: Option<&[u8]>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        for v in values {
            self = self.record(key, Some(v.as_ref()));
        }
        self
    }

    /// Adds `n` records under key `"k"` valued `"value-0"`, `"value-1"`, ….
    pub fn numbered(self, n: usize) -> Self {
        self.values(Some(b"k"), (0..n).map(|i| format!("value-{i}")))
    }

    /// The encoded batch.
    pub fn build(&self) -> Bytes {
        let mut buf = BytesMut::new();
        let mut w = BatchWriter::new(&mut buf, self.options.clone()).expect("batch options");
        for r in &self.records {
            let headers: Vec<HeaderRef<'_>> = r.headers.iter().map(Header::as_ref).collect();
            w.append(r.timestamp, r.key.as_deref(), r.value.as_deref(), &headers)
                .expect("record fits a batch");
        }
        w.finish().expect("batch");
        buf.freeze()
    }
}

/// Where a topic is named: by name (Produce up to v12, Fetch up to v12) or by id (v13+).
#[derive(Debug, Clone, PartialEq, Eq)]
enum TopicRef {
    Name(String),
    Id(Uuid),
}

/// A Produce request under construction: acks=all, a 30 s timeout and no transactional id
/// unless told otherwise; partitions of one topic share its entry, in the order added.
#[derive(Debug, Clone)]
pub struct ProduceBuilder {
    request: ProduceRequest,
}

impl Default for ProduceBuilder {
    fn default() -> Self {
        ProduceBuilder::new()
    }
}

impl ProduceBuilder {
    /// A request with acks=−1 (all), timeout 30,000 ms and no data.
    pub fn new() -> Self {
        ProduceBuilder {
            request: ProduceRequest {
                acks: -1,
                timeout_ms: 30_000,
                ..Default::default()
            },
        }
    }

    /// `acks`: 0 (no response), 1 (leader) or −1 (all in-sync replicas).
    pub fn acks(mut self, acks: i16) -> Self {
        self.request.acks = acks;
        self
    }

    /// How long the broker may wait for the in-sync replicas.
    pub fn timeout_ms(mut self, timeout_ms: i32) -> Self {
        self.request.timeout_ms = timeout_ms;
        self
    }

    /// The transactional id.
    pub fn transactional_id(mut self, id: &str) -> Self {
        self.request.transactional_id = Some(id.into());
        self
    }

    /// Adds `records` for `topic` (by name, up to v12) / `partition`.
    pub fn records(self, topic: &str, partition: i32, records: Bytes) -> Self {
        self.add(TopicRef::Name(topic.into()), partition, records)
    }

    /// Adds `records` for the topic with id `topic_id` (v13+) / `partition`.
    pub fn records_by_id(self, topic_id: Uuid, partition: i32, records: Bytes) -> Self {
        self.add(TopicRef::Id(topic_id), partition, records)
    }

    fn add(mut self, topic: TopicRef, partition: i32, records: Bytes) -> Self {
        let data = PartitionProduceData {
            index: partition,
            records: Some(records),
            ..Default::default()
        };
        let topics = &mut self.request.topic_data;
        let at = topics.iter().position(|t| match &topic {
            TopicRef::Name(n) => t.name == *n && t.topic_id.is_nil(),
            TopicRef::Id(id) => t.topic_id == *id,
        });
        match at {
            Some(i) => topics[i].partition_data.push(data),
            None => {
                let (name, topic_id) = match topic {
                    TopicRef::Name(n) => (n, Uuid::nil()),
                    TopicRef::Id(id) => (String::new(), id),
                };
                topics.push(TopicProduceData {
                    name,
                    topic_id,
                    partition_data: vec![data],
                    ..Default::default()
                });
            }
        }
        self
    }

    /// The request.
    pub fn build(self) -> ProduceRequest {
        self.request
    }
}

/// Rewrites the CRC of `batch` (one whole batch, to the end of the slice) after a test changed
/// its bytes, so that decoders reach the damage instead of stopping at the checksum.
///
/// ```
/// use kwire_protocol::records::{BatchView, CRC_START};
/// use kwire_protocol::testing::{BatchBuilder, reseal};
///
/// let mut b = BatchBuilder::new().values(None, ["a"]).build().to_vec();
/// let last = b.len() - 1;
/// b[last] = 2; // the record's header count, now 1 with no header after it
/// assert!(BatchView::decode(b.clone().into()).is_err(), "CRC mismatch");
/// reseal(&mut b);
/// let view = BatchView::decode(b.into()).expect("CRC matches");
/// assert!(view.records().next().unwrap().is_err(), "the damage itself");
/// ```
pub fn reseal(batch: &mut [u8]) {
    let crc = crc32c(&batch[CRC_START..]);
    batch[CRC_OFFSET..CRC_START].copy_from_slice(&crc.to_be_bytes());
}

/// A Fetch request under construction: answered at once (max wait 0 ms, min bytes 0), up to
/// 1 MiB per partition, read uncommitted, unless told otherwise; partitions of one topic share
/// its entry, in the order added.
#[derive(Debug, Clone)]
pub struct FetchBuilder {
    request: FetchRequest,
    partition_max_bytes: i32,
}

impl Default for FetchBuilder {
    fn default() -> Self {
        FetchBuilder::new()
    }
}

impl FetchBuilder {
    /// A consumer's request with no partitions, max wait 0 ms, min bytes 0.
    pub fn new() -> Self {
        FetchBuilder {
            request: FetchRequest {
                max_wait_ms: 0,
                min_bytes: 0,
                ..Default::default()
            },
            partition_max_bytes: 1 << 20,
        }
    }

    /// How long the broker may wait for `min_bytes`.
    pub fn max_wait_ms(mut self, ms: i32) -> Self {
        self.request.max_wait_ms = ms;
        self
    }

    /// The bytes the broker waits for, up to `max_wait_ms`.
    pub fn min_bytes(mut self, n: i32) -> Self {
        self.request.min_bytes = n;
        self
    }

    /// The most bytes of the whole response (v3+).
    pub fn max_bytes(mut self, n: i32) -> Self {
        self.request.max_bytes = n;
        self
    }

    /// The most bytes per partition, for the partitions added from now on.
    pub fn partition_max_bytes(mut self, n: i32) -> Self {
        self.partition_max_bytes = n;
        self
    }

    /// Isolation level: 0 read uncommitted, 1 read committed.
    pub fn isolation_level(mut self, level: i8) -> Self {
        self.request.isolation_level = level;
        self
    }

    /// The consumer's rack (v11+), for fetching from the closest replica.
    pub fn rack_id(mut self, rack: &str) -> Self {
        self.request.rack_id = rack.into();
        self
    }

    /// Reads `topic` (by name, up to v12) / `partition` from `fetch_offset`.
    pub fn partition(self, topic: &str, partition: i32, fetch_offset: i64) -> Self {
        let data = self.partition_data(partition, fetch_offset);
        self.add(TopicRef::Name(topic.into()), data)
    }

    /// Reads the topic with id `topic_id` (v13+) / `partition` from `fetch_offset`.
    pub fn partition_by_id(self, topic_id: Uuid, partition: i32, fetch_offset: i64) -> Self {
        let data = self.partition_data(partition, fetch_offset);
        self.add(TopicRef::Id(topic_id), data)
    }

    /// Reads `topic` with every field of the partition given (leader epochs, log start, …).
    pub fn fetch_partition(self, topic: &str, data: FetchPartition) -> Self {
        self.add(TopicRef::Name(topic.into()), data)
    }

    fn partition_data(&self, partition: i32, fetch_offset: i64) -> FetchPartition {
        FetchPartition {
            partition,
            fetch_offset,
            partition_max_bytes: self.partition_max_bytes,
            ..Default::default()
        }
    }

    fn add(mut self, topic: TopicRef, data: FetchPartition) -> Self {
        let topics = &mut self.request.topics;
        let at = topics.iter().position(|t| match &topic {
            TopicRef::Name(n) => t.topic == *n && t.topic_id.is_nil(),
            TopicRef::Id(id) => t.topic_id == *id,
        });
        match at {
            Some(i) => topics[i].partitions.push(data),
            None => {
                let (name, topic_id) = match topic {
                    TopicRef::Name(n) => (n, Uuid::nil()),
                    TopicRef::Id(id) => (String::new(), id),
                };
                topics.push(FetchTopic {
                    topic: name,
                    topic_id,
                    partitions: vec![data],
                    ..Default::default()
                });
            }
        }
        self
    }

    /// The request.
    pub fn build(self) -> FetchRequest {
        self.request
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;
    use crate::records::{Batches, TimestampType};

    #[test]
    fn batches_hold_what_was_added() {
        let headers = [HeaderRef::new("h", Some(b"1"))];
        let bytes = BatchBuilder::new()
            .producer(9, 2, 40)
            .timestamps(500, 10)
            .record(None, None)
            .record_with_headers(Some(b"k"), Some(b"v"), &headers)
            .values(Some(b"x"), ["a", "b"])
            .build();
        let mut batches = Batches::complete(bytes);
        let batch = batches.next().unwrap().unwrap();
        assert!(batches.next().is_none());
        let h = batch.header();
        assert_eq!(
            (h.producer_id, h.producer_epoch, h.base_sequence),
            (9, 2, 40)
        );
        assert_eq!(batch.timestamp_type(), TimestampType::CreateTime);
        let recs: Vec<_> = batch.records().map(Result::unwrap).collect();
        let ts: Vec<_> = recs.iter().map(|r| r.timestamp).collect();
        assert_eq!(ts, [500, 510, 520, 530]);
        assert_eq!(recs[0].key, None);
        assert_eq!(recs[0].value, None);
        assert_eq!(recs[1].headers.to_vec()[0].as_ref(), headers[0]);
        assert_eq!(recs[3].value.as_deref(), Some(&b"b"[..]));
    }

    #[test]
    fn a_negative_producer_id_is_no_producer() {
        let bytes = BatchBuilder::new().producer(-1, 5, 5).numbered(3).build();
        let batch = Batches::complete(bytes).next().unwrap().unwrap();
        let h = batch.header();
        assert_eq!(
            (h.producer_id, h.producer_epoch, h.base_sequence),
            (-1, -1, -1)
        );
        let values: Vec<_> = batch.records().map(|r| r.unwrap().value.unwrap()).collect();
        assert_eq!(values, ["value-0", "value-1", "value-2"]);
        assert_eq!(
            batch.records().next().unwrap().unwrap().timestamp,
            TEST_TIMESTAMP
        );
    }

    #[test]
    fn compressed_batches_decode() {
        let codec = if Compression::Lz4.is_enabled() {
            Compression::Lz4
        } else {
            Compression::None
        };
        let bytes = BatchBuilder::new().compression(codec).numbered(50).build();
        let batch = Batches::complete(bytes).next().unwrap().unwrap();
        assert_eq!(batch.compression(), codec);
        assert_eq!(batch.records().count(), 50);
    }

    #[test]
    fn partitions_of_a_topic_share_its_entry() {
        let id = Uuid::from_u128(7);
        let req = ProduceBuilder::new()
            .acks(0)
            .timeout_ms(5)
            .records("a", 0, Bytes::from_static(b"0"))
            .records("b", 0, Bytes::from_static(b"1"))
            .records("a", 1, Bytes::from_static(b"2"))
            .records_by_id(id, 3, Bytes::from_static(b"3"))
            .build();
        assert_eq!((req.acks, req.timeout_ms), (0, 5));
        let shape: Vec<_> = req
            .topic_data
            .iter()
            .map(|t| (t.name.as_str(), t.topic_id, t.partition_data.len()))
            .collect();
        assert_eq!(
            shape,
            [("a", Uuid::nil(), 2), ("b", Uuid::nil(), 1), ("", id, 1)]
        );
        assert_eq!(req.topic_data[0].partition_data[1].index, 1);
        // Topics by name round-trip up to v12, by id from v13.
        let by_name = ProduceBuilder::new().records("a", 0, Bytes::new()).build();
        for v in 3..=12 {
            assert_eq!(
                ProduceRequest::decode(&by_name.to_bytes(v).unwrap(), v).unwrap(),
                by_name
            );
        }
        let by_id = ProduceBuilder::new()
            .records_by_id(id, 0, Bytes::new())
            .build();
        assert_eq!(
            ProduceRequest::decode(&by_id.to_bytes(13).unwrap(), 13).unwrap(),
            by_id
        );
    }

    #[test]
    fn fetches_carry_their_limits() {
        let id = Uuid::from_u128(9);
        let req = FetchBuilder::new()
            .max_wait_ms(100)
            .min_bytes(1)
            .max_bytes(1000)
            .isolation_level(1)
            .rack_id("r1")
            .partition("t", 0, 5)
            .partition_max_bytes(10)
            .partition("t", 1, 6)
            .partition_by_id(id, 2, 7)
            .fetch_partition(
                "u",
                FetchPartition {
                    partition: 4,
                    current_leader_epoch: 3,
                    ..Default::default()
                },
            )
            .build();
        assert_eq!(
            (
                req.max_wait_ms,
                req.min_bytes,
                req.max_bytes,
                req.isolation_level
            ),
            (100, 1, 1000, 1)
        );
        assert_eq!(req.rack_id, "r1");
        assert_eq!(req.topics.len(), 3);
        let t = &req.topics[0].partitions;
        assert_eq!((t[0].fetch_offset, t[0].partition_max_bytes), (5, 1 << 20));
        assert_eq!((t[1].fetch_offset, t[1].partition_max_bytes), (6, 10));
        assert_eq!(req.topics[1].topic_id, id);
        assert_eq!(req.topics[2].partitions[0].current_leader_epoch, 3);
        let default = FetchBuilder::new().partition("t", 0, 0).build();
        assert_eq!(
            FetchRequest::decode(&default.to_bytes(12).unwrap(), 12).unwrap(),
            default
        );
    }
}
