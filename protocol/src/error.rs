//! Errors raised while decoding or encoding wire data.

use thiserror::Error;

/// Why bytes could not be decoded. Decoders return this instead of panicking, whatever the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the value did.
    #[error("truncated input: {what} needs {needed} bytes, {available} left")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes the value needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A length or count prefix is negative (other than the null sentinel) or larger than the
    /// bytes that remain.
    #[error("invalid length {len} for {what} ({available} bytes left)")]
    InvalidLength {
        /// What the length was for.
        what: &'static str,
        /// The length read from the wire.
        len: i64,
        /// Bytes that were left.
        available: usize,
    },
    /// A varint ran past its maximum encoded size (5 bytes for 32 bits, 10 for 64).
    #[error("varint for {what} is longer than {max} bytes")]
    VarintTooLong {
        /// What was being read.
        what: &'static str,
        /// The maximum encoded size.
        max: usize,
    },
    /// A string is not valid UTF-8.
    #[error("string {what} is not valid UTF-8")]
    InvalidUtf8 {
        /// What was being read.
        what: &'static str,
    },
    /// A null appeared where the version does not allow one.
    #[error("{what} is null, which this version does not allow")]
    UnexpectedNull {
        /// What was being read.
        what: &'static str,
    },
    /// A boolean was neither 0 nor 1.
    #[error("invalid boolean byte {0}")]
    InvalidBool(u8),
    /// A tag repeats, or tags are not in ascending order, in one tagged-field buffer.
    #[error("tag {tag} repeated or out of order in a tagged-field buffer")]
    DuplicateTag {
        /// The tag.
        tag: u32,
    },
    /// A known tagged field did not fill exactly the size its prefix announced.
    #[error("tagged field {tag} announced {size} bytes but its value used {used}")]
    TaggedFieldSize {
        /// The tag.
        tag: u32,
        /// The announced size.
        size: usize,
        /// The bytes the value used.
        used: usize,
    },
    /// The message is not defined at this version (or the API key is unknown).
    #[error("api key {api_key} version {version} is not supported")]
    UnsupportedVersion {
        /// The API key.
        api_key: i16,
        /// The requested version.
        version: i16,
    },
    /// Bytes were left after the message ended; a frame must be consumed exactly.
    #[error("{remaining} bytes left over after {what}")]
    TrailingBytes {
        /// What was decoded.
        what: &'static str,
        /// The number of bytes left.
        remaining: usize,
    },
    /// A frame's size prefix is negative or larger than the configured maximum.
    #[error("frame size {size} outside 0..={max}")]
    FrameSize {
        /// The size read from the prefix.
        size: i64,
        /// The configured maximum.
        max: usize,
    },
    /// A record batch's stored CRC-32C does not match its contents.
    #[error("record batch CRC mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch {
        /// The CRC stored in the batch.
        stored: u32,
        /// The CRC computed over the batch.
        computed: u32,
    },
    /// A record batch has a magic byte other than 2.
    #[error("unsupported record batch magic {0} (only v2 is supported)")]
    UnsupportedMagic(i8),
    /// A record batch or record is internally inconsistent.
    #[error("corrupt record batch: {0}")]
    CorruptBatch(&'static str),
    /// The batch names a compression codec this build does not know or has disabled.
    #[error("unsupported compression codec {0}")]
    UnsupportedCompression(u8),
    /// Decompression failed.
    #[error("{codec} decompression failed: {reason}")]
    Decompression {
        /// The codec.
        codec: &'static str,
        /// Why.
        reason: String,
    },
    /// Decompressed data would exceed the configured cap.
    #[error("decompressed size exceeds the limit of {limit} bytes")]
    DecompressedTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The message is not defined at this version.
    #[error("api key {api_key} version {version} is not supported")]
    UnsupportedVersion {
        /// The API key.
        api_key: i16,
        /// The requested version.
        version: i16,
    },
    /// A field holds a non-default value that the chosen version cannot carry.
    #[error("{message}.{field} cannot be sent at version {version}")]
    FieldNotSupported {
        /// The message or struct.
        message: &'static str,
        /// The field.
        field: &'static str,
        /// The chosen version.
        version: i16,
    },
    /// A field is `None` but the chosen version has no null for it.
    #[error("{what} is null, which version {version} does not allow")]
    NullNotAllowed {
        /// The field.
        what: &'static str,
        /// The chosen version.
        version: i16,
    },
    /// A string, byte array or array is longer than its length prefix can say.
    #[error("{what} has length {len}, more than the wire format allows")]
    TooLong {
        /// What was being encoded.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A record batch is inconsistent (e.g. offsets or timestamps out of range).
    #[error("invalid record batch: {0}")]
    InvalidBatch(&'static str),
    /// The codec is disabled in this build.
    #[error("compression codec {0} is not enabled in this build")]
    UnsupportedCompression(&'static str),
    /// Compression failed.
    #[error("{codec} compression failed: {reason}")]
    Compression {
        /// The codec.
        codec: &'static str,
        /// Why.
        reason: String,
    },
}

impl EncodeError {
    /// Names the field a [`EncodeError::NullNotAllowed`] came from.
    pub fn in_field(self, message: &'static str, field: &'static str) -> Self {
        match self {
            EncodeError::NullNotAllowed {
                what: "field",
                version,
            } => {
                let _ = message;
                EncodeError::NullNotAllowed {
                    what: field,
                    version,
                }
            }
            other => other,
        }
    }
}
