//! Hostile clients: garbage, oversized and negative frame sizes, half-sent frames, slow readers,
//! unsupported APIs, thousands of connections. Each gets an error or a closed socket; the server
//! does not panic, its memory stays bounded, and a well-behaved client keeps being served.

mod common;

use std::time::{Duration, Instant};

use common::*;
use kwire_mock::MockCluster;
use kwire_protocol::ErrorCode;
use kwire_protocol::api::metadata::MetadataRequest;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// (VmRSS, VmSize) of this process in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmSize:"))
}

async fn mock(max_frame: usize) -> MockCluster {
    MockCluster::builder()
        .brokers(1)
        .topic("t", 1, 1)
        .max_request_size(max_frame)
        .connections_max_idle(Duration::from_millis(1500))
        .start()
        .await
        .unwrap()
}

/// A well-behaved client: Metadata then a produce, must succeed promptly.
async fn healthy(m: &MockCluster, n: usize) {
    let mut c = Client::connect(m.addresses()[&1]).await;
    let t0 = Instant::now();
    let md = c
        .call(12, &MetadataRequest::default())
        .await
        .expect("metadata served");
    assert_eq!(md.topics.len(), 1);
    let r = c
        .call(9, &produce_req("t", 0, 1, 5000, batch(1, n, -1, 0, 0)))
        .await
        .expect("produce served");
    assert_eq!(produce_result(&r).0, ErrorCode::None);
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "slow: {:?}",
        t0.elapsed()
    );
}

/// Awaits every future concurrently (no extra dependency).
async fn futures_join_all<F: std::future::Future<Output = bool> + Send + 'static>(
    fs: impl IntoIterator<Item = F>,
) -> Vec<bool> {
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap_or(false));
    }
    out
}

/// The memory measurements are per process: they must not overlap.
static MEMORY_TESTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn raw(m: &MockCluster) -> TcpStream {
    TcpStream::connect(m.addresses()[&1]).await.unwrap()
}

#[tokio::test]
async fn garbage_oversized_and_negative_frames_close_only_their_connection() {
    watch_panics();
    let m = mock(1 << 20).await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        (
            "size above the cap",
            ((1i32 << 20) + 1).to_be_bytes().to_vec(),
        ),
        ("i32::MAX size", i32::MAX.to_be_bytes().to_vec()),
        ("negative size", (-5i32).to_be_bytes().to_vec()),
        ("empty frame", 0i32.to_be_bytes().to_vec()),
        ("header cut short", [0, 0, 0, 3, 0, 3, 0].to_vec()),
        (
            "header claims a long client id",
            [0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 1, 0x7f, 0xff].to_vec(),
        ),
        ("metadata body of junk", {
            let mut f = vec![0, 0, 0, 30, 0, 3, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0];
            f.extend_from_slice(&[0xff; 19]);
            f
        }),
    ];
    for (name, bytes) in cases {
        let mut c = Client::connect(m.addresses()[&1]).await;
        c.stream.write_all(&bytes).await.unwrap();
        assert!(
            c.closed_by_server().await,
            "{name}: connection should close"
        );
        healthy(&m, 0).await;
    }
    let s = m.server_stats();
    assert!(s.bad_requests >= 7, "{s:?}");
    assert_no_panics();
}

#[tokio::test]
async fn half_sent_frames_are_dropped_on_close_or_when_idle() {
    watch_panics();
    let m = mock(1 << 20).await;
    // Half a frame, then the client goes away.
    for _ in 0..50 {
        let mut s = raw(&m).await;
        s.write_all(&1000i32.to_be_bytes()).await.unwrap();
        s.write_all(&[0u8; 10]).await.unwrap();
        drop(s);
    }
    healthy(&m, 0).await;
    // Half a frame, then silence: closed after connections.max.idle.ms (1.5 s here).
    let mut c = Client::connect(m.addresses()[&1]).await;
    c.stream.write_all(&1000i32.to_be_bytes()).await.unwrap();
    c.stream.write_all(&[0u8; 10]).await.unwrap();
    let t0 = Instant::now();
    assert!(c.closed_by_server().await);
    assert!(
        t0.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        t0.elapsed()
    );
    assert!(m.server_stats().idle_closed >= 1);
    healthy(&m, 1).await;
    assert_no_panics();
}

#[tokio::test]
async fn a_slow_reader_only_stalls_itself_and_memory_stays_bounded() {
    watch_panics();
    let _serial = MEMORY_TESTS.lock().await;
    let m = mock(1 << 20).await;
    // Pipeline thousands of requests and never read a response.
    let mut slow = Client::connect(m.addresses()[&1]).await;
    let mut frames = Vec::new();
    for i in 0..20_000 {
        let header = kwire_protocol::RequestHeader::new(
            kwire_protocol::ApiKey::METADATA,
            12,
            i,
            Some("slow"),
        );
        let mut b = bytes::BytesMut::new();
        kwire_protocol::frame::encode_request(&mut b, &header, &MetadataRequest::default())
            .unwrap();
        frames.extend_from_slice(&b);
    }
    let (rss0, _) = memory_kib();
    // Write what the kernel takes in a second: the server stops reading once its responses back up.
    let _ = tokio::time::timeout(Duration::from_secs(1), slow.stream.write_all(&frames)).await;
    for i in 0..5 {
        healthy(&m, i).await;
    }
    let (rss1, _) = memory_kib();
    assert!(
        rss1.saturating_sub(rss0) < 64 * 1024,
        "RSS grew by {} KiB",
        rss1 - rss0
    );
    drop(slow);
    healthy(&m, 9).await;
    assert_no_panics();
}

#[tokio::test]
async fn two_thousand_connections_claiming_huge_frames_keep_memory_bounded() {
    watch_panics();
    // The default cap: 100 MiB per frame. Each connection claims a frame that large and sends
    // 1 KiB of it; the server must not reserve what is claimed, only what arrives.
    let _serial = MEMORY_TESTS.lock().await;
    let m = MockCluster::builder()
        .brokers(1)
        .topic("t", 1, 1)
        .start()
        .await
        .unwrap();
    let (rss0, vm0) = memory_kib();
    let t0 = Instant::now();
    let mut socks = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let mut s = raw(&m).await;
        s.write_all(&(100 * 1024 * 1024i32).to_be_bytes())
            .await
            .unwrap();
        s.write_all(&[7u8; 1024]).await.unwrap();
        socks.push(s);
    }
    // While they hang there, a normal client is served.
    healthy(&m, 0).await;
    for _ in 0..50 {
        if m.server_stats().connections_open >= 2000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open = m.server_stats().connections_open;
    assert!(open >= 2000, "only {open} open");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (rss1, vm1) = memory_kib();
    let (drss, dvm) = (rss1.saturating_sub(rss0), vm1.saturating_sub(vm0));
    eprintln!(
        "2000 connections: RSS +{drss} KiB, VmSize +{dvm} KiB in {:?}",
        t0.elapsed()
    );
    assert!(drss < 256 * 1024, "RSS grew by {drss} KiB");
    assert!(
        dvm < 4 * 1024 * 1024,
        "virtual memory grew by {dvm} KiB: claimed frames reserved?"
    );
    drop(socks);
    healthy(&m, 1).await;
    // And 2,000 connections that send a bad size prefix: every one is closed by the server.
    let mut socks = Vec::with_capacity(2000);
    for i in 0..2000i32 {
        let mut s = raw(&m).await;
        let prefix = if i % 2 == 0 { -1 - i } else { i32::MAX - i };
        s.write_all(&prefix.to_be_bytes()).await.unwrap();
        socks.push(s);
    }
    let closes = socks
        .into_iter()
        .map(|stream| async move { Client::over(stream).closed_by_server().await });
    let closed = futures_join_all(closes).await;
    assert!(
        closed.iter().all(|c| *c),
        "{} left open",
        closed.iter().filter(|c| !**c).count()
    );
    healthy(&m, 2).await;
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert_no_panics();
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once() {
    watch_panics();
    let m = MockCluster::builder()
        .brokers(1)
        .topic("t", 1, 1)
        .max_connections(20)
        .start()
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut c = Client::connect(m.addresses()[&1]).await;
        c.call(12, &MetadataRequest::default()).await.unwrap();
        held.push(c);
    }
    let mut extra = Client::connect(m.addresses()[&1]).await;
    assert!(extra.closed_by_server().await);
    assert!(m.server_stats().connections_refused >= 1);
    drop(held);
    for _ in 0..100 {
        if m.server_stats().connections_open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    healthy(&m, 0).await;
    assert_no_panics();
}

#[tokio::test]
async fn a_frame_at_the_cap_is_buffered_then_judged() {
    watch_panics();
    let max = 256 * 1024;
    let m = mock(max).await;
    // Exactly the cap: accepted and read in full, then refused as a malformed request.
    let mut c = Client::connect(m.addresses()[&1]).await;
    let mut f = (max as i32).to_be_bytes().to_vec();
    f.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 1, 0xff, 0xff, 0]); // Produce v9 header
    f.resize(4 + max, 0xee);
    c.stream.write_all(&f).await.unwrap();
    assert!(c.closed_by_server().await);
    // One byte more is refused from the size prefix alone.
    let mut c = Client::connect(m.addresses()[&1]).await;
    c.stream
        .write_all(&(max as i32 + 1).to_be_bytes())
        .await
        .unwrap();
    assert!(c.closed_by_server().await);
    healthy(&m, 0).await;
    assert_no_panics();
}
