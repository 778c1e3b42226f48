//! `kwire-blast`: a Produce load that costs next to nothing per record, so that the broker is
//! what limits (tests/interop/mock/throughput.sh measures ingest capacity with it).
//!
//! ```text
//! kwire-blast --bootstrap B --topic T --count N [--value-size 100] [--batch-records 500]
//!             [--conns-per-broker 1] [--in-flight 5] [--acks all|1] [--idempotence true|false]
//!             [--timeout-s 120]
//! ```
//!
//! The topic must exist. kwire-blast asks for its leaders (Metadata), for a producer id when
//! idempotent (InitProducerId), then sends Produce v7 requests, each with one record batch v2 per
//! partition the connection owns (a partition belongs to exactly one connection to its leader,
//! so its sequences stay in order), keeping up to `--in-flight` requests outstanding per
//! connection. Records are keyed (`k0`..`k999`) with `--value-size` byte values, uncompressed.
//! The records of a batch are encoded once; every batch sent gets its own producer fields, base
//! sequence and CRC-32C, so the broker checks a real checksum each time. Any error code ends the
//! run (no retries).
//!
//! Prints one JSON line: `{"client":"kwire-blast","records":acked,"errors":E,"seconds":S,
//! "rate":records/s,"requests":R,"batches":B,...}`; exit 0 only when every record was acked.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{ArgAction, Parser};
use kwire_protocol::api::init_producer_id::InitProducerIdRequest;
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic};
use kwire_protocol::api::produce::{
    PartitionProduceData, ProduceRequest, ProduceResponse, TopicProduceData,
};
use kwire_protocol::frame::{FrameReader, decode_response, encode_request};
use kwire_protocol::records::{
    BATCH_HEADER_SIZE, BatchHeader, BatchOptions, BatchWriter, CRC_START,
};
use kwire_protocol::{ApiKey, Bytes, BytesMut, RequestHeader};
use kwire_tests::Conn;
use serde_json::json;

/// The Produce version sent: the last one that names topics and has no tagged fields, served by
/// Kafka 2.1 to 4.x and kwire-mock.
const PRODUCE_VERSION: i16 = 7;
const CLIENT_ID: &str = "kwire-blast";
/// Produce responses are small; a larger frame means the stream is not what we think.
const MAX_RESPONSE: usize = 64 << 20;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kwire-blast",
    about = "A wire-level Produce load: records encoded once"
)]
struct Args {
    /// Seed broker host:port[,...] (the first is asked).
    #[arg(long)]
    bootstrap: String,
    /// Topic (must exist).
    #[arg(long)]
    topic: String,
    /// Records to produce.
    #[arg(long, default_value_t = 1_000_000)]
    count: u64,
    /// Value size in bytes.
    #[arg(long = "value-size", default_value_t = 100)]
    value_size: usize,
    /// Records per batch.
    #[arg(long = "batch-records", default_value_t = 500)]
    batch_records: u64,
    /// Connections per leader broker.
    #[arg(long = "conns-per-broker", default_value_t = 1)]
    conns_per_broker: usize,
    /// Outstanding requests per connection.
    #[arg(long = "in-flight", default_value_t = 5)]
    in_flight: usize,
    /// all | 1
    #[arg(long, default_value = "all")]
    acks: String,
    /// Idempotent batches (producer id, epoch, sequences).
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    idempotence: bool,
    /// Overall timeout in seconds.
    #[arg(long = "timeout-s", default_value_t = 120.0)]
    timeout_s: f64,
}

/// What every connection adds to, and the first errors for the report.
#[derive(Debug, Default)]
struct Tally {
    acked: AtomicU64,
    requests: AtomicU64,
    batches: AtomicU64,
    errors: AtomicU64,
    stop: AtomicBool,
    sample: Mutex<Vec<String>>,
}

impl Tally {
    /// Counts an error and stops every connection: a load without retries ends at the first.
    fn fail(&self, msg: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.stop.store(true, Ordering::Relaxed);
        let mut s = self.sample.lock().unwrap_or_else(|e| e.into_inner());
        if s.len() < 5 {
            s.push(msg);
        }
    }
}

/// The producer fields stamped into every batch (none when not idempotent).
#[derive(Debug, Clone, Copy)]
struct Stamp {
    producer_id: i64,
    epoch: i16,
}

/// A partition one connection owns: records still to send and its next sequence.
#[derive(Debug)]
struct Owned {
    index: i32,
    left: u64,
    seq: i32,
}

/// Encoded batches of `n` records, by `n`, made on first use and then re-stamped in place for
/// every send (producer fields, base sequence, CRC), never re-encoded. A batch lent to a request
/// comes back with [`Templates::give_back`] once the request is encoded and dropped.
struct Templates {
    value: Vec<u8>,
    timestamp: i64,
    pool: HashMap<u64, Vec<Bytes>>,
    lent: Vec<(u64, Bytes)>,
}

impl Templates {
    fn new(value_size: usize, timestamp: i64) -> Self {
        Templates {
            value: (0..value_size).map(|i| b'a' + (i % 26) as u8).collect(),
            timestamp,
            pool: HashMap::new(),
            lent: Vec::new(),
        }
    }

    /// A batch of `n` records stamped with `stamp` (none: not idempotent) and `seq`.
    fn stamped(&mut self, n: u64, stamp: Option<Stamp>, seq: i32) -> Bytes {
        let template = match self.pool.get_mut(&n).and_then(Vec::pop) {
            Some(t) => t,
            None => self.encode(n),
        };
        // Unique once its request was dropped, so this does not copy.
        let mut b = template
            .try_into_mut()
            .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
        if let Some(s) = stamp {
            let mut h = BatchHeader::parse(&b).expect("a template is a whole batch");
            h.producer_id = s.producer_id;
            h.producer_epoch = s.epoch;
            h.base_sequence = seq;
            b[..BATCH_HEADER_SIZE].copy_from_slice(&h.to_bytes());
            h.crc = kwire_protocol::records::crc32c(&b[CRC_START..]);
            b[..BATCH_HEADER_SIZE].copy_from_slice(&h.to_bytes());
        }
        let b = b.freeze();
        self.lent.push((n, b.clone()));
        b
    }

    /// Returns the batches lent since the last call to the pool.
    fn give_back(&mut self) {
        for (n, b) in self.lent.drain(..) {
            self.pool.entry(n).or_default().push(b);
        }
    }

    fn encode(&self, n: u64) -> Bytes {
        let mut out = BytesMut::new();
        let mut w = BatchWriter::new(&mut out, BatchOptions::default()).expect("batch");
        w.reserve(n as usize * (self.value.len() + 16));
        for i in 0..n {
            let key = format!("k{}", i % 1000);
            w.append(self.timestamp, Some(key.as_bytes()), Some(&self.value), &[])
                .expect("record");
        }
        w.finish().expect("batch");
        out.freeze()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.count == 0
        || args.batch_records == 0
        || args.in_flight == 0
        || args.conns_per_broker == 0
    {
        eprintln!(
            "kwire-blast: --count, --batch-records, --in-flight and --conns-per-broker must be positive"
        );
        return ExitCode::from(2);
    }
    let report = run(&args);
    println!("{report}");
    let ok = report.get("fatal").is_none()
        && report["errors"] == 0
        && report["records"].as_u64() == Some(args.count);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(args: &Args) -> serde_json::Value {
    let mut report = json!({
        "client": CLIENT_ID,
        "records": 0, "errors": 0, "seconds": 0.0, "rate": 0,
        "requests": 0, "batches": 0, "connections": 0, "partitions": 0,
        "config": {
            "value_size": args.value_size, "batch_records": args.batch_records,
            "conns_per_broker": args.conns_per_broker, "in_flight": args.in_flight,
            "acks": args.acks, "idempotence": args.idempotence,
        },
    });
    let acks: i16 = match args.acks.as_str() {
        "all" | "-1" => -1,
        "1" => 1,
        other => {
            report["fatal"] = json!(format!("bad --acks {other}"));
            return report;
        }
    };
    let deadline = Instant::now() + Duration::from_secs_f64(args.timeout_s.max(0.0));
    let (brokers, leaders, stamp) = match prepare(args, deadline) {
        Ok(p) => p,
        Err(e) => {
            report["fatal"] = json!(e);
            return report;
        }
    };
    // Spread the records over the partitions, then each leader's partitions over its connections.
    let parts = leaders.len() as u64;
    let mut by_leader: BTreeMap<i32, Vec<Owned>> = BTreeMap::new();
    for (i, (&index, &leader)) in leaders.iter().enumerate() {
        let left = args.count / parts + u64::from((i as u64) < args.count % parts);
        by_leader.entry(leader).or_default().push(Owned {
            index,
            left,
            seq: 0,
        });
    }
    let tally = Arc::new(Tally::default());
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let t0 = Instant::now();
    let mut threads = Vec::new();
    for (leader, owned) in by_leader {
        let Some(addr) = brokers.get(&leader).cloned() else {
            report["fatal"] = json!(format!("leader {leader} not among the brokers"));
            return report;
        };
        let k = args.conns_per_broker.min(owned.len());
        let mut shares: Vec<Vec<Owned>> = (0..k).map(|_| Vec::new()).collect();
        for (j, o) in owned.into_iter().enumerate() {
            shares[j % k].push(o);
        }
        for mine in shares {
            let (tally, args, addr) = (tally.clone(), args.clone(), addr.clone());
            threads.push(std::thread::spawn(move || {
                let load = Load {
                    args: &args,
                    acks,
                    stamp,
                    deadline,
                    tally: &tally,
                };
                if let Err(e) =
                    load.connection(&addr, mine, Templates::new(args.value_size, timestamp))
                {
                    tally.fail(format!("{addr}: {e}"));
                }
            }));
        }
    }
    report["connections"] = json!(threads.len());
    for t in threads {
        if t.join().is_err() {
            tally.fail("a connection thread panicked".into());
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let acked = tally.acked.load(Ordering::Relaxed);
    report["records"] = json!(acked);
    report["errors"] = json!(tally.errors.load(Ordering::Relaxed));
    report["seconds"] = json!((secs * 1000.0).floor() / 1000.0);
    report["rate"] = json!(if secs > 0.0 {
        (acked as f64 / secs) as u64
    } else {
        0
    });
    report["requests"] = json!(tally.requests.load(Ordering::Relaxed));
    report["batches"] = json!(tally.batches.load(Ordering::Relaxed));
    report["partitions"] = json!(parts);
    let sample = std::mem::take(&mut *tally.sample.lock().unwrap_or_else(|e| e.into_inner()));
    if !sample.is_empty() {
        report["error_sample"] = json!(sample);
    }
    report
}

/// Broker addresses by node id, each partition's leader, and the producer id when idempotent.
type Prepared = (BTreeMap<i32, String>, BTreeMap<i32, i32>, Option<Stamp>);

fn prepare(args: &Args, deadline: Instant) -> Result<Prepared, String> {
    let seed = args.bootstrap.split(',').next().unwrap_or_default().trim();
    let mut c = Conn::connect(seed).map_err(|e| format!("{seed}: {e}"))?;
    let req = MetadataRequest {
        topics: Some(vec![MetadataRequestTopic {
            name: Some(args.topic.clone()),
            ..Default::default()
        }]),
        allow_auto_topic_creation: false,
        ..Default::default()
    };
    let v = *c.common_versions::<MetadataRequest>().end();
    let (brokers, leaders) = loop {
        let md = c.send(&req, v).map_err(|e| format!("metadata: {e}"))?;
        let leaders: BTreeMap<i32, i32> = md
            .topics
            .iter()
            .filter(|t| t.name.as_deref() == Some(args.topic.as_str()) && t.error_code.is_ok())
            .flat_map(|t| &t.partitions)
            .filter(|p| p.error_code.is_ok() && p.leader_id >= 0)
            .map(|p| (p.partition_index, p.leader_id))
            .collect();
        if !leaders.is_empty() {
            let brokers = md
                .brokers
                .iter()
                .map(|b| (b.node_id, format!("{}:{}", b.host, b.port)))
                .collect();
            break (brokers, leaders);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "metadata: no partition of {} with a leader",
                args.topic
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stamp = if args.idempotence {
        let v = *c.common_versions::<InitProducerIdRequest>().end();
        let resp = c
            .send(
                &InitProducerIdRequest {
                    transactional_id: None,
                    transaction_timeout_ms: 60_000,
                    ..Default::default()
                },
                v,
            )
            .map_err(|e| format!("InitProducerId: {e}"))?;
        resp.error_code
            .into_result()
            .map_err(|e| format!("InitProducerId: {e}"))?;
        Some(Stamp {
            producer_id: resp.producer_id,
            epoch: resp.producer_epoch,
        })
    } else {
        None
    };
    Ok((brokers, leaders, stamp))
}

/// What one connection's threads share.
struct Load<'a> {
    args: &'a Args,
    acks: i16,
    stamp: Option<Stamp>,
    deadline: Instant,
    tally: &'a Tally,
}

impl Load<'_> {
    /// Pipelined Produce requests for `parts` on one connection until they are all sent and
    /// answered, or the run stops. This thread writes; a scoped one reads the answers.
    fn connection(
        &self,
        addr: &str,
        mut parts: Vec<Owned>,
        mut templates: Templates,
    ) -> Result<(), String> {
        let sock = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        sock.set_nodelay(true).map_err(|e| e.to_string())?;
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        sock.set_write_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        let mut reading = sock.try_clone().map_err(|e| e.to_string())?;
        let mut writing = sock;
        // The records of each request in flight, in order; the reader holds one more while it
        // waits for that request's answer, so at most `in_flight` are outstanding.
        let (window, answers) = mpsc::sync_channel::<Vec<u64>>(self.args.in_flight - 1);
        std::thread::scope(|s| {
            s.spawn(|| self.read_answers(&mut reading, answers));
            let mut out = BytesMut::with_capacity(1 << 20);
            let mut correlation = 0i32;
            while !self.tally.stop.load(Ordering::Relaxed) {
                let mut counts = Vec::with_capacity(parts.len());
                let mut partition_data = Vec::with_capacity(parts.len());
                for p in parts.iter_mut().filter(|p| p.left > 0) {
                    let n = p.left.min(self.args.batch_records);
                    partition_data.push(PartitionProduceData {
                        index: p.index,
                        records: Some(templates.stamped(n, self.stamp, p.seq)),
                        ..Default::default()
                    });
                    p.seq = p.seq.wrapping_add(n as i32);
                    p.left -= n;
                    counts.push(n);
                }
                if counts.is_empty() {
                    break;
                }
                correlation += 1;
                let req = ProduceRequest {
                    transactional_id: None,
                    acks: self.acks,
                    timeout_ms: 30_000,
                    topic_data: vec![TopicProduceData {
                        name: self.args.topic.clone(),
                        partition_data,
                        ..Default::default()
                    }],
                    ..Default::default()
                };
                let header = RequestHeader::new(
                    ApiKey::PRODUCE,
                    PRODUCE_VERSION,
                    correlation,
                    Some(CLIENT_ID),
                );
                out.clear();
                if let Err(e) = encode_request(&mut out, &header, &req) {
                    self.tally.fail(format!("encode: {e}"));
                    break;
                }
                drop(req);
                templates.give_back();
                let batches = counts.len() as u64;
                if window.send(counts).is_err() {
                    break; // the reader stopped: it said why
                }
                if let Err(e) = writing.write_all(&out) {
                    self.tally.fail(format!("write: {e}"));
                    break;
                }
                self.tally.requests.fetch_add(1, Ordering::Relaxed);
                self.tally.batches.fetch_add(batches, Ordering::Relaxed);
            }
            drop(window);
        });
        Ok(())
    }

    /// Reads one Produce response per request announced on `answers`, in order.
    fn read_answers(&self, sock: &mut TcpStream, answers: mpsc::Receiver<Vec<u64>>) {
        let mut frames = FrameReader::new(MAX_RESPONSE);
        let mut want = 0i32;
        for counts in answers {
            want += 1;
            let payload = match frames.read_frame_from(sock) {
                Ok(p) => p,
                Err(e) => return self.tally.fail(format!("read: {e}")),
            };
            let (header, resp) = match decode_response::<ProduceResponse>(&payload, PRODUCE_VERSION)
            {
                Ok(r) => r,
                Err(e) => return self.tally.fail(format!("produce response: {e}")),
            };
            if header.correlation_id != want {
                return self.tally.fail(format!(
                    "correlation id {}, want {want}",
                    header.correlation_id
                ));
            }
            let partitions = resp.responses.iter().flat_map(|t| &t.partition_responses);
            for (p, n) in partitions.zip(counts) {
                if p.error_code.is_ok() {
                    self.tally.acked.fetch_add(n, Ordering::Relaxed);
                } else {
                    self.tally
                        .fail(format!("partition {}: {}", p.index, p.error_code));
                }
            }
        }
    }
}
