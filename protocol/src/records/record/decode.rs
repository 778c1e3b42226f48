//! Decoding records: a fast path for the common shape (the prefix from one 8-byte load) and a
//! general one that also produces the errors.

use bytes::Bytes;

use super::headers::{Headers, HeadersRef};
use super::types::{Record, RecordRef};
use crate::error::DecodeError;
use crate::primitives::varint::{read_varint, read_varlong, unzigzag32, unzigzag64, word_uvarint};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<(usize, usize)>,
    pub value: Option<(usize, usize)>,
    /// Start, end and count of the encoded headers.
    pub headers: (usize, usize, u32),
}

/// A nullable field's range from its zigzag length `z` (1 is null, odd others are negative)
/// starting at `at`.
#[inline(always)]
fn short_field(z: u64, at: usize) -> Option<Option<(usize, usize)>> {
    match z {
        1 => Some(None),
        z if z & 1 == 0 => Some(Some((at, at + (z >> 1) as usize))),
        _ => None,
    }
}

/// The record at `all[pos..]` and its end, when it has the common shape: the length,
/// attributes, deltas and key length within one 8-byte load with each varint in at most two
/// bytes, a value length of one or two bytes, and no headers (so the record's last byte is a
/// zero header count), all well-formed. `None` sends the record down [`slow_record`], which
/// takes any shape and names what is wrong.
#[inline(always)]
fn fast_record(all: &[u8], pos: usize) -> Option<(usize, RawRecord)> {
    let chunk: [u8; 8] = all.get(pos..pos.checked_add(8)?)?.try_into().ok()?;
    let mut w = u64::from_le_bytes(chunk);
    let mut n = 0usize;
    let len = word_uvarint(&mut w, &mut n)?;
    let body = pos + n;
    let attributes = w as u8;
    w >>= 8;
    n += 1;
    let ts = word_uvarint(&mut w, &mut n)?;
    let off = word_uvarint(&mut w, &mut n)?;
    let key_len = word_uvarint(&mut w, &mut n)?;
    if n > 8 || len & 1 != 0 {
        return None;
    }
    // Every length below is under 2^14, so no sum overflows; each range ends before
    // `value_end`, which is checked to be the record's last byte within `all`.
    let end = body + (len >> 1) as usize;
    let key = short_field(key_len, pos + n)?;
    let p = key.map_or(pos + n, |(_, e)| e);
    let v = all.get(p..p + 2)?;
    let (value_len, at) = if v[0] < 0x80 {
        (u64::from(v[0]), p + 1)
    } else if v[1] < 0x80 {
        (u64::from(v[0] & 0x7f) | (u64::from(v[1]) << 7), p + 2)
    } else {
        return None;
    };
    let value = short_field(value_len, at)?;
    let value_end = value.map_or(at, |(_, e)| e);
    if value_end + 1 != end || *all.get(value_end)? != 0 {
        return None;
    }
    let record = RawRecord {
        attributes: attributes as i8,
        timestamp_delta: unzigzag64(ts),
        offset_delta: unzigzag32(off as u32),
        key,
        value,
        headers: (end, end, 0),
    };
    Some((end, record))
}

/// The record at `all[pos..]` and its end, whatever its shape, or what makes it malformed:
/// the general path of [`fast_record`].
#[inline(never)]
fn slow_record(all: &[u8], mut pos: usize) -> Result<(usize, RawRecord), DecodeError> {
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
    // Every read below stays within the record.
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
    let record = RawRecord {
        attributes: attributes as i8,
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers: (headers_start, end, count as u32),
    };
    Ok((end, record))
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

/// What a cursor's caller builds from each record of `D` it reads. A trait rather than a
/// function value: a function passed to the cursor is called through an `Fn::call` shim,
/// which the compiler inlines in some builds and not in others (the owned walk took 35 µs
/// per 1,000 records in one build, 51 µs in the next). A trait's `#[inline(always)]` method
/// is inlined in all.
pub(crate) trait Build<'d, D: ?Sized> {
    /// What is built.
    type Out;
    /// Builds from a record parsed from `data`.
    fn build(data: &'d D, r: Positioned) -> Self::Out;
}

/// Builds owned [`Record`]s: key, value and headers are slices of the records section.
pub(crate) struct Owned;

impl<'d> Build<'d, Bytes> for Owned {
    type Out = Record;
    #[inline(always)]
    fn build(data: &'d Bytes, (r, offset, timestamp): Positioned) -> Record {
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
}

/// Builds borrowed [`RecordRef`]s, borrowing from the records section.
pub(crate) struct Borrowed;

impl<'d> Build<'d, [u8]> for Borrowed {
    type Out = RecordRef<'d>;
    #[inline(always)]
    fn build(data: &'d [u8], (r, offset, timestamp): Positioned) -> RecordRef<'d> {
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
}

/// Gives the parsed record with its offset and timestamp as they are.
#[cfg(test)]
pub(crate) struct Parsed;

#[cfg(test)]
impl<'d, D: ?Sized> Build<'d, D> for Parsed {
    type Out = Positioned;
    #[inline(always)]
    fn build(_: &'d D, r: Positioned) -> Positioned {
        r
    }
}

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

    /// The next record of `data` (the batch's records section) built by `B` into what the
    /// caller keeps, or the error that ends the iteration, or `None` after exactly
    /// `recordCount` records filled `data`. `B` builds on the fast and the general path
    /// apart, so that a record the fast path holds in registers is not first merged with the
    /// general path's through memory (a stall on every record).
    #[inline(always)]
    pub(crate) fn next_with<'d, D: AsRef<[u8]> + ?Sized, B: Build<'d, D>>(
        &mut self,
        data: &'d D,
        _: B,
    ) -> Option<Result<B::Out, DecodeError>> {
        let bytes = data.as_ref();
        // `left` is 0 once the cursor is done, so this one test leaves the common record on
        // the fast path and sends the end of the batch, errors and other shapes to `step`.
        if self.left != 0
            && let Some((end, r)) = fast_record(bytes, self.pos)
            && let Ok((offset, timestamp)) = self.place(&r)
        {
            self.advance(end, &r);
            return Some(Ok(B::build(data, (r, offset, timestamp))));
        }
        Some(self.step(bytes)?.map(|r| B::build(data, r)))
    }

    /// [`next_with`](Self::next_with) for a record that [`fast_record`] does not take or
    /// [`place`](Self::place) refuses, and for the end of the batch: reads the record again on
    /// the general path, and ends the iteration after an error.
    #[inline(never)]
    fn step(&mut self, data: &[u8]) -> Option<Result<Positioned, DecodeError>> {
        if self.done {
            return None;
        }
        let r = self.general_step(data);
        if !matches!(r, Some(Ok(_))) {
            self.done = true;
            self.left = 0;
        }
        r
    }

    /// The general path of one step: the end of the batch, or the next record of any shape.
    #[inline(always)]
    fn general_step(&mut self, data: &[u8]) -> Option<Result<Positioned, DecodeError>> {
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
        let (end, r) = match slow_record(data, self.pos) {
            Ok(r) => r,
            Err(e) => return Some(Err(e)),
        };
        match self.place(&r) {
            Ok((offset, timestamp)) => {
                self.advance(end, &r);
                Some(Ok((r, offset, timestamp)))
            }
            Err(what) => Some(Err(DecodeError::CorruptBatch(what))),
        }
    }

    /// Checks a parsed record against the batch (offset deltas increasing and within
    /// lastOffsetDelta, no overflow) and gives its offset and timestamp, or says what is wrong.
    #[inline(always)]
    fn place(&self, r: &RawRecord) -> Result<(i64, i64), &'static str> {
        if i64::from(r.offset_delta) <= self.prev_delta {
            return Err("record offset deltas do not increase");
        }
        if r.offset_delta > self.last_offset_delta {
            return Err("record offset delta exceeds lastOffsetDelta");
        }
        // lastOffsetDelta was checked against baseOffset when the batch was validated, so the
        // offset cannot overflow; checked anyway, it costs nothing.
        let offset = self
            .bases
            .offset(r.offset_delta)
            .ok_or("record offset overflows")?;
        let timestamp = self
            .bases
            .timestamp(r.timestamp_delta)
            .ok_or("record timestamp overflows")?;
        Ok((offset, timestamp))
    }

    /// Moves past a placed record that ends at `end`.
    #[inline(always)]
    fn advance(&mut self, end: usize, r: &RawRecord) {
        self.pos = end;
        self.prev_delta = i64::from(r.offset_delta);
        self.left -= 1;
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

/// Builds [`Slot`]s.
pub(crate) struct Slots;

impl<'d, D: ?Sized> Build<'d, D> for Slots {
    type Out = Slot;
    #[inline(always)]
    fn build(_: &'d D, r: Positioned) -> Slot {
        Slot::pack(&r.0)
    }
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

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::primitives::varint::put_varlong;

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

    /// A records section of `count` records near the fast path's limits: deltas, key and
    /// value lengths around one and two varint bytes (null included), sometimes a header;
    /// offset deltas that may repeat or go back.
    fn section(rnd: &mut Biased, count: u64) -> Vec<u8> {
        let mut data = BytesMut::new();
        for _ in 0..count {
            let mut body = BytesMut::from(&[0u8][..]);
            put_varlong(
                &mut body,
                [0, 1, -1, 70, 300, 9000, i64::MAX][(rnd.next() % 7) as usize],
            );
            put_varlong(
                &mut body,
                [0, 1, 2, 3, -1, 70, 9000][(rnd.next() % 7) as usize],
            );
            for _ in 0..2 {
                let len = [-1, 0, 1, 5, 63, 64, 200][(rnd.next() % 7) as usize];
                put_varlong(&mut body, len);
                body.extend_from_slice(&rnd.bytes(len.max(0) as usize));
            }
            if rnd.next().is_multiple_of(8) {
                body.extend_from_slice(&[2, 2, b'h', 0]);
            } else {
                body.extend_from_slice(&[0]);
            }
            put_varlong(&mut data, body.len() as i64);
            data.extend_from_slice(&body);
        }
        if rnd.next().is_multiple_of(3) {
            let i = (rnd.next() as usize) % data.len();
            data[i] = rnd.next() as u8;
        }
        if rnd.next().is_multiple_of(8) {
            data.truncate((rnd.next() as usize) % data.len());
        }
        data.to_vec()
    }

    #[test]
    fn fast_record_agrees_with_the_general_path() {
        let mut rnd = Biased(0x2545_f491_4f6c_dd1d);
        let (mut fast, mut slow) = (0, 0);
        for i in 0..200_000 {
            let buf = if i % 2 == 0 {
                section(&mut rnd, 1)
            } else {
                let len = (rnd.next() % 40) as usize;
                rnd.bytes(len)
            };
            match fast_record(&buf, 0) {
                Some(f) => {
                    fast += 1;
                    assert_eq!(Ok(f), slow_record(&buf, 0), "{buf:02x?}");
                }
                None => slow += 1,
            }
        }
        assert!(fast > 10_000 && slow > 10_000, "fast {fast}, slow {slow}");
    }

    #[test]
    fn the_cursor_agrees_with_its_general_path() {
        let mut rnd = Biased(0x6a09_e667_f3bc_c908);
        let (mut records, mut errors) = (0, 0);
        for _ in 0..50_000 {
            let count = 1 + rnd.next() % 4;
            let data = section(&mut rnd, count);
            let bases = Bases {
                base_offset: [0, i64::MAX - 3][(rnd.next() % 2) as usize],
                base_timestamp: [0, i64::MAX - 80][(rnd.next() % 2) as usize],
                log_append_time: rnd.next().is_multiple_of(3).then_some(7),
            };
            // A recordCount that may disagree with the records there.
            let declared = (count + rnd.next() % 2 - rnd.next() % 2) as u32;
            let mut cursor = RecordCursor::new(declared, bases, (rnd.next() % 6) as i32);
            let mut general = cursor.clone();
            loop {
                let (a, b) = (cursor.next_with(&data[..], Parsed), general.step(&data));
                records += usize::from(matches!(a, Some(Ok(_))));
                errors += usize::from(matches!(a, Some(Err(_))));
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{data:02x?}");
                if a.is_none() {
                    break;
                }
            }
        }
        assert!(
            records > 10_000 && errors > 10_000,
            "records {records}, errors {errors}"
        );
    }
}
