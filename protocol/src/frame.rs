//! Size-prefixed frames: `int32 size`, then a header, then a body.
//!
//! [`FrameReader`] is the one way to cut a byte stream into frames: it checks a size prefix
//! against the maximum before a byte of the frame is buffered, and makes room for reading only
//! as far as the bytes that actually arrived justify. The caller does the IO (async or not) on
//! [`FrameReader::buf_for_read`]; [`frame_len`] and [`split_frame`] are the stateless steps it is
//! built on, for input that is already whole. The encode helpers write the size prefix for you.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::header::{RequestHeader, ResponseHeader, request_header_version_for};
use crate::message::{Message, Request};
use crate::primitives::Decoder;
use crate::{ApiKey, DecodeError, EncodeError};

/// Kafka's default `socket.request.max.bytes` (100 MiB).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;

/// Room made for a read while not even the size prefix has arrived, and the least room made
/// for the rest of a frame.
pub const READ_CHUNK: usize = 16 * 1024;

/// Spare capacity an empty read buffer may keep between frames; a buffer that grew beyond this
/// for one large frame is released once that frame has been taken.
pub const KEEP_CAPACITY: usize = 256 * 1024;

/// Length of the first frame in `buf` *including* its 4-byte size prefix, or `None` if more
/// bytes are needed. Fails if the prefix is negative or above `max_frame_size`.
pub fn frame_len(buf: &[u8], max_frame_size: usize) -> Result<Option<usize>, DecodeError> {
    let Some(size) = size_prefix(buf, max_frame_size)? else {
        return Ok(None);
    };
    let total = size + 4;
    Ok(if buf.len() >= total {
        Some(total)
    } else {
        None
    })
}

/// The checked size prefix at the front of `buf`, or `None` before 4 bytes have arrived.
fn size_prefix(buf: &[u8], max_frame_size: usize) -> Result<Option<usize>, DecodeError> {
    let [a, b, c, d, ..] = *buf else {
        return Ok(None);
    };
    let size = i32::from_be_bytes([a, b, c, d]);
    match usize::try_from(size) {
        Ok(size) if size <= max_frame_size => Ok(Some(size)),
        _ => Err(DecodeError::FrameSize {
            size: i64::from(size),
            max: max_frame_size,
        }),
    }
}

/// Splits the first complete frame off `buf` and returns its payload (header and body, without
/// the size prefix), or `None` if it has not fully arrived.
pub fn split_frame(
    buf: &mut BytesMut,
    max_frame_size: usize,
) -> Result<Option<Bytes>, DecodeError> {
    match frame_len(buf, max_frame_size)? {
        None => Ok(None),
        Some(total) => {
            let mut frame = buf.split_to(total);
            frame.advance(4);
            Ok(Some(frame.freeze()))
        }
    }
}

/// How many more bytes to make room for in `buf` before the next read: the rest of the frame
/// being assembled, but never more than what has arrived so far (at least [`READ_CHUNK`]), so
/// that memory follows real traffic and a size prefix, which is a claim and not bytes, cannot
/// make 4 bytes cost `max_frame_size`. Zero when a whole frame is buffered or the prefix is
/// invalid: the caller must take frames (or the error) first.
fn room_for(buf: &[u8], max_frame_size: usize) -> usize {
    match size_prefix(buf, max_frame_size) {
        Err(_) => 0,
        Ok(None) => READ_CHUNK,
        Ok(Some(size)) => (size + 4)
            .saturating_sub(buf.len())
            .min(buf.len().max(READ_CHUNK)),
    }
}

/// Applies the read policy to `buf`: releases a large empty buffer, then reserves
/// [`room_for`] unless that much is already spare.
fn make_room(buf: &mut BytesMut, max_frame_size: usize) {
    if buf.is_empty() && buf.capacity() > KEEP_CAPACITY {
        *buf = BytesMut::new();
    }
    let room = room_for(buf, max_frame_size);
    if buf.capacity() - buf.len() < room {
        buf.reserve(room);
    }
}

/// Cuts a byte stream into frame payloads (header and body, without the size prefix).
///
/// The caller owns the IO: it reads into [`buf_for_read`](Self::buf_for_read), which makes room
/// per the policy above, and takes frames with [`next_frame`](Self::next_frame) until it says
/// `None` before reading again. Bytes after a frame stay buffered for the next one, so pipelined
/// frames are served in order. A bad size prefix is an error every time it is asked for: the
/// stream cannot be resynchronised and the connection should close.
///
/// With tokio, `sock.read_buf(reader.buf_for_read()).await` is cancel-safe (what was read stays
/// in the reader). Blocking callers can use [`read_frame_from`](Self::read_frame_from):
///
/// ```
/// use kwire_protocol::frame::FrameReader;
///
/// // Two frames arriving together, then the start of a third.
/// let mut wire: &[u8] = &[0, 0, 0, 2, b'h', b'i', 0, 0, 0, 1, b'!', 0, 0];
/// let mut reader = FrameReader::new(1024);
/// assert_eq!(&reader.read_frame_from(&mut wire)?[..], b"hi");
/// assert_eq!(&reader.read_frame_from(&mut wire)?[..], b"!");
/// assert_eq!(reader.buffered(), 2);
/// assert!(reader.next_frame()?.is_none());
///
/// // A prefix above the maximum is refused before its frame is buffered.
/// let mut hostile: &[u8] = &[0x7f, 0xff, 0xff, 0xff, 0];
/// let err = FrameReader::new(1024).read_frame_from(&mut hostile).unwrap_err();
/// assert!(matches!(err, kwire_protocol::frame::ReadFrameError::Frame(_)));
/// # Ok::<(), kwire_protocol::frame::ReadFrameError>(())
/// ```
#[derive(Debug)]
pub struct FrameReader {
    buf: BytesMut,
    max_frame_size: usize,
}

/// An error from [`FrameReader::read_frame_from`].
#[derive(Debug, thiserror::Error)]
pub enum ReadFrameError {
    /// The size prefix is negative or above the maximum.
    #[error(transparent)]
    Frame(#[from] DecodeError),
    /// Reading failed, or the stream ended (`UnexpectedEof`) before a whole frame arrived.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FrameReader {
    /// A reader that rejects frames larger than `max_frame_size` bytes (without the prefix).
    pub fn new(max_frame_size: usize) -> Self {
        FrameReader {
            buf: BytesMut::new(),
            max_frame_size,
        }
    }

    /// The largest frame accepted.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// Bytes received but not yet taken as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The buffer to read into next, with room made per the policy: up to the rest of the
    /// frame being assembled but no more than what arrived so far (at least [`READ_CHUNK`]),
    /// and a large buffer released once it is empty. Take every buffered frame with
    /// [`next_frame`](Self::next_frame) before reading.
    pub fn buf_for_read(&mut self) -> &mut BytesMut {
        make_room(&mut self.buf, self.max_frame_size);
        &mut self.buf
    }

    /// The next complete frame's payload, or `None` until more bytes arrive.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, DecodeError> {
        split_frame(&mut self.buf, self.max_frame_size)
    }

    /// Reads from `src` until a whole frame is buffered and returns it; bytes after it stay
    /// buffered. A stream that ends first is an `UnexpectedEof` IO error.
    pub fn read_frame_from(
        &mut self,
        src: &mut impl std::io::Read,
    ) -> Result<Bytes, ReadFrameError> {
        loop {
            if let Some(frame) = self.next_frame()? {
                return Ok(frame);
            }
            // Read at most the room the policy makes (the rest of this frame, or a chunk):
            // `std::io::Read` wants initialised bytes, so only that much is zeroed.
            make_room(&mut self.buf, self.max_frame_size);
            let start = self.buf.len();
            let room = room_for(&self.buf, self.max_frame_size);
            self.buf.resize(start + room, 0);
            let read = src.read(&mut self.buf[start..]);
            self.buf.truncate(start + read.as_ref().map_or(0, |n| *n));
            match read {
                Ok(0) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("stream ended with {start} bytes of a frame buffered"),
                    )
                    .into());
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Runs `write` with a 4-byte size placeholder in front and patches the size afterwards.
pub fn write_sized<E>(
    buf: &mut BytesMut,
    write: impl FnOnce(&mut BytesMut) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<EncodeError>,
{
    let start = buf.len();
    buf.put_i32(0);
    write(buf)?;
    let size = buf.len() - start - 4;
    let size = i32::try_from(size).map_err(|_| EncodeError::TooLong {
        what: "frame",
        len: size,
    })?;
    buf[start..start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(())
}

/// Appends a whole request frame: size, header (at the version the body version implies) and
/// body. `header.api_key` must be the body's API; `header.api_version` is the body version.
pub fn encode_request<R: Request>(
    buf: &mut BytesMut,
    header: &RequestHeader,
    body: &R,
) -> Result<(), EncodeError> {
    if header.api_key != R::API_KEY {
        return Err(EncodeError::UnsupportedVersion {
            api_key: header.api_key.0,
            version: header.api_version,
        });
    }
    let version = header.api_version;
    write_sized(buf, |buf| {
        header.encode(buf, R::header_version(version))?;
        body.encode(buf, version)
    })
}

/// Appends a whole response frame: size, header and body at `version`.
pub fn encode_response<M: Message>(
    buf: &mut BytesMut,
    correlation_id: i32,
    body: &M,
    version: i16,
) -> Result<(), EncodeError> {
    write_sized(buf, |buf| {
        ResponseHeader::new(correlation_id).encode(buf, M::header_version(version));
        body.encode(buf, version)
    })
}

/// Decodes the header of a request frame payload (as returned by [`FrameReader::next_frame`]),
/// at the version its own API key and version imply, and returns
/// it with the still-encoded body (a zero-copy slice).
///
/// The header version comes from Kafka's schema of the API
/// ([`ApiKey::first_flexible_version`]), so that the body of an API this crate does not model
/// also starts after the header's tag buffer; keys Kafka does not know are read as v1.
pub fn decode_request_header(payload: &Bytes) -> Result<(RequestHeader, Bytes), DecodeError> {
    let mut d = Decoder::new(payload);
    let mut peek = d.clone();
    let api_key = ApiKey(peek.i16("api_key")?);
    let api_version = peek.i16("api_version")?;
    let flexible = api_key
        .first_flexible_version()
        .is_some_and(|first| api_version >= first);
    let header = RequestHeader::decode(&mut d, request_header_version_for(flexible))?;
    let body = d.remaining();
    let body = payload.slice(payload.len() - body..);
    Ok((header, body))
}

/// Decodes a response frame payload for a request sent at `version`.
pub fn decode_response<M: Message>(
    payload: &Bytes,
    version: i16,
) -> Result<(ResponseHeader, M), DecodeError> {
    let mut d = Decoder::new(payload);
    let header = ResponseHeader::decode(&mut d, M::header_version(version))?;
    let body = M::decode_from(&mut d, version)?;
    d.finish(M::API_KEY.name())?;
    Ok((header, body))
}

/// Reads only the correlation id at the front of a response frame payload.
pub fn peek_correlation_id(payload: &[u8]) -> Result<i32, DecodeError> {
    match payload {
        [a, b, c, d, ..] => Ok(i32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(DecodeError::Truncated {
            what: "correlation_id",
            needed: 4,
            available: payload.len(),
        }),
    }
}

#[cfg(feature = "tokio-codec")]
mod codec {
    use bytes::{BufMut, Bytes, BytesMut};

    use super::{DEFAULT_MAX_FRAME_SIZE, make_room, split_frame};
    use crate::DecodeError;

    /// A `tokio_util` codec for size-prefixed Kafka frames. Decoding yields frame payloads
    /// (header + body) with [`FrameReader`](super::FrameReader)'s checks and read policy;
    /// encoding writes the size prefix in front of a payload.
    #[derive(Debug, Clone, Copy)]
    pub struct KafkaFrameCodec {
        max_frame_size: usize,
    }

    impl KafkaFrameCodec {
        /// A codec that rejects frames larger than `max_frame_size`.
        pub fn new(max_frame_size: usize) -> Self {
            KafkaFrameCodec { max_frame_size }
        }
    }

    impl Default for KafkaFrameCodec {
        fn default() -> Self {
            KafkaFrameCodec::new(DEFAULT_MAX_FRAME_SIZE)
        }
    }

    /// An error from [`KafkaFrameCodec`].
    #[derive(Debug, thiserror::Error)]
    pub enum FrameCodecError {
        /// The frame is malformed.
        #[error(transparent)]
        Decode(#[from] DecodeError),
        /// The payload is too large for a frame.
        #[error("payload of {0} bytes does not fit a frame")]
        TooLarge(usize),
        /// The socket failed.
        #[error(transparent)]
        Io(#[from] std::io::Error),
    }

    impl tokio_util::codec::Decoder for KafkaFrameCodec {
        type Item = Bytes;
        type Error = FrameCodecError;

        fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameCodecError> {
            // `FramedRead` owns the buffer, so the codec applies `FrameReader`'s steps to it:
            // take a frame, or make room for the rest per the read policy.
            let frame = split_frame(src, self.max_frame_size)?;
            if frame.is_none() {
                make_room(src, self.max_frame_size);
            }
            Ok(frame)
        }
    }

    impl tokio_util::codec::Encoder<Bytes> for KafkaFrameCodec {
        type Error = FrameCodecError;

        fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), FrameCodecError> {
            if item.len() > self.max_frame_size || item.len() > i32::MAX as usize {
                return Err(FrameCodecError::TooLarge(item.len()));
            }
            dst.reserve(4 + item.len());
            dst.put_i32(item.len() as i32);
            dst.put_slice(&item);
            Ok(())
        }
    }
}

#[cfg(feature = "tokio-codec")]
pub use codec::{FrameCodecError, KafkaFrameCodec};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flexible_header_of_an_unmodeled_api_leaves_only_the_body() {
        // CreateAcls (30) v3 is flexible from v2 on, so its header carries a tag buffer.
        let mut header = RequestHeader::new(ApiKey::CREATE_ACLS, 3, 7, Some("c"));
        header
            .unknown_tagged_fields
            .insert(5, Bytes::from_static(b"xyz"));
        let mut buf = BytesMut::new();
        header.encode(&mut buf, 2).unwrap();
        buf.put_slice(b"body");
        let (decoded, body) = decode_request_header(&buf.freeze()).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(&body[..], b"body");

        // The same API below its first flexible version has no tag buffer.
        let header = RequestHeader::new(ApiKey::CREATE_ACLS, 1, 7, Some("c"));
        let mut buf = BytesMut::new();
        header.encode(&mut buf, 1).unwrap();
        buf.put_slice(&[0, 1]);
        let (decoded, body) = decode_request_header(&buf.freeze()).unwrap();
        assert_eq!(decoded, header);
        assert_eq!(&body[..], &[0, 1]);
    }

    #[test]
    fn the_schema_table_agrees_with_every_modeled_api() {
        for &(key, _) in crate::api::SUPPORTED_APIS {
            for request in [true, false] {
                let flex = crate::api::flexible_versions(key, request).unwrap();
                let first = (!flex.is_empty()).then_some(flex.min);
                assert_eq!(
                    key.first_flexible_version(),
                    first,
                    "{key} request={request}"
                );
            }
        }
    }

    #[test]
    fn frame_len_caps_before_buffering() {
        assert_eq!(frame_len(&[0, 0], 100).unwrap(), None);
        assert_eq!(frame_len(&[0, 0, 0, 2, 1], 100).unwrap(), None);
        assert_eq!(frame_len(&[0, 0, 0, 2, 1, 2, 3], 100).unwrap(), Some(6));
        assert_eq!(frame_len(&[0, 0, 0, 100], 100).unwrap(), None);
        assert!(frame_len(&[0, 0, 0, 101], 100).is_err());
        assert!(frame_len(&[0x7f, 0xff, 0xff, 0xff], 100).is_err());
        assert!(frame_len(&[0xff, 0xff, 0xff, 0xff], 100).is_err());
        assert!(frame_len(&[0x80, 0, 0, 0], usize::MAX).is_err());
    }

    #[test]
    fn split_frame_leaves_the_rest() {
        let mut b = BytesMut::from(&[0, 0, 0, 1, 9, 0, 0][..]);
        assert_eq!(&split_frame(&mut b, 10).unwrap().unwrap()[..], &[9]);
        assert_eq!(&b[..], &[0, 0]);
        assert!(split_frame(&mut b, 10).unwrap().is_none());
    }

    #[test]
    fn room_follows_the_bytes_that_arrived() {
        let max = 1 << 20;
        let mut b = BytesMut::new();
        assert_eq!(room_for(&b, max), READ_CHUNK);
        b.extend_from_slice(&[0, 0, 0]);
        assert_eq!(room_for(&b, max), READ_CHUNK);
        // A frame claiming the maximum: room grows with what arrived, not with the claim.
        b.clear();
        b.extend_from_slice(&(max as i32).to_be_bytes());
        assert_eq!(room_for(&b, max), READ_CHUNK);
        b.extend_from_slice(&vec![0; 100_000]);
        assert_eq!(room_for(&b, max), 100_004);
        // Near the end: exactly what is missing.
        b.extend_from_slice(&vec![0; max - 100_010]);
        assert_eq!(room_for(&b, max), 10);
        // Whole: nothing until the frame is taken.
        b.extend_from_slice(&[0; 10]);
        assert_eq!(room_for(&b, max), 0);
        // Over the cap: nothing (the frame is rejected before any read).
        let mut over = BytesMut::new();
        over.extend_from_slice(&(max as i32 + 1).to_be_bytes());
        assert_eq!(room_for(&over, max), 0);
    }

    #[test]
    fn a_claimed_maximum_reserves_a_chunk_not_the_claim() {
        let mut r = FrameReader::new(DEFAULT_MAX_FRAME_SIZE);
        r.buf_for_read()
            .extend_from_slice(&(DEFAULT_MAX_FRAME_SIZE as i32).to_be_bytes());
        assert!(r.next_frame().unwrap().is_none());
        let cap = r.buf_for_read().capacity();
        assert!((4 + READ_CHUNK..=4 * READ_CHUNK).contains(&cap), "{cap}");
    }

    #[test]
    fn hostile_prefixes_fail_every_time_they_are_asked_for() {
        for prefix in [-1i32, i32::MIN, 1025, i32::MAX] {
            let mut r = FrameReader::new(1024);
            r.buf_for_read().extend_from_slice(&prefix.to_be_bytes());
            for _ in 0..2 {
                assert_eq!(
                    r.next_frame(),
                    Err(DecodeError::FrameSize {
                        size: i64::from(prefix),
                        max: 1024
                    })
                );
            }
            // Nothing is reserved on the claim's behalf.
            assert_eq!(r.buf_for_read().len(), 4);
            assert!(r.buf_for_read().capacity() <= READ_CHUNK + 4);
        }
    }

    #[test]
    fn pipelined_frames_come_out_in_order_however_the_bytes_arrive() {
        let mut wire = Vec::new();
        for (i, len) in [0usize, 1, 300, 70_000, 2].into_iter().enumerate() {
            wire.extend_from_slice(&(len as i32).to_be_bytes());
            wire.extend(std::iter::repeat_n(i as u8, len));
        }
        for piece in [1, 3, 4, 5, 1000, wire.len()] {
            let mut r = FrameReader::new(1 << 20);
            let mut frames = Vec::new();
            for chunk in wire.chunks(piece) {
                r.buf_for_read().extend_from_slice(chunk);
                while let Some(f) = r.next_frame().unwrap() {
                    frames.push(f);
                }
            }
            let lens: Vec<_> = frames.iter().map(|f| f.len()).collect();
            assert_eq!(lens, [0, 1, 300, 70_000, 2], "pieces of {piece}");
            for (i, f) in frames.iter().enumerate() {
                assert!(f.iter().all(|b| *b == i as u8));
            }
            assert_eq!(r.buffered(), 0);
        }
    }

    #[test]
    fn a_large_buffer_is_released_once_empty() {
        let mut r = FrameReader::new(1 << 20);
        let big = 600_000usize;
        r.buf_for_read()
            .extend_from_slice(&(big as i32).to_be_bytes());
        while r.buffered() < big + 4 {
            let buf = r.buf_for_read();
            let n = (buf.capacity() - buf.len()).min(big + 4 - buf.len());
            buf.extend_from_slice(&vec![7; n]);
        }
        assert_eq!(r.next_frame().unwrap().unwrap().len(), big);
        let cap = r.buf_for_read().capacity();
        assert!(cap <= KEEP_CAPACITY, "{cap}");
    }

    /// A reader that hands out at most `step` bytes per call.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn read_frame_from_assembles_frames_from_short_reads() {
        let mut wire = vec![0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 1, 4];
        let mut src = Trickle {
            data: &wire,
            step: 1,
        };
        let mut r = FrameReader::new(16);
        assert_eq!(&r.read_frame_from(&mut src).unwrap()[..], &[1, 2, 3]);
        assert_eq!(&r.read_frame_from(&mut src).unwrap()[..], &[4]);
        // Stream ends inside a frame.
        wire.truncate(6);
        let mut src = Trickle {
            data: &wire,
            step: 100,
        };
        let err = FrameReader::new(16).read_frame_from(&mut src).unwrap_err();
        assert!(
            matches!(&err, ReadFrameError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof),
            "{err}"
        );
    }
}
