//! The `kwire-mock` executable as a harness runs it: `--port 0 --ready-file`, a signal as soon
//! as the ready file exists, logs captured from a pipe.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn kwire_mock() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kwire-mock"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kwire-mock-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the mock, waits for its ready file, sends `signal` at once; returns the exit status
/// and stderr.
fn signal_when_ready(signal: &str) -> (std::process::ExitStatus, String) {
    let dir = temp_dir(signal);
    let ready = dir.join("ready.json");
    let child = kwire_mock()
        .args(["--port", "0", "--brokers", "1", "--ready-file"])
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kwire-mock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&ready).is_ok_and(|s| s.ends_with('\n')) {
        assert!(Instant::now() < deadline, "no ready file after 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_signal_right_after_the_ready_file_shuts_down_cleanly() {
    for signal in ["TERM", "INT"] {
        let (status, err) = signal_when_ready(signal);
        assert!(status.success(), "SIG{signal}: {status:?}\n{err}");
        assert!(err.contains("shutting down"), "SIG{signal}: {err}");
        // stderr is a pipe here: plain text, no colour codes
        assert!(
            !err.contains('\x1b'),
            "SIG{signal}: colour codes in {err:?}"
        );
    }
}

#[test]
fn help_shows_the_defaults() {
    let out = kwire_mock().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for default in [
        "[default: 3]",
        "[default: 9092]",
        "[default: 127.0.0.1]",
        "[default: PLAINTEXT]",
        "[default: -1]",
    ] {
        assert!(help.contains(default), "{default} missing from\n{help}");
    }
}
