//! The harness's wire tools against an in-process kwire-mock: `kwire-probe` tells what the mock
//! holds, and `kwire-blast` writes exactly the records it says it wrote, keyed, in sequence,
//! with valid checksums (the mock verifies every batch's CRC and its idempotence rules).

use std::collections::BTreeMap;
use std::process::Command;

use kwire_mock::MockCluster;
use kwire_protocol::records::Batches;
use serde_json::Value;

const TOPIC: &str = "tools";
const PARTITIONS: i32 = 3;

/// Runs one of this package's binaries and returns its exit status and JSON line.
async fn run(bin: &'static str, args: Vec<String>) -> (i32, Value) {
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .args(&args)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let json = serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "{bin}: no JSON line ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Per partition: the keys of the records up to the high watermark, in offset order, and the
/// base sequences of the batches.
fn logs(mock: &MockCluster) -> BTreeMap<i32, (Vec<String>, Vec<i32>)> {
    (0..PARTITIONS)
        .map(|p| {
            let records = mock.committed(TOPIC, p).expect("read");
            let (mut keys, mut seqs) = (Vec::new(), Vec::new());
            for b in Batches::new(records) {
                let b = b.expect("a valid batch");
                seqs.push(b.header().base_sequence);
                for r in b.records() {
                    let r = r.expect("a valid record");
                    keys.push(String::from_utf8_lossy(r.key.as_deref().unwrap_or_default()).into());
                }
            }
            (p, (keys, seqs))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_and_blast_against_kwire_mock() {
    let mock = MockCluster::builder()
        .brokers(3)
        .topic(TOPIC, PARTITIONS, 3)
        .start()
        .await
        .expect("mock");
    let bootstrap = mock.bootstrap();
    let probe = env!("CARGO_BIN_EXE_kwire-probe");
    let blast = env!("CARGO_BIN_EXE_kwire-blast");

    let (rc, ready) = run(
        probe,
        args(&[
            "wait",
            "--bootstrap",
            &bootstrap,
            "--brokers",
            "3",
            "--timeout-s",
            "10",
        ]),
    )
    .await;
    assert_eq!(
        (rc, ready["ready"].as_array().map(Vec::len)),
        (0, Some(3)),
        "{ready}"
    );
    let (rc, versions) = run(probe, args(&["apiversions", "--bootstrap", &bootstrap])).await;
    assert_eq!(rc, 0, "{versions}");
    assert!(
        versions["api_keys"]["0"].is_array(),
        "Produce advertised: {versions}"
    );

    let (rc, md) = run(
        probe,
        args(&["metadata", "--bootstrap", &bootstrap, "--topic", TOPIC]),
    )
    .await;
    assert_eq!(rc, 0, "{md}");
    assert_eq!(md["brokers"].as_array().map(Vec::len), Some(3), "{md}");
    let parts = md["topics"][0]["partitions"]
        .as_array()
        .expect("partitions")
        .clone();
    assert_eq!(parts.len(), PARTITIONS as usize, "{md}");
    for p in &parts {
        assert_eq!(p["replicas"].as_array().map(Vec::len), Some(3), "{p}");
        let (rc, leader) = run(
            probe,
            args(&[
                "leader",
                "--bootstrap",
                &bootstrap,
                "--topic",
                TOPIC,
                "--partition",
                &p["partition"].to_string(),
            ]),
        )
        .await;
        assert_eq!((rc, &leader), (0, &p["leader"]), "{md}");
    }
    let (rc, none) = run(
        probe,
        args(&[
            "leader",
            "--bootstrap",
            &bootstrap,
            "--topic",
            TOPIC,
            "--partition",
            "7",
        ]),
    )
    .await;
    assert_eq!(rc, 1, "no partition 7: {none}");

    // 2,500 records in batches of 400: partitions get 834/833/833, i.e. 3 batches each, the last
    // one shorter (a second template length).
    let (rc, report) = run(
        blast,
        args(&[
            "--bootstrap",
            &bootstrap,
            "--topic",
            TOPIC,
            "--count",
            "2500",
            "--batch-records",
            "400",
            "--in-flight",
            "2",
            "--timeout-s",
            "30",
        ]),
    )
    .await;
    assert_eq!(rc, 0, "{report}");
    assert_eq!(
        (
            &report["records"],
            &report["errors"],
            &report["batches"],
            &report["partitions"]
        ),
        (
            &Value::from(2500),
            &Value::from(0),
            &Value::from(9),
            &Value::from(3)
        ),
        "{report}"
    );
    let logs = logs(&mock);
    let total: usize = logs.values().map(|(keys, _)| keys.len()).sum();
    assert_eq!(total, 2500);
    for (p, (keys, seqs)) in &logs {
        assert_eq!(
            seqs,
            &[0, 400, 800],
            "partition {p}: one producer, sequences in order"
        );
        let expected: Vec<String> = (0..keys.len())
            .map(|i| format!("k{}", i % 400 % 1000))
            .collect();
        assert_eq!(keys, &expected, "partition {p}");
    }

    // Not idempotent: no producer id, and the records still all arrive.
    let (rc, report) = run(
        blast,
        args(&[
            "--bootstrap",
            &bootstrap,
            "--topic",
            TOPIC,
            "--count",
            "300",
            "--idempotence",
            "false",
            "--acks",
            "1",
        ]),
    )
    .await;
    assert_eq!((rc, &report["records"]), (0, &Value::from(300)), "{report}");
    mock.shutdown().await;
}
