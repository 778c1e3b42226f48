//! Request and response headers.
//!
//! Request header v1 carries the API key, API version, correlation id and a nullable client id;
//! v2 (used exactly when the body version is flexible) adds a tagged-field buffer. The client id
//! stays a classic int16-length string even in v2. Response header v0 is just the correlation
//! id; v1 adds tagged fields — except that ApiVersions responses always use v0, so that a client
//! can read the response of a broker whichever version it asked for.
//!
//! These rules take whether the body is flexible; [`crate::api::request_header_version`] and
//! [`crate::api::response_header_version`] apply them to the APIs this crate models.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};

use crate::primitives::{Decoder, put_len, put_unknown_tags};
use crate::{ApiKey, DecodeError, EncodeError};

/// The request header version that goes with a body encoded flexibly or not.
pub const fn request_header_version_for(flexible: bool) -> i16 {
    if flexible { 2 } else { 1 }
}

/// The response header version for a body of `api_key`, encoded flexibly or not.
pub const fn response_header_version_for(api_key: ApiKey, flexible: bool) -> i16 {
    if flexible && api_key.0 != ApiKey::API_VERSIONS.0 {
        1
    } else {
        0
    }
}

/// A request header (v0, v1 or v2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestHeader {
    /// Which API the request is for.
    pub api_key: ApiKey,
    /// The version of the request body.
    pub api_version: i16,
    /// Echoed in the response so that the client can match it.
    pub correlation_id: i32,
    /// The client's id (v1+), nullable.
    pub client_id: Option<String>,
    /// Tagged fields (v2), none of which this crate knows.
    pub unknown_tagged_fields: BTreeMap<u32, Bytes>,
}

impl RequestHeader {
    /// A header for `(api_key, api_version)` with a client id.
    pub fn new(
        api_key: ApiKey,
        api_version: i16,
        correlation_id: i32,
        client_id: Option<&str>,
    ) -> Self {
        RequestHeader {
            api_key,
            api_version,
            correlation_id,
            client_id: client_id.map(str::to_owned),
            unknown_tagged_fields: BTreeMap::new(),
        }
    }

    /// Decodes a header of the given version.
    pub fn decode(d: &mut Decoder<'_>, header_version: i16) -> Result<Self, DecodeError> {
        let api_key = ApiKey(d.i16("api_key")?);
        let api_version = d.i16("api_version")?;
        let correlation_id = d.i32("correlation_id")?;
        let client_id = if header_version >= 1 {
            d.string(false, true, "client_id")?
        } else {
            None
        };
        let mut unknown_tagged_fields = BTreeMap::new();
        if header_version >= 2 {
            d.tagged_fields(&mut unknown_tagged_fields, |_, _| Ok(false))?;
        }
        Ok(RequestHeader {
            api_key,
            api_version,
            correlation_id,
            client_id,
            unknown_tagged_fields,
        })
    }

    /// Appends the header at the given version.
    pub fn encode(&self, buf: &mut BytesMut, header_version: i16) -> Result<(), EncodeError> {
        buf.put_i16(self.api_key.0);
        buf.put_i16(self.api_version);
        buf.put_i32(self.correlation_id);
        if header_version >= 1 {
            match &self.client_id {
                Some(s) => {
                    put_len(buf, Some(s.len()), false, true, "client_id")?;
                    buf.put_slice(s.as_bytes());
                }
                None => put_len(buf, None, false, true, "client_id")?,
            }
        }
        if header_version >= 2 {
            put_unknown_tags(buf, &self.unknown_tagged_fields);
        }
        Ok(())
    }
}

/// A response header (v0 or v1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeader {
    /// The correlation id of the request this answers.
    pub correlation_id: i32,
    /// Tagged fields (v1), none of which this crate knows.
    pub unknown_tagged_fields: BTreeMap<u32, Bytes>,
}

impl ResponseHeader {
    /// A header answering `correlation_id`.
    pub fn new(correlation_id: i32) -> Self {
        ResponseHeader {
            correlation_id,
            unknown_tagged_fields: BTreeMap::new(),
        }
    }

    /// Decodes a header of the given version.
    pub fn decode(d: &mut Decoder<'_>, header_version: i16) -> Result<Self, DecodeError> {
        let correlation_id = d.i32("correlation_id")?;
        let mut unknown_tagged_fields = BTreeMap::new();
        if header_version >= 1 {
            d.tagged_fields(&mut unknown_tagged_fields, |_, _| Ok(false))?;
        }
        Ok(ResponseHeader {
            correlation_id,
            unknown_tagged_fields,
        })
    }

    /// Appends the header at the given version.
    pub fn encode(&self, buf: &mut BytesMut, header_version: i16) {
        buf.put_i32(self.correlation_id);
        if header_version >= 1 {
            put_unknown_tags(buf, &self.unknown_tagged_fields);
        }
    }
}
