//! `kwire-bounce`: the bounce run. Produces N keyed idempotent records (acks=all, otherwise
//! kwire-producer's defaults) while the cluster is being bounced, records every record's
//! outcome (offset or typed error), reads every partition back from its leader with Fetch up to
//! the high watermark and checks: every acknowledged record present exactly once at its
//! acknowledged partition and offset, per-partition order = send order, no duplicates, every
//! record resolved (a record may fail only with a typed error, never vanish).
//!
//! ```text
//! kwire-bounce --mock [--records N] [options]        embedded kwire-mock + fault task
//! kwire-bounce --bootstrap H:P,... --topic T [...]   a real cluster (topic made beforehand)
//! ```
//!
//! Record `i`: key `k<i % 1000>`, value `"<i>:"` padded with `.` to `--value-size` bytes (the
//! interop record scheme, so `tests/interop/clients/run.sh ... consume` can check it too).
//!
//! `--mock` starts 3 brokers with the topic (12 partitions, RF 3, min.insync.replicas 2,
//! followers 2 ms behind) and a fault task: a leader move round-robin over the partitions every
//! `--move-every-ms` (2000), and also whenever the run is another `1/--min-moves` (1/24) of
//! the way through, so that a fast run still moves every leader at least twice; and Produce
//! errors injected at `--error-pct` (1) % of the produce partition responses (see `faults.rs`).
//!
//! Output: one JSON line on stdout (`"ok":true|false`), a table on stderr. Exit status 0 when
//! clean, 1 on any violation, 2 when the run could not be made.

mod consume;
mod faults;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kwire_mock::MockCluster;
use kwire_producer::partitioner::partition_for_key;
use kwire_producer::{DeliveryFuture, ProduceError, Producer, ProducerConfig, ProducerRecord};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use kwire_tests::delivery::{self as check, ErrorKinds, Outcome};

const USAGE: &str = "\
usage: kwire-bounce (--mock | --bootstrap HOST:PORT,...) [options]
  --records N          records to send (default 1000000)
  --topic NAME         topic (default kwire-bounce; with --bootstrap it must exist)
  --partitions P       --mock: partitions of the topic (default 12)
  --value-size S       bytes per value (default 100)
  --rate R             records per second, 0 = unpaced (default 0)
  --move-every-ms MS   --mock: a leader move at least every MS ms (default 2000)
  --min-moves M        --mock: and at least M moves spread over the records (default 24)
  --error-pct X        --mock: % of produce partition responses with an injected error (default 1)
  --follower-lag-ms L  --mock: follower lag (default 2)
  --no-dedup           --mock: switch the mock's idempotent dedup off (to see the checker fail)
  -X key=value         producer config (repeatable; acks=all and idempotence are the defaults)
  --min-acked-pct X    fail unless at least X % of the records were acknowledged (default 99)
  --allow-misreported  accept records that failed with an error saying \"not written\" (a broker
                       rejection) but are in the log (default: a violation)
  --hang-timeout-s S   a record without an outcome after S s counts as unresolved (default 180)
  --healthy-wait-s S   --bootstrap: wait up to S s for full ISRs before producing and before
                       reading back (default 90)
  --progress-file F    write \"sent acked failed\" to F every 250 ms
  --json-out F         also write the JSON line to F
";

#[derive(Debug, Clone)]
struct Args {
    mock: bool,
    bootstrap: Option<String>,
    records: u64,
    topic: String,
    partitions: i32,
    value_size: usize,
    rate: f64,
    move_every_ms: u64,
    min_moves: u64,
    error_pct: f64,
    follower_lag_ms: u64,
    no_dedup: bool,
    props: Vec<(String, String)>,
    min_acked_pct: f64,
    allow_misreported: bool,
    hang_timeout: Duration,
    healthy_wait: Duration,
    progress_file: Option<String>,
    json_out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        mock: false,
        bootstrap: None,
        records: 1_000_000,
        topic: "kwire-bounce".into(),
        partitions: 12,
        value_size: 100,
        rate: 0.0,
        move_every_ms: 2000,
        min_moves: 24,
        error_pct: 1.0,
        follower_lag_ms: 2,
        no_dedup: false,
        props: Vec::new(),
        min_acked_pct: 99.0,
        allow_misreported: false,
        hang_timeout: Duration::from_secs(180),
        healthy_wait: Duration::from_secs(90),
        progress_file: None,
        json_out: None,
    };
    let mut it = std::env::args().skip(1);
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse()
            .map_err(|_| format!("{flag}: {v:?} is not a valid number"))
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--mock" => a.mock = true,
            "--bootstrap" => a.bootstrap = Some(it.next().ok_or("--bootstrap needs a value")?),
            "--records" => a.records = num(&arg, it.next())?,
            "--topic" => a.topic = it.next().ok_or("--topic needs a value")?,
            "--partitions" => a.partitions = num(&arg, it.next())?,
            "--value-size" => a.value_size = num(&arg, it.next())?,
            "--rate" => a.rate = num(&arg, it.next())?,
            "--move-every-ms" => a.move_every_ms = num(&arg, it.next())?,
            "--min-moves" => a.min_moves = num(&arg, it.next())?,
            "--error-pct" => a.error_pct = num(&arg, it.next())?,
            "--follower-lag-ms" => a.follower_lag_ms = num(&arg, it.next())?,
            "--no-dedup" => a.no_dedup = true,
            "-X" => {
                let kv = it.next().ok_or("-X needs key=value")?;
                let (k, v) = kv
                    .split_once('=')
                    .ok_or_else(|| format!("-X {kv}: expected key=value"))?;
                a.props.push((k.to_owned(), v.to_owned()));
            }
            "--min-acked-pct" => a.min_acked_pct = num(&arg, it.next())?,
            "--allow-misreported" => a.allow_misreported = true,
            "--hang-timeout-s" => a.hang_timeout = Duration::from_secs(num(&arg, it.next())?),
            "--healthy-wait-s" => a.healthy_wait = Duration::from_secs(num(&arg, it.next())?),
            "--progress-file" => {
                a.progress_file = Some(it.next().ok_or("--progress-file needs a value")?)
            }
            "--json-out" => a.json_out = Some(it.next().ok_or("--json-out needs a value")?),
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.mock == a.bootstrap.is_some() {
        return Err("give exactly one of --mock and --bootstrap".into());
    }
    if a.records == 0 || a.partitions < 1 || !(0.0..=100.0).contains(&a.error_pct) {
        return Err("--records and --partitions must be positive, --error-pct 0..=100".into());
    }
    Ok(a)
}

/// Live counters, for progress lines and the progress file.
#[derive(Debug, Default)]
struct Progress {
    sent: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
}

fn value_of(i: u64, size: usize) -> Vec<u8> {
    let mut v = format!("{i}:").into_bytes();
    if v.len() < size {
        v.resize(size, b'.');
    }
    v
}

fn key_of(i: u64) -> String {
    format!("k{}", i % 1000)
}

/// Everything the produce phase learned.
struct Produced {
    outcomes: Vec<Outcome>,
    kinds: ErrorKinds,
    seconds: f64,
    metrics: kwire_producer::ProducerMetrics,
    close: Result<(), String>,
    first_hang: Option<u64>,
}

/// Sends every record, collects every outcome (in send order), closes the producer.
async fn produce(
    args: &Args,
    producer: Producer,
    progress: Arc<Progress>,
) -> Result<Produced, String> {
    let n = args.records;
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<(u64, Result<DeliveryFuture, ProduceError>)>(1 << 16);
    let hang = args.hang_timeout;
    let cp = progress.clone();
    let collector = tokio::spawn(async move {
        let mut outcomes = vec![Outcome::Unresolved; n as usize];
        let mut kinds = ErrorKinds::default();
        let mut first_hang = None;
        while let Some((i, r)) = rx.recv().await {
            let r = match r {
                Err(e) => Some(Err(e)),
                Ok(fut) => {
                    let limit = if first_hang.is_some() {
                        Duration::ZERO
                    } else {
                        hang
                    };
                    tokio::time::timeout(limit, fut).await.ok()
                }
            };
            match r {
                None => {
                    first_hang.get_or_insert(i);
                }
                Some(Ok(md)) => {
                    outcomes[i as usize] = Outcome::Acked {
                        partition: md.partition,
                        offset: md.offset,
                    };
                    cp.acked.fetch_add(1, Ordering::Relaxed);
                }
                Some(Err(e)) => {
                    outcomes[i as usize] = Outcome::Failed(kinds.record(&e));
                    cp.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        (outcomes, kinds, first_hang)
    });
    let topic: Arc<str> = Arc::from(args.topic.as_str());
    for i in 0..n {
        if args.rate > 0.0 && i % 16 == 0 {
            let due = started + Duration::from_secs_f64(i as f64 / args.rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let rec =
            ProducerRecord::new(topic.clone(), value_of(i, args.value_size)).with_key(key_of(i));
        let r = producer.enqueue(rec).await;
        progress.sent.fetch_add(1, Ordering::Relaxed);
        if tx.send((i, r)).await.is_err() {
            return Err("the outcome collector stopped".into());
        }
    }
    drop(tx);
    let (outcomes, kinds, first_hang) = collector.await.map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let metrics = producer.metrics();
    let close = match tokio::time::timeout(
        Duration::from_secs(40),
        producer.close(Duration::from_secs(30)),
    )
    .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("close did not return in 40 s".into()),
    };
    Ok(Produced {
        outcomes,
        kinds,
        seconds,
        metrics,
        close,
        first_hang,
    })
}

/// Prints progress to stderr every 5 s and writes the progress file every 250 ms.
async fn report_progress(
    progress: Arc<Progress>,
    n: u64,
    file: Option<String>,
    mut stop: watch::Receiver<bool>,
) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut k = 0u64;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => {}
        }
        let (s, a, f) = (
            progress.sent.load(Ordering::Relaxed),
            progress.acked.load(Ordering::Relaxed),
            progress.failed.load(Ordering::Relaxed),
        );
        if let Some(path) = &file {
            let tmp = format!("{path}.tmp");
            if std::fs::write(&tmp, format!("{s} {a} {f} {n}\n")).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
        if *stop.borrow() {
            return;
        }
        k += 1;
        if k.is_multiple_of(20) {
            eprintln!(
                "kwire-bounce: {:>6.1}s sent {s}/{n} acked {a} failed {f}",
                started.elapsed().as_secs_f64()
            );
        }
    }
}

fn producer_config(args: &Args, bootstrap: &str) -> Result<ProducerConfig, String> {
    let mut b = ProducerConfig::builder()
        .bootstrap_servers(bootstrap)
        .set("client.id", "kwire-bounce")
        .set("acks", "all")
        .set("enable.idempotence", "true");
    for (k, v) in &args.props {
        b = b.set(k.as_str(), v.as_str());
    }
    b.build().map_err(|e| format!("producer config: {e}"))
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kwire-bounce: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Ok(filter) = std::env::var("KWIRE_BOUNCE_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = match rt.block_on(run(&args)) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("kwire-bounce: {e}");
            let line = json!({"bounce": mode(&args), "ok": false, "fatal": e});
            println!("{line}");
            if let Some(p) = &args.json_out {
                let _ = std::fs::write(p, format!("{line}\n"));
            }
            2
        }
    };
    rt.shutdown_timeout(Duration::from_secs(5));
    std::process::exit(code);
}

fn mode(args: &Args) -> &'static str {
    if args.mock { "mock" } else { "kafka" }
}

/// One run; `Ok(clean)`, or why it could not be made.
async fn run(args: &Args) -> Result<bool, String> {
    let t0 = Instant::now();
    let mut mock = None;
    let mut extra = serde_json::Map::new();
    let (bootstrap, partitions) = if args.mock {
        let m = MockCluster::builder()
            .brokers(3)
            .topic(&args.topic, args.partitions, 3)
            .min_insync_replicas(2)
            .follower_lag(Duration::from_millis(args.follower_lag_ms))
            .auto_create_topics(false)
            .dedup(!args.no_dedup)
            .start()
            .await
            .map_err(|e| format!("mock: {e}"))?;
        let b = m.bootstrap();
        mock = Some(m);
        (b, args.partitions)
    } else {
        let b = args.bootstrap.clone().expect("checked");
        let topic = args.topic.clone();
        let wait = args.healthy_wait;
        let b2 = b.clone();
        let layout = tokio::task::spawn_blocking(move || {
            consume::Reader::new(&b2, &topic).wait_healthy(wait)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("metadata for {}: {e}", args.topic))?;
        let rf = layout
            .partitions
            .values()
            .map(|p| p.1.len())
            .min()
            .unwrap_or(0);
        extra.insert("replication_factor".into(), json!(rf));
        extra.insert(
            "under_replicated_at_start".into(),
            json!(layout.under_replicated()),
        );
        (b, layout.partitions.len() as i32)
    };
    if partitions < 1 {
        return Err(format!("topic {} has no partitions", args.topic));
    }
    let expected: Vec<i32> = (0..args.records)
        .map(|i| partition_for_key(key_of(i).as_bytes(), partitions as usize))
        .collect();

    let producer = Producer::new(producer_config(args, &bootstrap)?).map_err(|e| e.to_string())?;
    let progress = Arc::new(Progress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let progress_task = tokio::spawn(report_progress(
        progress.clone(),
        args.records,
        args.progress_file.clone(),
        stop_rx.clone(),
    ));
    let fault_task = mock.as_ref().map(|m| {
        let plan = faults::Plan {
            topic: args.topic.clone(),
            partitions,
            move_every: Duration::from_millis(args.move_every_ms.max(1)),
            min_moves: args.min_moves,
            records: args.records,
            error_pct: args.error_pct,
        };
        let p = progress.clone();
        tokio::spawn(faults::run(
            m.controller(),
            producer.clone(),
            plan,
            move || p.sent.load(Ordering::Relaxed),
            stop_rx.clone(),
        ))
    });

    let produced = produce(args, producer, progress.clone()).await;
    let _ = stop_tx.send(true);
    let fault_stats = match fault_task {
        Some(task) => Some(task.await.map_err(|e| e.to_string())?),
        None => None,
    };
    let _ = progress_task.await;
    let produced = produced?;

    // Read back.
    let t_read = Instant::now();
    let b = bootstrap.clone();
    let topic = args.topic.clone();
    let healthy_wait = if args.mock {
        Duration::from_secs(5)
    } else {
        args.healthy_wait
    };
    let (logs, read_stats, under_replicated, batches) = tokio::task::spawn_blocking(move || {
        let mut r = consume::Reader::new(&b, &topic);
        let under = r
            .wait_healthy(healthy_wait)
            .map(|l| l.under_replicated())
            .unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(120);
        let logs = r.read_all(1, Duration::from_millis(1000), deadline)?;
        Ok::<_, String>((logs, r.stats, under, r.batches))
    })
    .await
    .map_err(|e| e.to_string())??;
    let read_seconds = t_read.elapsed().as_secs_f64();

    let report = check::check(&expected, &produced.outcomes, &logs, &produced.kinds);
    let diagnostics = diagnose(&report, &batches);
    let mock_stats = mock
        .as_ref()
        .map(|m| (m.with_cluster(|c| c.stats()), m.server_stats()));
    if let Some(m) = mock {
        let _ = tokio::time::timeout(Duration::from_secs(10), m.shutdown()).await;
    }

    let acked_pct = 100.0 * report.acked as f64 / args.records as f64;
    let mut problems: Vec<String> = report.details.clone();
    if acked_pct < args.min_acked_pct {
        problems.push(format!(
            "only {acked_pct:.3} % acknowledged (--min-acked-pct {})",
            args.min_acked_pct
        ));
    }
    if report.misreported > 0 && !args.allow_misreported {
        problems.push(format!(
            "{} records failed with an error that says they were not written, yet they are in \
             the log (see the notes; --allow-misreported accepts this)",
            report.misreported
        ));
    }
    if let Some(i) = produced.first_hang {
        problems.push(format!(
            "record {i} had no outcome after {:?}: the producer hung",
            args.hang_timeout
        ));
    }
    if let Some(fs) = &fault_stats {
        // Moves are due by progress (--min-moves) or once the run outlasts --move-every-ms.
        let moves_due =
            args.min_moves > 0 || produced.seconds * 1000.0 > args.move_every_ms as f64 + 100.0;
        if fs.leader_moves == 0 && moves_due {
            problems.push("no leader move happened".into());
        }
        if args.error_pct > 0.0 && fs.injected_total() == 0 {
            problems.push("no error was injected".into());
        }
    }
    let ok = report.clean()
        && acked_pct >= args.min_acked_pct
        && produced.first_hang.is_none()
        && (report.misreported == 0 || args.allow_misreported)
        && problems.len() == report.details.len();

    let errors: serde_json::Map<String, Value> = produced
        .kinds
        .iter()
        .map(|k| (k.name.clone(), json!(k.count)))
        .collect();
    let m = &produced.metrics;
    let mut line = json!({
        "bounce": mode(args),
        "ok": ok,
        "records": args.records,
        "topic": args.topic,
        "partitions": partitions,
        "acked": report.acked,
        "failed": report.failed,
        "written_despite_error": report.written_despite_error,
        "misreported": report.misreported,
        "lost": report.lost,
        "duplicated": report.duplicated,
        "reordered": report.reordered,
        "misplaced": report.misplaced,
        "unresolved": report.unresolved,
        "unknown": report.unknown,
        "invalid": report.invalid,
        "log_records": report.log_records,
        "distinct_in_log": report.distinct_in_log,
        "errors": errors,
        "seconds": {
            "produce": round3(produced.seconds),
            "verify": round3(read_seconds),
            "total": round3(t0.elapsed().as_secs_f64()),
        },
        "records_per_s": (report.acked as f64 / produced.seconds.max(1e-9)).round() as u64,
        "rate_limit": args.rate,
        "producer": {
            "records_retried": m.records_retried,
            "batch_retries": m.batch_retries,
            "batches_sent": m.batches_sent,
            "produce_requests": m.produce_requests,
            "epoch_bumps": m.epoch_bumps,
            "metadata_refreshes": m.metadata_refreshes,
            "connections": m.connections,
            "close": match &produced.close { Ok(()) => "ok".to_string(), Err(e) => e.clone() },
        },
        "read": {
            "fetches": read_stats.fetches,
            "retries": read_stats.retries,
            "passes": read_stats.passes,
            "under_replicated": under_replicated,
        },
        "problems": problems,
        "diagnostics": diagnostics,
    });
    let obj = line.as_object_mut().expect("object");
    for (k, v) in extra {
        obj.insert(k, v);
    }
    if let Some(fs) = &fault_stats {
        let injected: serde_json::Map<String, Value> = faults::ERRORS
            .iter()
            .zip(fs.injected)
            .map(|(e, n)| (e.name().to_string(), json!(n)))
            .collect();
        obj.insert(
            "faults".into(),
            json!({
                "leader_moves": fs.leader_moves,
                "moves_refused": fs.moves_refused,
                "moves_by_clock": fs.moves_by_clock,
                "moves_by_progress": fs.moves_by_progress,
                "move_every_ms": args.move_every_ms,
                "min_moves": args.min_moves,
                "injected": injected,
                "injected_total": fs.injected_total(),
                "mock_injected_total": fs.mock_injected_total,
                "target_pct": args.error_pct,
                "pct_of_partition_responses": round3(pct(fs.injected_total(), fs.batches_sent)),
                "pct_of_produce_requests": round3(pct(fs.injected_total(), fs.produce_requests)),
                "follower_lag_ms": args.follower_lag_ms,
            }),
        );
    }
    if let Some((cs, ss)) = &mock_stats {
        obj.insert(
            "mock".into(),
            json!({
                "elections": cs.elections,
                "dedup_hits": cs.duplicates,
                "records_appended": cs.records_appended,
                "records_truncated": cs.records_truncated,
                "produce_requests": ss.requests.get("Produce").copied().unwrap_or(0),
            }),
        );
    }
    println!("{line}");
    if let Some(p) = &args.json_out {
        std::fs::write(p, format!("{line}\n")).map_err(|e| format!("{p}: {e}"))?;
    }
    print_table(&line, &produced.kinds, &problems, &diagnostics);
    Ok(ok)
}

/// For the first failed records found in the log anyway: the batch that holds each and the
/// batches after it (producer id, epoch, sequences, leader epoch), to tell why the producer
/// gave up on a batch the broker had.
fn diagnose(
    report: &check::Report,
    batches: &std::collections::BTreeMap<i32, Vec<consume::BatchInfo>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for &(id, p, offset) in &report.failed_but_written {
        let Some(bs) = batches.get(&p) else { continue };
        let Some(i) = bs
            .iter()
            .position(|b| b.base_offset <= offset && offset <= b.last_offset)
        else {
            continue;
        };
        let show = |b: &consume::BatchInfo| {
            let n = b.last_offset - b.base_offset;
            format!(
                "@{}..{} pid {} epoch {} seq {}..{} leader epoch {}",
                b.base_offset,
                b.last_offset,
                b.producer_id,
                b.epoch,
                b.base_sequence,
                i64::from(b.base_sequence) + n,
                b.leader_epoch
            )
        };
        let after: Vec<String> = bs[i + 1..].iter().take(7).map(show).collect();
        out.push(format!(
            "failed record {id} is in partition {p} at {offset}, in batch {}; the next batches: {}",
            show(&bs[i]),
            after.join("; ")
        ));
    }
    out
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn print_table(line: &Value, kinds: &ErrorKinds, problems: &[String], diagnostics: &[String]) {
    let mut out = String::new();
    let g = |k: &str| line.get(k).cloned().unwrap_or(Value::Null);
    let rows: Vec<(&str, Value)> = vec![
        ("mode", g("bounce")),
        ("records sent", g("records")),
        ("acknowledged", g("acked")),
        ("failed (typed error)", g("failed")),
        ("  written anyway", g("written_despite_error")),
        ("  of them said not written", g("misreported")),
        ("lost", g("lost")),
        ("duplicated", g("duplicated")),
        ("reordered", g("reordered")),
        ("misplaced", g("misplaced")),
        ("unresolved", g("unresolved")),
        (
            "unknown / invalid",
            json!(format!("{} / {}", g("unknown"), g("invalid"))),
        ),
        ("records in the logs", g("log_records")),
        ("produce seconds", line["seconds"]["produce"].clone()),
        ("verify seconds", line["seconds"]["verify"].clone()),
        ("total seconds", line["seconds"]["total"].clone()),
        ("records/s", g("records_per_s")),
        ("batch retries", line["producer"]["batch_retries"].clone()),
        ("epoch bumps", line["producer"]["epoch_bumps"].clone()),
    ];
    let _ = writeln!(
        out,
        "+------------------------------+----------------------+"
    );
    for (k, v) in rows {
        let v = match v {
            Value::String(s) => s,
            v => v.to_string(),
        };
        let _ = writeln!(out, "| {k:<28} | {v:>20} |");
    }
    if let Some(f) = line.get("faults") {
        let _ = writeln!(
            out,
            "+------------------------------+----------------------+"
        );
        let rows = [
            ("leader moves", f["leader_moves"].to_string()),
            ("  refused", f["moves_refused"].to_string()),
            ("injected errors", f["injected_total"].to_string()),
            (
                "  % of partition responses",
                format!(
                    "{:.3}",
                    f["pct_of_partition_responses"].as_f64().unwrap_or(0.0)
                ),
            ),
            (
                "  % of produce requests",
                format!(
                    "{:.3}",
                    f["pct_of_produce_requests"].as_f64().unwrap_or(0.0)
                ),
            ),
        ];
        for (k, v) in rows {
            let _ = writeln!(out, "| {k:<28} | {v:>20} |");
        }
        if let Some(m) = f["injected"].as_object() {
            for (e, n) in m {
                let e: String = e.chars().take(26).collect();
                let _ = writeln!(out, "|   {e:<26} | {:>20} |", n.to_string());
            }
        }
    }
    let _ = writeln!(
        out,
        "+------------------------------+----------------------+"
    );
    for k in kinds.iter() {
        let _ = writeln!(out, "error {}: {} (first: {})", k.name, k.count, k.first);
    }
    for p in problems {
        let _ = writeln!(out, "VIOLATION: {p}");
    }
    for d in diagnostics {
        let _ = writeln!(out, "note: {d}");
    }
    let verdict = if line["ok"].as_bool() == Some(true) {
        "PASS"
    } else {
        "FAIL"
    };
    let _ = writeln!(out, "kwire-bounce: {verdict}");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), out.as_bytes());
}
