//! The kwire-protocol fuzz harness: one function per fuzz target, each taking libFuzzer's raw
//! input. The targets in `fuzz_targets/` only call these.
//!
//! This file depends on nothing but `kwire_protocol` and `std`, so that
//! `protocol/tests/fuzz_regressions.rs` can include it (`#[path]`) and replay a crash through
//! exactly the code that found it, under plain `cargo test`.
//!
//! ## Input layout of the message targets (`request`, `response`, `round_trip`)
//!
//! ```text
//! [key_hi key_lo] [ver_hi ver_lo] body...
//! ```
//!
//! * `key` (big-endian `u16`): bit 15 is a mode flag (see each target); the low 15 bits pick
//!   the API. If they equal a modeled API key (0, 1, 2, 3, 18, 22) that API is used, otherwise
//!   they index `SUPPORTED_APIS` modulo its length. Seeds therefore carry the real key.
//! * `ver` (big-endian `i16`): used as is when the API supports it in that direction, otherwise
//!   mapped into the supported range (`min + ver mod span`). Seeds carry the real version.
//!
//! `seed-corpus.sh` writes exactly this layout in front of the golden vectors.

#![allow(dead_code)] // Not every user of this file calls every function.

use kwire_protocol::api::{self, RequestBody, ResponseBody, SUPPORTED_APIS};
use kwire_protocol::header::{request_header_version, response_header_version};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{ApiKey, Bytes, BytesMut, DecodeError, EncodeError, ResponseHeader, frame};

/// The bit of the key selector that switches a target's second mode.
pub const MODE_BIT: u16 = 0x8000;

/// What the 4 selector bytes chose, and the bytes after them.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The mode bit (bit 15 of the key selector).
    pub mode: bool,
    /// The API.
    pub api_key: ApiKey,
    /// A version the API supports in the chosen direction.
    pub version: i16,
    /// The bytes after the selector.
    pub body: Bytes,
}

/// Splits the 4 selector bytes off `data`; `request` says which direction's version range
/// applies. `None` if `data` is shorter than 4 bytes.
pub fn select(data: &[u8], request: bool) -> Option<Selected> {
    let [k0, k1, v0, v1, body @ ..] = data else {
        return None;
    };
    let raw_key = u16::from_be_bytes([*k0, *k1]);
    let mode = raw_key & MODE_BIT != 0;
    let key = raw_key & !MODE_BIT;
    let api_key = SUPPORTED_APIS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| i32::from(k.0) == i32::from(key))
        .unwrap_or(SUPPORTED_APIS[usize::from(key) % SUPPORTED_APIS.len()].0);
    let range = api::supported_versions(api_key, request)?;
    let raw_version = i16::from_be_bytes([*v0, *v1]);
    let version = if range.contains(raw_version) {
        raw_version
    } else {
        // Ranges are a few dozen versions wide at most: no overflow.
        let span = (range.max - range.min + 1) as u16;
        range.min + (raw_version as u16 % span) as i16
    };
    Some(Selected {
        mode,
        api_key,
        version,
        body: Bytes::copy_from_slice(body),
    })
}

// ---------------------------------------------------------------------------------------------
// request

/// Target `request`: `RequestBody::decode` on a hostile body returns `Ok` or a `DecodeError`,
/// never panics, never allocates more than the input justifies (`-malloc_limit_mb`).
pub fn request(data: &[u8]) {
    let Some(sel) = select(data, true) else {
        return;
    };
    if let Ok(body) = RequestBody::decode(sel.api_key, sel.version, &sel.body) {
        assert_eq!(body.api_key(), sel.api_key);
        // Formatting walks every field.
        std::hint::black_box(format!("{body:?}").len());
    }
}

// ---------------------------------------------------------------------------------------------
// response

/// Target `response`, after the 4 selector bytes:
/// * mode bit clear: a response body → `ResponseBody::decode`.
/// * mode bit set: a whole response frame payload (header + body) →
///   `frame::decode_response::<M>`, which must agree with `ResponseHeader::decode` followed by
///   `ResponseBody::decode` on what follows the header.
pub fn response(data: &[u8]) {
    let Some(sel) = select(data, false) else {
        return;
    };
    if !sel.mode {
        if let Ok(body) = ResponseBody::decode(sel.api_key, sel.version, &sel.body) {
            assert_eq!(body.api_key(), sel.api_key);
            std::hint::black_box(format!("{body:?}").len());
        }
        return;
    }

    let payload = &sel.body;
    let whole = decode_response_payload(sel.api_key, sel.version, payload);
    // The same thing in two steps.
    let hv = response_header_version(sel.api_key, sel.version).expect("a modeled API");
    let mut d = Decoder::new(payload);
    let split = ResponseHeader::decode(&mut d, hv).and_then(|h| {
        let body = payload.slice(payload.len() - d.remaining()..);
        ResponseBody::decode(sel.api_key, sel.version, &body).map(|b| (h, b))
    });
    match (&whole, &split) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        _ => panic!("decode_response and header+body disagree: {whole:?} vs {split:?}"),
    }
    let peeked = frame::peek_correlation_id(payload);
    if let Ok((h, _)) = &whole {
        assert_eq!(peeked, Ok(h.correlation_id));
    }
}

/// Decodes a whole response payload (header + body) with [`frame::decode_response`] for the
/// message type of `api_key`, as a [`ResponseBody`].
pub fn decode_response_payload(
    api_key: ApiKey,
    version: i16,
    payload: &Bytes,
) -> Result<(ResponseHeader, ResponseBody), DecodeError> {
    use kwire_protocol::Message;
    use kwire_protocol::api::{
        ApiVersionsResponse, FetchResponse, InitProducerIdResponse, ListOffsetsResponse,
        MetadataResponse, ProduceResponse,
    };

    fn go<M: Message + Into<ResponseBody>>(
        payload: &Bytes,
        version: i16,
    ) -> Result<(ResponseHeader, ResponseBody), DecodeError> {
        frame::decode_response::<M>(payload, version).map(|(h, m)| (h, m.into()))
    }

    match api_key {
        ApiKey::PRODUCE => go::<ProduceResponse>(payload, version),
        ApiKey::FETCH => go::<FetchResponse>(payload, version),
        ApiKey::LIST_OFFSETS => go::<ListOffsetsResponse>(payload, version),
        ApiKey::METADATA => go::<MetadataResponse>(payload, version),
        ApiKey::API_VERSIONS => go::<ApiVersionsResponse>(payload, version),
        ApiKey::INIT_PRODUCER_ID => go::<InitProducerIdResponse>(payload, version),
        other => panic!("no response type for {other:?}: SUPPORTED_APIS grew, extend the harness"),
    }
}

// ---------------------------------------------------------------------------------------------
// round_trip

/// Target `round_trip`: the mode bit picks responses (set) or requests (clear); whatever
/// decodes must re-encode at the same version, decode again to an equal value, and re-encode
/// to the same bytes.
pub fn round_trip(data: &[u8]) {
    // The direction decides which version range applies: peek at the mode bit first.
    let response = data.first().is_some_and(|b| b & 0x80 != 0);
    let Some(sel) = select(data, !response) else {
        return;
    };
    if response {
        check_round_trip::<ResponseBody>(sel.api_key, sel.version, &sel.body);
    } else {
        check_round_trip::<RequestBody>(sel.api_key, sel.version, &sel.body);
    }
}

/// A decoded body of either direction, so that one round-trip check serves both.
pub trait Body: PartialEq + std::fmt::Debug + Sized {
    /// Decodes `(api_key, version)` from `buf`.
    fn decode_body(api_key: ApiKey, version: i16, buf: &Bytes) -> Result<Self, DecodeError>;
    /// Encodes at `version`.
    fn encode_body(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError>;
}

impl Body for RequestBody {
    fn decode_body(api_key: ApiKey, version: i16, buf: &Bytes) -> Result<Self, DecodeError> {
        RequestBody::decode(api_key, version, buf)
    }
    fn encode_body(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        self.encode(buf, version)
    }
}

impl Body for ResponseBody {
    fn decode_body(api_key: ApiKey, version: i16, buf: &Bytes) -> Result<Self, DecodeError> {
        ResponseBody::decode(api_key, version, buf)
    }
    fn encode_body(&self, buf: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        self.encode(buf, version)
    }
}

/// The round-trip property for one body.
pub fn check_round_trip<B: Body>(api_key: ApiKey, version: i16, input: &Bytes) {
    let Ok(first) = B::decode_body(api_key, version, input) else {
        return;
    };
    let mut buf = BytesMut::new();
    if let Err(e) = first.encode_body(&mut buf, version) {
        panic!("{api_key:?} v{version}: decoded but cannot re-encode: {e}\nvalue: {first:?}");
    }
    let encoded = buf.freeze();
    let second = match B::decode_body(api_key, version, &encoded) {
        Ok(m) => m,
        Err(e) => panic!(
            "{api_key:?} v{version}: re-encoded bytes do not decode: {e}\n\
             value: {first:?}\nbytes: {encoded:02x?}"
        ),
    };
    assert_eq!(
        first, second,
        "{api_key:?} v{version}: value changed across encode/decode"
    );
    let mut again = BytesMut::new();
    second
        .encode_body(&mut again, version)
        .expect("a value that encoded once encodes again");
    assert_eq!(
        &encoded[..],
        &again[..],
        "{api_key:?} v{version}: encoding is not stable"
    );
}

// ---------------------------------------------------------------------------------------------
// frame

/// Target `frame`: a byte stream from a socket. Input `[max] [chunk] stream...`:
/// * `max`: the maximum frame size is `max * 16` bytes (0..=4080), so oversized and negative
///   size prefixes are common.
/// * `chunk`: the stream is also fed in pieces of `chunk + 1` bytes, as reads from a socket
///   arrive; that must give the same frames, the same error at the same place and the same
///   leftover bytes as splitting the whole stream at once.
///
/// Every payload goes through `decode_request_header` and `RequestBody::decode` (and the
/// response-side header readers); frames that decode are re-encoded (header at the version
/// it implies, then the body) and must decode to the same header and body.
pub fn frame(data: &[u8]) {
    let [max, chunk, stream @ ..] = data else {
        return;
    };
    let max = usize::from(*max) * 16;
    let chunk = usize::from(*chunk) + 1;

    let mut whole = Split::default();
    let mut buf = BytesMut::from(stream);
    drain(&mut buf, max, &mut whole);
    whole.leftover = buf.to_vec();

    let mut pieces = Split::default();
    let mut buf = BytesMut::new();
    let mut fed = 0;
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        fed += piece.len();
        if !drain(&mut buf, max, &mut pieces) {
            break;
        }
    }
    pieces.leftover = [&buf[..], &stream[fed..]].concat();
    assert_eq!(
        whole, pieces,
        "split_frame depends on how the stream arrives"
    );

    for payload in &whole.frames {
        check_request_payload(payload);
    }
}

#[derive(Debug, Default, PartialEq)]
struct Split {
    frames: Vec<Bytes>,
    error: Option<DecodeError>,
    /// Bytes not consumed as frames: what is buffered plus what was never fed.
    leftover: Vec<u8>,
}

/// Splits what `buf` holds; `false` once an error stops the stream.
fn drain(buf: &mut BytesMut, max: usize, out: &mut Split) -> bool {
    loop {
        let expected = frame::frame_len(buf, max);
        match frame::split_frame(buf, max) {
            Ok(Some(payload)) => {
                assert_eq!(expected, Ok(Some(payload.len() + 4)));
                assert!(payload.len() <= max, "a frame over the maximum");
                out.frames.push(payload);
            }
            Ok(None) => {
                assert_eq!(expected, Ok(None));
                return true;
            }
            Err(e) => {
                assert_eq!(expected, Err(e.clone()));
                out.error = Some(e);
                return false;
            }
        }
    }
}

/// One request frame payload: header, body, and the round trip of both.
pub fn check_request_payload(payload: &Bytes) {
    // Response-side readers must survive request bytes too.
    let _ = frame::peek_correlation_id(payload);
    for hv in [0, 1] {
        let _ = ResponseHeader::decode(&mut Decoder::new(payload), hv);
    }

    let Ok((header, body)) = frame::decode_request_header(payload) else {
        return;
    };
    assert!(body.len() <= payload.len());
    assert_eq!(&payload[payload.len() - body.len()..], &body[..]);
    let Ok(req) = RequestBody::decode(header.api_key, header.api_version, &body) else {
        return;
    };
    assert_eq!(req.api_key(), header.api_key);

    let hv = request_header_version(header.api_key, header.api_version)
        .expect("a body decoded, so the API is modeled");
    let mut buf = BytesMut::new();
    header
        .encode(&mut buf, hv)
        .expect("a decoded header re-encodes");
    req.encode(&mut buf, header.api_version)
        .expect("a decoded body re-encodes");
    let again = buf.freeze();
    let (header2, body2) =
        frame::decode_request_header(&again).expect("the re-encoded header decodes");
    assert_eq!(header, header2);
    let req2 = RequestBody::decode(header2.api_key, header2.api_version, &body2)
        .expect("the re-encoded body decodes");
    assert_eq!(req, req2);
}
