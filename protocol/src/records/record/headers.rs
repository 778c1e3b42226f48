//! Record headers: owned ([`Headers`], kept encoded and decoded on iteration) and borrowed
//! ([`HeadersRef`]) forms, and the [`HeaderRef`] an encoder takes.

use std::fmt;

use bytes::Bytes;

use crate::error::DecodeError;
use crate::primitives::varint::read_varint;

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
    pub(super) raw: Bytes,
    pub(super) count: u32,
}

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Headers {
            raw: Bytes::new(),
            count: 0,
        }
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

/// Borrowed, validated headers of a [`RecordRef`](super::types::RecordRef).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct HeadersRef<'a> {
    pub(super) raw: &'a [u8],
    pub(super) count: u32,
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
}
