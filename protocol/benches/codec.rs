//! Codec throughput against the `kafka-protocol` crate, in one run.
//!
//! The same inputs for both: a record batch of 1,000 records with 16-byte keys and 100-byte
//! values (uncompressed and lz4), and a Produce v9 request carrying the uncompressed batch.
//! "decode" walks every record (key and value touched); both crates verify the CRC-32C.
//! After the criterion groups, the ratio kwire/kafka-protocol is printed per case from
//! criterion's own estimates. `cargo bench -p kwire-protocol`.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput};
use indexmap_shim::IndexMap;
use kafka_protocol::protocol::{Decodable as _, Encodable as _, StrBytes};
use kafka_protocol::records as kp;
use kwire_protocol::Message;
use kwire_protocol::api::produce as kw;
use kwire_protocol::records::{
    BATCH_HEADER_SIZE, BatchOptions, BatchWriter, Batches, CRC_START, Compression,
    DEFAULT_MAX_DECOMPRESSED_SIZE, compression,
};

mod indexmap_shim {
    pub type IndexMap<K, V> = kafka_protocol::indexmap::IndexMap<K, V>;
}

const N: usize = 1000;
const TS: i64 = 1_700_000_000_000;

/// Keys and values as separately allocated vectors, as an application holds them: their
/// lengths are not known to the compiler (fixed-size arrays would let an inlined encoder copy
/// them with constant-size moves no real caller gets).
struct Input {
    keys: Vec<Vec<u8>>,
    values: Vec<Vec<u8>>,
}

fn input() -> Input {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    };
    let keys = (0..N)
        .map(|_| (0..16).map(|_| b'a' + next() % 26).collect())
        .collect();
    // Values compressible like real payloads: a few random bytes in text.
    let values = (0..N)
        .map(|i| {
            let mut v = [b'x'; 100];
            v[..12].copy_from_slice(format!("{i:012}").as_bytes());
            for b in v.iter_mut().skip(12).step_by(9) {
                *b = b'a' + next() % 26;
            }
            v.to_vec()
        })
        .collect();
    Input { keys, values }
}

fn kwire_encode(inp: &Input, codec: Compression, out: &mut BytesMut) {
    let mut w = BatchWriter::new(
        out,
        BatchOptions {
            compression: codec,
            ..Default::default()
        },
    )
    .unwrap();
    for i in 0..N {
        w.append(TS + i as i64, Some(&inp.keys[i]), Some(&inp.values[i]), &[])
            .unwrap();
    }
    w.finish().unwrap();
}

fn kp_records(inp: &Input) -> Vec<kp::Record> {
    (0..N)
        .map(|i| kp::Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: kp::TimestampType::Creation,
            offset: i as i64,
            sequence: -1,
            timestamp: TS + i as i64,
            key: Some(Bytes::copy_from_slice(&inp.keys[i])),
            value: Some(Bytes::copy_from_slice(&inp.values[i])),
            headers: IndexMap::new(),
        })
        .collect()
}

fn kwire_decode(batch: &Bytes) -> usize {
    let mut sum = 0;
    for b in Batches::complete(batch.clone()) {
        for r in b.unwrap().records() {
            let r = r.unwrap();
            sum += r.key.map_or(0, |k| k.len()) + r.value.map_or(0, |v| v.len());
        }
    }
    sum
}

/// The borrowed path: records as slices of the batch, no reference counting.
fn kwire_decode_refs(batch: &Bytes) -> usize {
    let mut sum = 0;
    for b in Batches::complete(batch.clone()) {
        let b = b.unwrap();
        for r in b.record_refs().unwrap() {
            let r = r.unwrap();
            sum += r.key.map_or(0, <[u8]>::len) + r.value.map_or(0, <[u8]>::len);
        }
    }
    sum
}

/// The owned collection: every record decoded into a `RecordSet` (as kafka-protocol decodes
/// into its `RecordSet`), then walked.
fn kwire_decode_set(batch: &Bytes) -> usize {
    let mut sum = 0;
    for b in Batches::complete(batch.clone()) {
        let set = b.unwrap().record_set().unwrap();
        for r in &set {
            sum += r.key.map_or(0, <[u8]>::len) + r.value.map_or(0, <[u8]>::len);
        }
    }
    sum
}

fn kp_decode(batch: &Bytes) -> usize {
    let mut buf = batch.clone();
    let set = kp::RecordBatchDecoder::decode(&mut buf).unwrap();
    set.records
        .iter()
        .map(|r| r.key.as_ref().map_or(0, |k| k.len()) + r.value.as_ref().map_or(0, |v| v.len()))
        .sum()
}

fn kwire_produce(batch: &Bytes) -> kw::ProduceRequest {
    kw::ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![kw::TopicProduceData {
            name: "bench-topic".into(),
            partition_data: vec![kw::PartitionProduceData {
                index: 0,
                records: Some(batch.clone()),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn kp_produce(batch: &Bytes) -> kafka_protocol::messages::ProduceRequest {
    use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
    kafka_protocol::messages::ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(30_000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(kafka_protocol::messages::TopicName(
                    StrBytes::from_static_str("bench-topic"),
                ))
                .with_partition_data(vec![
                    PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(batch.clone())),
                ]),
        ])
}

const CASES: &[(&str, Compression, kp::Compression)] = &[
    ("none", Compression::None, kp::Compression::None),
    ("lz4", Compression::Lz4, kp::Compression::Lz4),
];

fn benches(c: &mut Criterion) {
    let inp = input();
    let kp_recs = kp_records(&inp);
    for (name, codec, kp_codec) in CASES {
        let mut buf = BytesMut::new();
        kwire_encode(&inp, *codec, &mut buf);
        let batch = buf.freeze();
        // Both decoders read both encoders' output.
        let mut kb = BytesMut::new();
        kp::RecordBatchEncoder::encode(
            &mut kb,
            &kp_recs,
            &kp::RecordEncodeOptions {
                version: 2,
                compression: *kp_codec,
            },
        )
        .unwrap();
        let kb = kb.freeze();
        assert_eq!(kwire_decode(&kb), kp_decode(&batch));
        assert_eq!(kwire_decode_refs(&kb), kp_decode(&batch));
        assert_eq!(kwire_decode_set(&kb), kp_decode(&batch));

        let mut g = c.benchmark_group(format!("batch-encode-{name}"));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("kwire", |b| {
            let mut out = BytesMut::with_capacity(256 * 1024);
            b.iter(|| {
                out.clear();
                kwire_encode(black_box(&inp), *codec, &mut out);
                black_box(out.len())
            })
        });
        g.bench_function("kafka-protocol", |b| {
            let mut out = BytesMut::with_capacity(256 * 1024);
            let opts = kp::RecordEncodeOptions {
                version: 2,
                compression: *kp_codec,
            };
            b.iter(|| {
                out.clear();
                kp::RecordBatchEncoder::encode(&mut out, black_box(&kp_recs), &opts).unwrap();
                black_box(out.len())
            })
        });
        g.finish();

        // The floor: what any encoder or decoder of this batch must at least do to its bytes,
        // checksum them (CRC-32C from the attributes on, as the batch's CRC covers) and move
        // them once.
        let mut g = c.benchmark_group(format!("floor-{name}"));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("crc32c", |b| {
            b.iter(|| kwire_protocol::records::crc32c(black_box(&batch[CRC_START..])))
        });
        g.bench_function("memcpy", |b| {
            let mut out = vec![0u8; batch.len()];
            b.iter(|| {
                out.copy_from_slice(black_box(&batch));
                black_box(out[out.len() / 2])
            })
        });
        // A compressed batch's decoder must also decompress its records (which writes them
        // once: this replaces the memcpy in its floor).
        if *codec != Compression::None {
            g.bench_function("decompress", |b| {
                b.iter(|| {
                    compression::decompress(
                        *codec,
                        black_box(&batch[BATCH_HEADER_SIZE..]),
                        DEFAULT_MAX_DECOMPRESSED_SIZE,
                    )
                    .unwrap()
                    .len()
                })
            });
        }
        g.finish();

        let mut g = c.benchmark_group(format!("batch-decode-{name}"));
        g.throughput(Throughput::Elements(N as u64));
        g.bench_function("kwire", |b| b.iter(|| kwire_decode(black_box(&batch))));
        g.bench_function("kwire-set", |b| {
            b.iter(|| kwire_decode_set(black_box(&batch)))
        });
        g.bench_function("kwire-refs", |b| {
            b.iter(|| kwire_decode_refs(black_box(&batch)))
        });
        g.bench_function("kafka-protocol", |b| {
            b.iter(|| kp_decode(black_box(&batch)))
        });
        g.finish();
    }

    let mut buf = BytesMut::new();
    kwire_encode(&inp, Compression::None, &mut buf);
    let batch = buf.freeze();
    let ours = kwire_produce(&batch);
    let theirs = kp_produce(&batch);
    let ours_bytes = ours.to_bytes(9).unwrap();
    let mut tb = BytesMut::new();
    theirs.encode(&mut tb, 9).unwrap();
    assert_eq!(
        ours_bytes,
        tb.freeze(),
        "both crates encode Produce v9 identically"
    );

    let mut g = c.benchmark_group("produce-v9-encode");
    g.throughput(Throughput::Bytes(ours_bytes.len() as u64));
    g.bench_function("kwire", |b| {
        let mut out = BytesMut::with_capacity(256 * 1024);
        b.iter(|| {
            out.clear();
            black_box(&ours).encode(&mut out, 9).unwrap();
            black_box(out.len())
        })
    });
    g.bench_function("kafka-protocol", |b| {
        let mut out = BytesMut::with_capacity(256 * 1024);
        b.iter(|| {
            out.clear();
            black_box(&theirs).encode(&mut out, 9).unwrap();
            black_box(out.len())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("produce-v9-decode");
    g.throughput(Throughput::Bytes(ours_bytes.len() as u64));
    g.bench_function("kwire", |b| {
        b.iter(|| {
            kw::ProduceRequest::decode(black_box(&ours_bytes), 9)
                .unwrap()
                .topic_data
                .len()
        })
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            let mut buf = black_box(&ours_bytes).clone();
            kafka_protocol::messages::ProduceRequest::decode(&mut buf, 9)
                .unwrap()
                .topic_data
                .len()
        })
    });
    g.finish();

    // The broker's whole path: decode the request, then every record in it.
    let mut g = c.benchmark_group("produce-v9-decode-with-records");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("kwire-refs", |b| {
        b.iter(|| {
            let req = kw::ProduceRequest::decode(black_box(&ours_bytes), 9).unwrap();
            kwire_decode_refs(
                req.topic_data[0].partition_data[0]
                    .records
                    .as_ref()
                    .unwrap(),
            )
        })
    });
    g.bench_function("kwire", |b| {
        b.iter(|| {
            let req = kw::ProduceRequest::decode(black_box(&ours_bytes), 9).unwrap();
            kwire_decode(
                req.topic_data[0].partition_data[0]
                    .records
                    .as_ref()
                    .unwrap(),
            )
        })
    });
    g.bench_function("kafka-protocol", |b| {
        b.iter(|| {
            let mut buf = black_box(&ours_bytes).clone();
            let req = kafka_protocol::messages::ProduceRequest::decode(&mut buf, 9).unwrap();
            kp_decode(
                req.topic_data[0].partition_data[0]
                    .records
                    .as_ref()
                    .unwrap(),
            )
        })
    });
    g.finish();
}

/// Reads criterion's mean estimate (ns) for `group/function`.
fn mean_ns(group: &str, function: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").into());
    let path = format!("{dir}/criterion/{group}/{function}/new/estimates.json");
    let raw = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&raw).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    benches(&mut c);
    c.final_summary();
    println!("\nthroughput ratio kwire / kafka-protocol (same run):");
    let groups = [
        "batch-encode-none",
        "batch-decode-none",
        "batch-encode-lz4",
        "batch-decode-lz4",
        "produce-v9-encode",
        "produce-v9-decode",
        "produce-v9-decode-with-records",
    ];
    for g in groups {
        for f in ["kwire", "kwire-set", "kwire-refs"] {
            if let (Some(ours), Some(theirs)) = (mean_ns(g, f), mean_ns(g, "kafka-protocol")) {
                let name = format!("{g} [{f}]");
                println!(
                    "  {name:<45} kwire {:>9.1} µs  kafka-protocol {:>9.1} µs  ratio {:>5.2}x",
                    ours / 1e3,
                    theirs / 1e3,
                    theirs / ours
                );
            }
        }
    }
    println!(
        "\ndistance to the floor, same run: encoding must at least checksum the batch (CRC-32C) \
         and move its bytes once (memcpy); decoding must checksum it and, when compressed, \
         decompress its records (which writes them once, so no memcpy then):"
    );
    for (name, _, _) in CASES {
        let floor = |f: &str| mean_ns(&format!("floor-{name}"), f);
        let (Some(crc), Some(copy)) = (floor("crc32c"), floor("memcpy")) else {
            continue;
        };
        let unpack = floor("decompress");
        let decode_floor = crc + unpack.unwrap_or(copy);
        println!(
            "  floor-{name:<39} crc32c {:>8.1} µs  memcpy {:>8.1} µs  decompress {:>8}",
            crc / 1e3,
            copy / 1e3,
            unpack.map_or("-".into(), |u| format!("{:.1} µs", u / 1e3)),
        );
        let rows = [
            ("encode", "kwire", crc + copy),
            ("decode", "kwire", decode_floor),
            ("decode", "kwire-set", decode_floor),
            ("decode", "kwire-refs", decode_floor),
            ("decode", "kafka-protocol", decode_floor),
        ];
        for (op, f, floor) in rows {
            if let Some(t) = mean_ns(&format!("batch-{op}-{name}"), f) {
                let label = format!("batch-{op}-{name} [{f}]");
                println!(
                    "  {label:<45} {:>9.1} µs  {:>5.2}x the floor ({:.1} µs)",
                    t / 1e3,
                    t / floor,
                    floor / 1e3
                );
            }
        }
    }
}
