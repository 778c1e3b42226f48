//! The [`Message`] trait every request and response body implements.

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};

use crate::primitives::{Ctx, Decoder, Field};
use crate::{ApiKey, DecodeError, EncodeError, VersionRange};

/// Whether a message is a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Sent by clients.
    Request,
    /// Sent by brokers.
    Response,
}

/// A request or response body: one Rust type for every version of the message.
///
/// Fields a version cannot carry are left at their defaults on decode; encoding a non-default
/// value for such a field is an error unless the field is ignorable.
pub trait Message: Field + Default + Clone + Debug + PartialEq + Send + Sync + 'static {
    /// The API this message belongs to.
    const API_KEY: ApiKey;
    /// Request or response.
    const KIND: MessageKind;
    /// The versions this crate can encode and decode.
    const VERSIONS: VersionRange;
    /// The versions that use the flexible (compact, tagged) encoding.
    const FLEXIBLE: VersionRange;

    /// The header version that goes with body `version` (see [`crate::header`]).
    fn header_version(version: i16) -> i16 {
        let flexible = Self::FLEXIBLE.contains(version);
        match Self::KIND {
            MessageKind::Request => crate::header::request_header_version_for(flexible),
            MessageKind::Response => {
                crate::header::response_header_version_for(Self::API_KEY, flexible)
            }
        }
    }

    /// Appends the body at `version` to `buf`.
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        if !Self::VERSIONS.contains(version) {
            return Err(EncodeError::UnsupportedVersion {
                api_key: Self::API_KEY.0,
                version,
            });
        }
        let ctx = Ctx {
            version,
            flexible: Self::FLEXIBLE.contains(version),
            nullable: false,
        };
        Field::write(self, buf, ctx)
    }

    /// An arbitrary body valid at `version`, from `seed` (feature `test-util`).
    #[cfg(feature = "test-util")]
    fn arbitrary(seed: u64, version: i16) -> Self
    where
        Self: crate::testing::arbitrary::Arbitrary,
    {
        let ctx = Ctx {
            version,
            flexible: Self::FLEXIBLE.contains(version),
            nullable: false,
        };
        <Self as crate::testing::arbitrary::Arbitrary>::arbitrary(
            &mut crate::testing::arbitrary::Rng::new(seed),
            ctx,
        )
    }

    /// Encodes the body at `version` into a new buffer.
    fn to_bytes(&self, version: i16) -> Result<Bytes, EncodeError> {
        let mut buf = BytesMut::new();
        self.encode(&mut buf, version)?;
        Ok(buf.freeze())
    }

    /// Decodes a body at `version` from the decoder, leaving what follows it.
    fn decode_from(d: &mut Decoder<'_>, version: i16) -> Result<Self, DecodeError> {
        if !Self::VERSIONS.contains(version) {
            return Err(DecodeError::UnsupportedVersion {
                api_key: Self::API_KEY.0,
                version,
            });
        }
        let ctx = Ctx {
            version,
            flexible: Self::FLEXIBLE.contains(version),
            nullable: false,
        };
        <Self as Field>::read(d, ctx)
    }

    /// Decodes a body at `version` that must fill `buf` exactly.
    fn decode(buf: &Bytes, version: i16) -> Result<Self, DecodeError> {
        let mut d = Decoder::new(buf);
        let m = Self::decode_from(&mut d, version)?;
        d.finish(Self::API_KEY.name())?;
        Ok(m)
    }
}

/// A request, tied to the response type it gets.
pub trait Request: Message {
    /// The response to this request.
    type Response: Message;
}
