//! `kwire-produce`: write records from stdin to Kafka (in the spirit of `kcat -P` and
//! `kafka-console-producer`), or measure throughput and latency with `--perf` (like
//! `kafka-producer-perf-test`).
//!
//! ```text
//! printf 'k1:hello\nk2:world\n' | kwire-produce -b 127.0.0.1:9092 -t events -K :
//! kwire-produce -b 127.0.0.1:9092 -t bench --perf --num-records 1000000 --record-size 100
//! ```

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use kwire_producer::config::parse_properties;
use kwire_producer::{
    DeliveryFuture, Producer, ProducerConfig, ProducerRecord, RecordHeader, RecordMetadata,
};
use tokio::sync::mpsc;

/// Write records to Kafka: one per stdin line, or generated ones with --perf.
#[derive(Debug, Parser)]
#[command(name = "kwire-produce", version)]
struct Args {
    /// Bootstrap servers, HOST:PORT[,HOST:PORT...].
    #[arg(short = 'b', long = "bootstrap-server", env = "KWIRE_BOOTSTRAP")]
    bootstrap: String,
    /// Topic to write to.
    #[arg(short = 't', long)]
    topic: String,
    /// Partition (default: the partitioner chooses).
    #[arg(short = 'p', long)]
    partition: Option<i32>,
    /// Split each line at the first SEP into key and value (lines without SEP get a null key).
    #[arg(short = 'K', long = "key-separator", value_name = "SEP")]
    key_separator: Option<String>,
    /// Add a header to every record, KEY=VALUE (repeatable).
    #[arg(short = 'H', long = "header", value_name = "KEY=VALUE")]
    headers: Vec<String>,
    /// Any producer config, KEY=VALUE (repeatable), e.g. -X linger.ms=10 -X acks=1; these
    /// override --producer.config.
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    config: Vec<String>,
    /// A Java properties file of producer configs (e.g. security.protocol, sasl.jaas.config),
    /// as Kafka's console producer reads it.
    #[arg(long = "producer.config", value_name = "FILE")]
    producer_config: Option<std::path::PathBuf>,
    /// Do not print delivery reports for failed records (the exit code still says).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Print every record's partition and offset.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Performance test: send generated records and print throughput and latency.
    #[arg(long)]
    perf: bool,
    /// --perf: number of records.
    #[arg(long, default_value_t = 1_000_000)]
    num_records: u64,
    /// --perf: value size in bytes.
    #[arg(long, default_value_t = 100)]
    record_size: usize,
    /// --perf: give records keys from this many distinct keys (default: no keys).
    #[arg(long)]
    key_count: Option<u64>,
    /// --perf: time the latency of one record in this many (1: every record). Reading the
    /// clock per record costs a few percent of the CPU per record; the percentiles come from
    /// the sample.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..))]
    latency_sample: u64,
    /// --perf: time from the first record on, start-up included (by default one warm-up record
    /// is delivered first and not counted: metadata, producer id and connections are ready).
    #[arg(long)]
    no_warmup: bool,
    /// --perf: offer at most this many records per second (as kafka-producer-perf-test's
    /// --throughput): record i is handed to the producer no earlier than i / N seconds after
    /// the first. Default: as fast as the producer takes them.
    #[arg(long, value_name = "N")]
    throughput: Option<f64>,
    /// --perf: print one JSON line instead of text.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for the outstanding records when closing.
    #[arg(long, default_value_t = 120)]
    close_timeout_s: u64,
}

fn parse_kv(s: &str, what: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{what} must be KEY=VALUE, got {s:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KWIRE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kwire-produce: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<ExitCode, String> {
    let mut b = ProducerConfig::builder();
    if let Some(path) = &args.producer_config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--producer.config {}: {e}", path.display()))?;
        for (k, v) in parse_properties(&text) {
            b = b.set(k, v);
        }
    }
    b = b.bootstrap_servers(&args.bootstrap);
    for x in &args.config {
        let (k, v) = parse_kv(x, "-X")?;
        b = b.set(k, v);
    }
    let config = b.build().map_err(|e| e.to_string())?;
    let mut headers = Vec::new();
    for h in &args.headers {
        let (k, v) = parse_kv(h, "-H")?;
        headers.push(RecordHeader {
            key: k,
            value: Some(Bytes::from(v)),
        });
    }
    let producer = Producer::new(config).map_err(|e| e.to_string())?;
    let topic: Arc<str> = Arc::from(args.topic.as_str());
    if args.perf {
        return perf(&args, producer, topic, headers).await;
    }

    // One collector task awaits the outcomes in order and reports failures.
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, DeliveryFuture)>();
    let quiet = args.quiet;
    let verbose = args.verbose;
    let collector = tokio::spawn(async move {
        let (mut ok, mut failed) = (0u64, 0u64);
        while let Some((line, d)) = rx.recv().await {
            match d.await {
                Ok(md) => {
                    ok += 1;
                    if verbose {
                        eprintln!("line {line}: {}-{}@{}", md.topic, md.partition, md.offset);
                    }
                }
                Err(e) => {
                    failed += 1;
                    if !quiet {
                        eprintln!("kwire-produce: line {line} failed: {e}");
                    }
                }
            }
        }
        (ok, failed)
    });
    let (line_tx, mut line_rx) = mpsc::channel::<(u64, String)>(1024);
    // stdin is blocking: read it on a blocking thread.
    let reader = tokio::task::spawn_blocking(move || {
        let stdin = std::io::stdin();
        for (i, line) in stdin.lock().lines().enumerate() {
            let Ok(line) = line else { break };
            if line_tx.blocking_send((i as u64 + 1, line)).is_err() {
                break;
            }
        }
    });
    let mut rejected = 0u64;
    while let Some((n, line)) = line_rx.recv().await {
        let (key, value) = match &args.key_separator {
            Some(sep) => match line.split_once(sep.as_str()) {
                Some((k, v)) => (Some(Bytes::from(k.to_owned())), Bytes::from(v.to_owned())),
                None => (None, Bytes::from(line)),
            },
            None => (None, Bytes::from(line)),
        };
        let record = ProducerRecord {
            topic: topic.clone(),
            partition: args.partition,
            key,
            value: Some(value),
            headers: headers.clone(),
            timestamp: None,
        };
        match producer.enqueue(record).await {
            Ok(d) => {
                let _ = tx.send((n, d));
            }
            Err(e) => {
                rejected += 1;
                if !args.quiet {
                    eprintln!("kwire-produce: line {n} rejected: {e}");
                }
            }
        }
    }
    let _ = reader.await;
    drop(tx);
    let closed = producer
        .close(Duration::from_secs(args.close_timeout_s))
        .await;
    let (ok, failed) = collector.await.map_err(|e| e.to_string())?;
    let failed = failed + rejected;
    if !args.quiet || failed > 0 {
        eprintln!("kwire-produce: {ok} delivered, {failed} failed");
    }
    if let Err(e) = closed {
        eprintln!("kwire-produce: close: {e}");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// CPU time of this process (user + system), from /proc on Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Records whose outcomes go to the collector of `--perf` together.
const PERF_CHUNK: usize = 64;

async fn perf(
    args: &Args,
    producer: Producer,
    topic: Arc<str>,
    headers: Vec<RecordHeader>,
) -> Result<ExitCode, String> {
    let n = args.num_records;
    // A payload like kafka-producer-perf-test's: random uppercase letters.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let payload: Bytes = (0..args.record_size)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            b'A' + (seed % 26) as u8
        })
        .collect::<Vec<u8>>()
        .into();
    let keys: Option<Vec<Bytes>> = args.key_count.map(|k| {
        (0..k.max(1))
            .map(|i| Bytes::from(format!("k{i}")))
            .collect()
    });

    // Outcomes go to the collector in chunks of PERF_CHUNK: a channel send per record would
    // cost more than the producer's own work for it.
    type Chunk = Vec<(Option<Instant>, DeliveryFuture)>;
    let (tx, mut rx) = mpsc::unbounded_channel::<Chunk>();
    let collector = tokio::spawn(async move {
        let mut lat_us: Vec<u32> = Vec::new();
        let mut delivered = 0u64;
        let mut failed = 0u64;
        let mut first_err: Option<String> = None;
        let mut last: Option<RecordMetadata> = None;
        while let Some(chunk) = rx.recv().await {
            for (t, d) in chunk {
                match d.await {
                    Ok(md) => {
                        delivered += 1;
                        if let Some(t) = t {
                            lat_us.push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                        }
                        last = Some(md);
                    }
                    Err(e) => {
                        failed += 1;
                        first_err.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }
        (lat_us, delivered, failed, first_err, last)
    });
    // Warm-up, not measured (as the librdkafka drivers of producer/bench do): metadata,
    // producer id, connections.
    if !args.no_warmup {
        let record = ProducerRecord {
            topic: topic.clone(),
            partition: args.partition,
            key: None,
            value: Some(payload.clone()),
            headers: headers.clone(),
            timestamp: None,
        };
        producer
            .send(record)
            .await
            .map_err(|e| format!("warm-up record: {e}"))?;
    }
    let cpu0 = cpu_time();
    let t0 = Instant::now();
    let mut rejected = 0u64;
    let mut chunk: Chunk = Vec::with_capacity(PERF_CHUNK);
    let interval = args
        .throughput
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    for i in 0..n {
        if let Some(interval) = interval {
            let due = t0 + interval.mul_f64(i as f64);
            if due > Instant::now() {
                // The collector times a record when it reaches it: hand it what was sent
                // before idling, or the records of a chunk would wait for the chunk to fill.
                if !chunk.is_empty() {
                    let _ = tx.send(std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(PERF_CHUNK),
                    ));
                }
                tokio::time::sleep_until(due.into()).await;
            }
        }
        let record = ProducerRecord {
            topic: topic.clone(),
            partition: args.partition,
            key: keys
                .as_ref()
                .map(|k| k[(i % k.len() as u64) as usize].clone()),
            value: Some(payload.clone()),
            headers: headers.clone(),
            timestamp: None,
        };
        let sent = (i % args.latency_sample == 0).then(Instant::now);
        match producer.enqueue(record).await {
            Ok(d) => {
                chunk.push((sent, d));
                if chunk.len() == PERF_CHUNK {
                    let _ = tx.send(std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(PERF_CHUNK),
                    ));
                }
            }
            Err(e) => {
                rejected += 1;
                if rejected == 1 {
                    eprintln!("kwire-produce: record {i} rejected: {e}");
                }
            }
        }
    }
    let _ = tx.send(chunk);
    drop(tx);
    let (mut lat, delivered, failed, first_err, _) = collector.await.map_err(|e| e.to_string())?;
    let elapsed = t0.elapsed();
    let cpu = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    let metrics = producer.metrics();
    let _ = producer
        .close(Duration::from_secs(args.close_timeout_s))
        .await;
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    let secs = elapsed.as_secs_f64();
    let rps = delivered as f64 / secs;
    let mbps = rps * args.record_size as f64 / (1024.0 * 1024.0);
    let avg = if lat.is_empty() {
        0.0
    } else {
        lat.iter().map(|&x| f64::from(x)).sum::<f64>() / lat.len() as f64 / 1000.0
    };
    let max = lat.last().map_or(0.0, |&x| f64::from(x) / 1000.0);
    let cpu_us_per_record = cpu.map(|c| c.as_secs_f64() * 1e6 / delivered.max(1) as f64);
    if args.json {
        println!(
            "{{\"client\":\"kwire\",\"records\":{delivered},\"failed\":{},\"seconds\":{secs:.3},\"records_per_sec\":{rps:.1},\"mb_per_sec\":{mbps:.2},\"avg_ms\":{avg:.2},\"max_ms\":{max:.2},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"p99_ms\":{:.2},\"p999_ms\":{:.2},\"cpu_seconds\":{},\"cpu_us_per_record\":{},\"batches\":{},\"requests\":{},\"retries\":{}}}",
            failed + rejected,
            pct(0.5),
            pct(0.95),
            pct(0.99),
            pct(0.999),
            cpu.map_or("null".into(), |c| format!("{:.3}", c.as_secs_f64())),
            cpu_us_per_record.map_or("null".into(), |c| format!("{c:.3}")),
            metrics.batches_sent,
            metrics.produce_requests,
            metrics.batch_retries,
        );
    } else {
        println!(
            "{delivered} records sent, {rps:.1} records/sec ({mbps:.2} MB/sec), {avg:.2} ms avg latency, {max:.2} ms max latency, {:.0} ms 50th, {:.0} ms 95th, {:.0} ms 99th, {:.0} ms 99.9th.",
            pct(0.5),
            pct(0.95),
            pct(0.99),
            pct(0.999)
        );
        if let Some(c) = cpu_us_per_record {
            println!(
                "cpu: {:.2} s total, {c:.2} µs per record; {} batches in {} requests, {} retries",
                cpu.map_or(0.0, |c| c.as_secs_f64()),
                metrics.batches_sent,
                metrics.produce_requests,
                metrics.batch_retries
            );
        }
    }
    if failed + rejected > 0 {
        eprintln!(
            "kwire-produce: {} records failed{}",
            failed + rejected,
            first_err
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
