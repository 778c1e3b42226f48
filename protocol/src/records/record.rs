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

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::primitives::{parse_uvarint, parse_uvarlong, varint_len, varlong_len};

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

#[cold]
fn varint_error(buf: &[u8], pos: usize, what: &'static str, max: usize) -> DecodeError {
    let left = buf.len() - pos;
    if left >= max {
        DecodeError::VarintTooLong { what, max }
    } else {
        DecodeError::Truncated {
            what,
            needed: left + 1,
            available: left,
        }
    }
}

/// Reads a zigzag varint at `buf[*pos..]`.
#[inline(always)]
pub(crate) fn read_varint(
    buf: &[u8],
    pos: &mut usize,
    what: &'static str,
) -> Result<i32, DecodeError> {
    if let Some(&b) = buf.get(*pos)
        && b < 0x80
    {
        *pos += 1;
        return Ok(i32::from(b >> 1) ^ -i32::from(b & 1));
    }
    let rest = buf.get(*pos..).unwrap_or_default();
    match parse_uvarint(rest) {
        Ok((tail, v)) => {
            *pos += rest.len() - tail.len();
            Ok(((v >> 1) as i32) ^ -((v & 1) as i32))
        }
        Err(_) => Err(varint_error(buf, (*pos).min(buf.len()), what, 5)),
    }
}

/// Reads a zigzag varlong at `buf[*pos..]`.
#[inline(always)]
fn read_varlong(buf: &[u8], pos: &mut usize, what: &'static str) -> Result<i64, DecodeError> {
    if let Some(&b) = buf.get(*pos)
        && b < 0x80
    {
        *pos += 1;
        return Ok(i64::from(b >> 1) ^ -i64::from(b & 1));
    }
    let rest = buf.get(*pos..).unwrap_or_default();
    match parse_uvarlong(rest) {
        Ok((tail, v)) => {
            *pos += rest.len() - tail.len();
            Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
        }
        Err(_) => Err(varint_error(buf, (*pos).min(buf.len()), what, 10)),
    }
}

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

/// What a record needs from its batch header to compute absolute values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordContext {
    pub base_offset: i64,
    pub base_timestamp: i64,
    /// `Some(max_timestamp)` for LogAppendTime batches.
    pub log_append_time: Option<i64>,
}

/// Decodes the record that starts at `data[*pos..]`, advancing `pos` past it.
#[inline]
pub(crate) fn decode_record(
    data: &Bytes,
    pos: &mut usize,
    ctx: &RecordContext,
) -> Result<Record, DecodeError> {
    let all = &data[..];
    let len = read_varint(all, pos, "record length")?;
    let left = all.len() - *pos;
    if len < 0 || len as usize > left {
        return Err(DecodeError::InvalidLength {
            what: "record length",
            len: i64::from(len),
            available: left,
        });
    }
    let end = *pos + len as usize;
    // Every read below stays within the record.
    let buf = &all[..end];
    let mut p = *pos;
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
    let key = read_len(buf, &mut p, true, "record key")?.map(|(a, b)| data.slice(a..b));
    let value = read_len(buf, &mut p, true, "record value")?.map(|(a, b)| data.slice(a..b));
    let count = read_varint(buf, &mut p, "record header count")?;
    // A header takes at least two bytes (two lengths).
    if count < 0 || count as usize > (end - p) / 2 {
        return Err(DecodeError::InvalidLength {
            what: "record header count",
            len: i64::from(count),
            available: end - p,
        });
    }
    let headers = if count == 0 {
        Headers::new()
    } else {
        let start = p;
        for _ in 0..count {
            read_len(buf, &mut p, false, "header key")?;
            read_len(buf, &mut p, true, "header value")?;
        }
        Headers {
            raw: data.slice(start..p),
            count: count as u32,
        }
    };
    if p != end {
        return Err(DecodeError::TrailingBytes {
            what: "record",
            remaining: end - p,
        });
    }
    *pos = end;
    let offset = ctx
        .base_offset
        .checked_add(i64::from(offset_delta))
        .ok_or(DecodeError::CorruptBatch("record offset overflows"))?;
    let timestamp = match ctx.log_append_time {
        Some(t) => t,
        None => ctx
            .base_timestamp
            .checked_add(timestamp_delta)
            .ok_or(DecodeError::CorruptBatch("record timestamp overflows"))?,
    };
    Ok(Record {
        offset,
        timestamp,
        offset_delta,
        timestamp_delta,
        attributes: attributes as i8,
        key,
        value,
        headers,
    })
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

#[inline(always)]
fn nullable_len(b: Option<&[u8]>, what: &'static str) -> Result<usize, EncodeError> {
    Ok(match b {
        None => 1,
        Some(b) => varint_len(len_i32(b.len(), what)?) + b.len(),
    })
}

fn header_len(h: &HeaderRef<'_>) -> Result<usize, EncodeError> {
    Ok(varint_len(len_i32(h.key.len(), "header key")?)
        + h.key.len()
        + nullable_len(h.value, "header value")?)
}

/// Size of the record body (everything after the length prefix).
#[inline]
pub(crate) fn body_len(r: &RecordParts<'_>) -> Result<usize, EncodeError> {
    let headers = match r.headers {
        HeaderSource::Refs(hs) => {
            let mut n = 0usize;
            for h in hs {
                n += header_len(h)?;
            }
            n
        }
        HeaderSource::Encoded(h) => h.raw.len(),
    };
    let n = 1
        + varlong_len(r.timestamp_delta)
        + varint_len(r.offset_delta)
        + nullable_len(r.key, "record key")?
        + nullable_len(r.value, "record value")?
        + varint_len(len_i32(r.headers.count(), "record headers")?)
        + headers;
    len_i32(n, "record")?;
    Ok(n)
}

/// Size of the whole record (length prefix and body), given the body size.
#[inline(always)]
pub(crate) fn record_len(body_len: usize) -> usize {
    varint_len(body_len as i32) + body_len
}

/// Writes a zigzag-encoded value into `tmp[n..]`, returning the new `n`.
#[inline(always)]
fn stage_varlong(tmp: &mut [u8; 32], mut n: usize, v: i64) -> usize {
    let mut u = ((v << 1) ^ (v >> 63)) as u64;
    while u >= 0x80 {
        tmp[n] = (u as u8) | 0x80;
        u >>= 7;
        n += 1;
    }
    tmp[n] = u as u8;
    n + 1
}

#[inline(always)]
fn stage_len(tmp: &mut [u8; 32], n: usize, b: Option<&[u8]>) -> usize {
    match b {
        None => stage_varlong(tmp, n, -1),
        Some(b) => stage_varlong(tmp, n, b.len() as i64),
    }
}

/// Appends a varint-prefixed nullable byte string.
#[inline(always)]
fn put_nullable(out: &mut BytesMut, b: Option<&[u8]>) {
    let mut tmp = [0u8; 32];
    let n = stage_len(&mut tmp, 0, b);
    out.put_slice(&tmp[..n]);
    if let Some(b) = b {
        out.put_slice(b);
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

/// Appends a record whose body size `body_len` was computed by [`body_len`]; lengths were
/// checked there.
#[inline]
pub(crate) fn write_record(out: &mut BytesMut, r: &RecordParts<'_>, body_len: usize) {
    out.reserve(record_len(body_len));
    // Length, attributes, timestamp delta, offset delta and key length: at most 26 bytes.
    let mut tmp = [0u8; 32];
    let mut n = stage_varlong(&mut tmp, 0, body_len as i64);
    tmp[n] = r.attributes as u8;
    n += 1;
    n = stage_varlong(&mut tmp, n, r.timestamp_delta);
    n = stage_varlong(&mut tmp, n, i64::from(r.offset_delta));
    n = stage_len(&mut tmp, n, r.key);
    out.put_slice(&tmp[..n]);
    if let Some(k) = r.key {
        out.put_slice(k);
    }
    put_nullable(out, r.value);
    let mut tmp = [0u8; 32];
    let n = stage_varlong(&mut tmp, 0, r.headers.count() as i64);
    out.put_slice(&tmp[..n]);
    match r.headers {
        HeaderSource::Refs(hs) => {
            for h in hs {
                put_nullable(out, Some(h.key));
                put_nullable(out, h.value);
            }
        }
        HeaderSource::Encoded(h) => out.put_slice(&h.raw),
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
        let mut pos = 0;
        let ctx = RecordContext {
            base_offset: 10,
            base_timestamp: 100,
            log_append_time: None,
        };
        let r = decode_record(&data, &mut pos, &ctx).unwrap();
        assert_eq!(pos, data.len());
        assert_eq!((r.offset, r.timestamp), (310, 95));
        assert_eq!(r.key, None);
        assert_eq!(r.value.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(r.headers.len(), 2);
        // Every truncation fails cleanly.
        for cut in 0..data.len() {
            let d = data.slice(..cut);
            let mut pos = 0;
            assert!(decode_record(&d, &mut pos, &ctx).is_err());
        }
    }
}
