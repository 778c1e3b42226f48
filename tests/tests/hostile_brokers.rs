//! The producer against brokers that misbehave.
//!
//! A scripted fake broker (a tokio listener on 127.0.0.1, kwire-protocol types) answers
//! ApiVersions, Metadata, InitProducerId and Produce correctly — Produce with Kafka's idempotent
//! dedup: a batch equal to one of the last five of its producer and epoch gets its original
//! offset and is not appended again, a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER — except for
//! the requests its plan picks. Those get one [`Misbehaviour`]: random garbage, a size prefix of
//! `i32::MAX` or negative, a frame that claims just under the producer's 100 MiB cap and never
//! completes, half a size prefix, an empty frame, a truncated response then close, a close
//! before the response, a valid response with another correlation id, a body that does not
//! parse (absurd counts), silence, or the right response followed by an unsolicited copy. The
//! plan targets one API (Produce twice: before and after appending the batch) and fires either
//! on every such request ("always") or once.
//!
//! Every case checks: each record's outcome arrives within `max.block.ms` +
//! `delivery.timeout.ms` (+ slack); `close()` returns; every acknowledged record is in the fake
//! broker's log exactly once, at its acknowledged offset, in send order; once-cases deliver every
//! record; always-cases fail every record with the typed error the phase implies. Over all
//! cases: no panic anywhere, and no allocation near a claimed frame size (the counting global
//! allocator records the largest single allocation: it would fail if a connection reserved the
//! length a size prefix claims), VmRSS reported.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kwire_producer::partitioner::partition_for_key;
use kwire_producer::{DeliveryFuture, ProduceError, Producer, ProducerConfig, ProducerRecord};
use kwire_protocol::api::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::api::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use kwire_protocol::api::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use kwire_protocol::api::produce::{
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use kwire_protocol::api::response_header_version;
use kwire_protocol::records::RecordBatch;
use kwire_protocol::testing::Rng;
use kwire_protocol::{ApiKey, Bytes, BytesMut, ErrorCode, Message, Uuid, frame};
use kwire_tests::watch::{CountingAlloc, MemoryWatch, garbage, panics, watch_panics};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

// ---------------------------------------------------------------------------------------------
// The scripted fake broker
// ---------------------------------------------------------------------------------------------

const TOPIC: &str = "hostile";
const PARTITIONS: i32 = 2;
const NODE: i32 = 1;
const PRODUCER_ID: i64 = 7777;
/// The producer's response cap (connection.rs: 100 MiB, Kafka's `socket.request.max.bytes`).
const PRODUCER_FRAME_CAP: i32 = 100 * 1024 * 1024;
/// What the "claim just under the cap" misbehaviour sends of the frame it announces.
const CLAIM_SENT: usize = 256 * 1024;

/// Which requests a plan targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    ApiVersions,
    Metadata,
    InitProducerId,
    /// Produce, misbehaving instead of appending.
    ProduceBeforeAppend,
    /// Produce, misbehaving after the batch was appended (the producer must retry it and the
    /// broker's dedup must answer with the original offset).
    ProduceAfterAppend,
}

const PHASES: [Phase; 5] = [
    Phase::ApiVersions,
    Phase::Metadata,
    Phase::InitProducerId,
    Phase::ProduceBeforeAppend,
    Phase::ProduceAfterAppend,
];

impl Phase {
    fn api(self) -> ApiKey {
        match self {
            Phase::ApiVersions => ApiKey::API_VERSIONS,
            Phase::Metadata => ApiKey::METADATA,
            Phase::InitProducerId => ApiKey::INIT_PRODUCER_ID,
            Phase::ProduceBeforeAppend | Phase::ProduceAfterAppend => ApiKey::PRODUCE,
        }
    }
}

/// What the fake broker does instead of answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehaviour {
    /// 300 random bytes, then reads and says nothing more.
    Garbage,
    /// A size prefix of `i32::MAX`, then silence.
    MaxSizePrefix,
    /// A size prefix of −2, then silence.
    NegativeSizePrefix,
    /// A size prefix of 100 MiB − 1 (just under the producer's cap) and 256 KiB of it, then
    /// silence: the producer must not reserve what is claimed.
    ClaimJustUnderCap,
    /// Two bytes of a size prefix, then close.
    HalfSizePrefix,
    /// A frame of size 0 (no correlation id), then silence.
    EmptyFrame,
    /// The first half of the right response, then close.
    Truncated,
    /// Close after reading the request, before any byte of the response.
    CloseBeforeResponse,
    /// The right response with another correlation id; the connection stays up.
    WrongCorrelationId,
    /// The right correlation id, then a body of absurd counts; the connection stays up.
    UnparsableBody,
    /// Reads and never answers.
    Silent,
    /// The right response, then an unsolicited copy of it (the copy is the hostile part: the
    /// first answer is legitimate, so records may succeed even when it always happens).
    Unsolicited,
}

const MISBEHAVIOURS: [Misbehaviour; 12] = [
    Misbehaviour::Garbage,
    Misbehaviour::MaxSizePrefix,
    Misbehaviour::NegativeSizePrefix,
    Misbehaviour::ClaimJustUnderCap,
    Misbehaviour::HalfSizePrefix,
    Misbehaviour::EmptyFrame,
    Misbehaviour::Truncated,
    Misbehaviour::CloseBeforeResponse,
    Misbehaviour::WrongCorrelationId,
    Misbehaviour::UnparsableBody,
    Misbehaviour::Silent,
    Misbehaviour::Unsolicited,
];

impl Misbehaviour {
    /// Whether the producer must treat the answer as a failure (every misbehaviour but the
    /// unsolicited copy, which comes after a good answer).
    fn withholds_the_answer(self) -> bool {
        self != Misbehaviour::Unsolicited
    }
}

impl Plan {
    /// Whether nothing can be delivered when the plan fires on every request. An unsolicited
    /// copy of the ApiVersions answer is one too: the producer sends ApiVersions twice (v5,
    /// refused, then v4) and must read the copy of the first answer as the answer to the second
    /// (wrong correlation id), not drop it.
    fn always_fails(&self) -> bool {
        self.how.withholds_the_answer()
            || (self.how == Misbehaviour::Unsolicited && self.phase == Phase::ApiVersions)
    }
}

/// A fake broker's script: `how` on requests of `phase`, `times` times (`u32::MAX`: always).
#[derive(Debug, Clone, Copy)]
struct Plan {
    phase: Phase,
    how: Misbehaviour,
    times: u32,
}

/// One partition's log: record ids in offset order, and the last five batches for dedup.
#[derive(Debug, Default)]
struct PartitionLog {
    ids: Vec<u64>,
    /// (producer id, epoch, first sequence, last sequence, base offset).
    recent: VecDeque<(i64, i16, i32, i32, i64)>,
}

/// What a fake broker saw and did.
#[derive(Debug, Default)]
struct FakeState {
    plan: Option<Plan>,
    misbehaved: u32,
    connections: u32,
    requests: BTreeMap<&'static str, u32>,
    logs: Vec<PartitionLog>,
    appended_batches: u32,
    /// Batches received again and answered from the dedup cache.
    duplicates: u32,
    out_of_order: u32,
    next_epoch: i16,
}

/// A running fake broker; dropping it stops the listener and every connection.
struct FakeBroker {
    addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeBroker {
    async fn start(plan: Option<Plan>, seed: u64) -> FakeBroker {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(FakeState {
            plan,
            logs: (0..PARTITIONS).map(|_| PartitionLog::default()).collect(),
            ..FakeState::default()
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            // Dropped (aborting every connection) when this task is aborted.
            let mut conns = JoinSet::new();
            let mut n = 0u64;
            loop {
                tokio::select! {
                    a = listener.accept() => {
                        let Ok((s, _)) = a else { continue };
                        n += 1;
                        st.lock().unwrap().connections += 1;
                        conns.spawn(serve(s, st.clone(), addr.port(), Rng::new(seed ^ n)));
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        FakeBroker { addr, state, task }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads and drops whatever comes until the peer closes.
async fn mute(s: &mut TcpStream) {
    let mut sink = vec![0u8; 16 * 1024];
    while matches!(s.read(&mut sink).await, Ok(n) if n > 0) {}
}

async fn serve(mut s: TcpStream, st: Arc<Mutex<FakeState>>, port: u16, mut rng: Rng) {
    let _ = s.set_nodelay(true);
    let mut buf = BytesMut::with_capacity(8 * 1024);
    loop {
        let payload = loop {
            match frame::split_frame(&mut buf, 4 << 20) {
                Ok(Some(f)) => break f,
                Ok(None) => {}
                Err(_) => return,
            }
            match s.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        };
        let Ok((h, body)) = frame::decode_request_header(&payload) else {
            return;
        };
        let (misbehave, append) = {
            let mut g = st.lock().unwrap();
            *g.requests.entry(h.api_key.name()).or_default() += 1;
            match g.plan {
                Some(p) if p.phase.api() == h.api_key && p.times > 0 => {
                    if p.times != u32::MAX {
                        g.plan = Some(Plan {
                            times: p.times - 1,
                            ..p
                        });
                    }
                    g.misbehaved += 1;
                    let append =
                        p.phase == Phase::ProduceAfterAppend || p.how == Misbehaviour::Unsolicited;
                    (Some(p.how), append)
                }
                _ => (None, true),
            }
        };
        let Some(right) = respond(&st, port, &h, &body, append) else {
            return;
        };
        let corr = h.correlation_id;
        let Some(how) = misbehave else {
            if s.write_all(&right).await.is_err() {
                return;
            }
            continue;
        };
        match how {
            Misbehaviour::Garbage => {
                let _ = s.write_all(&garbage(&mut rng, 300)).await;
                return mute(&mut s).await;
            }
            Misbehaviour::MaxSizePrefix => {
                let _ = s.write_all(&i32::MAX.to_be_bytes()).await;
                return mute(&mut s).await;
            }
            Misbehaviour::NegativeSizePrefix => {
                let _ = s.write_all(&(-2i32).to_be_bytes()).await;
                return mute(&mut s).await;
            }
            Misbehaviour::ClaimJustUnderCap => {
                let _ = s.write_all(&(PRODUCER_FRAME_CAP - 1).to_be_bytes()).await;
                let _ = s.write_all(&corr.to_be_bytes()).await;
                let chunk = vec![0xab; 16 * 1024];
                for _ in 0..CLAIM_SENT / chunk.len() {
                    if s.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
                return mute(&mut s).await;
            }
            Misbehaviour::HalfSizePrefix => {
                let _ = s.write_all(&right[..2]).await;
                return;
            }
            Misbehaviour::EmptyFrame => {
                let _ = s.write_all(&0i32.to_be_bytes()).await;
                return mute(&mut s).await;
            }
            Misbehaviour::Truncated => {
                let _ = s.write_all(&right[..right.len() / 2]).await;
                let _ = s.flush().await;
                return;
            }
            Misbehaviour::CloseBeforeResponse => return,
            Misbehaviour::WrongCorrelationId => {
                let mut wrong = right.clone();
                wrong[4..8].copy_from_slice(&corr.wrapping_add(1000).to_be_bytes());
                if s.write_all(&wrong).await.is_err() {
                    return;
                }
            }
            Misbehaviour::UnparsableBody => {
                let mut f = Vec::with_capacity(64);
                f.extend_from_slice(&corr.to_be_bytes());
                if response_header_version(h.api_key, h.api_version) == Some(1) {
                    f.push(0); // empty tagged fields of response header v1
                }
                for _ in 0..4 {
                    f.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
                }
                f.extend_from_slice(&[0xff; 16]);
                let mut framed = (f.len() as i32).to_be_bytes().to_vec();
                framed.extend_from_slice(&f);
                if s.write_all(&framed).await.is_err() {
                    return;
                }
            }
            Misbehaviour::Silent => return mute(&mut s).await,
            Misbehaviour::Unsolicited => {
                let mut twice = right.to_vec();
                twice.extend_from_slice(&right);
                if s.write_all(&twice).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// The versions the fake broker advertises (Kafka 4.x's ApiVersions range; Produce capped at
/// 11 so that topics travel by name).
const ADVERTISED: [(ApiKey, i16, i16); 4] = [
    (ApiKey::API_VERSIONS, 0, 4),
    (ApiKey::METADATA, 0, 12),
    (ApiKey::PRODUCE, 3, 11),
    (ApiKey::INIT_PRODUCER_ID, 0, 4),
];

/// The right response frame to a request (appending a Produce's batches if `append`), or
/// `None` for a request the fake broker does not serve.
fn respond(
    st: &Mutex<FakeState>,
    port: u16,
    h: &kwire_protocol::RequestHeader,
    body: &Bytes,
    append: bool,
) -> Option<BytesMut> {
    let v = h.api_version;
    let corr = h.correlation_id;
    let mut out = BytesMut::new();
    let (min, max) = ADVERTISED
        .iter()
        .find(|a| a.0 == h.api_key)
        .map(|a| (a.1, a.2))?;
    if h.api_key == ApiKey::API_VERSIONS {
        if v > max {
            let r = ApiVersionsResponse::unsupported_version(min, max);
            frame::encode_response(&mut out, corr, &r, 0).ok()?;
        } else {
            ApiVersionsRequest::decode(body, v).ok()?;
            let r = ApiVersionsResponse {
                api_keys: ADVERTISED
                    .iter()
                    .map(|&(k, a, b)| ApiVersion::new(k, a, b))
                    .collect(),
                ..Default::default()
            };
            frame::encode_response(&mut out, corr, &r, v).ok()?;
        }
        return Some(out);
    }
    if v < min || v > max {
        return None;
    }
    if h.api_key == ApiKey::METADATA {
        let req = MetadataRequest::decode(body, v).ok()?;
        let mut topics = vec![MetadataResponseTopic {
            error_code: ErrorCode::None,
            name: Some(TOPIC.into()),
            topic_id: Uuid::from_u128(0x6b77_6972_6500_0000_0000_0000_0000_0001),
            partitions: (0..PARTITIONS)
                .map(|p| MetadataResponsePartition {
                    error_code: ErrorCode::None,
                    partition_index: p,
                    leader_id: NODE,
                    leader_epoch: 0,
                    replica_nodes: vec![NODE],
                    isr_nodes: vec![NODE],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }];
        for t in req.topics.iter().flatten() {
            if let Some(n) = &t.name
                && n != TOPIC
            {
                topics.push(MetadataResponseTopic {
                    error_code: ErrorCode::UnknownTopicOrPartition,
                    name: Some(n.clone()),
                    ..Default::default()
                });
            }
        }
        let r = MetadataResponse {
            brokers: vec![MetadataResponseBroker {
                node_id: NODE,
                host: "127.0.0.1".into(),
                port: i32::from(port),
                ..Default::default()
            }],
            cluster_id: Some("hostile-fake".into()),
            controller_id: NODE,
            topics,
            ..Default::default()
        };
        frame::encode_response(&mut out, corr, &r, v).ok()?;
        return Some(out);
    }
    if h.api_key == ApiKey::INIT_PRODUCER_ID {
        InitProducerIdRequest::decode(body, v).ok()?;
        let epoch = {
            let mut g = st.lock().unwrap();
            let e = g.next_epoch;
            if append {
                g.next_epoch += 1;
            }
            e
        };
        let r = InitProducerIdResponse {
            error_code: ErrorCode::None,
            producer_id: PRODUCER_ID,
            producer_epoch: epoch,
            ..Default::default()
        };
        frame::encode_response(&mut out, corr, &r, v).ok()?;
        return Some(out);
    }
    // Produce.
    let req = ProduceRequest::decode(body, v).ok()?;
    let mut responses = Vec::new();
    let mut g = st.lock().unwrap();
    for t in &req.topic_data {
        let mut parts = Vec::new();
        for pd in &t.partition_data {
            let (code, base) = if t.name != TOPIC || !(0..PARTITIONS).contains(&pd.index) {
                (ErrorCode::UnknownTopicOrPartition, -1)
            } else if !append {
                // Never reaches the producer intact (the misbehaviour replaces it).
                (ErrorCode::None, 0)
            } else {
                append_batches(&mut g, pd.index, pd.records.clone().unwrap_or_default())
            };
            parts.push(PartitionProduceResponse {
                index: pd.index,
                error_code: code,
                base_offset: base,
                ..Default::default()
            });
        }
        responses.push(TopicProduceResponse {
            name: t.name.clone(),
            partition_responses: parts,
            ..Default::default()
        });
    }
    drop(g);
    let r = ProduceResponse {
        responses,
        ..Default::default()
    };
    frame::encode_response(&mut out, corr, &r, v).ok()?;
    Some(out)
}

/// Appends a partition's batches with Kafka's idempotence rules; (error, base offset).
fn append_batches(g: &mut FakeState, partition: i32, records: Bytes) -> (ErrorCode, i64) {
    let Ok(batches) = RecordBatch::decode_all(records) else {
        return (ErrorCode::CorruptMessage, -1);
    };
    let mut first_base = -1;
    for b in batches {
        let n = b.records.len() as i32;
        let (pid, epoch, first) = (b.producer_id, b.producer_epoch, b.base_sequence);
        let last = first.wrapping_add(n - 1);
        let log = &mut g.logs[partition as usize];
        let base = if let Some(&(.., base)) = log
            .recent
            .iter()
            .find(|r| (r.0, r.1, r.2, r.3) == (pid, epoch, first, last))
        {
            g.duplicates += 1;
            base
        } else {
            let in_order = match log.recent.back() {
                Some(&(p, e, _, prev_last, _)) if p == pid && e == epoch => {
                    first == prev_last.wrapping_add(1)
                }
                Some(&(p, e, ..)) if p == pid && e > epoch => {
                    return (ErrorCode::InvalidProducerEpoch, -1);
                }
                _ => first == 0,
            };
            if !in_order {
                g.out_of_order += 1;
                return (ErrorCode::OutOfOrderSequenceNumber, -1);
            }
            let base = log.ids.len() as i64;
            for r in &b.records {
                let id = r
                    .value
                    .as_deref()
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(u64::MAX);
                log.ids.push(id);
            }
            log.recent.push_back((pid, epoch, first, last, base));
            if log.recent.len() > 5 {
                log.recent.pop_front();
            }
            g.appended_batches += 1;
            base
        };
        if first_base < 0 {
            first_base = base;
        }
    }
    (ErrorCode::None, first_base)
}

// ---------------------------------------------------------------------------------------------
// One case: a producer against a fake broker
// ---------------------------------------------------------------------------------------------

const RECORDS: u64 = 8;
const MAX_BLOCK: Duration = Duration::from_millis(600);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(300);
const DELIVERY_TIMEOUT: Duration = Duration::from_millis(1200);
/// Slack on top of the configured timeouts for an outcome to arrive (a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(2);

fn hostile_config(addr: SocketAddr) -> ProducerConfig {
    ProducerConfig::builder()
        .bootstrap_servers(addr.to_string())
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("linger.ms", "2")
        .set("batch.size", "120")
        .set(
            "request.timeout.ms",
            REQUEST_TIMEOUT.as_millis().to_string(),
        )
        .set(
            "delivery.timeout.ms",
            DELIVERY_TIMEOUT.as_millis().to_string(),
        )
        .set("max.block.ms", MAX_BLOCK.as_millis().to_string())
        .set("socket.connection.setup.timeout.ms", "300")
        .set("reconnect.backoff.ms", "5")
        .set("reconnect.backoff.max.ms", "50")
        .set("retry.backoff.ms", "5")
        .set("retry.backoff.max.ms", "50")
        .build()
        .expect("producer config")
}

fn key_of(i: u64) -> String {
    format!("key-{}", i % 5)
}

/// What one case saw.
#[derive(Debug)]
struct CaseReport {
    name: String,
    plan: Plan,
    ok: usize,
    /// Error kinds (variant and last error code) and how many records ended in each.
    errors: BTreeMap<String, usize>,
    /// Slowest outcome, from the record's `enqueue` call.
    slowest: Duration,
    close: Duration,
    close_result: Result<(), ProduceError>,
    misbehaved: u32,
    connections: u32,
    duplicates: u32,
    appended: usize,
    /// Broken invariants (must stay empty).
    problems: Vec<String>,
}

fn error_kind(e: &ProduceError) -> String {
    let variant = format!("{e:?}");
    let variant = variant
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_string();
    match e.error_code() {
        Some(c) => format!("{variant}({})", c.name()),
        None => variant,
    }
}

/// `Phase/Misbehaviour/always` or `Phase/Misbehaviour/1x`.
fn case_name(plan: &Plan) -> String {
    format!(
        "{:?}/{:?}/{}",
        plan.phase,
        plan.how,
        if plan.times == u32::MAX {
            "always".to_string()
        } else {
            format!("{}x", plan.times)
        }
    )
}

async fn run_case(plan: Plan, seed: u64) -> CaseReport {
    let name = case_name(&plan);
    let fake = FakeBroker::start(Some(plan), seed).await;
    let producer = Producer::new(hostile_config(fake.addr)).expect("producer");
    let mut problems = Vec::new();
    let bound = MAX_BLOCK + DELIVERY_TIMEOUT + SLACK;
    // Records are handed over in order from one task (per-partition send order is id order);
    // each outcome is awaited by its own task, timed from the enqueue call.
    let mut waiters = Vec::new();
    for i in 0..RECORDS {
        let rec = ProducerRecord::new(TOPIC, i.to_string()).with_key(key_of(i));
        let t0 = Instant::now();
        let enq = tokio::time::timeout(bound, producer.enqueue(rec)).await;
        let fut: Result<DeliveryFuture, Option<ProduceError>> = match enq {
            Err(_) => Err(None),
            Ok(Err(e)) => Err(Some(e)),
            Ok(Ok(d)) => Ok(d),
        };
        waiters.push(tokio::spawn(async move {
            match fut {
                Err(e) => (i, e.map(Err), t0.elapsed()),
                Ok(d) => {
                    let r = tokio::time::timeout(bound.saturating_sub(t0.elapsed()), d).await;
                    (i, r.ok(), t0.elapsed())
                }
            }
        }));
    }
    let mut outcomes = Vec::new();
    let mut slowest = Duration::ZERO;
    for w in waiters {
        let (i, r, took) = w.await.expect("waiter task");
        slowest = slowest.max(took);
        match r {
            None => problems.push(format!("record {i}: no outcome within {bound:?}")),
            Some(r) => outcomes.push((i, r)),
        }
    }
    let t_close = Instant::now();
    let close_result = match tokio::time::timeout(
        Duration::from_secs(5),
        producer.close(Duration::from_secs(2)),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => {
            problems.push("close() did not return within 5 s".into());
            Err(ProduceError::Closed)
        }
    };
    let close = t_close.elapsed();
    drop(producer);

    let g = fake.lock();
    let mut ok = 0;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut count: HashMap<u64, usize> = HashMap::new();
    for log in &g.logs {
        for &id in &log.ids {
            *count.entry(id).or_default() += 1;
        }
    }
    for (p, log) in g.logs.iter().enumerate() {
        if let Some(w) = log.ids.windows(2).find(|w| w[0] >= w[1]) {
            problems.push(format!("partition {p}: {} before {}", w[0], w[1]));
        }
    }
    for (&id, &n) in &count {
        if n > 1 {
            problems.push(format!("record {id} appended {n} times"));
        }
        if id >= RECORDS {
            problems.push(format!("unknown record {id} in the log"));
        }
    }
    for (i, r) in &outcomes {
        match r {
            Ok(md) => {
                ok += 1;
                let p = partition_for_key(key_of(*i).as_bytes(), PARTITIONS as usize);
                let at = g
                    .logs
                    .get(md.partition as usize)
                    .and_then(|l| l.ids.get(usize::try_from(md.offset).ok()?));
                if md.partition != p || at != Some(i) {
                    problems.push(format!(
                        "record {i} acknowledged at {}@{}, the log has {at:?} there",
                        md.partition, md.offset
                    ));
                }
            }
            Err(e) => *errors.entry(error_kind(e)).or_default() += 1,
        }
    }
    if g.misbehaved == 0 {
        problems.push("the plan never fired".into());
    }
    if plan.times != u32::MAX && ok as u64 != RECORDS {
        problems.push(format!(
            "misbehaved {} time(s) then behaved, yet only {ok} of {RECORDS} delivered",
            g.misbehaved
        ));
    }
    if plan.times != u32::MAX
        && plan.phase == Phase::ProduceAfterAppend
        && plan.how.withholds_the_answer()
        && g.duplicates == 0
    {
        problems.push("the batch appended before the misbehaviour was never retried".into());
    }
    if plan.times == u32::MAX && plan.always_fails() {
        // Nothing can be acknowledged, and the error says which stage never completed.
        let expected: &[&str] = match plan.phase {
            Phase::ApiVersions | Phase::Metadata => &["MetadataTimeout"],
            // The producer asks for its id and for metadata on the same connection: when the
            // id request breaks it, the metadata answer is lost with it.
            Phase::InitProducerId => &["MetadataTimeout", "DeliveryTimeout"],
            _ => &["DeliveryTimeout"],
        };
        if ok > 0 {
            problems.push(format!(
                "{ok} records acknowledged by a broker that never answers"
            ));
        }
        for k in errors.keys() {
            if !expected.iter().any(|e| k.starts_with(e)) {
                problems.push(format!("unexpected error kind {k} (expected {expected:?})"));
            }
        }
    }
    let appended = g.logs.iter().map(|l| l.ids.len()).sum();
    CaseReport {
        name,
        plan,
        ok,
        errors,
        slowest,
        close,
        close_result,
        misbehaved: g.misbehaved,
        connections: g.connections,
        duplicates: g.duplicates,
        appended,
        problems,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_survives_a_hostile_broker() {
    watch_panics();
    // A well-behaved fake broker first: the fake itself must be right for the cases to mean
    // anything.
    let good = FakeBroker::start(None, 1).await;
    let p = Producer::new(hostile_config(good.addr)).expect("producer");
    for i in 0..RECORDS {
        let md = tokio::time::timeout(
            Duration::from_secs(5),
            p.send(ProducerRecord::new(TOPIC, i.to_string()).with_key(key_of(i))),
        )
        .await
        .expect("a good broker answers")
        .expect("delivered");
        assert_eq!(md.topic.as_ref(), TOPIC);
    }
    p.close(Duration::from_secs(2)).await.expect("close");
    {
        let g = good.lock();
        assert_eq!(
            g.logs.iter().map(|l| l.ids.len()).sum::<usize>(),
            RECORDS as usize
        );
        assert_eq!((g.misbehaved, g.duplicates, g.out_of_order), (0, 0, 0));
    }
    drop(good);

    // RUST_LOG=kwire_producer=debug shows what the producer did; KWIRE_HOSTILE_ONLY=text runs
    // only the cases whose name contains it (e.g. `Produce` or `Silent/1x`).
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let only = std::env::var("KWIRE_HOSTILE_ONLY").unwrap_or_default();
    let mut plans = Vec::new();
    for phase in PHASES {
        for how in MISBEHAVIOURS {
            for times in [1, u32::MAX] {
                let plan = Plan { phase, how, times };
                if case_name(&plan).contains(only.as_str()) {
                    plans.push(plan);
                }
            }
        }
    }
    let mem = MemoryWatch::start();
    let t0 = Instant::now();
    let mut set = JoinSet::new();
    for (k, plan) in plans.iter().enumerate() {
        set.spawn(run_case(*plan, 0x4057_11e0 + k as u64));
    }
    let mut reports = Vec::new();
    while let Some(r) = set.join_next().await {
        reports.push(r.expect("case task"));
    }
    let elapsed = t0.elapsed();
    let kwire_tests::watch::MemoryFigures {
        largest,
        peak,
        rss_delta_kib: rss_delta,
    } = mem.read();
    reports.sort_by_key(|r| {
        (
            PHASES.iter().position(|p| *p == r.plan.phase),
            MISBEHAVIOURS.iter().position(|m| *m == r.plan.how),
            r.plan.times,
        )
    });
    let mut failed = Vec::new();
    for r in &reports {
        eprintln!(
            "{:<52} ok {}/{RECORDS} errors {:?} slowest {:>5} ms close {:>4} ms ({}) \
             misbehaved {} conns {} appended {} dedup {}",
            r.name,
            r.ok,
            r.errors,
            r.slowest.as_millis(),
            r.close.as_millis(),
            if r.close_result.is_ok() {
                "ok"
            } else {
                "Closed"
            },
            r.misbehaved,
            r.connections,
            r.appended,
            r.duplicates,
        );
        for p in &r.problems {
            failed.push(format!("{}: {p}", r.name));
        }
    }
    eprintln!(
        "{} cases in {elapsed:?}: largest allocation {} KiB, peak heap +{} KiB, VmRSS {:+} KiB",
        reports.len(),
        largest / 1024,
        peak / 1024,
        rss_delta
    );
    assert!(
        failed.is_empty(),
        "{} problems:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // A connection that reserved a claimed length (100 MiB − 1 or i32::MAX) would show here.
    assert!(
        largest < 8 << 20,
        "an allocation of {largest} bytes: a claimed frame size was reserved?"
    );
    assert!(peak < 128 << 20, "heap grew by {peak} bytes");
    assert_eq!(panics(), 0, "a task panicked");
}
