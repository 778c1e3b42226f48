//! Decoding record batches: a validated lazy [`BatchView`], its [`RecordIter`], the
//! [`Batches`] iterator over a `records` field, and the owned [`RecordBatch`].

use std::iter::FusedIterator;
use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};

use super::compression::{self, Compression, DEFAULT_MAX_DECOMPRESSED_SIZE};
use super::header::{
    BATCH_HEADER_SIZE, BatchHeader, CRC_START, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V2,
    MIN_BATCH_LENGTH, TimestampType, crc32c,
};
use super::record::{Bases, Borrowed, Owned, Record, RecordCursor, RecordRef, Slots};
use super::set::RecordSet;
use super::writer::{BatchOptions, BatchWriter, records_size};
use crate::error::{DecodeError, EncodeError};

/// The smallest possible record: a one-byte length and six one-byte fields.
const MIN_RECORD_SIZE: usize = 7;
/// Most records pre-allocated by [`RecordBatch`] before they are read.
const MAX_PREALLOC_RECORDS: usize = 4096;

/// Limits applied when decoding records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Largest decompressed size of one batch's records; more is
    /// [`DecodeError::DecompressedTooLarge`].
    pub max_decompressed_size: usize,
}

impl DecodeOptions {
    /// The defaults: [`DEFAULT_MAX_DECOMPRESSED_SIZE`].
    pub const fn new() -> Self {
        DecodeOptions {
            max_decompressed_size: DEFAULT_MAX_DECOMPRESSED_SIZE,
        }
    }

    /// Sets [`max_decompressed_size`](Self::max_decompressed_size).
    pub const fn with_max_decompressed_size(mut self, limit: usize) -> Self {
        self.max_decompressed_size = limit;
        self
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// A validated record batch whose records are decoded lazily.
///
/// Creating one checks everything the header can tell: the magic (2), `batchLength` (at least
/// 49 and exactly the bytes given), the CRC-32C, the codec id, `recordCount` (not negative, at
/// most `lastOffsetDelta + 1`, and for uncompressed batches at most what the bytes can hold) and
/// that `baseOffset + lastOffsetDelta` does not overflow. [`BatchView::records`] then checks each
/// record as it is decoded.
///
/// Cloning is cheap: the batch is a reference-counted [`Bytes`].
#[derive(Debug, Clone)]
pub struct BatchView {
    header: BatchHeader,
    compression: Compression,
    bytes: Bytes,
    options: DecodeOptions,
    /// The decompressed records, once computed.
    decompressed: OnceLock<Bytes>,
}

impl BatchView {
    /// Validates `batch`, which must hold exactly one batch.
    pub fn decode(batch: Bytes) -> Result<Self, DecodeError> {
        let header = BatchHeader::parse(&batch)?;
        if header.magic != MAGIC_V2 {
            return Err(DecodeError::UnsupportedMagic(header.magic));
        }
        let size = check_length(header.batch_length, batch.len())?;
        if size > batch.len() {
            return Err(DecodeError::Truncated {
                what: "record batch",
                needed: size,
                available: batch.len(),
            });
        }
        if size < batch.len() {
            return Err(DecodeError::TrailingBytes {
                what: "record batch",
                remaining: batch.len() - size,
            });
        }
        let computed = crc32c(&batch[CRC_START..]);
        if computed != header.crc {
            return Err(DecodeError::CrcMismatch {
                stored: header.crc,
                computed,
            });
        }
        let compression = header.compression()?;
        if header.record_count < 0 {
            return Err(DecodeError::CorruptBatch("negative record count"));
        }
        if header.last_offset_delta < 0 {
            return Err(DecodeError::CorruptBatch("negative last offset delta"));
        }
        if i64::from(header.record_count) > i64::from(header.last_offset_delta) + 1 {
            return Err(DecodeError::CorruptBatch(
                "record count exceeds last offset delta + 1",
            ));
        }
        if header.last_offset().is_none() {
            return Err(DecodeError::CorruptBatch("last offset overflows"));
        }
        if compression == Compression::None
            && header.record_count as usize > (size - BATCH_HEADER_SIZE) / MIN_RECORD_SIZE
        {
            return Err(DecodeError::InvalidLength {
                what: "record count",
                len: i64::from(header.record_count),
                available: size - BATCH_HEADER_SIZE,
            });
        }
        Ok(BatchView {
            header,
            compression,
            bytes: batch,
            options: DecodeOptions::new(),
            decompressed: OnceLock::new(),
        })
    }

    /// Uses `options` (e.g. a different decompression cap) for [`records`](Self::records).
    pub fn with_options(mut self, options: DecodeOptions) -> Self {
        self.options = options;
        self
    }

    /// The header fields.
    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    /// The batch exactly as received, e.g. to store or forward it without re-encoding.
    pub fn as_bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Consumes the view, returning the batch bytes.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Total size in bytes.
    pub fn size_in_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The compression codec.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Offset of the first record.
    pub fn base_offset(&self) -> i64 {
        self.header.base_offset
    }

    /// Offset of the last record (`base_offset + last_offset_delta`, checked at decode).
    pub fn last_offset(&self) -> i64 {
        self.header.base_offset + i64::from(self.header.last_offset_delta)
    }

    /// Number of records (`recordCount`).
    pub fn record_count(&self) -> usize {
        self.header.record_count as usize
    }

    /// The timestamp type.
    pub fn timestamp_type(&self) -> TimestampType {
        self.header.timestamp_type()
    }

    /// Whether the batch belongs to a transaction.
    pub fn is_transactional(&self) -> bool {
        self.header.is_transactional()
    }

    /// Whether the batch holds control records.
    pub fn is_control(&self) -> bool {
        self.header.is_control()
    }

    /// The records section: a slice of the batch, or the decompressed records (decompressed on
    /// the first call, within [`DecodeOptions::max_decompressed_size`], and kept by the view).
    /// Empty when `recordCount` is 0, whatever follows the header (as in Kafka).
    pub fn records_payload(&self) -> Result<Bytes, DecodeError> {
        if self.header.record_count == 0 {
            return Ok(Bytes::new());
        }
        match self.compression {
            Compression::None => Ok(self.bytes.slice(BATCH_HEADER_SIZE..)),
            _ => self.decompressed().cloned(),
        }
    }

    /// The records section as a slice (see [`records_payload`](Self::records_payload)).
    fn payload_slice(&self) -> Result<&[u8], DecodeError> {
        if self.header.record_count == 0 {
            return Ok(&[]);
        }
        match self.compression {
            Compression::None => Ok(&self.bytes[BATCH_HEADER_SIZE..]),
            _ => self.decompressed().map(|b| &b[..]),
        }
    }

    fn decompressed(&self) -> Result<&Bytes, DecodeError> {
        if let Some(b) = self.decompressed.get() {
            return Ok(b);
        }
        let limit = self.options.max_decompressed_size;
        let out =
            compression::decompress(self.compression, &self.bytes[BATCH_HEADER_SIZE..], limit)?;
        if (self.header.record_count as usize) > out.len() / MIN_RECORD_SIZE {
            return Err(DecodeError::InvalidLength {
                what: "record count",
                len: i64::from(self.header.record_count),
                available: out.len(),
            });
        }
        Ok(self.decompressed.get_or_init(|| out))
    }

    fn bases(&self) -> Bases {
        let h = &self.header;
        Bases {
            base_offset: h.base_offset,
            base_timestamp: h.base_timestamp,
            log_append_time: (h.timestamp_type() == TimestampType::LogAppendTime)
                .then_some(h.max_timestamp),
        }
    }

    fn cursor(&self) -> RecordCursor {
        let h = &self.header;
        RecordCursor::new(h.record_count as u32, self.bases(), h.last_offset_delta)
    }

    /// Iterates over the records as owned [`Record`]s, without collecting them. A compressed
    /// batch is decompressed on the first call (and kept); a decompression error is the
    /// iterator's only item.
    ///
    /// Each record is checked as it is decoded (lengths within the record and the batch, the
    /// record length consumed exactly, offset deltas increasing and within `lastOffsetDelta`,
    /// no offset or timestamp overflow), and after the last one, that exactly `recordCount`
    /// records filled the batch. After an error the iterator ends.
    ///
    /// Keys, values and headers are [`Bytes`] slices of the batch: no copy, but one reference
    /// count update each. [`record_refs`](Self::record_refs) avoids even that.
    pub fn records(&self) -> RecordIter {
        match self.records_payload() {
            Ok(data) => RecordIter {
                data,
                cursor: self.cursor(),
                error: None,
            },
            Err(e) => RecordIter {
                data: Bytes::new(),
                cursor: RecordCursor::finished(),
                error: Some(e),
            },
        }
    }

    /// Iterates over the records as [`RecordRef`]s borrowing from this view: the fastest way to
    /// read a batch (no allocation, no reference counting). The same checks as
    /// [`records`](Self::records) apply; only decompression can fail up front.
    pub fn record_refs(&self) -> Result<RecordRefIter<'_>, DecodeError> {
        Ok(RecordRefIter {
            data: self.payload_slice()?,
            cursor: self.cursor(),
        })
    }

    /// Decodes and checks every record at once into an owned [`RecordSet`]: the records
    /// section plus where each record's fields lie, with no reference count per record. The
    /// checks are those of [`records`](Self::records); the first failing one is the error.
    pub fn record_set(&self) -> Result<RecordSet, DecodeError> {
        let data = self.records_payload()?;
        // The set keeps 32-bit positions; only a decompression cap above 4 GiB lets more in.
        if u32::try_from(data.len()).is_err() {
            return Err(DecodeError::DecompressedTooLarge {
                limit: u32::MAX as usize,
            });
        }
        let h = &self.header;
        let mut slots = Vec::with_capacity((h.record_count as usize).min(MAX_PREALLOC_RECORDS));
        let mut cursor = self.cursor();
        while let Some(slot) = cursor.next_with(&data, Slots) {
            slots.push(slot?);
        }
        Ok(RecordSet::new(data, self.bases(), slots))
    }

    /// Decodes every record into an owned [`RecordBatch`].
    pub fn to_record_batch(&self) -> Result<RecordBatch, DecodeError> {
        let h = &self.header;
        let mut records = Vec::with_capacity((h.record_count as usize).min(MAX_PREALLOC_RECORDS));
        for r in self.records() {
            records.push(r?);
        }
        Ok(RecordBatch {
            base_offset: h.base_offset,
            partition_leader_epoch: h.partition_leader_epoch,
            compression: self.compression,
            timestamp_type: h.timestamp_type(),
            transactional: h.is_transactional(),
            control: h.is_control(),
            delete_horizon: h.has_delete_horizon(),
            last_offset_delta: h.last_offset_delta,
            base_timestamp: h.base_timestamp,
            max_timestamp: h.max_timestamp,
            producer_id: h.producer_id,
            producer_epoch: h.producer_epoch,
            base_sequence: h.base_sequence,
            records,
        })
    }
}

/// Checks `batchLength` and returns the batch's total size.
fn check_length(batch_length: i32, available: usize) -> Result<usize, DecodeError> {
    if batch_length < MIN_BATCH_LENGTH {
        return Err(DecodeError::InvalidLength {
            what: "record batch length",
            len: i64::from(batch_length),
            available,
        });
    }
    Ok(batch_length as usize + LOG_OVERHEAD)
}

/// Iterator over the owned records of a batch, from [`BatchView::records`]; allocates nothing
/// per record (keys, values and headers are slices of the batch or of its decompressed records).
#[derive(Debug, Clone)]
pub struct RecordIter {
    data: Bytes,
    cursor: RecordCursor,
    error: Option<DecodeError>,
}

impl RecordIter {
    /// Records not yet decoded.
    pub fn remaining(&self) -> usize {
        self.cursor.remaining()
    }
}

impl Iterator for RecordIter {
    type Item = Result<Record, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        self.cursor.next_with(&self.data, Owned)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.error.is_some() {
            (1, Some(1))
        } else {
            self.cursor.size_hint()
        }
    }
}

impl FusedIterator for RecordIter {}

/// Iterator over the borrowed records of a batch, from [`BatchView::record_refs`].
#[derive(Debug, Clone)]
pub struct RecordRefIter<'a> {
    data: &'a [u8],
    cursor: RecordCursor,
}

impl RecordRefIter<'_> {
    /// Records not yet decoded.
    pub fn remaining(&self) -> usize {
        self.cursor.remaining()
    }
}

impl<'a> Iterator for RecordRefIter<'a> {
    type Item = Result<RecordRef<'a>, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let data = self.data;
        self.cursor.next_with(data, Borrowed)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.cursor.size_hint()
    }
}

impl FusedIterator for RecordRefIter<'_> {}

/// Iterator over the batches concatenated in a `records` field (Produce request, Fetch
/// response), yielding validated [`BatchView`]s that share the input buffer.
///
/// **Partial trailing batch.** A Fetch response may end with a batch cut short by the
/// request's `max_bytes`. [`Batches::new`] stops cleanly there, like Kafka's consumer: the
/// iterator ends, and [`Batches::partial_tail`] then tells how many bytes were left over. A
/// batch is partial when fewer than 12 bytes remain, or when its `batchLength` reaches past the
/// end of the input; its magic byte, when present, must still be 2. [`Batches::complete`] is for
/// inputs that must not be cut (Produce requests, stored logs): there a partial batch is a
/// [`DecodeError::Truncated`] item.
///
/// Any complete but malformed batch is an error item, after which the iterator ends.
#[derive(Debug, Clone)]
pub struct Batches {
    data: Bytes,
    pos: usize,
    options: DecodeOptions,
    allow_partial: bool,
    done: bool,
    partial: Option<usize>,
}

impl Batches {
    /// Batches of a Fetch response: a partial trailing batch ends the iteration cleanly.
    pub fn new(records: Bytes) -> Self {
        Batches {
            data: records,
            pos: 0,
            options: DecodeOptions::new(),
            allow_partial: true,
            done: false,
            partial: None,
        }
    }

    /// Batches that must all be complete (e.g. a Produce request): a partial trailing batch is
    /// an error.
    pub fn complete(records: Bytes) -> Self {
        Batches {
            allow_partial: false,
            ..Batches::new(records)
        }
    }

    /// Applies `options` to every batch yielded (see [`BatchView::with_options`]).
    pub fn with_options(mut self, options: DecodeOptions) -> Self {
        self.options = options;
        self
    }

    /// After the iterator has ended: `Some(n)` if the input ended with an incomplete batch of
    /// `n` bytes (which were not decoded), `None` otherwise.
    pub fn partial_tail(&self) -> Option<usize> {
        self.partial
    }

    /// Bytes of the input consumed by the batches yielded so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn next_batch(&mut self) -> Result<Option<BatchView>, DecodeError> {
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            return Ok(None);
        }
        if rest.len() > MAGIC_OFFSET && rest[MAGIC_OFFSET] as i8 != MAGIC_V2 {
            return Err(DecodeError::UnsupportedMagic(rest[MAGIC_OFFSET] as i8));
        }
        let size = if rest.len() >= LOG_OVERHEAD {
            let len = i32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]);
            Some(check_length(len, rest.len())?)
        } else {
            None
        };
        match size {
            Some(size) if size <= rest.len() => {
                let batch = self.data.slice(self.pos..self.pos + size);
                let view = BatchView::decode(batch)?.with_options(self.options);
                self.pos += size;
                Ok(Some(view))
            }
            _ if self.allow_partial => {
                self.partial = Some(rest.len());
                Ok(None)
            }
            size => Err(DecodeError::Truncated {
                what: "record batch",
                needed: size.unwrap_or(LOG_OVERHEAD),
                available: rest.len(),
            }),
        }
    }
}

impl Iterator for Batches {
    type Item = Result<BatchView, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(v)) => Some(Ok(v)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl FusedIterator for Batches {}

/// A record batch with all its records decoded: convenient when you want everything at once.
///
/// [`RecordBatch::encode`] writes the fields as they are, so a decoded batch re-encodes to the
/// same bytes (compressed ones to the same records). To build a new batch from scratch,
/// [`BatchWriter`] computes the derived fields for you.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    /// Offset of the first record.
    pub base_offset: i64,
    /// Partition leader epoch.
    pub partition_leader_epoch: i32,
    /// Compression codec.
    pub compression: Compression,
    /// Timestamp type.
    pub timestamp_type: TimestampType,
    /// Transactional flag.
    pub transactional: bool,
    /// Control flag: the records are control records.
    pub control: bool,
    /// Delete-horizon flag: `base_timestamp` is the log cleaner's delete horizon.
    pub delete_horizon: bool,
    /// Offset of the last record relative to `base_offset` (may exceed the last record's delta
    /// after compaction).
    pub last_offset_delta: i32,
    /// Timestamp the record timestamp deltas are relative to.
    pub base_timestamp: i64,
    /// Largest timestamp (the log append time for LogAppendTime batches).
    pub max_timestamp: i64,
    /// Producer id (−1: none).
    pub producer_id: i64,
    /// Producer epoch (−1: none).
    pub producer_epoch: i16,
    /// Sequence number of the first record (−1: none).
    pub base_sequence: i32,
    /// The records. Encoding uses their `offset_delta` and `timestamp_delta`.
    pub records: Vec<Record>,
}

impl Default for RecordBatch {
    fn default() -> Self {
        RecordBatch {
            base_offset: 0,
            partition_leader_epoch: -1,
            compression: Compression::None,
            timestamp_type: TimestampType::CreateTime,
            transactional: false,
            control: false,
            delete_horizon: false,
            last_offset_delta: 0,
            base_timestamp: -1,
            max_timestamp: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            records: Vec::new(),
        }
    }
}

impl RecordBatch {
    /// Decodes exactly one batch and all its records.
    pub fn decode(batch: Bytes) -> Result<Self, DecodeError> {
        BatchView::decode(batch)?.to_record_batch()
    }

    /// Decodes every batch in `records`, all of which must be complete.
    pub fn decode_all(records: Bytes) -> Result<Vec<Self>, DecodeError> {
        Batches::complete(records)
            .map(|b| b.and_then(|b| b.to_record_batch()))
            .collect()
    }

    /// Offset of the last record.
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .saturating_add(i64::from(self.last_offset_delta))
    }

    /// Appends the encoded batch to `out` and returns its header. The header fields are written
    /// as they are; `batchLength`, `recordCount` and the CRC are computed.
    pub fn encode(&self, out: &mut BytesMut) -> Result<BatchHeader, EncodeError> {
        let size = records_size(&self.records)?;
        let mut w = BatchWriter::new(
            out,
            BatchOptions {
                base_offset: self.base_offset,
                partition_leader_epoch: self.partition_leader_epoch,
                producer_id: self.producer_id,
                producer_epoch: self.producer_epoch,
                base_sequence: self.base_sequence,
                compression: self.compression,
                compression_level: None,
                timestamp_type: self.timestamp_type,
                transactional: self.transactional,
                control: self.control,
                delete_horizon: self.delete_horizon,
                base_timestamp: Some(self.base_timestamp),
                max_timestamp: Some(self.max_timestamp),
                last_offset_delta: Some(self.last_offset_delta),
            },
        )?;
        w.reserve(size);
        for r in &self.records {
            w.append_wire(r)?;
        }
        w.finish()
    }

    /// The encoded batch as [`Bytes`].
    pub fn to_bytes(&self) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        Ok(out.freeze())
    }
}
