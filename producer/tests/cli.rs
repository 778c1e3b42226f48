//! The `kwire-produce` binary against an in-process `kwire-mock` cluster.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use kwire_mock::MockCluster;
use kwire_protocol::records::Batches;

async fn cluster() -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .topic("lines", 3, 1)
        .start()
        .await
        .expect("mock cluster")
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
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect(&out);
    assert_eq!(v["records"], 20000);
    assert_eq!(v["failed"], 0);
    assert!(v["records_per_sec"].as_f64().unwrap() > 0.0);
    mock.shutdown().await;
}
