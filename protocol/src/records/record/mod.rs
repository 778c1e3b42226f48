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
//!
//! `types` holds the decoded records, `headers` their headers, `decode` and `encode` the
//! record-level wire codec.

mod decode;
mod encode;
mod headers;
mod types;

pub(crate) use decode::{Bases, Borrowed, Build, Owned, RecordCursor, Slot, Slots};
pub(crate) use encode::{HeaderSource, RecordParts, body_len, encode_record, record_len};
pub use encode::{header_size, record_size};
pub use headers::{Header, HeaderRef, Headers, HeadersIter, HeadersRef, HeadersRefIter};
pub use types::{Record, RecordRef};

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::decode::Parsed;
    use super::encode::write_record;
    use super::*;

    fn bases(log_append_time: Option<i64>) -> Bases {
        Bases {
            base_offset: 10,
            base_timestamp: 100,
            log_append_time,
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
        let mut cur = RecordCursor::new(1, bases(None), 300);
        let r = Owned::build(&data, cur.next_with(&data, Parsed).unwrap().unwrap());
        assert!(cur.next_with(&data, Parsed).is_none());
        assert_eq!((r.offset, r.timestamp), (310, 95));
        assert_eq!(r.key, None);
        assert_eq!(r.value.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(r.headers.len(), 2);
        let mut cur = RecordCursor::new(1, bases(Some(7)), 300);
        let b = Borrowed::build(&data[..], cur.next_with(&data, Parsed).unwrap().unwrap());
        assert_eq!(b.timestamp, 7);
        assert_eq!(b.headers.iter().collect::<Vec<_>>(), headers);
        // Every truncation fails cleanly.
        for cut in 0..data.len() {
            let mut cur = RecordCursor::new(1, bases(None), 300);
            assert!(matches!(cur.next_with(&data[..cut], Parsed), Some(Err(_))));
            assert!(cur.next_with(&data[..cut], Parsed).is_none());
        }
    }
}
