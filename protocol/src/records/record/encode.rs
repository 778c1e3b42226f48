//! Encoding records and computing their sizes: a fast path for small records (fields gathered
//! in machine words) and a general one.

use bytes::BytesMut;

use super::headers::{HeaderRef, Headers};
use crate::error::EncodeError;
use crate::primitives::varint::{small_uvarint, stage_varlong, varint_len, varlong_len, zigzag64};

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
/// [`BatchWriter`]: crate::records::BatchWriter
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

/// Up to 8 bytes gathered in a register and stored with one fixed-size write: writing them
/// byte by byte would stall on store forwarding, and a `memcpy` call per field costs more than
/// the field.
#[derive(Clone, Copy, Default)]
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

    /// Writes the gathered bytes at `dst[at..]` (all 8 bytes of the word: `dst` must reach 8
    /// bytes past `at`; the bytes past the gathered ones are overwritten by what follows) and
    /// returns the position after them.
    #[inline(always)]
    fn store(self, dst: &mut [u8], at: usize) -> usize {
        dst[at..at + 8].copy_from_slice(&self.bits.to_le_bytes());
        at + self.n
    }
}

/// Zigzag value of a nullable length (−1 for null).
#[inline(always)]
fn len_zigzag(b: Option<&[u8]>) -> u64 {
    zigzag64(b.map_or(-1, |b| b.len() as i64))
}

/// `dst[..src.len()] = src`, with register moves for fields up to 32 bytes (a key is often a
/// few bytes): two overlapping loads of one width cover every length from that width to twice
/// it. Both are loaded as integers before either is stored. Written as slice copies instead,
/// the compiler merges them with the long case into one `memcpy` call of variable length, and
/// every key pays a call.
#[inline(always)]
fn copy_field(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    match n {
        0 => {}
        1..=3 => {
            let (a, b, c) = (src[0], src[n / 2], src[n - 1]);
            dst[0] = a;
            dst[n / 2] = b;
            dst[n - 1] = c;
        }
        4..=7 => {
            let (a, b) = (
                u32::from_le_bytes(word(src, 0)),
                u32::from_le_bytes(word(src, n - 4)),
            );
            dst[..4].copy_from_slice(&a.to_le_bytes());
            dst[n - 4..n].copy_from_slice(&b.to_le_bytes());
        }
        8..=16 => {
            let (a, b) = (
                u64::from_le_bytes(word(src, 0)),
                u64::from_le_bytes(word(src, n - 8)),
            );
            dst[..8].copy_from_slice(&a.to_le_bytes());
            dst[n - 8..n].copy_from_slice(&b.to_le_bytes());
        }
        17..=32 => {
            let (a, b) = (
                u128::from_le_bytes(word(src, 0)),
                u128::from_le_bytes(word(src, n - 16)),
            );
            dst[..16].copy_from_slice(&a.to_le_bytes());
            dst[n - 16..n].copy_from_slice(&b.to_le_bytes());
        }
        _ => dst[..n].copy_from_slice(src),
    }
}

/// The `W` bytes of `src` at `at`.
#[inline(always)]
fn word<const W: usize>(src: &[u8], at: usize) -> [u8; W] {
    let mut w = [0; W];
    w.copy_from_slice(&src[at..at + W]);
    w
}

/// Makes `out[end..end + need]` exist. What `out` holds past `end` is room already
/// initialised for the records to come (its content does not matter); when it is short, `out`
/// grows by at least `need`, and by about as much as it holds within 1 KiB..8 KiB, zero
/// filled: one `memset` per many records instead of a `BytesMut` append per field. Steps of
/// at most 8 KiB keep the zeroed room in the L1 cache until the records are written over it.
#[inline(always)]
fn runway(out: &mut BytesMut, end: usize, need: usize) {
    if end + need > out.len() {
        grow(out, end, need);
    }
}

#[inline(never)]
fn grow(out: &mut BytesMut, end: usize, need: usize) {
    let extra = need.max(end.clamp(1024, 8 * 1024));
    out.resize(end + extra, 0);
}

/// Writes one record at `*end`, the logical end of `out`, and advances `*end` past it. Bytes of
/// `out` past `*end` are room for the records to come (see [`runway`]); the caller truncates
/// `out` to `*end` when the batch is complete.
#[inline]
pub(crate) fn encode_record(
    out: &mut BytesMut,
    end: &mut usize,
    r: &RecordParts<'_>,
) -> Result<(), EncodeError> {
    if encode_small(out, end, r).is_some() {
        return Ok(());
    }
    *end = encode_general(out, *end, *r)?;
    Ok(())
}

/// The general path of [`encode_record`]: appends the record at `end` and returns the new
/// end. It takes the record by value so that no reference to the caller's record (or to the
/// state it was built from) leaves the inlined fast path.
#[inline(never)]
fn encode_general(
    out: &mut BytesMut,
    end: usize,
    r: RecordParts<'_>,
) -> Result<usize, EncodeError> {
    let n = body_len(&r)?;
    out.truncate(end);
    write_record(out, &r, n);
    Ok(out.len())
}

/// The fast path of [`encode_record`]: every length and delta fits a 3-byte varint (so
/// nothing can exceed `i32`), the length, attributes, deltas and key length fit 8 bytes, and
/// headers are absent or already encoded. Returns `None`, having written nothing, otherwise.
#[inline(always)]
fn encode_small(out: &mut BytesMut, end: &mut usize, r: &RecordParts<'_>) -> Option<()> {
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
    let total = b.1 + body;
    // The word stores reach up to 8 bytes past the record.
    runway(out, *end, total + 8);
    let dst = &mut out[*end..*end + total + 8];
    let mut w = Word { bits: b.0, n: b.1 };
    w.push(u64::from(r.attributes as u8), 1);
    w.push(t.0, t.1);
    w.push(o.0, o.1);
    w.push(k.0, k.1);
    let mut p = w.store(dst, 0);
    copy_field(&mut dst[p..], key);
    p += key.len();
    let mut w = Word { bits: v.0, n: v.1 };
    if !value.is_empty() {
        p = w.store(dst, p);
        copy_field(&mut dst[p..], value);
        p += value.len();
        w = Word::default();
    }
    w.push(c.0, c.1);
    p = w.store(dst, p);
    copy_field(&mut dst[p..], headers);
    *end += total;
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

impl Headers {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length up to past the register moves' widest case copies exactly `src`, and
    /// writes nothing past it.
    #[test]
    fn copy_field_copies_every_length_exactly() {
        let src: Vec<u8> = (1..=80).collect();
        for n in 0..=src.len() {
            let mut dst = [0xeeu8; 96];
            copy_field(&mut dst, &src[..n]);
            assert_eq!(&dst[..n], &src[..n], "length {n}");
            assert!(
                dst[n..].iter().all(|&b| b == 0xee),
                "length {n}: wrote past the field"
            );
        }
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
                            let (mut out, mut end) = (BytesMut::new(), 0);
                            encode_record(&mut out, &mut end, &parts).unwrap();
                            let size = record_size(ts, off, key, value, headers.iter().copied());
                            assert_eq!(size, end, "{ts} {off} {key:?} {headers:?}");
                            let encoded = Headers::encode(headers.iter().copied()).unwrap();
                            let parts = RecordParts {
                                headers: HeaderSource::Encoded(&encoded),
                                ..parts
                            };
                            let (mut out, mut end) = (BytesMut::new(), 0);
                            encode_record(&mut out, &mut end, &parts).unwrap();
                            assert_eq!(size, end);
                        }
                    }
                }
            }
        }
    }
}
