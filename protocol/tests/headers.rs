//! Request/response headers against the Java client's bytes, and whole frames through the
//! `RequestBody` dispatcher.
mod common;

use bytes::{Bytes, BytesMut};
use kwire_protocol::api::{ApiVersionsResponse, MetadataRequest, RequestBody};
use kwire_protocol::api::{request_header_version, response_header_version};
use kwire_protocol::primitives::Decoder;
use kwire_protocol::{ApiKey, Message, RequestHeader, ResponseHeader, frame};

fn header_vectors() -> Vec<(String, i64)> {
    let raw = std::fs::read_to_string(common::vectors_dir().join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "header")
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_owned(),
                m["headerVersion"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn golden_headers_round_trip() {
    let mut n = 0;
    for (file, hv) in header_vectors() {
        let bytes = common::vector(&file).unwrap();
        let hv = hv as i16;
        let mut out = BytesMut::new();
        if file.starts_with("reqhdr") {
            let mut d = Decoder::new(&bytes);
            let h = RequestHeader::decode(&mut d, hv).unwrap();
            d.finish("header").unwrap();
            assert_eq!(h.correlation_id, 0x0102_0304, "{file}");
            h.encode(&mut out, hv).unwrap();
        } else {
            let mut d = Decoder::new(&bytes);
            let h = ResponseHeader::decode(&mut d, hv).unwrap();
            d.finish("header").unwrap();
            assert_eq!(h.correlation_id, 0x0102_0304, "{file}");
            h.encode(&mut out, hv);
        }
        assert_eq!(&out[..], &bytes[..], "{file}");
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn header_versions_follow_flexibility_with_the_api_versions_exception() {
    assert_eq!(request_header_version(ApiKey::PRODUCE, 8), Some(1));
    assert_eq!(request_header_version(ApiKey::PRODUCE, 9), Some(2));
    assert_eq!(response_header_version(ApiKey::PRODUCE, 9), Some(1));
    assert_eq!(request_header_version(ApiKey::API_VERSIONS, 3), Some(2));
    // ApiVersions responses always use header v0.
    assert_eq!(response_header_version(ApiKey::API_VERSIONS, 4), Some(0));
    assert_eq!(request_header_version(ApiKey::METADATA, 9), Some(2));
    assert_eq!(request_header_version(ApiKey::INIT_PRODUCER_ID, 2), Some(2));
    assert_eq!(request_header_version(ApiKey::FETCH, 12), Some(2));
    assert_eq!(request_header_version(ApiKey::LIST_OFFSETS, 6), Some(2));
    assert_eq!(request_header_version(ApiKey(9999), 0), None);
}

#[test]
fn request_frames_dispatch_by_api_key() {
    for version in 0..=13 {
        let req = MetadataRequest::arbitrary(u64::from(version as u16), version);
        let header = RequestHeader::new(ApiKey::METADATA, version, 42, Some("t"));
        let mut buf = BytesMut::new();
        frame::encode_request(&mut buf, &header, &req).unwrap();
        let payload = frame::split_frame(&mut buf, 1 << 20).unwrap().unwrap();
        assert!(buf.is_empty());
        let (h, body) = frame::decode_request_header(&payload).unwrap();
        assert_eq!(h, header);
        assert_eq!(
            RequestBody::decode(h.api_key, h.api_version, &body).unwrap(),
            RequestBody::Metadata(req)
        );
    }
}

#[test]
fn response_frames_round_trip() {
    for version in 0..=5 {
        let resp = ApiVersionsResponse::arbitrary(7, version);
        let mut buf = BytesMut::new();
        frame::encode_response(&mut buf, 99, &resp, version).unwrap();
        let payload = frame::split_frame(&mut buf, 1 << 20).unwrap().unwrap();
        assert_eq!(frame::peek_correlation_id(&payload).unwrap(), 99);
        let (h, back) = frame::decode_response::<ApiVersionsResponse>(&payload, version).unwrap();
        assert_eq!(h.correlation_id, 99);
        assert_eq!(back, resp);
    }
}

#[test]
fn garbage_frames_are_errors_not_panics() {
    let cases: &[&[u8]] = &[
        &[],
        &[0, 3],
        &[0, 3, 0, 9, 0, 0, 0, 1, 0xff, 0xfe],
        &[0, 18, 0, 3, 0, 0, 0, 1, 0, 0, 0x80],
        &[0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f],
    ];
    for c in cases {
        let b = Bytes::copy_from_slice(c);
        if let Ok((h, body)) = frame::decode_request_header(&b) {
            assert!(RequestBody::decode(h.api_key, h.api_version, &body).is_err());
        }
    }
}
