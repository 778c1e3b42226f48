//! Record batches v2: golden vectors from Apache's Java client (`tests/vectors/batch-*.bin`
//! with what Java reads back in `batch-*.json`), re-encoding, property round trips and hostile
//! input.
//!
//! Needs every codec (the default features).
#![cfg(all(
    feature = "gzip",
    feature = "snappy",
    feature = "lz4",
    feature = "zstd"
))]
#![allow(missing_docs)]

use std::path::PathBuf;

use bytes::{BufMut, Bytes, BytesMut};
use kwire_protocol::DecodeError;
use kwire_protocol::records::compression::{self, DEFAULT_MAX_DECOMPRESSED_SIZE};
use kwire_protocol::records::{
    BatchOptions, BatchView, BatchWriter, Batches, Compression, ControlRecordKey,
    ControlRecordType, DecodeOptions, EndTxnMarker, HeaderRef, RecordBatch, TimestampType,
};
use kwire_protocol::testing::{BatchBuilder, reseal};
use proptest::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Helpers

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// Every golden batch file: (name, bytes, Java's JSON).
fn golden() -> Vec<(String, Bytes, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(vectors_dir()).expect("vectors dir") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.starts_with("batch-") && name.ends_with(".bin") {
            let bin = Bytes::from(std::fs::read(&path).unwrap());
            let json = std::fs::read_to_string(path.with_extension("json")).unwrap();
            out.push((name, bin, serde_json::from_str(&json).unwrap()));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 15,
        "expected the golden batch files, found {}",
        out.len()
    );
    out
}

fn hex_or_null(v: &Value) -> Option<Vec<u8>> {
    v.as_str().map(|s| hex::decode(s).unwrap())
}

fn codec_of(name: &str) -> Compression {
    match name {
        "NONE" => Compression::None,
        "GZIP" => Compression::Gzip,
        "SNAPPY" => Compression::Snappy,
        "LZ4" => Compression::Lz4,
        "ZSTD" => Compression::Zstd,
        other => panic!("unknown codec {other}"),
    }
}

/// A batch holding `payload` as its records section, with a valid CRC and a consistent length.
fn raw_batch(attributes: i16, count: i32, last_offset_delta: i32, payload: &[u8]) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i64(0);
    b.put_i32((49 + payload.len()) as i32);
    b.put_i32(-1);
    b.put_i8(2);
    b.put_u32(0);
    b.put_i16(attributes);
    b.put_i32(last_offset_delta);
    b.put_i64(1_700_000_000_000);
    b.put_i64(1_700_000_000_000);
    b.put_i64(-1);
    b.put_i16(-1);
    b.put_i32(-1);
    b.put_i32(count);
    b.put_slice(payload);
    reseal(&mut b);
    b.freeze()
}

// ---------------------------------------------------------------------------------------------
// Golden vectors

#[test]
fn golden_batches_decode_like_java() {
    for (name, bin, json) in golden() {
        assert_eq!(
            json["sizeInBytes"].as_u64().unwrap() as usize,
            bin.len(),
            "{name}"
        );
        let mut batches = Batches::complete(bin.clone());
        let expected = json["batches"].as_array().unwrap();
        for (i, jb) in expected.iter().enumerate() {
            let ctx = format!("{name} batch {i}");
            let view = batches.next().expect(&ctx).expect(&ctx);
            let h = view.header();
            let int = |k: &str| jb[k].as_i64().unwrap_or_else(|| panic!("{ctx}: {k}"));
            assert_eq!(h.base_offset, int("baseOffset"), "{ctx}");
            assert_eq!(view.last_offset(), int("lastOffset"), "{ctx}");
            assert_eq!(
                i64::from(h.last_offset_delta),
                int("lastOffsetDelta"),
                "{ctx}"
            );
            assert_eq!(view.size_in_bytes() as i64, int("sizeInBytes"), "{ctx}");
            assert_eq!(i64::from(h.batch_length), int("batchLength"), "{ctx}");
            assert_eq!(
                i64::from(h.partition_leader_epoch),
                int("partitionLeaderEpoch"),
                "{ctx}"
            );
            assert_eq!(i64::from(h.magic), int("magic"), "{ctx}");
            assert_eq!(i64::from(h.crc), int("crc"), "{ctx}");
            assert_eq!(i64::from(h.attributes), int("attributes"), "{ctx}");
            assert_eq!(
                view.compression(),
                codec_of(jb["compressionType"].as_str().unwrap()),
                "{ctx}"
            );
            let tt = match jb["timestampType"].as_str().unwrap() {
                "CREATE_TIME" => TimestampType::CreateTime,
                "LOG_APPEND_TIME" => TimestampType::LogAppendTime,
                other => panic!("{other}"),
            };
            assert_eq!(view.timestamp_type(), tt, "{ctx}");
            assert_eq!(
                view.is_transactional(),
                jb["isTransactional"].as_bool().unwrap(),
                "{ctx}"
            );
            assert_eq!(
                view.is_control(),
                jb["isControlBatch"].as_bool().unwrap(),
                "{ctx}"
            );
            assert_eq!(h.producer_id, int("producerId"), "{ctx}");
            assert_eq!(i64::from(h.producer_epoch), int("producerEpoch"), "{ctx}");
            assert_eq!(i64::from(h.base_sequence), int("baseSequence"), "{ctx}");
            assert_eq!(i64::from(h.last_sequence()), int("lastSequence"), "{ctx}");
            assert_eq!(view.record_count() as i64, int("count"), "{ctx}");
            assert_eq!(h.base_timestamp, int("baseTimestamp"), "{ctx}");
            assert_eq!(h.max_timestamp, int("maxTimestamp"), "{ctx}");

            let jrecords = jb["records"].as_array().unwrap();
            let mut n = 0;
            for (r, jr) in view.records().zip(jrecords) {
                let r = r.unwrap_or_else(|e| panic!("{ctx} record {n}: {e}"));
                let rctx = format!("{ctx} record {n}");
                assert_eq!(r.offset, jr["offset"].as_i64().unwrap(), "{rctx}");
                assert_eq!(r.timestamp, jr["timestamp"].as_i64().unwrap(), "{rctx}");
                assert_eq!(
                    i64::from(h.sequence_at(r.offset_delta)),
                    jr["sequence"].as_i64().unwrap(),
                    "{rctx}"
                );
                assert_eq!(
                    r.key.as_deref(),
                    hex_or_null(&jr["key"]).as_deref(),
                    "{rctx}"
                );
                assert_eq!(
                    r.value.as_deref(),
                    hex_or_null(&jr["value"]).as_deref(),
                    "{rctx}"
                );
                let jh = jr["headers"].as_array().unwrap();
                assert_eq!(r.headers.len(), jh.len(), "{rctx}");
                for (hd, jhd) in r.headers.iter().zip(jh) {
                    assert_eq!(hd.key_str().unwrap(), jhd[0].as_str().unwrap(), "{rctx}");
                    assert_eq!(
                        hd.value.as_deref(),
                        hex_or_null(&jhd[1]).as_deref(),
                        "{rctx}"
                    );
                }
                if let Some(ct) = jr.get("controlType") {
                    let key = ControlRecordKey::parse(r.key.as_deref().unwrap()).unwrap();
                    let want = match ct.as_str().unwrap() {
                        "ABORT" => ControlRecordType::Abort,
                        "COMMIT" => ControlRecordType::Commit,
                        other => panic!("{other}"),
                    };
                    assert_eq!(key.kind, want, "{rctx}");
                    let marker = EndTxnMarker::parse(r.value.as_deref().unwrap()).unwrap();
                    assert_eq!(
                        i64::from(marker.coordinator_epoch),
                        jr["coordinatorEpoch"].as_i64().unwrap(),
                        "{rctx}"
                    );
                }
                n += 1;
            }
            assert_eq!(n, jrecords.len(), "{ctx}");
            // The borrowed iterator sees the same records.
            let owned: Vec<_> = view.records().collect::<Result<_, _>>().unwrap();
            let refs: Vec<_> = view
                .record_refs()
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(owned.len(), refs.len(), "{ctx}");
            for (o, r) in owned.iter().zip(&refs) {
                assert_eq!((o.offset, o.timestamp), (r.offset, r.timestamp), "{ctx}");
                assert_eq!(
                    (o.key.as_deref(), o.value.as_deref()),
                    (r.key, r.value),
                    "{ctx}"
                );
                assert_eq!(o.headers.as_bytes(), r.headers.as_bytes(), "{ctx}");
            }
            // So does the record set, in both directions.
            let set = view.record_set().unwrap();
            assert_eq!(set.len(), owned.len(), "{ctx}");
            assert!(set.iter().eq(refs.iter().copied()), "{ctx}");
            assert!(set.iter().rev().eq(refs.iter().rev().copied()), "{ctx}");
            for (i, o) in owned.iter().enumerate() {
                assert_eq!(set.record(i).as_ref(), Some(o), "{ctx}");
            }
            assert!(set.get(owned.len()).is_none() && set.record(owned.len()).is_none());
        }
        assert!(batches.next().is_none(), "{name}: extra batches");
        assert_eq!(batches.partial_tail(), None, "{name}");
    }
}

#[test]
fn golden_uncompressed_batches_reencode_byte_exact() {
    let mut checked = 0;
    for (name, bin, _) in golden() {
        let mut batches = Batches::complete(bin.clone());
        let mut out = BytesMut::new();
        let mut all_plain = true;
        for view in &mut batches {
            let view = view.unwrap();
            let owned = view.to_record_batch().unwrap();
            if owned.compression != Compression::None {
                all_plain = false;
                // Keep the Java bytes for compressed batches in multi-batch files.
                out.extend_from_slice(view.as_bytes());
                continue;
            }
            let header = owned.encode(&mut out).unwrap();
            assert_eq!(&header, view.header(), "{name}");
            checked += 1;
        }
        assert_eq!(&out[..], &bin[..], "{name} (all plain: {all_plain})");
    }
    assert!(checked >= 10, "only {checked} uncompressed batches");
}

/// Re-encodes each compressed golden batch with the same codec: our decoder must read back the
/// same records, and the bytes are compared with Java's (reported; asserted where they match).
#[test]
fn golden_compressed_batches_reencode() {
    let mut report = Vec::new();
    for (name, bin, _) in golden() {
        for view in Batches::complete(bin.clone()) {
            let view = view.unwrap();
            if view.compression() == Compression::None {
                continue;
            }
            let owned = view.to_record_batch().unwrap();
            let ours = owned.to_bytes().unwrap();
            let back = RecordBatch::decode(ours.clone()).unwrap();
            assert_eq!(back, owned, "{name}");
            let same = ours == view.as_bytes();
            // Same records section once decompressed, whatever the compressed bytes.
            assert_eq!(
                BatchView::decode(ours.clone())
                    .unwrap()
                    .records_payload()
                    .unwrap(),
                view.records_payload().unwrap(),
                "{name}"
            );
            report.push((
                name.clone(),
                view.compression(),
                same,
                ours.len(),
                view.size_in_bytes(),
            ));
        }
    }
    for (name, codec, same, ours, java) in &report {
        eprintln!("{name}: {codec}: byte-exact with Java = {same} (ours {ours} B, Java {java} B)");
    }
    // snappy (xerial framing, snap's compressor), lz4 (liblz4 blocks in Kafka's frame layout)
    // and zstd (same libzstd as zstd-jni, same stream calls) reproduce Java's bytes; gzip
    // (miniz_oxide vs zlib) compresses differently but frames identically (checked below).
    for (name, codec, same, _, _) in &report {
        if matches!(
            codec,
            Compression::Snappy | Compression::Lz4 | Compression::Zstd
        ) {
            assert!(same, "{name}: {codec} no longer byte-exact with Java");
        }
    }
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        assert!(
            report.iter().any(|r| r.1 == codec),
            "no golden {codec} batch"
        );
    }
    // Framing matches Java's even where the compressor's choices differ.
    for (name, bin, _) in golden() {
        let view = match BatchView::decode(bin.clone()) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let ours = view.to_record_batch().unwrap().to_bytes().unwrap();
        match view.compression() {
            Compression::Snappy | Compression::Lz4 | Compression::Gzip => {
                let n = if view.compression() == Compression::Gzip {
                    10
                } else {
                    7
                };
                assert_eq!(&ours[61..61 + n], &bin[61..61 + n], "{name}: codec header");
            }
            Compression::Zstd => {
                assert_eq!(&ours[61..66], &bin[61..66], "{name}: zstd frame header")
            }
            Compression::None => {}
        }
    }
}

#[test]
fn control_batches_expose_the_flag_and_markers() {
    for (file, kind) in [
        ("batch-control-commit.bin", ControlRecordType::Commit),
        ("batch-control-abort.bin", ControlRecordType::Abort),
    ] {
        let bin = Bytes::from(std::fs::read(vectors_dir().join(file)).unwrap());
        let batch = RecordBatch::decode(bin.clone()).unwrap();
        assert!(batch.control && batch.transactional);
        let r = &batch.records[0];
        assert_eq!(
            ControlRecordKey::parse(r.key.as_deref().unwrap())
                .unwrap()
                .kind,
            kind
        );

        // Our writer produces the same bytes for the same marker.
        let mut out = BytesMut::new();
        let mut w = BatchWriter::new(
            &mut out,
            BatchOptions {
                base_offset: batch.base_offset,
                partition_leader_epoch: batch.partition_leader_epoch,
                producer_id: batch.producer_id,
                producer_epoch: batch.producer_epoch,
                transactional: true,
                control: true,
                ..Default::default()
            },
        )
        .unwrap();
        let key = ControlRecordKey::new(kind).to_bytes();
        let value = EndTxnMarker::new(
            EndTxnMarker::parse(r.value.as_deref().unwrap())
                .unwrap()
                .coordinator_epoch,
        )
        .to_bytes();
        w.append(batch.base_timestamp, Some(&key), Some(&value), &[])
            .unwrap();
        w.finish().unwrap();
        assert_eq!(&out[..], &bin[..], "{file}");
    }
}

/// Building the golden batches from scratch with [`BatchWriter`] gives Java's bytes.
#[test]
fn writer_reproduces_java_uncompressed_batches() {
    for (name, bin, _) in golden() {
        for view in Batches::complete(bin.clone()) {
            let view = view.unwrap();
            if view.compression() != Compression::None || view.is_control() {
                continue;
            }
            let b = view.to_record_batch().unwrap();
            let mut out = BytesMut::new();
            let mut w = BatchWriter::new(
                &mut out,
                BatchOptions {
                    base_offset: b.base_offset,
                    partition_leader_epoch: b.partition_leader_epoch,
                    producer_id: b.producer_id,
                    producer_epoch: b.producer_epoch,
                    base_sequence: b.base_sequence,
                    timestamp_type: b.timestamp_type,
                    transactional: b.transactional,
                    max_timestamp: (b.timestamp_type == TimestampType::LogAppendTime)
                        .then_some(b.max_timestamp),
                    ..Default::default()
                },
            )
            .unwrap();
            for r in &b.records {
                let headers: Vec<_> = r.headers.iter().collect();
                let refs: Vec<HeaderRef<'_>> = headers.iter().map(|h| h.as_ref()).collect();
                // The create time is base + delta (for LogAppendTime batches `timestamp` is the
                // append time).
                let ts = b.base_timestamp + r.timestamp_delta;
                w.append_at(
                    r.offset_delta,
                    ts,
                    r.key.as_deref(),
                    r.value.as_deref(),
                    &refs,
                )
                .unwrap();
            }
            w.finish().unwrap();
            assert_eq!(&out[..], view.as_bytes(), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Partial batches and hostile input

#[test]
fn every_truncation_is_an_error_or_a_clean_partial_tail() {
    for (name, bin, json) in golden() {
        let complete = json["batches"].as_array().unwrap();
        for cut in 0..bin.len() {
            let prefix = bin.slice(..cut);
            // A prefix that is exactly the first batch decodes; any other must not.
            let first_size = i32::from_be_bytes([bin[8], bin[9], bin[10], bin[11]]) as usize + 12;
            if cut > 0 && cut != first_size {
                assert!(
                    BatchView::decode(prefix.clone()).is_err(),
                    "{name} cut at {cut}"
                );
            }
            // As a Fetch response: the complete batches, then a clean stop.
            let mut batches = Batches::new(prefix.clone());
            let mut n = 0;
            for b in &mut batches {
                b.unwrap_or_else(|e| panic!("{name} cut at {cut}: {e}"));
                n += 1;
            }
            assert!(n < complete.len() || cut == bin.len());
            assert_eq!(
                batches.partial_tail().is_some(),
                cut > batches.position(),
                "{name} {cut}"
            );
            // As a Produce request: an error unless the cut falls between batches.
            let strict: Result<Vec<_>, _> = Batches::complete(prefix).collect();
            assert_eq!(strict.is_err(), cut > batches.position(), "{name} {cut}");
        }
    }
}

#[test]
fn every_truncated_record_section_fails_cleanly() {
    // Cut the records section of each uncompressed golden batch and fix up length and CRC,
    // so that the record decoder (not the length check) meets the truncation.
    for (name, bin, _) in golden() {
        let Ok(view) = BatchView::decode(bin.clone()) else {
            continue;
        };
        if view.compression() != Compression::None {
            continue;
        }
        for cut in 61..bin.len() {
            let mut b = bin[..cut].to_vec();
            b[8..12].copy_from_slice(&((cut - 12) as i32).to_be_bytes());
            reseal(&mut b);
            let r = BatchView::decode(Bytes::from(b)).and_then(|v| {
                let set = v.record_set();
                let batch = v.to_record_batch();
                assert_eq!(set.err(), batch.clone().err(), "{name}: cut at {cut}");
                batch
            });
            assert!(r.is_err(), "{name}: records cut at {cut} decoded");
        }
    }
}

#[test]
fn flipped_bits_are_caught_by_the_crc() {
    for (name, bin, _) in golden() {
        if BatchView::decode(bin.clone()).is_err() {
            continue; // multi-batch file
        }
        for i in 17..bin.len() {
            let mut b = bin.to_vec();
            b[i] ^= 0x10;
            let err = BatchView::decode(Bytes::from(b)).unwrap_err();
            assert!(
                matches!(err, DecodeError::CrcMismatch { .. }),
                "{name} byte {i}: {err}"
            );
        }
        // The magic byte is checked first.
        let mut b = bin.to_vec();
        b[16] = 1;
        assert_eq!(
            BatchView::decode(Bytes::from(b)).unwrap_err(),
            DecodeError::UnsupportedMagic(1)
        );
    }
}

#[test]
fn random_corruption_with_a_valid_crc_never_panics() {
    // Deterministic xorshift so failures reproduce.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (_, bin, _) in golden() {
        if bin.len() > 4096 {
            continue;
        }
        for _ in 0..2000 {
            let mut b = bin.to_vec();
            for _ in 0..1 + rnd() % 4 {
                let i = 21 + (rnd() as usize) % (b.len() - 21);
                b[i] = rnd() as u8;
            }
            reseal(&mut b);
            let b = Bytes::from(b);
            for v in Batches::new(b).flatten() {
                for r in v.records().flatten() {
                    r.headers.iter().for_each(drop);
                }
            }
        }
    }
}

#[test]
fn huge_lengths_and_counts_error_without_allocating() {
    // recordCount of i32::MAX in a tiny batch (with a matching lastOffsetDelta).
    let b = raw_batch(0, i32::MAX, i32::MAX - 1, &[0; 8]);
    assert!(matches!(
        BatchView::decode(b).unwrap_err(),
        DecodeError::InvalidLength {
            what: "record count",
            ..
        }
    ));
    // recordCount above lastOffsetDelta + 1.
    let b = raw_batch(0, 3, 1, &[0; 30]);
    assert!(matches!(
        BatchView::decode(b).unwrap_err(),
        DecodeError::CorruptBatch(_)
    ));
    // Negative recordCount.
    let b = raw_batch(0, -1, 0, &[]);
    assert!(matches!(
        BatchView::decode(b).unwrap_err(),
        DecodeError::CorruptBatch(_)
    ));
    // batchLength below the header size / above the input / negative.
    for len in [0i32, 48, -1, i32::MIN, i32::MAX] {
        let mut b = raw_batch(0, 0, 0, &[]).to_vec();
        b[8..12].copy_from_slice(&len.to_be_bytes());
        let r = BatchView::decode(Bytes::from(b.clone()));
        assert!(r.is_err(), "{len}");
        let r: Result<Vec<_>, _> = Batches::complete(Bytes::from(b)).collect();
        assert!(r.is_err(), "{len}");
    }
    // A record claiming a huge length, key, value or header count.
    let huge = [
        vec![0xfe, 0xff, 0xff, 0xff, 0x0f], // record length i32::MAX
        vec![0x0e, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0, 0], // key length i32::MAX
        vec![0x10, 0, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0], // value length
        vec![0x10, 0, 0, 0, 1, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f], // header count
        vec![0x08, 0, 0, 0, 3, 1, 1, 0],    // key length -2
        vec![0x0c, 0, 0, 0, 1, 1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // varint too long
    ];
    for (i, payload) in huge.iter().enumerate() {
        let b = raw_batch(0, 1, 0, payload);
        let r = BatchView::decode(b).and_then(|v| v.to_record_batch());
        assert!(r.is_err(), "case {i}: {r:?}");
    }
    // Offset deltas that do not increase, or exceed lastOffsetDelta.
    let rec = |delta: u8| vec![0x0c, 0, 0, delta, 1, 1, 0];
    let two = [rec(2), rec(2)].concat();
    let r = BatchView::decode(raw_batch(0, 2, 5, &two))
        .unwrap()
        .to_record_batch();
    assert!(matches!(r, Err(DecodeError::CorruptBatch(_))));
    let r = BatchView::decode(raw_batch(0, 1, 0, &rec(2)))
        .unwrap()
        .to_record_batch();
    assert!(matches!(r, Err(DecodeError::CorruptBatch(_))));
    // Bytes left after recordCount records / fewer records than recordCount.
    let mut extra = rec(0);
    extra.push(0);
    let r = BatchView::decode(raw_batch(0, 1, 1, &extra))
        .unwrap()
        .to_record_batch();
    assert!(matches!(r, Err(DecodeError::TrailingBytes { .. })), "{r:?}");
    let r = BatchView::decode(raw_batch(0, 2, 1, &[rec(0), vec![0; 7]].concat()))
        .unwrap()
        .to_record_batch();
    assert!(r.is_err());
    // Offset overflow in the header.
    let mut b = raw_batch(0, 1, 5, &rec(0)).to_vec();
    b[0..8].copy_from_slice(&(i64::MAX - 2).to_be_bytes());
    assert!(matches!(
        BatchView::decode(Bytes::from(b)),
        Err(DecodeError::CorruptBatch(_))
    ));
    // Unknown codec ids.
    for id in 5..8 {
        assert_eq!(
            BatchView::decode(raw_batch(id, 1, 0, &rec(0))).unwrap_err(),
            DecodeError::UnsupportedCompression(id as u8)
        );
    }
}

#[test]
fn compressed_bombs_hit_the_cap() {
    // 80 MiB of zeros compresses to little; as one batch it must stop at the cap.
    let zeros = vec![0u8; 80 << 20];
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut payload = BytesMut::new();
        compression::compress(codec, None, &zeros, &mut payload).unwrap();
        let b = raw_batch(i16::from(codec.id()), 1, 0, &payload);
        let view = BatchView::decode(b).unwrap();
        let first = view.records().next().unwrap();
        assert_eq!(
            first.unwrap_err(),
            DecodeError::DecompressedTooLarge {
                limit: DEFAULT_MAX_DECOMPRESSED_SIZE
            },
            "{codec}"
        );
        // A smaller cap applies too.
        let view = view.with_options(DecodeOptions::new().with_max_decompressed_size(1 << 20));
        assert_eq!(
            view.records_payload().unwrap_err(),
            DecodeError::DecompressedTooLarge { limit: 1 << 20 },
            "{codec}"
        );
    }
}

#[test]
fn compressed_payload_corruption_is_a_decompression_error() {
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut batch = BatchBuilder::new().compression(codec).timestamps(1000, 1);
        for i in 0..50u32 {
            batch = batch.record(Some(&i.to_be_bytes()), Some(b"some value here"));
        }
        let out = batch.build();
        for i in 61..out.len() {
            for flip in [0x01u8, 0x80] {
                let mut b = out.to_vec();
                b[i] ^= flip;
                reseal(&mut b);
                // Either rejected or (rarely, e.g. a flipped literal) read as different records;
                // never a panic.
                let _ = BatchView::decode(Bytes::from(b)).map(|v| v.records().count());
            }
        }
    }
    // Raw garbage under every codec.
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let b = raw_batch(i16::from(codec.id()), 1, 0, &[0xff; 40]);
        let r = BatchView::decode(b).unwrap().to_record_batch();
        assert!(
            matches!(r, Err(DecodeError::Decompression { .. })),
            "{codec}: {r:?}"
        );
    }
}

#[test]
fn snappy_raw_blocks_are_decoded_too() {
    // librdkafka and franz-go write a single raw snappy block, without xerial framing.
    let mut batch = BatchBuilder::new().timestamps(5, 0);
    for i in 0..20u8 {
        batch = batch.record_with_headers(Some(&[i]), Some(&[i; 40]), &[HeaderRef::new("h", None)]);
    }
    let plain = batch.build();
    let records = &plain[61..];
    let raw = snap::raw::Encoder::new().compress_vec(records).unwrap();
    let mut b = plain[..61].to_vec();
    b.extend_from_slice(&raw);
    let len = (b.len() - 12) as i32;
    b[8..12].copy_from_slice(&len.to_be_bytes());
    b[22] |= 2;
    reseal(&mut b);
    let from_raw = RecordBatch::decode(Bytes::from(b)).unwrap();
    let direct = RecordBatch::decode(plain).unwrap();
    assert_eq!(from_raw.records, direct.records);
}

#[test]
fn writer_rolls_back_on_drop_and_error() {
    let mut out = BytesMut::from(&b"prefix"[..]);
    {
        let mut w = BatchWriter::new(&mut out, BatchOptions::default()).unwrap();
        w.append(1, None, None, &[]).unwrap();
    }
    assert_eq!(&out[..], b"prefix");
    let mut w = BatchWriter::new(&mut out, BatchOptions::default()).unwrap();
    w.append_at(5, 1, None, None, &[]).unwrap();
    assert!(w.append_at(5, 1, None, None, &[]).is_err());
    assert!(w.append_at(4, 1, None, None, &[]).is_err());
    w.append(i64::MIN, None, None, &[]).unwrap_err();
    let h = w.finish().unwrap();
    assert_eq!(h.last_offset_delta, 5);
    assert_eq!(h.record_count, 1);
    let view = BatchView::decode(out.split_off(6).freeze()).unwrap();
    assert_eq!(view.records().next().unwrap().unwrap().offset, 5);
}

#[test]
fn empty_batches_round_trip() {
    let mut out = BytesMut::new();
    let w = BatchWriter::new(
        &mut out,
        BatchOptions {
            base_offset: 100,
            last_offset_delta: Some(9),
            base_timestamp: Some(7),
            producer_id: 3,
            producer_epoch: 1,
            base_sequence: 40,
            compression: Compression::Zstd,
            ..Default::default()
        },
    )
    .unwrap();
    let h = w.finish().unwrap();
    assert_eq!((h.record_count, h.batch_length), (0, 49));
    // The codec stays in the attributes, over an empty records section.
    assert_eq!(h.compression().unwrap(), Compression::Zstd);
    let bytes = out.freeze();
    let b = RecordBatch::decode(bytes.clone()).unwrap();
    assert_eq!((b.last_offset(), b.records.len()), (109, 0));
    assert_eq!(b.compression, Compression::Zstd);
    assert_eq!(b.to_bytes().unwrap(), bytes);
}

// ---------------------------------------------------------------------------------------------
// Property tests

type Hdr = (String, Option<Vec<u8>>);

#[derive(Debug, Clone)]
struct Rec {
    gap: i32,
    ts: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<Hdr>,
}

fn bytes_strategy(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Vec::new())),
        6 => proptest::collection::vec(any::<u8>(), 0..max).prop_map(Some),
    ]
}

fn rec_strategy() -> impl Strategy<Value = Rec> {
    (
        prop_oneof![8 => Just(0i32), 2 => 0i32..5, 1 => 0i32..100_000],
        prop_oneof![
            4 => 1_700_000_000_000i64..1_700_000_100_000,
            1 => Just(-1i64),
            1 => 0i64..10,
            1 => (i64::MIN / 4)..(i64::MAX / 4),
        ],
        bytes_strategy(40),
        bytes_strategy(300),
        proptest::collection::vec((".{0,12}", bytes_strategy(20)), 0..4),
    )
        .prop_map(|(gap, ts, key, value, headers)| Rec {
            gap,
            ts,
            key,
            value,
            headers,
        })
}

fn codec_strategy() -> impl Strategy<Value = Compression> {
    prop::sample::select(Compression::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_round_trip(
        records in proptest::collection::vec(rec_strategy(), 0..40),
        codec in codec_strategy(),
        transactional in any::<bool>(),
        control in any::<bool>(),
        log_append in proptest::option::of(0i64..2_000_000_000_000),
        base_offset in prop_oneof![Just(0i64), 0i64..1_000_000_000_000],
        producer in (-1i64..10_000, -1i16..100, -1i32..i32::MAX),
        leader_epoch in -1i32..1000,
    ) {
        let mut out = BytesMut::from(&b"xyz"[..]);
        let mut w = BatchWriter::new(&mut out, BatchOptions {
            base_offset,
            partition_leader_epoch: leader_epoch,
            producer_id: producer.0,
            producer_epoch: producer.1,
            base_sequence: producer.2,
            compression: codec,
            timestamp_type: if log_append.is_some() { TimestampType::LogAppendTime } else { TimestampType::CreateTime },
            max_timestamp: log_append,
            transactional,
            control,
            ..Default::default()
        }).unwrap();
        let mut delta = -1i64;
        let mut expected = Vec::new();
        for r in &records {
            delta += 1 + i64::from(r.gap);
            let headers: Vec<HeaderRef<'_>> =
                r.headers.iter().map(|(k, v)| HeaderRef::new(k.as_str(), v.as_deref())).collect();
            w.append_at(delta as i32, r.ts, r.key.as_deref(), r.value.as_deref(), &headers).unwrap();
            expected.push((delta, r));
        }
        let header = w.finish().unwrap();
        prop_assert_eq!(&out[..3], b"xyz");
        let bytes = out.freeze().slice(3..);
        prop_assert_eq!(bytes.len(), header.size_in_bytes().unwrap());

        let batch = RecordBatch::decode(bytes.clone()).unwrap();
        prop_assert_eq!(batch.records.len(), records.len());
        prop_assert_eq!(batch.transactional, transactional);
        prop_assert_eq!(batch.control, control);
        prop_assert_eq!(batch.base_offset, base_offset);
        prop_assert_eq!(batch.producer_id, producer.0);
        prop_assert_eq!(batch.partition_leader_epoch, leader_epoch);
        prop_assert_eq!(batch.compression, codec);
        if let Some(max) = records.iter().map(|r| r.ts).max() {
            prop_assert_eq!(batch.max_timestamp, log_append.unwrap_or(max));
            prop_assert_eq!(batch.base_timestamp, records[0].ts);
            prop_assert_eq!(i64::from(batch.last_offset_delta), expected.last().unwrap().0);
        }
        for (got, (delta, want)) in batch.records.iter().zip(&expected) {
            prop_assert_eq!(i64::from(got.offset_delta), *delta);
            prop_assert_eq!(got.offset, base_offset + delta);
            prop_assert_eq!(got.timestamp, log_append.unwrap_or(want.ts));
            prop_assert_eq!(got.key.as_deref(), want.key.as_deref());
            prop_assert_eq!(got.value.as_deref(), want.value.as_deref());
            let hs = got.headers.to_vec();
            prop_assert_eq!(hs.len(), want.headers.len());
            for (h, (k, v)) in hs.iter().zip(&want.headers) {
                prop_assert_eq!(h.key_str().unwrap(), k.as_str());
                prop_assert_eq!(h.value.as_deref(), v.as_deref());
            }
        }
        // The owned batch re-encodes to the same bytes (uncompressed) or the same records.
        let again = batch.to_bytes().unwrap();
        if batch.compression == Compression::None {
            prop_assert_eq!(&again, &bytes);
        } else {
            prop_assert_eq!(RecordBatch::decode(again).unwrap(), batch.clone());
        }
        // Borrowed iteration agrees with the owned form.
        let view = BatchView::decode(bytes.clone()).unwrap();
        let refs: Vec<_> = view.record_refs().unwrap().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(refs.len(), batch.records.len());
        for (r, o) in refs.iter().zip(&batch.records) {
            prop_assert_eq!((r.offset, r.timestamp, r.offset_delta, r.timestamp_delta), (o.offset, o.timestamp, o.offset_delta, o.timestamp_delta));
            prop_assert_eq!(r.key, o.key.as_deref());
            prop_assert_eq!(r.value, o.value.as_deref());
            let owned_headers = o.headers.to_vec();
            let want: Vec<HeaderRef<'_>> = owned_headers.iter().map(|h| h.as_ref()).collect();
            prop_assert_eq!(r.headers.iter().collect::<Vec<_>>(), want);
        }
        // Lazy iteration and the record set agree with the owned form.
        let set = view.record_set().unwrap();
        prop_assert!(set.iter().eq(refs.iter().copied()));
        let from_set: Vec<_> = (0..set.len()).map(|i| set.record(i).unwrap()).collect();
        prop_assert_eq!(&from_set, &batch.records);
        let lazy: Vec<_> = BatchView::decode(bytes).unwrap().records().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(lazy, batch.records);
    }

    #[test]
    fn concatenated_batches_split_at_any_point(
        sizes in proptest::collection::vec(0usize..20, 1..5),
        cut_frac in 0.0f64..1.0,
    ) {
        let mut out = BytesMut::new();
        let mut ends = Vec::new();
        for (i, n) in sizes.iter().enumerate() {
            let mut w = BatchWriter::new(&mut out, BatchOptions {
                base_offset: i as i64 * 100,
                compression: Compression::ALL[i % 5],
                ..Default::default()
            }).unwrap();
            for j in 0..*n {
                w.append(j as i64, Some(b"k"), Some(&[j as u8; 10]), &[]).unwrap();
            }
            w.finish().unwrap();
            ends.push(out.len());
        }
        let all = out.freeze();
        let cut = (all.len() as f64 * cut_frac) as usize;
        let mut batches = Batches::new(all.slice(..cut));
        let got = (&mut batches).collect::<Result<Vec<_>, _>>().unwrap();
        let whole = ends.iter().filter(|&&e| e <= cut).count();
        prop_assert_eq!(got.len(), whole);
        let consumed = if whole == 0 { 0 } else { ends[whole - 1] };
        prop_assert_eq!(batches.position(), consumed);
        prop_assert_eq!(batches.partial_tail(), (cut > consumed).then_some(cut - consumed));
    }
}
