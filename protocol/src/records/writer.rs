//! Encoding record batches: [`BatchWriter`] appends records straight into the output buffer.

use bytes::BytesMut;

use super::compression::{self, Compression};
use super::header::{
    BATCH_HEADER_SIZE, BatchHeader, CRC_OFFSET, CRC_START, LOG_OVERHEAD, MAGIC_V2, TimestampType,
    attributes, crc32c,
};
use super::record::{
    HeaderRef, HeaderSource, Record, RecordParts, body_len, encode_record, record_len,
};
use crate::error::EncodeError;

/// Bytes reserved in the output when a writer starts (a batch can still grow beyond it).
const INITIAL_CAPACITY: usize = 16 * 1024;

/// The header fields of a batch to write; the rest (`batchLength`, `crc`, `recordCount` and,
/// unless given here, `lastOffsetDelta`, `baseTimestamp`, `maxTimestamp`) is computed.
///
/// The default is a plain producer batch: base offset 0, no partition leader epoch, no
/// producer id, no compression, CreateTime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// Offset of the first record (producers write 0; the broker assigns real offsets).
    pub base_offset: i64,
    /// Partition leader epoch (−1 from producers).
    pub partition_leader_epoch: i32,
    /// Producer id (−1 when not idempotent).
    pub producer_id: i64,
    /// Producer epoch (−1 when not idempotent).
    pub producer_epoch: i16,
    /// Sequence number of the first record (−1 when not idempotent).
    pub base_sequence: i32,
    /// Compression codec for the records.
    pub compression: Compression,
    /// Compression level for gzip and zstd (`None`: Kafka's defaults, 6 and 3).
    pub compression_level: Option<i32>,
    /// Timestamp type (attribute bit 3).
    pub timestamp_type: TimestampType,
    /// Transactional flag (attribute bit 4).
    pub transactional: bool,
    /// Control flag (attribute bit 5): the records are control records.
    pub control: bool,
    /// Delete-horizon flag (attribute bit 6): `base_timestamp` is the log cleaner's delete
    /// horizon. Set `base_timestamp` with it.
    pub delete_horizon: bool,
    /// Timestamp the record deltas are relative to; `None`: the first record's timestamp.
    pub base_timestamp: Option<i64>,
    /// `None`: the largest record timestamp. For LogAppendTime batches, set the append time.
    pub max_timestamp: Option<i64>,
    /// `None`: the last record's offset delta. A larger value keeps the offset range of a
    /// compacted batch whose last records were removed.
    pub last_offset_delta: Option<i32>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            base_offset: 0,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            compression: Compression::None,
            compression_level: None,
            timestamp_type: TimestampType::CreateTime,
            transactional: false,
            control: false,
            delete_horizon: false,
            base_timestamp: None,
            max_timestamp: None,
            last_offset_delta: None,
        }
    }
}

/// Writes one record batch into a [`BytesMut`].
///
/// [`BatchWriter::new`] reserves 16 KiB (more if you [`reserve`](Self::reserve)) and the 61-byte
/// header at the end of the buffer; each `append`
/// computes the record's size, then writes it directly after the previous one;
/// [`BatchWriter::finish`] compresses the records if asked (putting the compressed bytes in
/// their place), fills in the header and computes the CRC once over the final bytes. No
/// allocation happens per record.
///
/// If the writer is dropped without `finish`, or `finish` fails, the buffer is truncated back
/// to its length before [`BatchWriter::new`].
///
/// ```
/// use bytes::BytesMut;
/// use kwire_protocol::records::{BatchOptions, BatchView, BatchWriter, Compression, HeaderRef};
///
/// let mut buf = BytesMut::new();
/// # let lz4 = if Compression::Lz4.is_enabled() { Compression::Lz4 } else { Compression::None };
/// let mut w = BatchWriter::new(&mut buf, BatchOptions {
///     compression: lz4,
///     producer_id: 42,
///     producer_epoch: 0,
///     base_sequence: 0,
///     ..Default::default()
/// })?;
/// w.append(1_700_000_000_000, Some(b"key"), Some(b"value"), &[])?;
/// w.append(1_700_000_000_005, None, Some(b"v2"), &[HeaderRef::new("trace", Some(b"abc"))])?;
/// let header = w.finish()?;
/// assert_eq!(header.record_count, 2);
///
/// let batch = BatchView::decode(buf.freeze())?;
/// assert_eq!(batch.records().count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BatchWriter<'a> {
    // No reference to the writer itself is ever passed to a function that is not inlined
    // (`finish` hands the fields over by value), so the compiler keeps its fields in
    // registers across a loop of `append`s instead of storing them after every record.
    out: &'a mut BytesMut,
    start: usize,
    /// The logical end of the records in `out`; past it, `out` holds room made ready for the
    /// next records, cut off at the end.
    end: usize,
    options: BatchOptions,
    count: i32,
    last_delta: i64,
    base_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
    done: bool,
}

impl<'a> BatchWriter<'a> {
    /// Starts a batch at the end of `out`.
    pub fn new(out: &'a mut BytesMut, options: BatchOptions) -> Result<Self, EncodeError> {
        if !options.compression.is_enabled() {
            return Err(EncodeError::UnsupportedCompression(
                options.compression.name(),
            ));
        }
        let start = out.len();
        // Start with room for a typical batch (Kafka's default `batch.size` is 16 KiB) rather
        // than growing from a few bytes: fewer reallocations, and allocator-friendlier sizes.
        out.reserve(INITIAL_CAPACITY);
        out.resize(start + BATCH_HEADER_SIZE, 0);
        Ok(BatchWriter {
            out,
            start,
            end: start + BATCH_HEADER_SIZE,
            base_timestamp: options.base_timestamp,
            options,
            count: 0,
            last_delta: -1,
            max_timestamp: None,
            done: false,
        })
    }

    /// Records appended so far.
    pub fn record_count(&self) -> usize {
        self.count as usize
    }

    /// Bytes written so far: the header plus the records before compression.
    pub fn uncompressed_size(&self) -> usize {
        self.end - self.start
    }

    /// Reserves room for `additional` more bytes of (uncompressed) records.
    pub fn reserve(&mut self, additional: usize) {
        // Past `end` the buffer already holds room; reserve what is missing beyond it.
        let missing = (self.end + additional).saturating_sub(self.out.len());
        self.out.reserve(missing);
    }

    /// Offset delta the next [`append`](Self::append) will use.
    pub fn next_offset_delta(&self) -> i64 {
        self.last_delta + 1
    }

    /// Appends a record at the next offset (deltas 0, 1, 2, …) and returns its offset delta.
    #[inline]
    pub fn append(
        &mut self,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[HeaderRef<'_>],
    ) -> Result<i32, EncodeError> {
        let delta = i32::try_from(self.last_delta + 1)
            .map_err(|_| EncodeError::InvalidBatch("offset delta exceeds i32::MAX"))?;
        self.append_at(delta, timestamp, key, value, headers)
    }

    /// Appends a record at an explicit offset delta, which must be larger than the previous
    /// one (gaps are allowed, as in compacted batches).
    #[inline]
    pub fn append_at(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[HeaderRef<'_>],
    ) -> Result<i32, EncodeError> {
        let base = *self.base_timestamp.get_or_insert(timestamp);
        let timestamp_delta = timestamp
            .checked_sub(base)
            .ok_or(EncodeError::InvalidBatch("timestamp delta overflows"))?;
        self.push(
            RecordParts {
                attributes: 0,
                timestamp_delta,
                offset_delta,
                key,
                value,
                headers: HeaderSource::Refs(headers),
            },
            Some(timestamp),
        )?;
        Ok(offset_delta)
    }

    /// Appends a decoded record at its `offset_delta` with its `timestamp`, `key`, `value`,
    /// `attributes` and headers (copied in encoded form).
    pub fn append_record(&mut self, record: &Record) -> Result<i32, EncodeError> {
        let base = *self.base_timestamp.get_or_insert(record.timestamp);
        let timestamp_delta = record
            .timestamp
            .checked_sub(base)
            .ok_or(EncodeError::InvalidBatch("timestamp delta overflows"))?;
        self.push(
            RecordParts {
                attributes: record.attributes,
                timestamp_delta,
                offset_delta: record.offset_delta,
                key: record.key.as_deref(),
                value: record.value.as_deref(),
                headers: HeaderSource::Encoded(&record.headers),
            },
            Some(record.timestamp),
        )?;
        Ok(record.offset_delta)
    }

    /// Appends a record exactly as its wire fields say (deltas included).
    pub(crate) fn append_wire(&mut self, record: &Record) -> Result<(), EncodeError> {
        self.push(
            RecordParts {
                attributes: record.attributes,
                timestamp_delta: record.timestamp_delta,
                offset_delta: record.offset_delta,
                key: record.key.as_deref(),
                value: record.value.as_deref(),
                headers: HeaderSource::Encoded(&record.headers),
            },
            None,
        )
    }

    #[inline(always)]
    fn push(&mut self, parts: RecordParts<'_>, timestamp: Option<i64>) -> Result<(), EncodeError> {
        if i64::from(parts.offset_delta) <= self.last_delta {
            return Err(EncodeError::InvalidBatch("offset deltas must increase"));
        }
        if self.count == i32::MAX {
            return Err(EncodeError::InvalidBatch("too many records"));
        }
        let mut end = self.end;
        encode_record(self.out, &mut end, &parts)?;
        self.end = end;
        self.count += 1;
        self.last_delta = i64::from(parts.offset_delta);
        if let Some(t) = timestamp {
            self.max_timestamp = Some(self.max_timestamp.map_or(t, |m| m.max(t)));
        }
        Ok(())
    }

    /// Completes the batch: compresses the records if asked, writes the header and the CRC, and
    /// returns the header as written.
    #[inline(always)]
    pub fn finish(mut self) -> Result<BatchHeader, EncodeError> {
        let written = Written {
            start: self.start,
            end: self.end,
            count: self.count,
            last_delta: self.last_delta,
            base_timestamp: self.base_timestamp,
            max_timestamp: self.max_timestamp,
        };
        let r = complete(self.out, self.options.clone(), written);
        if r.is_ok() {
            self.done = true;
        }
        r
    }
}

/// What [`complete`] needs of a writer, handed over by value.
struct Written {
    start: usize,
    end: usize,
    count: i32,
    last_delta: i64,
    base_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
}

/// Completes the batch that starts at `w.start` in `out`: see [`BatchWriter::finish`].
fn complete(out: &mut BytesMut, o: BatchOptions, w: Written) -> Result<BatchHeader, EncodeError> {
    out.truncate(w.end);
    let codec = o.compression;
    // An empty batch has an empty records section even with a codec set (readers, Kafka's
    // included, do not decompress a batch whose recordCount is 0); the attributes keep the
    // codec so that decoded batches re-encode as they were.
    if w.count > 0 && codec != Compression::None {
        let records = w.start + BATCH_HEADER_SIZE;
        let mut packed = BytesMut::new();
        compression::compress(codec, o.compression_level, &out[records..], &mut packed)?;
        out.truncate(records);
        out.extend_from_slice(&packed);
    }
    let last_offset_delta = match (o.last_offset_delta, w.count) {
        (Some(d), _) if i64::from(d) < w.last_delta.max(0) => {
            return Err(EncodeError::InvalidBatch(
                "last_offset_delta is below the last record's offset delta",
            ));
        }
        (Some(d), _) => d,
        (None, 0) => 0,
        (None, _) => w.last_delta as i32,
    };
    if o.base_offset
        .checked_add(i64::from(last_offset_delta))
        .is_none()
    {
        return Err(EncodeError::InvalidBatch("last offset overflows"));
    }
    let base_timestamp = w.base_timestamp.unwrap_or(-1);
    let max_timestamp = o
        .max_timestamp
        .or(w.max_timestamp)
        .unwrap_or(base_timestamp);
    let total = out.len() - w.start;
    let batch_length = i32::try_from(total - LOG_OVERHEAD).map_err(|_| EncodeError::TooLong {
        what: "record batch",
        len: total,
    })?;
    let mut header = BatchHeader {
        base_offset: o.base_offset,
        batch_length,
        partition_leader_epoch: o.partition_leader_epoch,
        magic: MAGIC_V2,
        crc: 0,
        attributes: attributes(
            codec,
            o.timestamp_type,
            o.transactional,
            o.control,
            o.delete_horizon,
        ),
        last_offset_delta,
        base_timestamp,
        max_timestamp,
        producer_id: o.producer_id,
        producer_epoch: o.producer_epoch,
        base_sequence: o.base_sequence,
        record_count: w.count,
    };
    let at = w.start;
    out[at..at + BATCH_HEADER_SIZE].copy_from_slice(&header.to_bytes());
    header.crc = crc32c(&out[at + CRC_START..]);
    out[at + CRC_OFFSET..at + CRC_START].copy_from_slice(&header.crc.to_be_bytes());
    Ok(header)
}

impl Drop for BatchWriter<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if !self.done {
            self.out.truncate(self.start);
        }
    }
}

/// Exact encoded size of `records` (uncompressed, without the batch header), for reserving.
pub(crate) fn records_size(records: &[Record]) -> Result<usize, EncodeError> {
    let mut n = 0usize;
    for r in records {
        let body = body_len(&RecordParts {
            attributes: r.attributes,
            timestamp_delta: r.timestamp_delta,
            offset_delta: r.offset_delta,
            key: r.key.as_deref(),
            value: r.value.as_deref(),
            headers: HeaderSource::Encoded(&r.headers),
        })?;
        n = n.saturating_add(record_len(body));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::records::{BatchView, record_size};

    /// Records taking the fast path (slice writes into the room past the logical end) and the
    /// general one (headers given as `HeaderRef`s, appended) interleave in one batch, after
    /// bytes already in the buffer: sizes and decoded records match what was appended, and
    /// nothing of the room is left behind.
    #[test]
    fn fast_and_general_records_interleave() {
        let big = vec![b'v'; 3000];
        let headers = [HeaderRef::new("h", Some(b"x"))];
        for codec in [Compression::None, Compression::Lz4] {
            if !codec.is_enabled() {
                continue;
            }
            let mut out = BytesMut::from(&b"prefix"[..]);
            let mut w = BatchWriter::new(
                &mut out,
                BatchOptions {
                    compression: codec,
                    ..Default::default()
                },
            )
            .unwrap();
            let mut expected = BATCH_HEADER_SIZE;
            for i in 0..300usize {
                let key = format!("key-{i}");
                let value = &big[..(i * 37) % big.len()];
                let hs: &[HeaderRef<'_>] = if i % 3 == 0 { &headers } else { &[] };
                w.append(1_000 + i as i64, Some(key.as_bytes()), Some(value), hs)
                    .unwrap();
                expected += record_size(
                    i as i64,
                    i as i32,
                    Some(key.as_bytes()),
                    Some(value),
                    hs.iter().copied(),
                );
                assert_eq!(
                    w.uncompressed_size(),
                    expected,
                    "{codec:?} after record {i}"
                );
            }
            let header = w.finish().unwrap();
            assert_eq!(&out[..6], b"prefix");
            let total = header.size_in_bytes().unwrap();
            assert_eq!(
                out.len(),
                6 + total,
                "{codec:?}: no room left past the batch"
            );
            if codec == Compression::None {
                assert_eq!(total, expected);
            }
            let view = BatchView::decode(out.freeze().slice(6..)).unwrap();
            for (i, r) in view.records().enumerate() {
                let r = r.unwrap();
                assert_eq!(r.offset, i as i64);
                assert_eq!(r.timestamp, 1_000 + i as i64);
                assert_eq!(r.key.as_deref(), Some(format!("key-{i}").as_bytes()));
                assert_eq!(r.value.as_deref(), Some(&big[..(i * 37) % big.len()]));
                assert_eq!(r.headers.len(), usize::from(i % 3 == 0));
            }
            assert_eq!(view.record_count(), 300);
        }
    }

    /// A writer dropped unfinished leaves the buffer as it found it, room included.
    #[test]
    fn dropped_writer_leaves_nothing() {
        let mut out = BytesMut::from(&b"abc"[..]);
        let mut w = BatchWriter::new(&mut out, BatchOptions::default()).unwrap();
        w.append(1, Some(b"k"), Some(&[7; 500]), &[]).unwrap();
        drop(w);
        assert_eq!(&out[..], b"abc");
    }
}
