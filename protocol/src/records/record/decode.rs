//! Decoding records: a fast path for the common shape (the prefix from one 8-byte load) and a
//! general one that also produces the errors.

use bytes::Bytes;

use super::headers::{Headers, HeadersRef};
use super::types::{Record, RecordRef};
use crate::error::DecodeError;
use crate::primitives::varint::{
    read_varint, read_varlong, short_uvarint, unzigzag32, unzigzag64, word_uvarint,
};

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

/// The value and headers of a record, once its prefix is read: the value's range and the
/// headers' start, end and count.
type Tail = (Option<(usize, usize)>, (usize, usize, u32));

/// The common record tail, from `p` to the end of `buf` (the record): a value whose length
/// takes one or two bytes, then no headers, so the record's last byte is a zero header count.
/// `None` sends the record down [`slow_tail`], which also produces the errors.
#[inline(always)]
fn fast_tail(buf: &[u8], p: usize) -> Option<Tail> {
    let end = buf.len();
    let mut start = p;
    let value = match unzigzag32(short_uvarint(buf, &mut start)? as u32) {
        -1 => None,
        n if n >= 0 => Some((start, start + n as usize)),
        _ => return None,
    };
    let value_end = value.map_or(start, |(_, e)| e);
    // `value_end + 1 == end` puts `value_end` within `buf`.
    if value_end + 1 != end || buf[value_end] != 0 {
        return None;
    }
    Some((value, (end, end, 0)))
}

/// The general (and error-reporting) path of [`fast_tail`].
#[inline(never)]
fn slow_tail(buf: &[u8], mut p: usize) -> Result<Tail, DecodeError> {
    let end = buf.len();
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
    Ok((value, (headers_start, end, count as u32)))
}

/// Parses the record that starts at `all[*pos..]`, advancing `pos` past it. Inlined into each
/// iterator's loop: as a call, its result went through memory (about 10% of a walk).
#[inline(always)]
pub(crate) fn parse_record(all: &[u8], pos: &mut usize) -> Result<RawRecord, DecodeError> {
    let (end, p, attributes, timestamp_delta, offset_delta, key) = match fast_prefix(all, *pos) {
        Some(prefix) => prefix,
        None => slow_prefix(all, *pos)?,
    };
    // Every read below stays within the record.
    let buf = &all[..end];
    let (value, headers) = match fast_tail(buf, p) {
        Some(tail) => tail,
        None => slow_tail(buf, p)?,
    };
    *pos = end;
    Ok(RawRecord {
        attributes: attributes as i8,
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers,
    })
}

/// What turns a record's deltas into its absolute offset and timestamp: the batch header's
/// base offset and base timestamp, and for LogAppendTime batches the append time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bases {
    pub base_offset: i64,
    pub base_timestamp: i64,
    /// `Some(max_timestamp)` for LogAppendTime batches.
    pub log_append_time: Option<i64>,
}

impl Bases {
    /// A record's offset; `None` if it overflows.
    #[inline(always)]
    fn offset(&self, offset_delta: i32) -> Option<i64> {
        self.base_offset.checked_add(i64::from(offset_delta))
    }

    /// The timestamp Kafka reports for a record; `None` if it overflows.
    #[inline(always)]
    fn timestamp(&self, timestamp_delta: i64) -> Option<i64> {
        match self.log_append_time {
            Some(t) => Some(t),
            None => self.base_timestamp.checked_add(timestamp_delta),
        }
    }
}

/// Walks the records of one batch: parses each, checks it against the batch header, and
/// computes its absolute offset and timestamp. Shared by the owned and borrowed iterators.
#[derive(Debug, Clone)]
pub(crate) struct RecordCursor {
    pos: usize,
    left: u32,
    bases: Bases,
    last_offset_delta: i32,
    prev_delta: i64,
    done: bool,
}

/// A parsed record with its absolute offset and timestamp.
pub(crate) type Positioned = (RawRecord, i64, i64);

impl RecordCursor {
    pub(crate) fn new(count: u32, bases: Bases, last_offset_delta: i32) -> Self {
        RecordCursor {
            pos: 0,
            left: count,
            bases,
            last_offset_delta,
            prev_delta: -1,
            done: false,
        }
    }

    /// A cursor that yields nothing.
    pub(crate) fn finished() -> Self {
        RecordCursor {
            done: true,
            ..RecordCursor::new(0, Bases::default(), 0)
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
        let Some(offset) = self.bases.offset(r.offset_delta) else {
            return Some(Err(DecodeError::CorruptBatch("record offset overflows")));
        };
        let Some(timestamp) = self.bases.timestamp(r.timestamp_delta) else {
            return Some(Err(DecodeError::CorruptBatch("record timestamp overflows")));
        };
        self.prev_delta = delta;
        self.left -= 1;
        Some(Ok((r, offset, timestamp)))
    }
}

/// A parsed record as [`RecordSet`](crate::records::RecordSet) keeps it: [`RawRecord`] in 48
/// bytes instead of 88, with 32-bit positions (the set refuses larger payloads).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    timestamp_delta: i64,
    offset_delta: i32,
    key: u32,
    /// −1: null.
    key_len: i32,
    value: u32,
    /// −1: null.
    value_len: i32,
    headers: u32,
    headers_end: u32,
    header_count: u32,
    attributes: i8,
}

impl Slot {
    /// Packs a record parsed from a buffer of at most `u32::MAX` bytes.
    #[inline(always)]
    pub(crate) fn pack(r: &RawRecord) -> Slot {
        let field = |f: Option<(usize, usize)>| match f {
            Some((a, b)) => (a as u32, (b - a) as i32),
            None => (0, -1),
        };
        let (key, key_len) = field(r.key);
        let (value, value_len) = field(r.value);
        Slot {
            timestamp_delta: r.timestamp_delta,
            offset_delta: r.offset_delta,
            key,
            key_len,
            value,
            value_len,
            headers: r.headers.0 as u32,
            headers_end: r.headers.1 as u32,
            header_count: r.headers.2,
            attributes: r.attributes,
        }
    }

    /// The record as parsed, with the offset and timestamp `bases` give it. The slot was made
    /// from a record [`RecordCursor`] placed with the same bases, which checked that neither
    /// overflows.
    #[inline(always)]
    pub(crate) fn unpack(&self, bases: &Bases) -> Positioned {
        let field =
            |at: u32, len: i32| (len >= 0).then(|| (at as usize, at as usize + len as usize));
        let raw = RawRecord {
            attributes: self.attributes,
            timestamp_delta: self.timestamp_delta,
            offset_delta: self.offset_delta,
            key: field(self.key, self.key_len),
            value: field(self.value, self.value_len),
            headers: (
                self.headers as usize,
                self.headers_end as usize,
                self.header_count,
            ),
        };
        (
            raw,
            bases.offset(self.offset_delta).unwrap_or_default(),
            bases.timestamp(self.timestamp_delta).unwrap_or_default(),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic byte strings biased towards small varints: a quarter of the bytes take
    /// any value, the rest stay below 0x40 (xorshift, so failures reproduce).
    struct Biased(u64);

    impl Biased {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len)
                .map(|_| {
                    let r = self.next();
                    if r.is_multiple_of(4) {
                        r as u8
                    } else {
                        (r as u8) & 0x3f
                    }
                })
                .collect()
        }
    }

    #[test]
    fn fast_prefix_agrees_with_the_general_path() {
        let mut rnd = Biased(0x2545_f491_4f6c_dd1d);
        let mut fast = 0;
        for _ in 0..200_000 {
            let len = 8 + (rnd.next() % 24) as usize;
            let buf = rnd.bytes(len);
            if let Some(f) = fast_prefix(&buf, 0) {
                fast += 1;
                assert_eq!(Some(f), slow_prefix(&buf, 0).ok(), "{buf:02x?}");
            }
        }
        assert!(fast > 1000, "fast path taken {fast} times");
    }

    #[test]
    fn fast_tail_agrees_with_the_general_path() {
        let mut rnd = Biased(0x9e37_79b9_7f4a_7c15);
        let mut fast = 0;
        for _ in 0..200_000 {
            let len = (rnd.next() % 40) as usize;
            let mut buf = rnd.bytes(len);
            // Often the shape the fast path takes: a value length that fits, and a last 0.
            if len >= 2 && rnd.next().is_multiple_of(2) {
                buf[0] = ((len - 2) * 2) as u8;
                buf[len - 1] = 0;
            }
            let p = (rnd.next() % 3) as usize;
            if let Some(f) = fast_tail(&buf, p) {
                fast += 1;
                assert_eq!(Some(f), slow_tail(&buf, p).ok(), "{buf:02x?} at {p}");
            }
        }
        assert!(fast > 1000, "fast path taken {fast} times");
    }
}
