//! Size-prefixed frames: `int32 size`, then a header, then a body.
//!
//! [`frame_len`] is the cheap check (in the spirit of mini-redis's `check`) that says whether a
//! whole frame has arrived, and rejects a size prefix above the configured maximum before a byte
//! of the frame is buffered. The encode helpers write the size prefix for you.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::header::{RequestHeader, ResponseHeader};
use crate::message::{Message, Request};
use crate::primitives::Decoder;
use crate::{DecodeError, EncodeError};

/// Kafka's default `socket.request.max.bytes` (100 MiB).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;

/// Length of the first frame in `buf` *including* its 4-byte size prefix, or `None` if more
/// bytes are needed. Fails if the prefix is negative or above `max_frame_size`.
pub fn frame_len(buf: &[u8], max_frame_size: usize) -> Result<Option<usize>, DecodeError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let size = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if size < 0 || size as usize > max_frame_size {
        return Err(DecodeError::FrameSize {
            size: i64::from(size),
            max: max_frame_size,
        });
    }
    let total = size as usize + 4;
    Ok(if buf.len() >= total {
        Some(total)
    } else {
        None
    })
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

/// Decodes the header of a request frame payload (as returned by [`split_frame`]) and returns
/// it with the still-encoded body (a zero-copy slice).
pub fn decode_request_header(payload: &Bytes) -> Result<(RequestHeader, Bytes), DecodeError> {
    let mut d = Decoder::new(payload);
    let header = RequestHeader::decode_auto(&mut d)?;
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

    use super::{DEFAULT_MAX_FRAME_SIZE, split_frame};
    use crate::DecodeError;

    /// Most bytes reserved ahead of a frame that has not fully arrived; the buffer grows
    /// further only as bytes do.
    const READ_AHEAD: usize = 64 * 1024;

    /// A `tokio_util` codec for size-prefixed Kafka frames. Decoding yields frame payloads
    /// (header + body); encoding writes the size prefix in front of a payload.
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
            match split_frame(src, self.max_frame_size)? {
                Some(f) => Ok(Some(f)),
                None => {
                    if src.len() >= 4 {
                        // `split_frame` checked the prefix (0..=max). Reserve for what is
                        // still to come, but no more than READ_AHEAD: the prefix is a claim,
                        // not bytes, and must not make 4 bytes cost `max_frame_size`.
                        let size = i32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
                        src.reserve((size + 4 - src.len()).min(READ_AHEAD));
                    }
                    Ok(None)
                }
            }
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
    fn frame_len_caps_before_buffering() {
        assert_eq!(frame_len(&[0, 0], 100).unwrap(), None);
        assert_eq!(frame_len(&[0, 0, 0, 2, 1], 100).unwrap(), None);
        assert_eq!(frame_len(&[0, 0, 0, 2, 1, 2, 3], 100).unwrap(), Some(6));
        assert!(frame_len(&[0x7f, 0xff, 0xff, 0xff], 100).is_err());
        assert!(frame_len(&[0xff, 0xff, 0xff, 0xff], 100).is_err());
    }

    #[test]
    fn split_frame_leaves_the_rest() {
        let mut b = BytesMut::from(&[0, 0, 0, 1, 9, 0, 0][..]);
        assert_eq!(&split_frame(&mut b, 10).unwrap().unwrap()[..], &[9]);
        assert_eq!(&b[..], &[0, 0]);
        assert!(split_frame(&mut b, 10).unwrap().is_none());
    }
}
