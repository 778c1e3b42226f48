//! # kwire-protocol
//!
//! A sans-IO codec for the Kafka wire protocol: request and response headers (including
//! flexible versions and tagged fields), the messages listed in [`api`] in every version current
//! Kafka defines, and record batches v2 with CRC-32C and gzip/snappy/lz4/zstd.
//!
//! * Decoding works on [`bytes::Bytes`]: byte fields, record keys, values and header values are
//!   zero-copy slices of the input.
//! * Every decoder returns a typed [`DecodeError`] on bad input: no panics, and no allocation
//!   beyond a small multiple of the input (lengths and counts are checked against the bytes
//!   left before anything is reserved).
//! * No sockets, no clock, no runtime: [`frame::FrameReader`] cuts frames out of bytes the
//!   caller reads. The `tokio-codec` feature adds a `tokio_util` framing codec.
//!
//! ```
//! use bytes::BytesMut;
//! use kwire_protocol::{ApiKey, Message, RequestHeader, frame};
//! use kwire_protocol::api::ApiVersionsRequest;
//!
//! let req = ApiVersionsRequest {
//!     client_software_name: "my-tool".into(),
//!     client_software_version: "1.0".into(),
//!     ..Default::default()
//! };
//! let header = RequestHeader::new(ApiKey::API_VERSIONS, 3, 1, Some("my-tool"));
//! let mut buf = BytesMut::new();
//! frame::encode_request(&mut buf, &header, &req).unwrap();
//!
//! // The broker side: read the frame, then its header, then the body.
//! let mut reader = frame::FrameReader::new(frame::DEFAULT_MAX_FRAME_SIZE);
//! let payload = reader.read_frame_from(&mut &buf[..]).unwrap();
//! let (hdr, body) = frame::decode_request_header(&payload).unwrap();
//! assert_eq!(hdr.correlation_id, 1);
//! assert_eq!(ApiVersionsRequest::decode(&body, hdr.api_version).unwrap(), req);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
mod api_key;
pub mod consumer_protocol;
pub mod dsl;
mod error;
mod error_code;
pub mod frame;
pub mod header;
mod message;
pub mod primitives;
pub mod records;
#[cfg(feature = "test-util")]
pub mod testing;
mod version;

pub use api_key::ApiKey;
pub use error::{DecodeError, EncodeError};
pub use error_code::ErrorCode;
pub use header::{RequestHeader, ResponseHeader};
pub use message::{Message, MessageKind, Request};
pub use version::VersionRange;

pub use bytes::{Bytes, BytesMut};
pub use uuid::Uuid;

/// The README's example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
