//! Wire primitives: fixed-width integers, varints, strings, bytes, arrays, UUIDs and tagged-field
//! buffers, in both the classic and the compact ("flexible") forms.
//!
//! Decoding runs nom parsers over a `&[u8]` view of a [`Bytes`] buffer; byte fields come out as
//! zero-copy [`Bytes`] slices of that buffer. Every length and count is checked against the bytes
//! that remain before anything is allocated, so hostile input costs at most its own size.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};
use nom::Parser;
use uuid::Uuid;

use crate::error::{DecodeError, EncodeError};

/// Largest number of elements pre-allocated for an array before its elements are read.
pub const MAX_PREALLOC: usize = 1024;

pub mod varint;

use varint::{P, parse_uvarint, parse_varint, parse_varlong, put_uvarint, varint_error};

// ---------------------------------------------------------------------------------------------
// Decoder

/// A cursor over a [`Bytes`] buffer that decodes Kafka primitives.
///
/// Byte-valued fields are returned as zero-copy slices of the underlying buffer.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    whole: &'a Bytes,
    rest: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// A decoder over all of `buf`.
    pub fn new(buf: &'a Bytes) -> Self {
        Decoder {
            whole: buf,
            rest: &buf[..],
        }
    }

    /// Bytes not yet consumed.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The unconsumed bytes.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless every byte was consumed.
    pub fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                what,
                remaining: self.rest.len(),
            })
        }
    }

    #[inline(always)]
    fn run<T>(
        &mut self,
        what: &'static str,
        needed: usize,
        mut parser: impl FnMut(&'a [u8]) -> P<'a, T>,
    ) -> Result<T, DecodeError> {
        match parser(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(DecodeError::Truncated {
                what,
                needed,
                available: self.rest.len(),
            }),
        }
    }

    /// Reads an `i8`.
    #[inline]
    pub fn i8(&mut self, what: &'static str) -> Result<i8, DecodeError> {
        self.run(what, 1, nom::number::complete::be_i8)
    }
    /// Reads a big-endian `i16`.
    #[inline]
    pub fn i16(&mut self, what: &'static str) -> Result<i16, DecodeError> {
        self.run(what, 2, nom::number::complete::be_i16)
    }
    /// Reads a big-endian `u16`.
    #[inline]
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.run(what, 2, nom::number::complete::be_u16)
    }
    /// Reads a big-endian `i32`.
    #[inline]
    pub fn i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        self.run(what, 4, nom::number::complete::be_i32)
    }
    /// Reads a big-endian `u32`.
    #[inline]
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.run(what, 4, nom::number::complete::be_u32)
    }
    /// Reads a big-endian `i64`.
    #[inline]
    pub fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        self.run(what, 8, nom::number::complete::be_i64)
    }
    /// Reads a big-endian IEEE-754 `f64`.
    #[inline]
    pub fn f64(&mut self, what: &'static str) -> Result<f64, DecodeError> {
        self.run(what, 8, nom::number::complete::be_f64)
    }
    /// Reads a boolean (a byte that must be 0 or 1).
    pub fn bool(&mut self, what: &'static str) -> Result<bool, DecodeError> {
        match self.run(what, 1, nom::number::complete::u8)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(DecodeError::InvalidBool(b)),
        }
    }
    /// Reads a 16-byte UUID.
    pub fn uuid(&mut self, what: &'static str) -> Result<Uuid, DecodeError> {
        let b = self.take(16, what)?;
        let mut raw = [0u8; 16];
        raw.copy_from_slice(b);
        Ok(Uuid::from_bytes(raw))
    }

    /// Reads an unsigned varint (at most 5 bytes).
    #[inline]
    pub fn uvarint(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        match parse_uvarint(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(varint_error(self.rest.len(), what, 5)),
        }
    }
    /// Reads a zigzag varint (at most 5 bytes).
    #[inline]
    pub fn varint(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        match parse_varint(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(varint_error(self.rest.len(), what, 5)),
        }
    }
    /// Reads a zigzag varlong (at most 10 bytes).
    #[inline]
    pub fn varlong(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        match parse_varlong(self.rest) {
            Ok((rest, v)) => {
                self.rest = rest;
                Ok(v)
            }
            Err(_) => Err(varint_error(self.rest.len(), what, 10)),
        }
    }

    /// Takes `n` raw bytes.
    #[inline]
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        self.run(what, n, |i| nom::bytes::complete::take(n).parse(i))
    }

    /// Takes `n` bytes as a zero-copy slice of the underlying buffer.
    #[inline]
    pub fn take_bytes(&mut self, n: usize, what: &'static str) -> Result<Bytes, DecodeError> {
        let s = self.take(n, what)?;
        Ok(self.whole.slice_ref(s))
    }

    /// A sub-decoder over the next `n` bytes, which are consumed from this one.
    pub fn sub(&mut self, n: usize, what: &'static str) -> Result<Decoder<'a>, DecodeError> {
        let s = self.take(n, what)?;
        Ok(Decoder {
            whole: self.whole,
            rest: s,
        })
    }

    /// Checks a length read from the wire: `-1` means null (if `nullable`), other negatives and
    /// lengths beyond the remaining input are errors.
    #[inline]
    fn check_len(
        &self,
        len: i64,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        if len == -1 {
            return if nullable {
                Ok(None)
            } else {
                Err(DecodeError::UnexpectedNull { what })
            };
        }
        if len < 0 || len as u64 > self.rest.len() as u64 {
            return Err(DecodeError::InvalidLength {
                what,
                len,
                available: self.rest.len(),
            });
        }
        Ok(Some(len as usize))
    }

    /// Reads a length prefix: `i16` classic or compact (`uvarint` N+1) for strings. Compact
    /// lengths above `i16::MAX` are rejected, as Kafka does: a string is at most 0x7fff bytes in
    /// either form (and could not be re-encoded otherwise).
    #[inline]
    pub fn string_len(
        &mut self,
        flexible: bool,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        let len = if flexible {
            i64::from(self.uvarint(what)?) - 1
        } else {
            i64::from(self.i16(what)?)
        };
        if len > i64::from(i16::MAX) {
            return Err(DecodeError::InvalidLength {
                what,
                len,
                available: self.rest.len(),
            });
        }
        self.check_len(len, nullable, what)
    }

    /// Reads a length prefix: `i32` classic or compact (`uvarint` N+1) for bytes and arrays.
    #[inline]
    pub fn bytes_len(
        &mut self,
        flexible: bool,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        let len = if flexible {
            i64::from(self.uvarint(what)?) - 1
        } else {
            i64::from(self.i32(what)?)
        };
        self.check_len(len, nullable, what)
    }

    /// Reads a string (classic or compact), `None` for null when `nullable`.
    pub fn string(
        &mut self,
        flexible: bool,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        match self.string_len(flexible, nullable, what)? {
            None => Ok(None),
            Some(n) => {
                let raw = self.take(n, what)?;
                match std::str::from_utf8(raw) {
                    Ok(s) => Ok(Some(s.to_owned())),
                    Err(_) => Err(DecodeError::InvalidUtf8 { what }),
                }
            }
        }
    }

    /// Reads a byte array (classic or compact) as a zero-copy slice, `None` for null when
    /// `nullable`.
    pub fn bytes(
        &mut self,
        flexible: bool,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<Bytes>, DecodeError> {
        match self.bytes_len(flexible, nullable, what)? {
            None => Ok(None),
            Some(n) => self.take_bytes(n, what).map(Some),
        }
    }

    /// Reads a tagged-field buffer. `known` is offered every field first and returns whether it
    /// consumed it; other tags are kept, by tag, in `unknown`.
    pub fn tagged_fields(
        &mut self,
        unknown: &mut BTreeMap<u32, Bytes>,
        mut known: impl FnMut(u32, &mut Decoder<'a>) -> Result<bool, DecodeError>,
    ) -> Result<(), DecodeError> {
        let count = self.uvarint("tagged field count")?;
        // Each tagged field takes at least two bytes (tag and size).
        if count as usize > self.rest.len() / 2 {
            return Err(DecodeError::InvalidLength {
                what: "tagged field count",
                len: i64::from(count),
                available: self.rest.len(),
            });
        }
        let mut last: Option<u32> = None;
        for _ in 0..count {
            let tag = self.uvarint("tag")?;
            // KIP-482: tags are written in strictly ascending order, so a repeat is caught here.
            if last.is_some_and(|l| tag <= l) {
                return Err(DecodeError::DuplicateTag { tag });
            }
            last = Some(tag);
            let size = self.uvarint("tagged field size")? as usize;
            let mut sub = self.sub(size, "tagged field")?;
            let raw = sub.rest;
            if known(tag, &mut sub)? {
                if !sub.rest.is_empty() {
                    return Err(DecodeError::TaggedFieldSize {
                        tag,
                        size,
                        used: size - sub.rest.len(),
                    });
                }
            } else {
                unknown.insert(tag, self.whole.slice_ref(raw));
            }
        }
        Ok(())
    }

    /// Reads an array length prefix and checks it against the remaining bytes (every element
    /// takes at least one byte). Returns `None` for a null array when `nullable`.
    #[inline]
    pub fn array_len(
        &mut self,
        flexible: bool,
        nullable: bool,
        what: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        self.bytes_len(flexible, nullable, what)
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding of lengths

/// Appends a string or bytes length prefix (or the null marker when `len` is `None`).
#[inline]
pub fn put_len(
    buf: &mut BytesMut,
    len: Option<usize>,
    flexible: bool,
    classic_i16: bool,
    what: &'static str,
) -> Result<(), EncodeError> {
    match (len, flexible) {
        (None, true) => buf.put_u8(0),
        (None, false) if classic_i16 => buf.put_i16(-1),
        (None, false) => buf.put_i32(-1),
        (Some(n), true) => {
            let n1 = u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(1))
                .filter(|_| !classic_i16 || n <= i16::MAX as usize)
                .ok_or(EncodeError::TooLong { what, len: n })?;
            put_uvarint(buf, n1);
        }
        (Some(n), false) if classic_i16 => {
            let n = i16::try_from(n).map_err(|_| EncodeError::TooLong { what, len: n })?;
            buf.put_i16(n);
        }
        (Some(n), false) => {
            let n = i32::try_from(n).map_err(|_| EncodeError::TooLong { what, len: n })?;
            buf.put_i32(n);
        }
    }
    Ok(())
}

/// Appends a tagged-field buffer holding only `unknown` fields (in ascending tag order).
pub fn put_unknown_tags(buf: &mut BytesMut, unknown: &BTreeMap<u32, Bytes>) {
    put_uvarint(buf, unknown.len() as u32);
    for (tag, value) in unknown {
        put_raw_tag(buf, *tag, value);
    }
}

// ---------------------------------------------------------------------------------------------
// Field trait

/// How a field is being read or written: the message version, whether that version is flexible
/// (compact lengths and tagged fields), and whether the field may be null at that version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ctx {
    /// The message version.
    pub version: i16,
    /// Whether the version uses the flexible (compact) encoding.
    pub flexible: bool,
    /// Whether this field may be null at this version.
    pub nullable: bool,
}

impl Ctx {
    /// The same context for a non-nullable element or sub-field.
    #[inline(always)]
    pub const fn non_null(self) -> Ctx {
        Ctx {
            nullable: false,
            ..self
        }
    }
}

/// A value that has a wire form: primitives, strings, byte arrays, arrays and message structs.
///
/// Implemented by the message DSL for every struct; you rarely need it directly.
pub trait Field: Sized {
    /// Reads a value.
    fn read(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Self, DecodeError>;
    /// Writes a value.
    fn write(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError>;
}

/// A type with a null form on the wire (strings, byte arrays, arrays, structs), so that
/// `Option<T>` can be a field.
pub trait Nullable: Field {
    /// Decodes a value that may be null.
    fn read_nullable(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Option<Self>, DecodeError>;
    /// Encodes the null form.
    fn write_null(buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError>;
    /// Encodes a present value where null is allowed. Strings, byte arrays and arrays say null
    /// in their length, so this is [`Field::write`]; structs override it (see
    /// [`read_nullable_struct`]).
    fn write_present(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        self.write(buf, ctx)
    }
}

/// Reads a nullable struct: an int8 presence marker (negative: null), then the struct.
pub fn read_nullable_struct<T: Field>(
    d: &mut Decoder<'_>,
    ctx: Ctx,
) -> Result<Option<T>, DecodeError> {
    if d.i8("struct presence")? < 0 {
        Ok(None)
    } else {
        T::read(d, ctx.non_null()).map(Some)
    }
}

/// Writes a nullable struct's presence marker: 1 before a struct, -1 for null.
#[inline]
pub fn put_struct_presence(buf: &mut BytesMut, present: bool) {
    buf.put_i8(if present { 1 } else { -1 });
}

impl<T: Nullable> Field for Option<T> {
    #[inline]
    fn read(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Self, DecodeError> {
        if ctx.nullable {
            T::read_nullable(d, ctx)
        } else {
            T::read(d, ctx).map(Some)
        }
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        match self {
            Some(v) if ctx.nullable => v.write_present(buf, ctx),
            Some(v) => v.write(buf, ctx),
            None if ctx.nullable => T::write_null(buf, ctx),
            None => Err(EncodeError::NullNotAllowed {
                what: "field",
                version: ctx.version,
            }),
        }
    }
}

macro_rules! fixed_field {
    ($t:ty, $get:ident, $put:ident) => {
        impl Field for $t {
            #[inline(always)]
            fn read(d: &mut Decoder<'_>, _ctx: Ctx) -> Result<Self, DecodeError> {
                d.$get(stringify!($t))
            }
            #[inline(always)]
            fn write(&self, buf: &mut BytesMut, _ctx: Ctx) -> Result<(), EncodeError> {
                buf.$put(*self);
                Ok(())
            }
        }
    };
}
fixed_field!(i8, i8, put_i8);
fixed_field!(i16, i16, put_i16);
fixed_field!(u16, u16, put_u16);
fixed_field!(i32, i32, put_i32);
fixed_field!(u32, u32, put_u32);
fixed_field!(i64, i64, put_i64);
fixed_field!(f64, f64, put_f64);

impl Field for bool {
    #[inline]
    fn read(d: &mut Decoder<'_>, _ctx: Ctx) -> Result<Self, DecodeError> {
        d.bool("bool")
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, _ctx: Ctx) -> Result<(), EncodeError> {
        buf.put_u8(u8::from(*self));
        Ok(())
    }
}

impl Field for Uuid {
    #[inline]
    fn read(d: &mut Decoder<'_>, _ctx: Ctx) -> Result<Self, DecodeError> {
        d.uuid("uuid")
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, _ctx: Ctx) -> Result<(), EncodeError> {
        buf.put_slice(self.as_bytes());
        Ok(())
    }
}

impl Field for String {
    #[inline]
    fn read(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Self, DecodeError> {
        d.string(ctx.flexible, false, "string")
            .map(Option::unwrap_or_default)
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, Some(self.len()), ctx.flexible, true, "string")?;
        buf.put_slice(self.as_bytes());
        Ok(())
    }
}
impl Nullable for String {
    #[inline]
    fn read_nullable(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Option<Self>, DecodeError> {
        d.string(ctx.flexible, true, "string")
    }
    #[inline]
    fn write_null(buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, None, ctx.flexible, true, "string")
    }
}

impl Field for Bytes {
    #[inline]
    fn read(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Self, DecodeError> {
        d.bytes(ctx.flexible, false, "bytes")
            .map(Option::unwrap_or_default)
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, Some(self.len()), ctx.flexible, false, "bytes")?;
        buf.put_slice(self);
        Ok(())
    }
}
impl Nullable for Bytes {
    #[inline]
    fn read_nullable(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Option<Self>, DecodeError> {
        d.bytes(ctx.flexible, true, "bytes")
    }
    #[inline]
    fn write_null(buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, None, ctx.flexible, false, "bytes")
    }
}

fn decode_elements<T: Field>(
    d: &mut Decoder<'_>,
    n: usize,
    ctx: Ctx,
) -> Result<Vec<T>, DecodeError> {
    let mut v = Vec::with_capacity(n.min(MAX_PREALLOC));
    let ctx = ctx.non_null();
    for _ in 0..n {
        v.push(T::read(d, ctx)?);
    }
    Ok(v)
}

impl<T: Field> Field for Vec<T> {
    #[inline]
    fn read(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Self, DecodeError> {
        match d.array_len(ctx.flexible, false, "array")? {
            Some(n) => decode_elements(d, n, ctx),
            None => Ok(Vec::new()),
        }
    }
    #[inline]
    fn write(&self, buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, Some(self.len()), ctx.flexible, false, "array")?;
        let ctx = ctx.non_null();
        for e in self {
            e.write(buf, ctx)?;
        }
        Ok(())
    }
}
impl<T: Field> Nullable for Vec<T> {
    #[inline]
    fn read_nullable(d: &mut Decoder<'_>, ctx: Ctx) -> Result<Option<Self>, DecodeError> {
        match d.array_len(ctx.flexible, true, "array")? {
            Some(n) => decode_elements(d, n, ctx).map(Some),
            None => Ok(None),
        }
    }
    #[inline]
    fn write_null(buf: &mut BytesMut, ctx: Ctx) -> Result<(), EncodeError> {
        put_len(buf, None, ctx.flexible, false, "array")
    }
}

/// Appends one raw tagged field (tag, size, bytes).
#[inline]
pub fn put_raw_tag(buf: &mut BytesMut, tag: u32, value: &[u8]) {
    put_uvarint(buf, tag);
    put_uvarint(buf, value.len() as u32);
    buf.put_slice(value);
}

#[cfg(test)]
mod tests {
    use super::varint::{put_varint, put_varlong, varint_len, varlong_len};
    use super::*;

    fn dec(b: &'static [u8]) -> Bytes {
        Bytes::from_static(b)
    }

    #[test]
    fn varints_round_trip_and_bound() {
        for v in [0i32, 1, -1, 63, -64, 64, 300, i32::MAX, i32::MIN] {
            let mut b = BytesMut::new();
            put_varint(&mut b, v);
            assert_eq!(b.len(), varint_len(v));
            let b = b.freeze();
            let mut d = Decoder::new(&b);
            assert_eq!(d.varint("v").unwrap(), v);
            d.finish("v").unwrap();
        }
        for v in [0i64, -1, 1 << 40, i64::MAX, i64::MIN] {
            let mut b = BytesMut::new();
            put_varlong(&mut b, v);
            assert_eq!(b.len(), varlong_len(v));
            let b = b.freeze();
            assert_eq!(Decoder::new(&b).varlong("v").unwrap(), v);
        }
        // Six continuation bytes: too long for a 32-bit varint.
        let b = dec(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert!(matches!(
            Decoder::new(&b).varint("v"),
            Err(DecodeError::VarintTooLong { .. })
        ));
        // Fifth byte with bits above 32.
        let b = dec(&[0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(
            Decoder::new(&b).uvarint("v"),
            Err(DecodeError::VarintTooLong { .. })
        ));
        let b = dec(&[0x80]);
        assert!(matches!(
            Decoder::new(&b).varint("v"),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn lengths_are_checked_before_allocating() {
        // An array claiming i32::MAX elements in 8 bytes.
        let b = dec(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1]);
        let r = <Vec<i32> as Field>::read(
            &mut Decoder::new(&b),
            Ctx {
                version: 0,
                flexible: false,
                nullable: false,
            },
        );
        assert!(matches!(r, Err(DecodeError::InvalidLength { .. })));
        // A string of length -2.
        let b = dec(&[0xff, 0xfe]);
        let r = Decoder::new(&b).string(false, true, "s");
        assert!(matches!(r, Err(DecodeError::InvalidLength { len: -2, .. })));
        // Null where not allowed.
        let b = dec(&[0x00]);
        let r = Decoder::new(&b).string(true, false, "s");
        assert!(matches!(r, Err(DecodeError::UnexpectedNull { .. })));
    }

    #[test]
    fn bytes_are_zero_copy() {
        let b = Bytes::from(vec![0, 0, 0, 3, b'a', b'b', b'c']);
        let got = Decoder::new(&b).bytes(false, false, "b").unwrap().unwrap();
        assert_eq!(&got[..], b"abc");
        assert_eq!(got.as_ptr(), b[4..].as_ptr());
    }

    #[test]
    fn unknown_tags_are_kept_and_duplicates_rejected() {
        let b = dec(&[2, 5, 1, 0xaa, 9, 2, 0xbb, 0xcc]);
        let mut unknown = BTreeMap::new();
        Decoder::new(&b)
            .tagged_fields(&mut unknown, |_, _| Ok(false))
            .unwrap();
        assert_eq!(unknown.len(), 2);
        assert_eq!(&unknown[&9][..], &[0xbb, 0xcc]);
        let mut out = BytesMut::new();
        put_unknown_tags(&mut out, &unknown);
        assert_eq!(&out[..], &b[..]);
        let b = dec(&[2, 5, 1, 0xaa, 5, 1, 0xbb]);
        let mut unknown = BTreeMap::new();
        let r = Decoder::new(&b).tagged_fields(&mut unknown, |_, _| Ok(false));
        assert!(matches!(r, Err(DecodeError::DuplicateTag { tag: 5 })));
    }
}
