//! One record of a v2 batch, its headers, and the record-level wire codec.
//!
//! ```text
//! length          varint   bytes after this field
//! attributes      int8     unused, 0
//! timestampDelta  varlong  relative to the batch's baseTimestamp
//! offsetDelta     varint   relative to the batch's baseOffset
//! keyLength       varint   −1 = null
//! key             bytes
//! valueLength     varint   −1 = null
//! value           bytes
//! headerCount     varint
//! headers         [keyLength varint, key (UTF-8 by convention), valueLength varint (−1 = null), value]
//! ```

use std::fmt;

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::primitives::varint::{
    read_varint, read_varlong, small_uvarint, stage_varlong, unzigzag32, unzigzag64, varint_len,
    varlong_len, word_uvarint, zigzag64,
};

/// One decoded record.
///
/// `key`, `value` and the headers are zero-copy slices of the batch (or of its decompressed
/// records). `offset` and `timestamp` are computed from the batch header when decoding;
/// encoders such as [`RecordBatch::encode`](super::RecordBatch::encode) write the wire fields
/// `offset_delta` and `timestamp_delta` instead, so a decoded batch re-encodes byte for byte.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Record {
    /// Absolute offset: the batch's `base_offset + offset_delta`.
    pub offset: i64,
    /// The timestamp Kafka reports: `base_timestamp + timestamp_delta`, or the batch's
    /// `max_timestamp` when the batch uses LogAppendTime.
    pub timestamp: i64,
    /// Offset relative to the batch's base offset, as on the wire.
    pub offset_delta: i32,
    /// Timestamp relative to the batch's base timestamp, as on the wire.
    pub timestamp_delta: i64,
    /// The record attributes byte (unused by Kafka; 0).
    pub attributes: i8,
    /// The key; `None` is a null key.
    pub key: Option<Bytes>,
    /// The value; `None` is a null value (a tombstone on compacted topics).
    pub value: Option<Bytes>,
    /// The headers, kept in their encoded form and decoded on iteration.
    pub headers: Headers,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("offset", &self.offset)
            .field("timestamp", &self.timestamp)
            .field("offset_delta", &self.offset_delta)
            .field("timestamp_delta", &self.timestamp_delta)
            .field("attributes", &self.attributes)
            .field("key", &self.key)
            .field("value", &self.value)
            .field("headers", &self.headers)
            .finish()
    }
}

/// A decoded header: `key` and `value` are zero-copy slices.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Header {
    /// The header key. Kafka defines it as a UTF-8 string but, like the Java broker, this crate
    /// does not reject other bytes; see [`Header::key_str`].
    pub key: Bytes,
    /// The header value; `None` is null.
    pub value: Option<Bytes>,
}

impl Header {
    /// The key as a string, or [`DecodeError::InvalidUtf8`] if it is not UTF-8.
    pub fn key_str(&self) -> Result<&str, DecodeError> {
        std::str::from_utf8(&self.key).map_err(|_| DecodeError::InvalidUtf8 { what: "header key" })
    }

    /// A borrowed form of this header, for encoders.
    pub fn as_ref(&self) -> HeaderRef<'_> {
        HeaderRef {
            key: &self.key,
            value: self.value.as_deref(),
        }
    }
}

/// A header to encode, borrowed from the caller.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct HeaderRef<'a> {
    /// The key (UTF-8 by convention).
    pub key: &'a [u8],
    /// The value; `None` is null.
    pub value: Option<&'a [u8]>,
}

impl<'a> HeaderRef<'a> {
    /// A header from a key (a `&str`, `&[u8]`, …) and a value.
    pub fn new<K: AsRef<[u8]> + ?Sized>(key: &'a K, value: Option<&'a [u8]>) -> Self {
        HeaderRef {
            key: key.as_ref(),
            value,
        }
    }
}

/// The headers of a record, in their encoded form (without the count prefix).
///
/// Decoding validates the encoding once and keeps a zero-copy slice, so a record with headers
/// costs no allocation; [`Headers::iter`] decodes them on demand. Equality compares the encoded
/// bytes.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Headers {
    raw: Bytes,
    count: u32,
}

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Headers {
            raw: Bytes::new(),
            count: 0,
        }
    }

    /// Encodes `headers` (this allocates once, for the encoded bytes).
    pub fn encode<'a>(
        headers: impl IntoIterator<Item = HeaderRef<'a>>,
    ) -> Result<Self, EncodeError> {
        let mut raw = BytesMut::new();
        let mut count: u32 = 0;
        for h in headers {
            put_header(&mut raw, h)?;
            count = count
                .checked_add(1)
                .filter(|&c| c <= i32::MAX as u32)
                .ok_or(EncodeError::TooLong {
                    what: "record headers",
                    len: count as usize,
                })?;
        }
        Ok(Headers {
            raw: raw.freeze(),
            count,
        })
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The encoded headers (without the count prefix).
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// Iterates over the headers in order.
    pub fn iter(&self) -> HeadersIter<'_> {
        HeadersIter {
            raw: &self.raw,
            pos: 0,
            left: self.count,
        }
    }

    /// The value of the last header named `key` (Kafka's `lastHeader`): `None` if there is no
    /// such header, `Some(None)` if its value is null.
    pub fn last(&self, key: &[u8]) -> Option<Option<Bytes>> {
        self.iter().filter(|h| h.key == key).last().map(|h| h.value)
    }

    /// All headers, decoded into a vector.
    pub fn to_vec(&self) -> Vec<Header> {
        self.iter().collect()
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'h> IntoIterator for &'h Headers {
    type Item = Header;
    type IntoIter = HeadersIter<'h>;
    fn into_iter(self) -> HeadersIter<'h> {
        self.iter()
    }
}

/// Iterator over [`Headers`], yielding zero-copy [`Header`]s.
#[derive(Clone, Debug)]
pub struct HeadersIter<'h> {
    raw: &'h Bytes,
    pos: usize,
    left: u32,
}

impl HeadersIter<'_> {
    /// Reads one length-prefixed field; `Some(None)` is a null (when `nullable`).
    fn field(&mut self, nullable: bool) -> Option<Option<Bytes>> {
        let len = read_varint(self.raw, &mut self.pos, "header field").ok()?;
        if len == -1 && nullable {
            return Some(None);
        }
        if len < 0 {
            self.left = 0;
            return None;
        }
        let end = self.pos.checked_add(len as usize)?;
        if end > self.raw.len() {
            self.left = 0;
            return None;
        }
        let v = self.raw.slice(self.pos..end);
        self.pos = end;
        Some(Some(v))
    }
}

impl Iterator for HeadersIter<'_> {
    type Item = Header;

    fn next(&mut self) -> Option<Header> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The bytes were validated when the headers were built, so these reads succeed; a
        // failure would only end the iteration early.
        let key = self.field(false)?.unwrap_or_default();
        let value = self.field(true)?;
        Some(Header { key, value })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for HeadersIter<'_> {}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Reads a varint length that may be −1 (null) and must fit in `buf[*pos..]`; returns the
/// byte range.
#[inline(always)]
fn read_len(
    buf: &[u8],
    pos: &mut usize,
    nullable: bool,
    what: &'static str,
) -> Result<Option<(usize, usize)>, DecodeError> {
    let len = read_varint(buf, pos, what)?;
    let left = buf.len() - *pos;
    if len < 0 {
        if len == -1 && nullable {
            return Ok(None);
        }
        return Err(DecodeError::InvalidLength {
            what,
            len: i64::from(len),
            available: left,
        });
    }
    let n = len as usize;
    if n > left {
        return Err(DecodeError::InvalidLength {
            what,
            len: i64::from(len),
            available: left,
        });
    }
    let start = *pos;
    *pos += n;
    Ok(Some((start, start + n)))
}

/// A record as parsed, with its byte fields as ranges of the buffer it was parsed from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawRecord {
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<(usize, usize)>,
    pub value: Option<(usize, usize)>,
    /// Start, end and count of the encoded headers.
    pub headers: (usize, usize, u32),
}

/// Record end, position after the key, attributes, timestamp delta, offset delta and key range.
type Prefix = (usize, usize, u8, i64, i32, Option<(usize, usize)>);

/// The record prefix (length, attributes, timestamp delta, offset delta, key length) decoded
/// from one 8-byte load, when it fits there with each varint in at most two bytes and
/// everything is well-formed. `None` sends the record down [`slow_prefix`], which also
/// produces the errors.
#[inline(always)]
fn fast_prefix(all: &[u8], pos: usize) -> Option<Prefix> {
    let chunk: [u8; 8] = all.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    let mut w = u64::from_le_bytes(chunk);
    let mut n = 0usize;
    let len = unzigzag32(word_uvarint(&mut w, &mut n)? as u32);
    let body_start = pos + n;
    let attributes = w as u8;
    w >>= 8;
    n += 1;
    let ts = word_uvarint(&mut w, &mut n)?;
    let off = word_uvarint(&mut w, &mut n)?;
    let key_len = unzigzag32(word_uvarint(&mut w, &mut n)? as u32);
    if n > 8 || len < 0 {
        return None;
    }
    let end = body_start.checked_add(len as usize)?;
    let p = pos + n;
    if end > all.len() || p > end {
        return None;
    }
    let key = match key_len {
        -1 => None,
        k if k >= 0 && k as usize <= end - p => Some((p, p + k as usize)),
        _ => return None,
    };
    let p = key.map_or(p, |(_, e)| e);
    Some((
        end,
        p,
        attributes,
        unzigzag64(ts),
        unzigzag32(off as u32),
        key,
    ))
}

/// The general (and error-reporting) path of [`fast_prefix`].
#[inline(never)]
fn slow_prefix(all: &[u8], mut pos: usize) -> Result<Prefix, DecodeError> {
    let len = read_varint(all, &mut pos, "record length")?;
    let left = all.len() - pos;
    if len < 0 || len as usize > left {
        return Err(DecodeError::InvalidLength {
            what: "record length",
            len: i64::from(len),
            available: left,
        });
    }
    let end = pos + len as usize;
    let buf = &all[..end];
    let mut p = pos;
    let Some(&attributes) = buf.get(p) else {
        return Err(DecodeError::Truncated {
            what: "record attributes",
            needed: 1,
            available: 0,
        });
    };
    p += 1;
    let timestamp_delta = read_varlong(buf, &mut p, "record timestamp delta")?;
    let offset_delta = read_varint(buf, &mut p, "record offset delta")?;
    let key = read_len(buf, &mut p, true, "record key")?;
    Ok((end, p, attributes, timestamp_delta, offset_delta, key))
}

/// Parses the record that starts at `all[*pos..]`, advancing `pos` past it.
#[inline]
pub(crate) fn parse_record(all: &[u8], pos: &mut usize) -> Result<RawRecord, DecodeError> {
    let (end, mut p, attributes, timestamp_delta, offset_delta, key) = match fast_prefix(all, *pos)
    {
        Some(prefix) => prefix,
        None => slow_prefix(all, *pos)?,
    };
    // Every read below stays within the record.
    let buf = &all[..end];
    let value = read_len(buf, &mut p, true, "record value")?;
    let count = read_varint(buf, &mut p, "record header count")?;
    // A header takes at least two bytes (two lengths).
    if count < 0 || count as usize > (end - p) / 2 {
        return Err(DecodeError::InvalidLength {
            what: "record header count",
            len: i64::from(count),
            available: end - p,
        });
    }
    let headers_start = p;
    for _ in 0..count {
        read_len(buf, &mut p, false, "header key")?;
        read_len(buf, &mut p, true, "header value")?;
    }
    if p != end {
        return Err(DecodeError::TrailingBytes {
            what: "record",
            remaining: end - p,
        });
    }
    *pos = end;
    Ok(RawRecord {
        attributes: attributes as i8,
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers: (headers_start, end, count as u32),
    })
}

/// Walks the records of one batch: parses each, checks it against the batch header, and
/// computes its absolute offset and timestamp. Shared by the owned and borrowed iterators.
#[derive(Debug, Clone)]
pub(crate) struct RecordCursor {
    pos: usize,
    left: u32,
    base_offset: i64,
    base_timestamp: i64,
    /// `Some(max_timestamp)` for LogAppendTime batches.
    log_append_time: Option<i64>,
    last_offset_delta: i32,
    prev_delta: i64,
    done: bool,
}

/// A parsed record with its absolute offset and timestamp.
pub(crate) type Positioned = (RawRecord, i64, i64);

impl RecordCursor {
    pub(crate) fn new(
        count: u32,
        base_offset: i64,
        base_timestamp: i64,
        log_append_time: Option<i64>,
        last_offset_delta: i32,
    ) -> Self {
        RecordCursor {
            pos: 0,
            left: count,
            base_offset,
            base_timestamp,
            log_append_time,
            last_offset_delta,
            prev_delta: -1,
            done: false,
        }
    }

    /// A cursor that yields nothing.
    pub(crate) fn finished() -> Self {
        RecordCursor {
            done: true,
            ..RecordCursor::new(0, 0, 0, None, 0)
        }
    }

    /// Records not yet read.
    pub(crate) fn remaining(&self) -> usize {
        if self.done { 0 } else { self.left as usize }
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            (0, Some(self.left as usize + 1))
        }
    }

    /// The next record of `data` (the batch's records section), or the error that ends the
    /// iteration, or `None` after exactly `recordCount` records filled `data`.
    #[inline]
    pub(crate) fn next(&mut self, data: &[u8]) -> Option<Result<Positioned, DecodeError>> {
        if self.done {
            return None;
        }
        let r = self.step(data);
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
        }
        r
    }

    #[inline(always)]
    fn step(&mut self, data: &[u8]) -> Option<Result<Positioned, DecodeError>> {
        if self.left == 0 {
            if self.pos != data.len() {
                return Some(Err(DecodeError::TrailingBytes {
                    what: "record batch (after recordCount records)",
                    remaining: data.len() - self.pos,
                }));
            }
            return None;
        }
        if self.pos >= data.len() {
            return Some(Err(DecodeError::CorruptBatch(
                "batch holds fewer records than recordCount",
            )));
        }
        let r = match parse_record(data, &mut self.pos) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        let delta = i64::from(r.offset_delta);
        if delta <= self.prev_delta {
            return Some(Err(DecodeError::CorruptBatch(
                "record offset deltas do not increase",
            )));
        }
        if r.offset_delta > self.last_offset_delta {
            return Some(Err(DecodeError::CorruptBatch(
                "record offset delta exceeds lastOffsetDelta",
            )));
        }
        // lastOffsetDelta was checked against baseOffset when the batch was validated, so the
        // offset cannot overflow; checked anyway, it costs nothing.
        let Some(offset) = self.base_offset.checked_add(delta) else {
            return Some(Err(DecodeError::CorruptBatch("record offset overflows")));
        };
        let timestamp = match self.log_append_time {
            Some(t) => t,
            None => match self.base_timestamp.checked_add(r.timestamp_delta) {
                Some(t) => t,
                None => return Some(Err(DecodeError::CorruptBatch("record timestamp overflows"))),
            },
        };
        self.prev_delta = delta;
        self.left -= 1;
        Some(Ok((r, offset, timestamp)))
    }
}

/// Builds an owned [`Record`] from a parsed one; `data` is the buffer it was parsed from.
#[inline]
pub(crate) fn owned_record(data: &Bytes, (r, offset, timestamp): Positioned) -> Record {
    let (hs, he, count) = r.headers;
    Record {
        offset,
        timestamp,
        offset_delta: r.offset_delta,
        timestamp_delta: r.timestamp_delta,
        attributes: r.attributes,
        key: r.key.map(|(a, b)| data.slice(a..b)),
        value: r.value.map(|(a, b)| data.slice(a..b)),
        headers: if count == 0 {
            Headers::new()
        } else {
            Headers {
                raw: data.slice(hs..he),
                count,
            }
        },
    }
}

/// Builds a borrowed [`RecordRef`] from a parsed one; `data` is the buffer it was parsed from.
#[inline]
pub(crate) fn borrowed_record(data: &[u8], (r, offset, timestamp): Positioned) -> RecordRef<'_> {
    let (hs, he, count) = r.headers;
    RecordRef {
        offset,
        timestamp,
        offset_delta: r.offset_delta,
        timestamp_delta: r.timestamp_delta,
        attributes: r.attributes,
        key: r.key.map(|(a, b)| &data[a..b]),
        value: r.value.map(|(a, b)| &data[a..b]),
        headers: HeadersRef {
            raw: &data[hs..he],
            count,
        },
    }
}

/// A decoded record that borrows its key, value and headers from the batch: decoding it costs
/// no allocation and no reference counting. From [`BatchView::record_refs`](super::BatchView::record_refs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordRef<'a> {
    /// Absolute offset.
    pub offset: i64,
    /// The timestamp Kafka reports (see [`Record::timestamp`]).
    pub timestamp: i64,
    /// Offset relative to the batch's base offset.
    pub offset_delta: i32,
    /// Timestamp relative to the batch's base timestamp.
    pub timestamp_delta: i64,
    /// The record attributes byte.
    pub attributes: i8,
    /// The key; `None` is null.
    pub key: Option<&'a [u8]>,
    /// The value; `None` is null.
    pub value: Option<&'a [u8]>,
    /// The headers.
    pub headers: HeadersRef<'a>,
}

/// Borrowed, validated headers of a [`RecordRef`].
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HeadersRef<'a> {
    raw: &'a [u8],
    count: u32,
}

impl<'a> HeadersRef<'a> {
    /// Number of headers.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The encoded headers (without the count prefix).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Iterates over the headers in order.
    pub fn iter(&self) -> HeadersRefIter<'a> {
        HeadersRefIter {
            raw: self.raw,
            pos: 0,
            left: self.count,
        }
    }
}

impl fmt::Debug for HeadersRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for HeadersRef<'a> {
    type Item = HeaderRef<'a>;
    type IntoIter = HeadersRefIter<'a>;
    fn into_iter(self) -> HeadersRefIter<'a> {
        self.iter()
    }
}

/// Iterator over [`HeadersRef`].
#[derive(Clone, Debug)]
pub struct HeadersRefIter<'a> {
    raw: &'a [u8],
    pos: usize,
    left: u32,
}

impl<'a> HeadersRefIter<'a> {
    fn field(&mut self, nullable: bool) -> Option<Option<&'a [u8]>> {
        let len = read_varint(self.raw, &mut self.pos, "header field").ok()?;
        if len == -1 && nullable {
            return Some(None);
        }
        let end = usize::try_from(len)
            .ok()
            .and_then(|n| self.pos.checked_add(n));
        match end {
            Some(end) if end <= self.raw.len() => {
                let v = &self.raw[self.pos..end];
                self.pos = end;
                Some(Some(v))
            }
            _ => {
                self.left = 0;
                None
            }
        }
    }
}

impl<'a> Iterator for HeadersRefIter<'a> {
    type Item = HeaderRef<'a>;

    fn next(&mut self) -> Option<HeaderRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = self.field(false)?.unwrap_or_default();
        let value = self.field(true)?;
        Some(HeaderRef { key, value })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Headers as an encoder receives them.
#[derive(Clone, Copy)]
pub(crate) enum HeaderSource<'a> {
    Refs(&'a [HeaderRef<'a>]),
    Encoded(&'a Headers),
}

impl HeaderSource<'_> {
    #[inline]
    fn count(&self) -> usize {
        match self {
            HeaderSource::Refs(h) => h.len(),
            HeaderSource::Encoded(h) => h.len(),
        }
    }
}

/// The wire fields of one record to encode.
#[derive(Clone, Copy)]
pub(crate) struct RecordParts<'a> {
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: HeaderSource<'a>,
}

#[inline(always)]
fn len_i32(n: usize, what: &'static str) -> Result<i32, EncodeError> {
    i32::try_from(n).map_err(|_| EncodeError::TooLong { what, len: n })
}

/// Encoded size of a nullable byte field with its zigzag varint length (−1 for null).
#[inline(always)]
const fn field_size(b: Option<&[u8]>) -> usize {
    match b {
        None => 1,
        Some(b) => varlong_len(b.len() as i64) + b.len(),
    }
}

/// Encoded size of one record header: its key and nullable value.
#[inline(always)]
pub const fn header_size(key: &[u8], value: Option<&[u8]>) -> usize {
    field_size(Some(key)) + field_size(value)
}

/// Size of a record body (everything after its length prefix), given the total size and
/// count of its encoded headers.
#[inline(always)]
const fn body_size(
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    header_count: usize,
    headers_size: usize,
) -> usize {
    1 // attributes
        + varlong_len(timestamp_delta)
        + varint_len(offset_delta)
        + field_size(key)
        + field_size(value)
        + varlong_len(header_count as i64)
        + headers_size
}

/// The exact encoded size of a record v2, length prefix included, as [`BatchWriter`] writes it
/// into an uncompressed batch: `timestamp_delta` from the batch's base timestamp and
/// `offset_delta` from its base offset. `record_size(i64::MIN, i32::MIN, ..)` is the most a
/// record can take wherever it lands in a batch (the widest deltas). Fields longer than
/// `i32::MAX` bytes cannot be encoded at all; their size here is what the varint rule gives.
///
/// ```
/// use bytes::BytesMut;
/// use kwire_protocol::records::{BATCH_HEADER_SIZE, BatchOptions, BatchWriter, HeaderRef, record_size};
///
/// let headers = [HeaderRef::new("trace", Some(b"abc"))];
/// let mut buf = BytesMut::new();
/// let mut w = BatchWriter::new(&mut buf, BatchOptions::default())?;
/// w.append(1_000, Some(b"key"), Some(b"value"), &headers)?;
/// w.append(1_300, None, Some(&[0; 200]), &[])?;
/// w.finish()?;
/// let first = record_size(0, 0, Some(b"key"), Some(b"value"), headers);
/// let second = record_size(300, 1, None, Some(&[0; 200]), []);
/// assert_eq!(buf.len(), BATCH_HEADER_SIZE + first + second);
/// # Ok::<(), kwire_protocol::EncodeError>(())
/// ```
///
/// [`BatchWriter`]: super::BatchWriter
pub fn record_size<'h>(
    timestamp_delta: i64,
    offset_delta: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: impl IntoIterator<Item = HeaderRef<'h>>,
) -> usize {
    let (mut count, mut size) = (0, 0);
    for h in headers {
        count += 1;
        size += header_size(h.key, h.value);
    }
    let body = body_size(timestamp_delta, offset_delta, key, value, count, size);
    varlong_len(body as i64) + body
}

/// Checks that a byte field's length fits the varint (`i32`) the record gives it.
#[inline(always)]
fn check_len(b: Option<&[u8]>, what: &'static str) -> Result<(), EncodeError> {
    match b {
        Some(b) => len_i32(b.len(), what).map(drop),
        None => Ok(()),
    }
}

/// Size of the record body (everything after the length prefix), after checking that every
/// length fits an `i32`.
#[inline]
pub(crate) fn body_len(r: &RecordParts<'_>) -> Result<usize, EncodeError> {
    let headers = match r.headers {
        HeaderSource::Refs(hs) => {
            let mut n = 0usize;
            for h in hs {
                check_len(Some(h.key), "header key")?;
                check_len(h.value, "header value")?;
                n += header_size(h.key, h.value);
            }
            n
        }
        HeaderSource::Encoded(h) => h.raw.len(),
    };
    check_len(r.key, "record key")?;
    check_len(r.value, "record value")?;
    len_i32(r.headers.count(), "record headers")?;
    let n = body_size(
        r.timestamp_delta,
        r.offset_delta,
        r.key,
        r.value,
        r.headers.count(),
        headers,
    );
    len_i32(n, "record")?;
    Ok(n)
}

/// Size of the whole record (length prefix and body), given the body size.
#[inline(always)]
pub(crate) fn record_len(body_len: usize) -> usize {
    varlong_len(body_len as i64) + body_len
}

#[inline(always)]
fn stage_len(tmp: &mut [u8; 32], n: usize, b: Option<&[u8]>) -> usize {
    match b {
        None => stage_varlong(tmp, n, -1),
        Some(b) => stage_varlong(tmp, n, b.len() as i64),
    }
}

/// Appends `tmp[..n]`. The copy is of the whole fixed-size array, which the compiler inlines as
/// a few vector moves instead of calling `memcpy` for a handful of bytes; the excess is then
/// dropped again.
#[inline(always)]
fn put_staged(out: &mut BytesMut, tmp: &[u8; 32], n: usize) {
    out.extend_from_slice(tmp);
    let len = out.len();
    out.truncate(len - (32 - n));
}

/// Appends a varint-prefixed nullable byte string.
#[inline(always)]
fn put_nullable(out: &mut BytesMut, b: Option<&[u8]>) {
    let mut tmp = [0u8; 32];
    let n = stage_len(&mut tmp, 0, b);
    put_staged(out, &tmp, n);
    if let Some(b) = b {
        out.extend_from_slice(b);
    }
}

fn put_header(out: &mut BytesMut, h: HeaderRef<'_>) -> Result<(), EncodeError> {
    len_i32(h.key.len(), "header key")?;
    if let Some(v) = h.value {
        len_i32(v.len(), "header value")?;
    }
    put_nullable(out, Some(h.key));
    put_nullable(out, h.value);
    Ok(())
}

/// Up to 8 bytes gathered in a register and appended with one fixed-size store: writing them
/// byte by byte to a stack buffer and copying that would stall on store forwarding, and a
/// `memcpy` call per field costs more than the field.
#[derive(Clone, Copy)]
struct Word {
    bits: u64,
    n: usize,
}

impl Word {
    /// Appends `len` bytes from `w`; the caller guarantees the total stays within 8.
    #[inline(always)]
    fn push(&mut self, w: u64, len: usize) {
        self.bits |= w << (8 * self.n);
        self.n += len;
    }

    /// Appends the gathered bytes to `out`.
    #[inline(always)]
    fn flush(self, out: &mut BytesMut) {
        out.extend_from_slice(&self.bits.to_le_bytes());
        let len = out.len();
        out.truncate(len - (8 - self.n));
    }
}

/// Zigzag value of a nullable length (−1 for null).
#[inline(always)]
fn len_zigzag(b: Option<&[u8]>) -> u64 {
    zigzag64(b.map_or(-1, |b| b.len() as i64))
}

/// Appends one record.
#[inline]
pub(crate) fn encode_record(out: &mut BytesMut, r: &RecordParts<'_>) -> Result<(), EncodeError> {
    if encode_small(out, r).is_some() {
        return Ok(());
    }
    let n = body_len(r)?;
    write_record(out, r, n);
    Ok(())
}

/// The fast path of [`encode_record`]: every length and delta fits a 3-byte varint (so
/// nothing can exceed `i32`), the length, attributes, deltas and key length fit 8 bytes, and
/// headers are absent or already encoded. Returns `None`, having written nothing, otherwise.
#[inline(always)]
fn encode_small(out: &mut BytesMut, r: &RecordParts<'_>) -> Option<()> {
    let (count, headers): (u32, &[u8]) = match r.headers {
        HeaderSource::Refs([]) => (0, &[]),
        HeaderSource::Encoded(h) => (h.count, &h.raw),
        HeaderSource::Refs(_) => return None,
    };
    let t = small_uvarint(zigzag64(r.timestamp_delta))?;
    let o = small_uvarint(zigzag64(i64::from(r.offset_delta)))?;
    let k = small_uvarint(len_zigzag(r.key))?;
    let v = small_uvarint(len_zigzag(r.value))?;
    let c = small_uvarint(u64::from(count) << 1)?;
    let key = r.key.unwrap_or_default();
    let value = r.value.unwrap_or_default();
    let body = 1 + t.1 + o.1 + k.1 + key.len() + v.1 + value.len() + c.1 + headers.len();
    let b = small_uvarint((body as u64) << 1)?;
    if b.1 + 1 + t.1 + o.1 + k.1 > 8 {
        return None;
    }
    // Room for the record plus the slack of the fixed-size stores.
    out.reserve(b.1 + body + 16);
    let mut w = Word { bits: b.0, n: b.1 };
    w.push(u64::from(r.attributes as u8), 1);
    w.push(t.0, t.1);
    w.push(o.0, o.1);
    w.push(k.0, k.1);
    w.flush(out);
    if !key.is_empty() {
        out.extend_from_slice(key);
    }
    let mut w = Word { bits: v.0, n: v.1 };
    if !value.is_empty() {
        w.flush(out);
        out.extend_from_slice(value);
        w = Word { bits: 0, n: 0 };
    }
    w.push(c.0, c.1);
    w.flush(out);
    if !headers.is_empty() {
        out.extend_from_slice(headers);
    }
    Some(())
}

/// Appends a record whose body size `body_len` was computed by [`body_len`] (which checked
/// the lengths): the general path of [`encode_record`].
#[inline(never)]
pub(crate) fn write_record(out: &mut BytesMut, r: &RecordParts<'_>, body_len: usize) {
    out.reserve(record_len(body_len) + 32);
    let mut tmp = [0u8; 32];
    let mut n = stage_varlong(&mut tmp, 0, body_len as i64);
    tmp[n] = r.attributes as u8;
    n += 1;
    n = stage_varlong(&mut tmp, n, r.timestamp_delta);
    n = stage_varlong(&mut tmp, n, i64::from(r.offset_delta));
    n = stage_len(&mut tmp, n, r.key);
    out.extend_from_slice(&tmp[..n]);
    if let Some(k) = r.key {
        out.extend_from_slice(k);
    }
    put_nullable(out, r.value);
    let n = stage_varlong(&mut tmp, 0, r.headers.count() as i64);
    out.extend_from_slice(&tmp[..n]);
    match r.headers {
        HeaderSource::Refs(hs) => {
            for h in hs {
                put_nullable(out, Some(h.key));
                put_nullable(out, h.value);
            }
        }
        HeaderSource::Encoded(h) => out.extend_from_slice(&h.raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_encode_and_iterate() {
        let h = Headers::encode([
            HeaderRef::new("a", Some(b"1")),
            HeaderRef::new("b", None),
            HeaderRef::new("a", Some(b"")),
        ])
        .unwrap();
        assert_eq!(h.len(), 3);
        let v = h.to_vec();
        assert_eq!(v[0].key_str().unwrap(), "a");
        assert_eq!(v[1].value, None);
        assert_eq!(h.last(b"a"), Some(Some(Bytes::new())));
        assert_eq!(h.last(b"c"), None);
        assert_eq!(format!("{h:?}").matches("Header").count(), 3);
    }

    #[test]
    fn fast_prefix_agrees_with_the_general_path() {
        // Deterministic xorshift over short byte strings biased towards small varints.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut fast = 0;
        for _ in 0..200_000 {
            let len = 8 + (next() % 24) as usize;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        r as u8
                    } else {
                        (r as u8) & 0x3f
                    }
                })
                .collect();
            if let Some(f) = fast_prefix(&buf, 0) {
                fast += 1;
                assert_eq!(Some(f), slow_prefix(&buf, 0).ok(), "{buf:02x?}");
            }
        }
        assert!(fast > 1000, "fast path taken {fast} times");
    }

    #[test]
    fn record_size_is_what_the_writer_writes() {
        let big = vec![7u8; 20_000];
        let hs = [
            HeaderRef::new("k", Some(&big[..300])),
            HeaderRef::new("", None),
        ];
        let keys: [Option<&[u8]>; 4] = [None, Some(b""), Some(b"key"), Some(&big[..200])];
        let values: [Option<&[u8]>; 3] = [None, Some(&big[..100]), Some(&big)];
        for ts in [0i64, -1, 63, 64, 1 << 20, i64::MIN, i64::MAX] {
            for off in [0i32, 1, 8191, 8192, i32::MIN, i32::MAX] {
                for key in keys {
                    for value in values {
                        for headers in [&hs[..0], &hs[..1], &hs[..]] {
                            let parts = RecordParts {
                                attributes: 0,
                                timestamp_delta: ts,
                                offset_delta: off,
                                key,
                                value,
                                headers: HeaderSource::Refs(headers),
                            };
                            let mut out = BytesMut::new();
                            encode_record(&mut out, &parts).unwrap();
                            let size = record_size(ts, off, key, value, headers.iter().copied());
                            assert_eq!(size, out.len(), "{ts} {off} {key:?} {headers:?}");
                            let encoded = Headers::encode(headers.iter().copied()).unwrap();
                            let parts = RecordParts {
                                headers: HeaderSource::Encoded(&encoded),
                                ..parts
                            };
                            let mut out = BytesMut::new();
                            encode_record(&mut out, &parts).unwrap();
                            assert_eq!(size, out.len());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn record_round_trips() {
        let headers = [HeaderRef::new("k", Some(b"v")), HeaderRef::new("", None)];
        let parts = RecordParts {
            attributes: 0,
            timestamp_delta: -5,
            offset_delta: 300,
            key: None,
            value: Some(&[1, 2, 3]),
            headers: HeaderSource::Refs(&headers),
        };
        let n = body_len(&parts).unwrap();
        let mut out = BytesMut::new();
        write_record(&mut out, &parts, n);
        assert_eq!(out.len(), record_len(n));
        let data = out.freeze();
        let mut cur = RecordCursor::new(1, 10, 100, None, 300);
        let r = owned_record(&data, cur.next(&data).unwrap().unwrap());
        assert!(cur.next(&data).is_none());
        assert_eq!((r.offset, r.timestamp), (310, 95));
        assert_eq!(r.key, None);
        assert_eq!(r.value.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(r.headers.len(), 2);
        let mut cur = RecordCursor::new(1, 10, 100, Some(7), 300);
        let b = borrowed_record(&data, cur.next(&data).unwrap().unwrap());
        assert_eq!(b.timestamp, 7);
        assert_eq!(b.headers.iter().collect::<Vec<_>>(), headers);
        // Every truncation fails cleanly.
        for cut in 0..data.len() {
            let mut cur = RecordCursor::new(1, 10, 100, None, 300);
            assert!(matches!(cur.next(&data[..cut]), Some(Err(_))));
            assert!(cur.next(&data[..cut]).is_none());
        }
    }
}
