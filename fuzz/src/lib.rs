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
//!   the API. If they equal a modeled API key (one of `SUPPORTED_APIS`) that API is used,
//!   otherwise they index `SUPPORTED_APIS` modulo its length. Seeds therefore carry the real key.
//! * `ver` (big-endian `i16`): used as is when the API supports it in that direction, otherwise
//!   mapped into the supported range (`min + ver mod span`). Seeds carry the real version.
//!
//! `seed-corpus.sh` writes exactly this layout in front of the golden vectors.
//!
//! `frame` and `record_batch` have layouts of their own, described at their functions.

#![allow(dead_code)] // Not every user of this file calls every function.

use kwire_protocol::api::{self, RequestBody, ResponseBody, SUPPORTED_APIS};
use kwire_protocol::api::{request_header_version, response_header_version};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::records::{
    self, BATCH_HEADER_SIZE, BatchView, Batches, CRC_START, Compression, ControlRecordKey,
    DEFAULT_MAX_DECOMPRESSED_SIZE, DecodeOptions, EndTxnMarker, LOG_OVERHEAD, RecordBatch,
};
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
        // What a broker does next: the records of every partition, all complete.
        if let RequestBody::Produce(p) = &body {
            for t in &p.topic_data {
                for part in &t.partition_data {
                    if let Some(records) = &part.records {
                        walk_records(records.clone(), false, NESTED_RECORDS_CAP);
                    }
                }
            }
        }
    }
}

/// The decompression cap for records nested in Produce requests and Fetch responses.
pub const NESTED_RECORDS_CAP: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// response

/// Target `response`, after the 4 selector bytes:
/// * mode bit clear: a response body → `ResponseBody::decode`.
/// * mode bit set: a whole response frame payload (header + body) →
///   `ResponseBody::decode_frame` (`frame::decode_response::<M>` of the API's type), which
///   must agree with `ResponseHeader::decode` followed by
///   `ResponseBody::decode` on what follows the header.
pub fn response(data: &[u8]) {
    let Some(sel) = select(data, false) else {
        return;
    };
    if !sel.mode {
        if let Ok(body) = ResponseBody::decode(sel.api_key, sel.version, &sel.body) {
            assert_eq!(body.api_key(), sel.api_key);
            std::hint::black_box(format!("{body:?}").len());
            // What a consumer does next: the records of every partition, maybe cut short.
            if let ResponseBody::Fetch(f) = &body {
                for t in &f.responses {
                    for part in &t.partitions {
                        if let Some(records) = &part.records {
                            walk_records(records.clone(), true, NESTED_RECORDS_CAP);
                        }
                    }
                }
            }
        }
        return;
    }

    let payload = &sel.body;
    let whole = ResponseBody::decode_frame(sel.api_key, sel.version, payload);
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

/// Target `frame`: a byte stream from a socket, through `split_frame`, `FrameReader` and the tokio
/// `KafkaFrameCodec`. Input `[max] [chunk] stream...`:
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

    // The tokio codec over the same pieces: the same frames and error ...
    let codec = codec_frames(frame::KafkaFrameCodec::new(max), stream, chunk);
    assert_eq!(
        codec.frames, whole.frames,
        "KafkaFrameCodec and split_frame disagree"
    );
    assert_eq!(
        codec.error, whole.error,
        "KafkaFrameCodec and split_frame disagree"
    );
    // ... and with Kafka's default 100 MiB maximum, no buffer sized by what a size prefix
    // claims rather than by what arrived (checked in `codec_frames`).
    codec_frames(frame::KafkaFrameCodec::default(), stream, chunk);

    // `FrameReader`, read into as a socket would fill it: the same frames and error, and its
    // buffer bounded by what arrived whatever the size prefixes claim.
    let reader = reader_frames(frame::FrameReader::new(max), stream, chunk);
    assert_eq!(
        reader.frames, whole.frames,
        "FrameReader and split_frame disagree"
    );
    assert_eq!(
        reader.error, whole.error,
        "FrameReader and split_frame disagree"
    );
    reader_frames(
        frame::FrameReader::new(frame::DEFAULT_MAX_FRAME_SIZE),
        stream,
        chunk,
    );

    for payload in &whole.frames {
        check_request_payload(payload);
    }
}

/// Most buffer capacity, beyond twice what has arrived, that waiting for a frame may reserve.
/// A size prefix is a claim, not bytes: reserving what it claims lets 4 bytes cost 100 MiB.
pub const MAX_READ_AHEAD: usize = 128 * 1024;

/// Feeds `stream` to `codec` in pieces of `chunk` bytes; stops at the first error.
fn codec_frames(mut codec: frame::KafkaFrameCodec, stream: &[u8], chunk: usize) -> Split {
    use tokio_util::codec::Decoder as _;

    let mut out = Split::default();
    let mut buf = BytesMut::new();
    'feed: for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => out.frames.push(f),
                Ok(None) => {
                    assert!(
                        buf.capacity() <= 2 * buf.len() + MAX_READ_AHEAD,
                        "{} bytes reserved for {} bytes received",
                        buf.capacity(),
                        buf.len()
                    );
                    break;
                }
                Err(frame::FrameCodecError::Decode(e)) => {
                    out.error = Some(e);
                    break 'feed;
                }
                Err(e) => panic!("unexpected codec error {e}"),
            }
        }
    }
    out
}

/// Feeds `stream` to `reader` through `buf_for_read`, at most `chunk` bytes and never more
/// than the room it made per read; stops at the first error.
fn reader_frames(mut reader: frame::FrameReader, stream: &[u8], chunk: usize) -> Split {
    let mut out = Split::default();
    let mut rest = stream;
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                out.frames.push(f);
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        }
        if rest.is_empty() {
            return out;
        }
        let buf = reader.buf_for_read();
        let n = chunk.min(rest.len()).min(buf.capacity() - buf.len());
        assert!(n > 0, "no room made while a frame is incomplete");
        buf.extend_from_slice(&rest[..n]);
        rest = &rest[n..];
        assert!(
            buf.capacity() <= 2 * buf.len() + MAX_READ_AHEAD,
            "{} bytes reserved for {} bytes received",
            buf.capacity(),
            buf.len()
        );
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

// ---------------------------------------------------------------------------------------------
// record_batch

/// Options byte of the `record_batch` target.
mod opt {
    /// `Batches::new` (a partial trailing batch ends cleanly) instead of `Batches::complete`.
    pub const PARTIAL: u8 = 0x01;
    /// Bits 1–3: the decompression cap, `256 << (2 * k)` bytes (256 B … 1 MiB), or for k = 7
    /// the crate's default (64 MiB).
    pub const CAP_SHIFT: u8 = 1;
    /// Keep the CRCs as they are. Clear: the harness rewrites every batch's CRC-32C first, so
    /// that mutations get past the CRC check into the records and the decompressors.
    pub const KEEP_CRC: u8 = 0x10;
    /// Direct mode: the rest is a compressed payload for the codec in bits 6–7 (gzip, snappy,
    /// lz4, zstd), given to `compression::decompress` with the cap.
    pub const DECOMPRESS: u8 = 0x20;
    /// Bits 6–7: the codec of direct mode.
    pub const CODEC_SHIFT: u8 = 6;
}

/// The decompression cap an options byte selects.
pub fn record_cap(options: u8) -> usize {
    match (options >> opt::CAP_SHIFT) & 7 {
        7 => DEFAULT_MAX_DECOMPRESSED_SIZE,
        k => 256 << (2 * k),
    }
}

/// Target `record_batch`: a `records` blob, as a Produce request or a Fetch response holds
/// it. Input `[options] records...` (see [`opt`] for the bits):
/// * batch mode: `Batches` over the blob (with the CRCs fixed up unless `KEEP_CRC`), every
///   record of every batch through `BatchView::records` (decompressing under the cap), headers
///   and control records parsed; `to_record_batch` must agree with the lazy iterator, and an
///   owned batch must re-encode, decode to an equal batch and re-encode to the same bytes.
/// * `DECOMPRESS` mode: `compression::decompress` on the rest, which must respect the cap.
pub fn record_batch(data: &[u8]) {
    let [options, rest @ ..] = data else {
        return;
    };
    let options = *options;
    let cap = record_cap(options);
    if options & opt::DECOMPRESS != 0 {
        let codec = [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ][usize::from(options >> opt::CODEC_SHIFT)];
        if let Ok(out) = records::compression::decompress(codec, rest, cap) {
            assert!(
                out.len() <= cap,
                "{codec:?}: {} bytes over the cap {cap}",
                out.len()
            );
        }
        return;
    }

    let mut blob = rest.to_vec();
    if options & opt::KEEP_CRC == 0 {
        fix_crcs(&mut blob);
    }
    walk_records(Bytes::from(blob), options & opt::PARTIAL != 0, cap);
}

/// Rewrites the CRC-32C of every batch that `batchLength` delimits in `blob`.
pub fn fix_crcs(blob: &mut [u8]) {
    let mut pos = 0;
    while blob.len() - pos >= BATCH_HEADER_SIZE {
        let b = &blob[pos..];
        let len = i32::from_be_bytes([b[8], b[9], b[10], b[11]]);
        let Some(size) = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(LOG_OVERHEAD))
            .filter(|s| (BATCH_HEADER_SIZE..=b.len()).contains(s))
        else {
            return;
        };
        let crc = crc32c_of(&blob[pos + CRC_START..pos + size]);
        blob[pos + CRC_START - 4..pos + CRC_START].copy_from_slice(&crc.to_be_bytes());
        pos += size;
    }
}

/// CRC-32C (Castagnoli), bitwise: the harness must not trust the codec's own CRC code.
fn crc32c_of(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Walks every batch and record of a `records` field, checking what the records API promises.
pub fn walk_records(blob: Bytes, partial: bool, cap: usize) {
    let options = DecodeOptions::new().with_max_decompressed_size(cap);
    let mut batches = if partial {
        Batches::new(blob.clone())
    } else {
        Batches::complete(blob.clone())
    }
    .with_options(options);
    let mut consumed = 0;
    let mut failed = false;
    for batch in batches.by_ref() {
        match batch {
            Ok(view) => {
                consumed += view.size_in_bytes();
                check_batch(&view);
            }
            Err(_) => failed = true,
        }
    }
    assert_eq!(batches.position(), consumed);
    if !partial {
        assert_eq!(batches.partial_tail(), None);
    }
    if !failed {
        let tail = batches.partial_tail().unwrap_or(0);
        assert_eq!(
            consumed + tail,
            blob.len(),
            "batches and tail do not cover the input"
        );
    }
}

fn check_batch(view: &BatchView) {
    assert_eq!(view.size_in_bytes(), view.as_bytes().len());
    let count = view.record_count();
    let mut lazy = Vec::new();
    let mut lazy_error = None;
    for r in view.records() {
        match r {
            Ok(r) => lazy.push(r),
            Err(e) => lazy_error = Some(e),
        }
    }
    assert!(lazy.len() <= count, "more records than recordCount");
    if lazy_error.is_none() {
        assert_eq!(
            lazy.len(),
            count,
            "the iterator ended early without an error"
        );
    }
    for r in &lazy {
        assert!(r.offset >= view.base_offset() && r.offset <= view.last_offset());
        for h in &r.headers {
            let _ = h.key_str();
        }
        assert!(r.headers.iter().count() == r.headers.len());
        if view.is_control() {
            if let Some(key) = &r.key {
                let _ = ControlRecordKey::parse(key);
            }
            if let Some(value) = &r.value {
                let _ = EndTxnMarker::parse(value);
            }
        }
    }

    let owned = view.to_record_batch();
    match (&owned, &lazy_error) {
        (Ok(b), None) => assert_eq!(b.records, lazy),
        (Err(a), Some(b)) => assert_eq!(a, b),
        _ => panic!("to_record_batch and records() disagree: {owned:?} vs {lazy_error:?}"),
    }
    // The record set fails with the same error, or holds the same records.
    match (view.record_set(), &lazy_error) {
        (Ok(set), None) => {
            assert_eq!(set.len(), lazy.len());
            for (i, (s, l)) in set.iter().zip(&lazy).enumerate() {
                assert_eq!(set.record(i).as_ref(), Some(l));
                assert_eq!((s.offset, s.timestamp), (l.offset, l.timestamp));
                assert_eq!((s.key, s.value), (l.key.as_deref(), l.value.as_deref()));
            }
        }
        (Err(a), Some(b)) => assert_eq!(&a, b),
        (set, _) => panic!("record_set and records() disagree: {set:?} vs {lazy_error:?}"),
    }
    let Ok(owned) = owned else {
        return;
    };

    // Round trip of the owned batch.
    let encoded = match owned.to_bytes() {
        Ok(b) => b,
        Err(e) => panic!("a decoded batch does not re-encode: {e}\n{owned:?}"),
    };
    // The decompressed size is within `cap`, itself at most the default cap.
    let again = match RecordBatch::decode(encoded.clone()) {
        Ok(b) => b,
        Err(e) => panic!("a re-encoded batch does not decode: {e}\n{owned:?}"),
    };
    assert_eq!(owned, again, "batch changed across encode/decode");
    assert_eq!(
        again.to_bytes().expect("encodes twice"),
        encoded,
        "batch encoding is not stable"
    );
}

/// Target `consumer_protocol`: JoinGroup metadata and SyncGroup assignments as a group
/// coordinator reads them. Input: the bytes themselves, decoded as a
/// `ConsumerProtocolSubscription` and as a `ConsumerProtocolAssignment`. Neither may panic;
/// what decodes is re-encoded at the version it was read as (at most the newest known) and
/// must decode to the same value.
pub fn consumer_protocol(data: &[u8]) {
    use kwire_protocol::consumer_protocol::{
        ConsumerProtocolAssignment, ConsumerProtocolSubscription, HIGHEST_VERSION,
    };
    let input = Bytes::copy_from_slice(data);
    if let Ok((version, s)) = ConsumerProtocolSubscription::decode(&input) {
        let again = s
            .encode(version.min(HIGHEST_VERSION))
            .expect("a decoded subscription encodes");
        let (_, back) = ConsumerProtocolSubscription::decode(&again).expect("and decodes");
        assert_eq!(back, s, "subscription round trip");
    }
    if let Ok((version, a)) = ConsumerProtocolAssignment::decode(&input) {
        let again = a
            .encode(version.min(HIGHEST_VERSION))
            .expect("a decoded assignment encodes");
        let (_, back) = ConsumerProtocolAssignment::decode(&again).expect("and decodes");
        assert_eq!(back, a, "assignment round trip");
    }
}
