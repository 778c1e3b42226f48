//! `kwire-produce`: write records from files or stdin to Kafka, one per line (in the spirit of
//! `kcat -P` and `kafka-console-producer`), or measure throughput and latency with `--perf`
//! (like `kafka-producer-perf-test`).
//!
//! ```text
//! printf 'k1:hello\nk2:world\n' | kwire-produce -b 127.0.0.1:9092 -t events -K :
//! kwire-produce -b 127.0.0.1:9092 -t events -f day1.txt -f day2.txt
//! kwire-produce -b 127.0.0.1:9092 -t bench --perf --num-records 1000000 --record-size 100
//! ```
//!
//! Every record that is not delivered is reported on stderr as one line naming where it came
//! from (`FILE:LINE`, or `record N` with `--perf`) and why (Kafka's error name when a broker
//! refused it), and makes the exit status non-zero.

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use kwire_producer::config::parse_properties;
use kwire_producer::{DeliveryFuture, Producer, ProducerConfig, ProducerRecord, RecordHeader};
use tokio::sync::mpsc;

/// Write records to Kafka: one per line of the files given (stdin without -f), or generated
/// ones with --perf.
#[derive(Debug, Parser)]
#[command(name = "kwire-produce", version)]
struct Args {
    /// Bootstrap servers, HOST:PORT[,HOST:PORT...].
    #[arg(short = 'b', long = "bootstrap-server", env = "KWIRE_BOOTSTRAP")]
    bootstrap: String,
    /// Topic to write to.
    #[arg(short = 't', long)]
    topic: String,
    /// Partition [default: the partitioner chooses].
    #[arg(short = 'p', long)]
    partition: Option<i32>,
    /// Read records from FILE, one per line, after the files before it (repeatable; `-` is
    /// stdin) [default: stdin].
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "perf"
    )]
    files: Vec<PathBuf>,
    /// Split each line at the first SEP into key and value (lines without SEP get a null key)
    /// [default: no keys].
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
    /// Print neither failed records nor progress (the exit code still says whether every record
    /// was delivered).
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Print every record's partition and offset.
    #[arg(short = 'v', long)]
    verbose: bool,
    /// Performance test: send generated records and print throughput and latency (with progress
    /// on stderr: redrawn in place on a terminal, a line every 5 s otherwise).
    #[arg(long)]
    perf: bool,
    /// --perf: number of records.
    #[arg(long, default_value_t = 1_000_000)]
    num_records: u64,
    /// --perf: value size in bytes.
    #[arg(long, default_value_t = 100)]
    record_size: usize,
    /// --perf: give records keys from this many distinct keys [default: no keys].
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
    /// the first [default: as fast as the producer takes them].
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

/// Whether stderr gets colour and in-place redraws: only on a terminal (a log file or a pipe
/// gets plain lines).
fn terminal() -> bool {
    std::io::stderr().is_terminal()
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
        // NO_COLOR (https://no-color.org) turns colour off on a terminal too
        .with_ansi(terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
        .init();
    match run(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kwire-produce: {e}");
            ExitCode::from(2)
        }
    }
}

/// Where a record came from: its file (`-` and no `-f` are stdin) and line.
#[derive(Debug, Clone)]
struct Position {
    source: Arc<str>,
    line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

/// A source of lines: stdin or a file, opened before anything is sent.
enum Source {
    Stdin,
    File(std::fs::File),
}

/// Opens every `-f` file (stdin without any), so that a missing file stops the run before a
/// record is sent.
fn open_sources(files: &[PathBuf]) -> Result<Vec<(Arc<str>, Source)>, String> {
    if files.is_empty() {
        return Ok(vec![(Arc::from("stdin"), Source::Stdin)]);
    }
    files
        .iter()
        .map(|path| {
            if path.as_os_str() == "-" {
                return Ok((Arc::from("stdin"), Source::Stdin));
            }
            let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((Arc::from(path.display().to_string()), Source::File(file)))
        })
        .collect()
}

/// Reads the sources in order on a blocking thread, one message per line (without its `\n` or
/// `\r\n`; bytes, not necessarily UTF-8). A read error ends that source with an error message
/// and the reader goes on with the next.
fn read_lines(
    sources: Vec<(Arc<str>, Source)>,
    tx: mpsc::Sender<Result<(Position, Vec<u8>), String>>,
) {
    for (name, source) in sources {
        let mut reader: Box<dyn BufRead> = match source {
            Source::Stdin => Box::new(std::io::stdin().lock()),
            Source::File(f) => Box::new(std::io::BufReader::new(f)),
        };
        let mut line = 0u64;
        loop {
            let mut buf = Vec::new();
            line += 1;
            let item = match reader.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {
                    if buf.last() == Some(&b'\n') {
                        buf.pop();
                        if buf.last() == Some(&b'\r') {
                            buf.pop();
                        }
                    }
                    Ok((
                        Position {
                            source: name.clone(),
                            line,
                        },
                        buf,
                    ))
                }
                Err(e) => Err(format!("{name}:{line}: read failed: {e}")),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                break;
            }
        }
    }
}

/// Splits `line` at the first `sep` into key and value.
fn split_key(line: Vec<u8>, sep: Option<&[u8]>) -> (Option<Bytes>, Bytes) {
    let at = sep.filter(|s| !s.is_empty()).and_then(|s| {
        line.windows(s.len())
            .position(|w| w == s)
            .map(|i| (i, s.len()))
    });
    match at {
        Some((i, n)) => (
            Some(Bytes::copy_from_slice(&line[..i])),
            Bytes::copy_from_slice(&line[i + n..]),
        ),
        None => (None, Bytes::from(line)),
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
    let sources = if args.perf {
        Vec::new()
    } else {
        open_sources(&args.files)?
    };
    let producer = Producer::new(config).map_err(|e| e.to_string())?;
    let topic: Arc<str> = Arc::from(args.topic.as_str());
    if args.perf {
        return perf(&args, producer, topic, headers).await;
    }

    // One collector task awaits the outcomes in order and reports failures.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Position, DeliveryFuture)>();
    let quiet = args.quiet;
    let verbose = args.verbose;
    let collector = tokio::spawn(async move {
        let (mut ok, mut failed) = (0u64, 0u64);
        while let Some((pos, d)) = rx.recv().await {
            match d.await {
                Ok(md) => {
                    ok += 1;
                    if verbose {
                        eprintln!("{pos}: {}-{}@{}", md.topic, md.partition, md.offset);
                    }
                }
                Err(e) => {
                    failed += 1;
                    if !quiet {
                        eprintln!("kwire-produce: {pos}: {e}");
                    }
                }
            }
        }
        (ok, failed)
    });
    let (line_tx, mut line_rx) = mpsc::channel(1024);
    // stdin and files are blocking: read them on a blocking thread.
    let reader = tokio::task::spawn_blocking(move || read_lines(sources, line_tx));
    let sep = args.key_separator.as_deref().map(str::as_bytes);
    let mut not_sent = 0u64;
    while let Some(item) = line_rx.recv().await {
        let (pos, line) = match item {
            Ok(l) => l,
            Err(e) => {
                not_sent += 1;
                eprintln!("kwire-produce: {e}");
                continue;
            }
        };
        let (key, value) = split_key(line, sep);
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
                let _ = tx.send((pos, d));
            }
            Err(e) => {
                not_sent += 1;
                if !args.quiet {
                    eprintln!("kwire-produce: {pos}: {e}");
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
    let failed = failed + not_sent;
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
    // cost more than the producer's own work for it. Each carries the record's index (for a
    // failure's report) and, for sampled records, when it was handed to the producer.
    type Chunk = Vec<(u64, Option<Instant>, DeliveryFuture)>;
    let (tx, mut rx) = mpsc::unbounded_channel::<Chunk>();
    let counts = Arc::new(Counts::default());
    let quiet = args.quiet;
    let collector = tokio::spawn({
        let counts = counts.clone();
        async move {
            let mut lat_us: Vec<u32> = Vec::new();
            let mut delivered = 0u64;
            let mut failed = 0u64;
            while let Some(chunk) = rx.recv().await {
                for (i, t, d) in chunk {
                    match d.await {
                        Ok(_) => {
                            delivered += 1;
                            if let Some(t) = t {
                                lat_us
                                    .push(t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                            }
                        }
                        Err(e) => {
                            failed += 1;
                            report_failure(quiet, &counts, &format!("record {i}: {e}"));
                        }
                    }
                }
                counts.acked.store(delivered, Ordering::Relaxed);
            }
            (lat_us, delivered, failed)
        }
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
    let progress = (!args.quiet).then(|| Progress::start(n, counts.clone(), terminal()));
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
                    counts.sent.store(i, Ordering::Relaxed);
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
                chunk.push((i, sent, d));
                if chunk.len() == PERF_CHUNK {
                    counts.sent.store(i + 1, Ordering::Relaxed);
                    let _ = tx.send(std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(PERF_CHUNK),
                    ));
                }
            }
            Err(e) => {
                rejected += 1;
                report_failure(args.quiet, &counts, &format!("record {i}: {e}"));
            }
        }
    }
    counts.sent.store(n, Ordering::Relaxed);
    let _ = tx.send(chunk);
    drop(tx);
    let (mut lat, delivered, failed) = collector.await.map_err(|e| e.to_string())?;
    let elapsed = t0.elapsed();
    if let Some(p) = progress {
        p.stop().await;
    }
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
        eprintln!("kwire-produce: {} of {n} records failed", failed + rejected);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// How many failures `--perf` reports one by one; the count at the end covers the rest.
const FAILURES_SHOWN: u64 = 10;

/// Reports a failure of `--perf`, the first [`FAILURES_SHOWN`] only.
fn report_failure(quiet: bool, counts: &Counts, what: &str) {
    let nth = counts.failed.fetch_add(1, Ordering::Relaxed) + 1;
    if quiet || nth > FAILURES_SHOWN {
        return;
    }
    eprintln!("kwire-produce: {what}");
    if nth == FAILURES_SHOWN {
        eprintln!("kwire-produce: further failures are counted, not shown");
    }
}

/// `--perf`'s counters: records handed to the producer and records acknowledged (for the
/// progress line, updated once per chunk of [`PERF_CHUNK`] records), failures reported.
#[derive(Debug, Default)]
struct Counts {
    sent: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
}

/// The progress line of `--perf` on stderr: on a terminal redrawn in place every 200 ms (and
/// once at the start, so a short run shows it too), otherwise a plain line every 5 s.
struct Progress {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    fn start(total: u64, counts: Arc<Counts>, terminal: bool) -> Progress {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let period = Duration::from_millis(if terminal { 200 } else { 5000 });
        let task = tokio::spawn(async move {
            // The first draw is made below, not left to the interval's first tick: that tick
            // waits for the timer driver's next turn, and a short run can end before it.
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last = (Instant::now(), 0u64);
            let mut width = 0usize;
            let mut draw = |end: bool| {
                let (now, sent) = (Instant::now(), counts.sent.load(Ordering::Relaxed));
                let secs = now.duration_since(last.0).as_secs_f64();
                let rate = if secs > 0.0 {
                    (sent - last.1) as f64 / secs
                } else {
                    0.0
                };
                last = (now, sent);
                let line = format!(
                    "kwire-produce: {sent}/{total} records sent, {rate:.0} records/s, {} acked",
                    counts.acked.load(Ordering::Relaxed)
                );
                let mut err = std::io::stderr().lock();
                let _ = if terminal {
                    // pad over what the last draw left on the line
                    let pad = width.saturating_sub(line.len());
                    width = line.len();
                    write!(err, "\r{line}{:pad$}{}", "", if end { "\n" } else { "" })
                } else if !end {
                    writeln!(err, "{line}")
                } else {
                    Ok(())
                };
                let _ = err.flush();
            };
            draw(false);
            loop {
                tokio::select! {
                    biased;
                    _ = ticks.tick() => draw(false),
                    _ = &mut stopped => break,
                }
            }
            draw(true);
        });
        Progress { stop, task }
    }

    /// Draws the final counts (on a terminal; ends the line) and stops.
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
