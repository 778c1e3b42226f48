//! Varints, the one implementation: unsigned LEB128 (`uvarint` at most 5 bytes for a `u32`,
//! `uvarlong` at most 10 for a `u64`) and their zigzag-encoded signed forms (`varint` for an
//! `i32`, `varlong` for an `i64`), as Kafka writes them in compact lengths, tagged fields and
//! records.
//!
//! Decoding is bounded: a varint longer than its maximum, or whose last byte carries bits beyond
//! the target width, is an error ([`DecodeError::VarintTooLong`]), and a varint cut short by the
//! end of the input is [`DecodeError::Truncated`]. Besides the general nom parsers and `put_*`
//! writers, the crate's hot paths (record batches) use the specialised forms below: positional
//! reads with a one- or two-byte fast path, and encodings gathered in a machine word.

use bytes::{BufMut, BytesMut};
use nom::IResult;

use crate::error::DecodeError;

/// A nom parser result over bytes, without error payload (errors are built by the caller, who
/// knows what was being read).
pub(crate) type P<'a, T> = IResult<&'a [u8], T, ()>;

// ---------------------------------------------------------------------------------------------
// Zigzag

/// Zigzag encoding of an `i32`: small magnitudes of either sign become small unsigned values.
#[inline(always)]
pub const fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// Zigzag encoding of an `i64`.
#[inline(always)]
pub const fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Inverse of [`zigzag32`].
#[inline(always)]
pub const fn unzigzag32(u: u32) -> i32 {
    ((u >> 1) as i32) ^ -((u & 1) as i32)
}

/// Inverse of [`zigzag64`].
#[inline(always)]
pub const fn unzigzag64(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

// ---------------------------------------------------------------------------------------------
// Sizes

/// Encoded size of an unsigned varint.
#[inline]
pub const fn uvarint_len(v: u32) -> usize {
    uvarlong_len(v as u64)
}

/// Encoded size of an unsigned varlong: one byte per started group of 7 significant bits.
#[inline]
pub const fn uvarlong_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Encoded size of a zigzag varint.
#[inline]
pub const fn varint_len(v: i32) -> usize {
    uvarint_len(zigzag32(v))
}

/// Encoded size of a zigzag varlong.
#[inline]
pub const fn varlong_len(v: i64) -> usize {
    uvarlong_len(zigzag64(v))
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// Appends an unsigned LEB128 varint.
#[inline]
pub fn put_uvarint(buf: &mut BytesMut, v: u32) {
    put_uvarlong(buf, u64::from(v));
}

/// Appends an unsigned LEB128 varlong.
#[inline]
pub fn put_uvarlong(buf: &mut BytesMut, mut v: u64) {
    while v >= 0x80 {
        buf.put_u8((v as u8) | 0x80);
        v >>= 7;
    }
    buf.put_u8(v as u8);
}

/// Appends a zigzag varint.
#[inline]
pub fn put_varint(buf: &mut BytesMut, v: i32) {
    put_uvarint(buf, zigzag32(v));
}

/// Appends a zigzag varlong.
#[inline]
pub fn put_varlong(buf: &mut BytesMut, v: i64) {
    put_uvarlong(buf, zigzag64(v));
}

/// Writes the zigzag varlong of `v` into `tmp[n..]` and returns the new end. `tmp` must have
/// 10 bytes free after `n` (the longest varlong).
#[inline(always)]
pub(crate) fn stage_varlong<const N: usize>(tmp: &mut [u8; N], mut n: usize, v: i64) -> usize {
    let mut u = zigzag64(v);
    while u >= 0x80 {
        tmp[n] = (u as u8) | 0x80;
        u >>= 7;
        n += 1;
    }
    tmp[n] = u as u8;
    n + 1
}

/// The encoding of an unsigned varint of at most 3 bytes as a little-endian word, with its
/// length; `None` for larger values.
#[inline(always)]
pub(crate) fn small_uvarint(u: u64) -> Option<(u64, usize)> {
    match u {
        0..=0x7f => Some((u, 1)),
        0x80..=0x3fff => Some(((u & 0x7f) | 0x80 | ((u >> 7) << 8), 2)),
        0x4000..=0x1f_ffff => Some((
            (u & 0x7f) | 0x80 | ((((u >> 7) & 0x7f) | 0x80) << 8) | ((u >> 14) << 16),
            3,
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Unsigned LEB128 of at most `MAX` bytes, whose last byte may carry at most `LAST` (the
/// bits that still fit the target width). The one-byte case, by far the commonest, is checked
/// first.
#[inline(always)]
fn parse_leb128<const MAX: usize, const LAST: u8>(input: &[u8]) -> P<'_, u64> {
    if let Some(&b) = input.first()
        && b < 0x80
    {
        return Ok((&input[1..], u64::from(b)));
    }
    let mut value: u64 = 0;
    for (i, &b) in input.iter().take(MAX).enumerate() {
        if i == MAX - 1 && b > LAST {
            return Err(nom::Err::Failure(()));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok((&input[i + 1..], value));
        }
    }
    if input.len() >= MAX {
        Err(nom::Err::Failure(()))
    } else {
        Err(nom::Err::Incomplete(nom::Needed::Unknown))
    }
}

/// Unsigned LEB128 varint of at most 5 bytes (a `u32`).
#[inline]
pub fn parse_uvarint(input: &[u8]) -> P<'_, u32> {
    // 4 × 7 bits, then at most 4 bits in the fifth byte.
    parse_leb128::<5, 0x0f>(input).map(|(rest, v)| (rest, v as u32))
}

/// Unsigned LEB128 varint of at most 10 bytes (a `u64`).
#[inline]
pub fn parse_uvarlong(input: &[u8]) -> P<'_, u64> {
    // 9 × 7 bits, then at most 1 bit in the tenth byte.
    parse_leb128::<10, 0x01>(input)
}

/// Zigzag-encoded signed varint (an `i32`, at most 5 bytes).
pub fn parse_varint(input: &[u8]) -> P<'_, i32> {
    parse_uvarint(input).map(|(rest, v)| (rest, unzigzag32(v)))
}

/// Zigzag-encoded signed varlong (an `i64`, at most 10 bytes).
pub fn parse_varlong(input: &[u8]) -> P<'_, i64> {
    parse_uvarlong(input).map(|(rest, v)| (rest, unzigzag64(v)))
}

/// The error for a varint of at most `max` bytes that failed to parse with `left` bytes of
/// input: too long if the input had room for it, truncated otherwise.
#[cold]
pub(crate) fn varint_error(left: usize, what: &'static str, max: usize) -> DecodeError {
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

/// Reads a one- or two-byte unsigned varint at `buf[*pos..]` (almost every varint in a record
/// batch), or `None` to take the general path.
#[inline(always)]
pub(crate) fn short_uvarint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let b0 = *buf.get(*pos)?;
    if b0 < 0x80 {
        *pos += 1;
        return Some(u64::from(b0));
    }
    let b1 = *buf.get(*pos + 1)?;
    if b1 < 0x80 {
        *pos += 2;
        return Some(u64::from(b0 & 0x7f) | (u64::from(b1) << 7));
    }
    None
}

/// Reads a zigzag varint at `buf[*pos..]`, advancing `pos` past it.
#[inline(always)]
pub(crate) fn read_varint(
    buf: &[u8],
    pos: &mut usize,
    what: &'static str,
) -> Result<i32, DecodeError> {
    if let Some(u) = short_uvarint(buf, pos) {
        return Ok(unzigzag32(u as u32));
    }
    read_varint_slow(buf, pos, what)
}

#[inline(never)]
fn read_varint_slow(buf: &[u8], pos: &mut usize, what: &'static str) -> Result<i32, DecodeError> {
    let rest = buf.get(*pos..).unwrap_or_default();
    match parse_varint(rest) {
        Ok((tail, v)) => {
            *pos += rest.len() - tail.len();
            Ok(v)
        }
        Err(_) => Err(varint_error(rest.len(), what, 5)),
    }
}

/// Reads a zigzag varlong at `buf[*pos..]`, advancing `pos` past it.
#[inline(always)]
pub(crate) fn read_varlong(
    buf: &[u8],
    pos: &mut usize,
    what: &'static str,
) -> Result<i64, DecodeError> {
    if let Some(u) = short_uvarint(buf, pos) {
        return Ok(unzigzag64(u));
    }
    read_varlong_slow(buf, pos, what)
}

#[inline(never)]
fn read_varlong_slow(buf: &[u8], pos: &mut usize, what: &'static str) -> Result<i64, DecodeError> {
    let rest = buf.get(*pos..).unwrap_or_default();
    match parse_varlong(rest) {
        Ok((tail, v)) => {
            *pos += rest.len() - tail.len();
            Ok(v)
        }
        Err(_) => Err(varint_error(rest.len(), what, 10)),
    }
}

/// Takes an unsigned varint of one or two bytes off the low end of the little-endian word `w`,
/// adding its length to `n`; `None` if it is longer.
#[inline(always)]
pub(crate) fn word_uvarint(w: &mut u64, n: &mut usize) -> Option<u64> {
    let x = *w;
    if x & 0x80 == 0 {
        *w = x >> 8;
        *n += 1;
        Some(x & 0x7f)
    } else if x & 0x8000 == 0 {
        *w = x >> 16;
        *n += 2;
        Some((x & 0x7f) | ((x >> 1) & 0x3f80))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every boundary of the 7-bit groups, and the extremes.
    fn samples() -> Vec<i64> {
        let mut v = vec![0, 1, -1, i64::MAX, i64::MIN];
        for shift in (7..63).step_by(7) {
            for base in [1i64 << (shift - 1), 1i64 << shift] {
                v.extend([base - 1, base, -base, -base - 1]);
            }
        }
        v.extend([i64::from(i32::MAX), i64::from(i32::MIN)]);
        v
    }

    #[test]
    fn every_form_agrees_on_bytes_and_length() {
        for v in samples() {
            let mut long = BytesMut::new();
            put_varlong(&mut long, v);
            assert_eq!(long.len(), varlong_len(v), "{v}");
            let mut tmp = [0u8; 16];
            let n = stage_varlong(&mut tmp, 3, v);
            assert_eq!(&tmp[3..n], &long[..], "{v}");
            assert_eq!(parse_varlong(&long), Ok((&[][..], v)));
            let mut pos = 0;
            assert_eq!(read_varlong(&long, &mut pos, "v"), Ok(v));
            assert_eq!(pos, long.len());
            let u = zigzag64(v);
            assert_eq!(unzigzag64(u), v);
            if let Some((word, len)) = small_uvarint(u) {
                assert_eq!(&word.to_le_bytes()[..len], &long[..]);
            } else {
                assert!(long.len() > 3);
            }
            let mut word = [0u8; 8];
            word[..long.len().min(8)].copy_from_slice(&long[..long.len().min(8)]);
            let (mut w, mut n) = (u64::from_le_bytes(word), 0);
            match word_uvarint(&mut w, &mut n) {
                Some(got) => assert_eq!((got, n), (u, long.len())),
                None => assert!(long.len() > 2),
            }
            if let Ok(v) = i32::try_from(v) {
                let mut int = BytesMut::new();
                put_varint(&mut int, v);
                assert_eq!(&int[..], &long[..]);
                assert_eq!(int.len(), varint_len(v));
                assert_eq!(unzigzag32(zigzag32(v)), v);
                let mut pos = 0;
                assert_eq!(read_varint(&int, &mut pos, "v"), Ok(v));
                assert_eq!(parse_varint(&int), Ok((&[][..], v)));
            }
        }
    }

    #[test]
    fn overlong_and_cut_varints_are_errors() {
        // Six continuation bytes: too long for a 32-bit varint.
        let six = [0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        let mut pos = 0;
        assert_eq!(
            read_varint(&six, &mut pos, "v"),
            Err(DecodeError::VarintTooLong { what: "v", max: 5 })
        );
        // A fifth byte with bits above 32, and a tenth above 64.
        assert!(parse_uvarint(&[0xff, 0xff, 0xff, 0xff, 0x10]).is_err());
        assert!(parse_uvarint(&[0xff, 0xff, 0xff, 0xff, 0x0f]).is_ok());
        let mut ten = [0xffu8; 10];
        ten[9] = 0x02;
        assert!(parse_uvarlong(&ten).is_err());
        ten[9] = 0x01;
        assert_eq!(parse_uvarlong(&ten), Ok((&[][..], u64::MAX)));
        // Cut short.
        let mut pos = 1;
        assert_eq!(
            read_varlong(&[0, 0x80, 0x80], &mut pos, "v"),
            Err(DecodeError::Truncated {
                what: "v",
                needed: 3,
                available: 2
            })
        );
        assert_eq!(pos, 1);
    }
}
