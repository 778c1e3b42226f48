//! The `kwire-produce` binary against an in-process `kwire-mock` cluster.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use kwire_mock::{Action, MockCluster};
use kwire_protocol::records::Batches;

async fn cluster() -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .topic("lines", 3, 1)
        .start()
        .await
        .expect("mock cluster")
}

/// `(key, value)` of every record of `topic`'s partition `p`, in offset order.
fn records(mock: &MockCluster, topic: &str, p: i32) -> Vec<(Option<String>, String)> {
    let bytes = mock.with_cluster(|c| c.read(1, topic, p, 0, usize::MAX, true).unwrap().records);
    let mut out = Vec::new();
    for batch in Batches::new(bytes) {
        for r in batch.unwrap().records() {
            let r = r.unwrap();
            out.push((
                r.key.map(|k| String::from_utf8(k.to_vec()).unwrap()),
                String::from_utf8(r.value.unwrap().to_vec()).unwrap(),
            ));
        }
    }
    out
}

/// A topic whose batches may be at most 1000 bytes (`max.message.bytes`).
fn small_topic(mock: &MockCluster, name: &str) {
    mock.create_topic(name, 1, 1).unwrap();
    let set: Action = serde_json::from_value(serde_json::json!({
        "action": "alter_topic_configs", "topic": name, "set": {"max.message.bytes": "1000"}
    }))
    .unwrap();
    mock.apply(&set).unwrap();
}

/// A fresh directory for a test's input files.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kwire-produce-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kwire-produce"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kwire-produce");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_lines_become_records_with_keys_and_headers() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    let (code, _, err) = run(
        &[
            "-b",
            &b,
            "-t",
            "lines",
            "-K",
            ":",
            "-H",
            "src=cli",
            "-X",
            "linger.ms=1",
        ],
        "k1:hello\nk2:world\nno key here\n",
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("3 delivered, 0 failed"), "{err}");
    let ctrl = mock.controller();
    let mut values = Vec::new();
    for p in 0..3 {
        let bytes =
            ctrl.with_cluster(|c| c.read(1, "lines", p, 0, usize::MAX, true).unwrap().records);
        for batch in Batches::new(bytes) {
            for r in batch.unwrap().records() {
                let r = r.unwrap();
                let h: Vec<_> = r.headers.iter().collect();
                assert_eq!(h.len(), 1);
                values.push((
                    r.key.map(|k| String::from_utf8(k.to_vec()).unwrap()),
                    String::from_utf8(r.value.unwrap().to_vec()).unwrap(),
                ));
            }
        }
    }
    values.sort();
    assert_eq!(
        values,
        vec![
            (None, "no key here".to_string()),
            (Some("k1".into()), "hello".into()),
            (Some("k2".into()), "world".into()),
        ]
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_give_a_non_zero_exit() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    let (code, _, err) = run(&["-b", &b, "-t", "lines", "-p", "7"], "x\n").await;
    assert_ne!(code, 0);
    assert!(err.contains("partition 7"), "{err}");
    let (code, _, err) = run(&["-b", &b, "-t", "lines", "-X", "acks=2"], "x\n").await;
    assert_eq!(code, 2);
    assert!(err.contains("acks"), "{err}");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf_mode_reports_json() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    let (code, out, err) = tokio::time::timeout(
        Duration::from_secs(60),
        run(
            &[
                "-b",
                &b,
                "-t",
                "lines",
                "--perf",
                "--num-records",
                "20000",
                "--record-size",
                "100",
                "--json",
            ],
            "",
        ),
    )
    .await
    .expect("perf run finished");
    assert_eq!(code, 0, "{err}");
    // stderr is a pipe: no progress redrawn in place
    assert!(!err.contains('\r'), "{err:?}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect(&out);
    assert_eq!(v["records"], 20000);
    assert_eq!(v["failed"], 0);
    assert!(v["records_per_sec"].as_f64().unwrap() > 0.0);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_stdin_are_read_in_the_order_given() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    let dir = temp_dir("files");
    let (a, c) = (dir.join("a.txt"), dir.join("c.txt"));
    std::fs::write(&a, "a1:one\na2:two\n").unwrap();
    std::fs::write(&c, "c1:five\r\nno newline at the end").unwrap();
    let (a, c) = (a.to_str().unwrap(), c.to_str().unwrap());
    let (code, _, err) = run(
        &[
            "-b", &b, "-t", "lines", "-p", "1", "-K", ":", "-f", a, "-f", "-", "-f", c,
        ],
        "s1:three\ns2:four\n",
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("6 delivered, 0 failed"), "{err}");
    let k = |s: &str| Some(s.to_string());
    assert_eq!(
        records(&mock, "lines", 1),
        vec![
            (k("a1"), "one".to_string()),
            (k("a2"), "two".into()),
            (k("s1"), "three".into()),
            (k("s2"), "four".into()),
            (k("c1"), "five".into()),
            (None, "no newline at the end".into()),
        ]
    );
    // a file that cannot be opened stops the run before anything is sent
    let missing = dir.join("missing.txt");
    let (code, _, err) = run(
        &[
            "-b",
            &b,
            "-t",
            "lines",
            "-f",
            a,
            "-f",
            missing.to_str().unwrap(),
        ],
        "",
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.txt"), "{err}");
    assert_eq!(records(&mock, "lines", 1).len(), 6);
    std::fs::remove_dir_all(&dir).unwrap();
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_the_broker_refuses_is_named_with_its_file_line_and_kafka_error() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    small_topic(&mock, "small");
    let dir = temp_dir("refused");
    let file = dir.join("input.txt");
    std::fs::write(&file, format!("first\n{}\nthird\n", "x".repeat(2000))).unwrap();
    let file = file.to_str().unwrap();
    let (code, _, err) = run(&["-b", &b, "-t", "small", "-f", file], "").await;
    assert_eq!(code, 1, "{err}");
    let failures: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("kwire-produce: ") && l.contains("MESSAGE_TOO_LARGE"))
        .collect();
    assert_eq!(failures.len(), 1, "{err}");
    assert!(
        failures[0].starts_with(&format!("kwire-produce: {file}:2: ")),
        "{err}"
    );
    assert!(err.contains("2 delivered, 1 failed"), "{err}");
    // the batch was split until the refused record stood alone: the others were written
    let values: Vec<String> = records(&mock, "small", 0)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(values, ["first", "third"]);
    // stdin lines are named stdin:LINE
    let (code, _, err) = run(&["-b", &b, "-t", "small"], &"y".repeat(2000)).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("kwire-produce: stdin:1: "), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf_failures_are_named_by_record_index_and_fail_the_run() {
    let mock = cluster().await;
    let b = mock.bootstrap();
    small_topic(&mock, "small");
    let (code, _, err) = run(
        &[
            "-b",
            &b,
            "-t",
            "small",
            "--perf",
            "--no-warmup",
            "--num-records",
            "3",
            "--record-size",
            "2000",
        ],
        "",
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("kwire-produce: record 0: ") && l.contains("MESSAGE_TOO_LARGE")),
        "{err}"
    );
    assert!(err.contains("3 of 3 records failed"), "{err}");
    mock.shutdown().await;
}

/// On a terminal (a pseudo-terminal from util-linux's `script`) `--perf` draws its progress
/// line in place, the first time at the start, so even a short run shows it; the line is ended
/// before the summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf_progress_is_redrawn_in_place_on_a_terminal() {
    let mock = cluster().await;
    let cmd = format!(
        "{} -b {} -t lines --perf --num-records 2000 --record-size 10",
        env!("CARGO_BIN_EXE_kwire-produce"),
        mock.bootstrap()
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("util-linux's script")
    })
    .await
    .unwrap();
    // the terminal turns each \n into \r\n
    let tty = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "{tty}");
    assert!(!tty.contains('\x1b'), "no escape codes: {tty:?}");
    let draws: Vec<&str> = tty.split('\r').skip(1).collect();
    assert!(
        draws.len() >= 2,
        "drawn at the start and at the end: {tty:?}"
    );
    assert!(
        draws
            .iter()
            .all(|d| d.starts_with("kwire-produce: ") && d.contains("/2000 records sent, ")),
        "{tty:?}"
    );
    let last = draws.last().unwrap();
    let (line, summary) = last.split_once('\n').expect("the last draw ends its line");
    assert!(
        line.starts_with("kwire-produce: 2000/2000 records sent, "),
        "{tty:?}"
    );
    assert!(line.trim_end().ends_with(" 2000 acked"), "{tty:?}");
    assert!(
        summary.contains("2000 records sent,"),
        "the summary: {tty:?}"
    );
    mock.shutdown().await;
}
