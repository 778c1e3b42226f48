//! Reading a partition's records without a consumer: [`Controller::records`] and
//! `GET /topics/{t}/partitions/{p}/records?offset=&limit=`.
//!
//! The records are what a consumer would get: the current leader's log from `offset` up to the
//! high watermark, decoded with kwire-protocol's batch decoder (compressed batches too) and
//! grouped by batch with each batch's header (producer id, epoch, base sequence, codec, flags).
//! Offsets follow Fetch's rule ([`Cluster::read`]): below the log start or above the log end is
//! OFFSET_OUT_OF_RANGE; between the high watermark and the log end nothing is returned yet.

use base64::Engine as _;
use bytes::Bytes;
use kwire_protocol::records::{BatchView, TimestampType};
use kwire_protocol::{DecodeError, ErrorCode};
use serde::Serialize;

use super::Controller;
use crate::cluster::{BrokerId, Cluster};

/// Records returned when no limit is given.
pub const DEFAULT_RECORDS_LIMIT: usize = 100;
/// The largest `limit` accepted: a page is decoded and serialised in memory.
pub const MAX_RECORDS_LIMIT: usize = 10_000;

/// Why [`Controller::records`] returned no page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordsError {
    /// The topic or the partition does not exist.
    #[error("unknown topic or partition {topic}/{partition}")]
    UnknownTopicOrPartition {
        /// The topic asked for.
        topic: String,
        /// The partition asked for.
        partition: i32,
    },
    /// The partition has no leader (every eligible replica is down).
    #[error("partition {topic}/{partition} has no leader")]
    NoLeader {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// `offset` is below the log start or above the log end, as Fetch answers
    /// OFFSET_OUT_OF_RANGE; the bounds say where reading can start.
    #[error(
        "offset {offset} is out of range: the log starts at {log_start_offset}, \
         the high watermark is {high_watermark}"
    )]
    OffsetOutOfRange {
        /// The offset asked for.
        offset: i64,
        /// The leader's log start offset.
        log_start_offset: i64,
        /// The high watermark.
        high_watermark: i64,
    },
    /// `limit` is 0 or above [`MAX_RECORDS_LIMIT`].
    #[error("limit must be between 1 and {MAX_RECORDS_LIMIT}, not {0}")]
    BadLimit(usize),
    /// A stored batch did not decode (the mock validated it on append, so this is a bug).
    #[error("batch at offset {base_offset} does not decode: {error}")]
    Corrupt {
        /// The batch's base offset.
        base_offset: i64,
        /// What the decoder said.
        error: DecodeError,
    },
}

impl RecordsError {
    /// Kafka's error code for it, where Kafka has one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            RecordsError::UnknownTopicOrPartition { .. } => {
                Some(ErrorCode::UnknownTopicOrPartition)
            }
            RecordsError::NoLeader { .. } => Some(ErrorCode::LeaderNotAvailable),
            RecordsError::OffsetOutOfRange { .. } => Some(ErrorCode::OffsetOutOfRange),
            RecordsError::Corrupt { .. } => Some(ErrorCode::CorruptMessage),
            RecordsError::BadLimit(_) => None,
        }
    }
}

/// A page of a partition's records, from [`Controller::records`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Records {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The leader the records were read from.
    pub leader: BrokerId,
    /// The leader's log start offset.
    pub log_start_offset: i64,
    /// The high watermark: records at and above it are not returned (consumers cannot see
    /// them yet).
    pub high_watermark: i64,
    /// The leader's log-end offset.
    pub log_end_offset: i64,
    /// Where the next page starts: the offset after the last record returned (the offset
    /// asked for when nothing was returned).
    pub next_offset: i64,
    /// The batches holding the records returned, oldest first.
    pub batches: Vec<BatchRecords>,
}

impl Records {
    /// Every record of the page, oldest first.
    pub fn records(&self) -> impl Iterator<Item = &RecordEntry> {
        self.batches.iter().flat_map(|b| b.records.iter())
    }
}

/// A stored batch's header and the records of the page it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRecords {
    /// Offset of the batch's first record.
    pub base_offset: i64,
    /// Offset of the batch's last record.
    pub last_offset: i64,
    /// The leader epoch the batch was appended under.
    pub partition_leader_epoch: i32,
    /// Producer id (-1 for a producer without idempotence).
    pub producer_id: i64,
    /// Producer epoch (-1 without idempotence).
    pub producer_epoch: i16,
    /// Sequence of the first record (-1 without idempotence).
    pub base_sequence: i32,
    /// The codec, in Kafka's `compression.type` names: `none`, `gzip`, `snappy`, `lz4`, `zstd`.
    pub codec: &'static str,
    /// `CreateTime` or `LogAppendTime`.
    pub timestamp_type: &'static str,
    /// Whether the batch belongs to a transaction.
    pub transactional: bool,
    /// Whether it holds control records (transaction markers).
    pub control: bool,
    /// Records in the batch (some may be outside the page).
    pub record_count: i32,
    /// The batch's records within the page.
    pub records: Vec<RecordEntry>,
}

/// One record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordEntry {
    /// Its offset.
    pub offset: i64,
    /// Its timestamp (ms since the epoch) as Kafka reports it.
    pub timestamp: i64,
    /// The key; `None` is a null key.
    pub key: Option<Payload>,
    /// The value; `None` is a null value.
    pub value: Option<Payload>,
    /// The headers, in order.
    pub headers: Vec<HeaderEntry>,
}

/// A record header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderEntry {
    /// The header key (Kafka's keys are strings, but the wire allows any bytes).
    pub key: Payload,
    /// The value; `None` is null.
    pub value: Option<Payload>,
}

/// Bytes of a record. In JSON `{"utf8": "text"}` when they are valid UTF-8, else
/// `{"base64": "..."}` (standard alphabet, padded), so a reader always knows which it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload(pub Bytes);

impl std::ops::Deref for Payload {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match std::str::from_utf8(&self.0) {
            Ok(text) => m.serialize_entry("utf8", text)?,
            Err(_) => m.serialize_entry(
                "base64",
                &base64::engine::general_purpose::STANDARD.encode(&self.0),
            )?,
        }
        m.end()
    }
}

/// What is read under the cluster's lock: the bounds and the batches (cheap `Bytes` clones);
/// decoding happens after the lock is released.
struct Raw {
    leader: BrokerId,
    log_start_offset: i64,
    high_watermark: i64,
    log_end_offset: i64,
    /// Each batch's base offset (as the log indexed it) and its bytes.
    batches: Vec<(i64, Bytes)>,
}

/// The batches of the leader's log holding the `limit` records from `offset` below the high
/// watermark. The offset rule is Fetch's, from [`Cluster::read`].
fn read_raw(
    c: &Cluster,
    topic: &str,
    partition: i32,
    offset: Option<i64>,
    limit: usize,
) -> Result<(i64, Raw), RecordsError> {
    let unknown = || RecordsError::UnknownTopicOrPartition {
        topic: topic.to_owned(),
        partition,
    };
    let p = c.partition(topic, partition).ok_or_else(unknown)?;
    let no_leader = || RecordsError::NoLeader {
        topic: topic.to_owned(),
        partition,
    };
    let leader = p.leader.ok_or_else(no_leader)?;
    let log = p.logs.get(&leader).ok_or_else(no_leader)?;
    let offset = offset.unwrap_or(log.start_offset());
    match c.read(leader, topic, partition, offset, 0, false) {
        Ok(_) => {}
        Err(ErrorCode::OffsetOutOfRange) => {
            return Err(RecordsError::OffsetOutOfRange {
                offset,
                log_start_offset: log.start_offset(),
                high_watermark: p.high_watermark,
            });
        }
        Err(ErrorCode::UnknownTopicOrPartition) => return Err(unknown()),
        Err(_) => return Err(no_leader()),
    }
    let mut batches = Vec::new();
    let mut covered = 0usize;
    for b in log.batches_since(offset) {
        if b.last_offset >= p.high_watermark || covered >= limit {
            break;
        }
        let from = b.base_offset.max(offset);
        covered += usize::try_from(b.last_offset + 1 - from).unwrap_or(0);
        batches.push((b.base_offset, b.bytes.clone()));
    }
    Ok((
        offset,
        Raw {
            leader,
            log_start_offset: log.start_offset(),
            high_watermark: p.high_watermark,
            log_end_offset: log.end_offset(),
            batches,
        },
    ))
}

/// Decodes `raw` into a page of at most `limit` records from `offset`.
fn decode(
    topic: &str,
    partition: i32,
    offset: i64,
    limit: usize,
    raw: Raw,
) -> Result<Records, RecordsError> {
    let mut out = Records {
        topic: topic.to_owned(),
        partition,
        leader: raw.leader,
        log_start_offset: raw.log_start_offset,
        high_watermark: raw.high_watermark,
        log_end_offset: raw.log_end_offset,
        next_offset: offset,
        batches: Vec::with_capacity(raw.batches.len()),
    };
    let mut left = limit;
    for (base_offset, bytes) in raw.batches {
        if left == 0 {
            break;
        }
        let corrupt = |error| RecordsError::Corrupt { base_offset, error };
        let view = BatchView::decode(bytes).map_err(corrupt)?;
        let h = view.header();
        let mut records = Vec::new();
        for r in view.records() {
            let r = r.map_err(corrupt)?;
            if r.offset < offset {
                continue;
            }
            if left == 0 {
                break;
            }
            left -= 1;
            out.next_offset = r.offset + 1;
            records.push(RecordEntry {
                offset: r.offset,
                timestamp: r.timestamp,
                key: r.key.map(Payload),
                value: r.value.map(Payload),
                headers: r
                    .headers
                    .iter()
                    .map(|hd| HeaderEntry {
                        key: Payload(hd.key),
                        value: hd.value.map(Payload),
                    })
                    .collect(),
            });
        }
        // A batch whose records were all removed by compaction still moves the next offset.
        if records.is_empty() && view.last_offset() >= out.next_offset {
            out.next_offset = view.last_offset() + 1;
        }
        out.batches.push(BatchRecords {
            base_offset: view.base_offset(),
            last_offset: view.last_offset(),
            partition_leader_epoch: h.partition_leader_epoch,
            producer_id: h.producer_id,
            producer_epoch: h.producer_epoch,
            base_sequence: h.base_sequence,
            codec: view.compression().name(),
            timestamp_type: match view.timestamp_type() {
                TimestampType::CreateTime => "CreateTime",
                TimestampType::LogAppendTime => "LogAppendTime",
            },
            transactional: view.is_transactional(),
            control: view.is_control(),
            record_count: h.record_count,
            records,
        });
    }
    Ok(out)
}

impl Controller {
    /// Up to `limit` records of a partition from `offset` (`None`: the log start), as a
    /// consumer would read them from the leader: below the high watermark, decoded, with each
    /// batch's header. An offset below the log start or above the log end is
    /// [`RecordsError::OffsetOutOfRange`]; one between the high watermark and the log end
    /// gives an empty page.
    pub fn records(
        &self,
        topic: &str,
        partition: i32,
        offset: Option<i64>,
        limit: usize,
    ) -> Result<Records, RecordsError> {
        if limit == 0 || limit > MAX_RECORDS_LIMIT {
            return Err(RecordsError::BadLimit(limit));
        }
        let (offset, raw) = self.with_cluster(|c| read_raw(c, topic, partition, offset, limit))?;
        decode(topic, partition, offset, limit, raw)
    }
}
