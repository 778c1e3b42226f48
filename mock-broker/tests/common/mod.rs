//! A minimal Kafka client over TCP built on the codec, for the integration tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kwire_protocol::api::fetch::{FetchRequest, FetchResponse};
use kwire_protocol::api::produce::{ProduceRequest, ProduceResponse};
use kwire_protocol::frame::{FrameReader, decode_response, encode_request};
use kwire_protocol::records::Batches;
use kwire_protocol::testing::{BatchBuilder, FetchBuilder, ProduceBuilder};
use kwire_protocol::{ErrorCode, Message, Request, RequestHeader};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Three brokers with topic `t` (`partitions` partitions, replication factor 3) and the
/// control endpoint on a free loopback port.
pub async fn controlled(partitions: i32) -> kwire_mock::MockCluster {
    kwire_mock::MockCluster::builder()
        .topic("t", partitions, 3)
        .control("127.0.0.1:0")
        .start()
        .await
        .unwrap()
}

/// Every wait in these tests is bounded.
pub const WAIT: Duration = Duration::from_secs(10);

/// One connection to one broker.
pub struct Client {
    pub stream: TcpStream,
    pub correlation: i32,
    frames: FrameReader,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect");
        stream.set_nodelay(true).unwrap();
        Client::over(stream)
    }

    /// A client over a stream that is already connected.
    pub fn over(stream: TcpStream) -> Client {
        Client {
            stream,
            correlation: 0,
            frames: FrameReader::new(64 << 20),
        }
    }

    /// Sends a request; returns its correlation id.
    pub async fn send<R: Request>(&mut self, version: i16, req: &R) -> std::io::Result<i32> {
        self.correlation += 1;
        let header = RequestHeader::new(R::API_KEY, version, self.correlation, Some("kwire-test"));
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req).expect("encode");
        self.stream.write_all(&buf).await?;
        Ok(self.correlation)
    }

    /// Reads one response frame payload.
    pub async fn read_frame(&mut self) -> std::io::Result<Bytes> {
        loop {
            if let Some(frame) = self.frames.next_frame().expect("frame size") {
                return Ok(frame);
            }
            if self.stream.read_buf(self.frames.buf_for_read()).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads a response to a request sent at `version`; checks the correlation id.
    pub async fn recv<M: Message>(&mut self, version: i16, correlation: i32) -> std::io::Result<M> {
        let payload = tokio::time::timeout(WAIT, self.read_frame())
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no response"))??;
        let (header, body) = decode_response::<M>(&payload, version).expect("decode response");
        assert_eq!(header.correlation_id, correlation);
        Ok(body)
    }

    /// Sends and waits for the response.
    pub async fn call<R: Request>(&mut self, version: i16, req: &R) -> std::io::Result<R::Response>
    where
        R::Response: Message,
    {
        let c = self.send(version, req).await?;
        self.recv::<R::Response>(version, c).await
    }

    /// True if the server closed the connection (reads EOF or an error within the wait).
    pub async fn closed_by_server(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(
            tokio::time::timeout(WAIT, self.stream.read(&mut b)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

/// A v2 batch of `n` records valued `"<first + i>"`; idempotent when `pid >= 0`.
pub fn batch(n: usize, first: usize, pid: i64, epoch: i16, seq: i32) -> Bytes {
    BatchBuilder::new()
        .producer(pid, epoch, seq)
        .values(Some(b"key"), values(first, n))
        .build()
}

pub fn produce_req(
    topic: &str,
    partition: i32,
    acks: i16,
    timeout_ms: i32,
    records: Bytes,
) -> ProduceRequest {
    ProduceBuilder::new()
        .acks(acks)
        .timeout_ms(timeout_ms)
        .records(topic, partition, records)
        .build()
}

/// (error, base offset) of a single-partition Produce response.
pub fn produce_result(r: &ProduceResponse) -> (ErrorCode, i64) {
    let p = &r.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

pub fn fetch_req(topic: &str, partition: i32, offset: i64) -> FetchRequest {
    FetchBuilder::new()
        .partition(topic, partition, offset)
        .build()
}

/// (error, high watermark, record values) of a single-partition Fetch response.
pub fn fetched(r: &FetchResponse) -> (ErrorCode, i64, Vec<String>) {
    let p = &r.responses[0].partitions[0];
    let mut values = Vec::new();
    for b in Batches::complete(p.records.clone().unwrap_or_default()) {
        for rec in b.unwrap().records() {
            let rec = rec.unwrap();
            values.push(String::from_utf8(rec.value.unwrap().to_vec()).unwrap());
        }
    }
    (p.error_code, p.high_watermark, values)
}

/// Values "first".."first+n-1".
pub fn values(first: usize, n: usize) -> Vec<String> {
    (first..first + n).map(|i| i.to_string()).collect()
}

static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static HOOK: std::sync::Once = std::sync::Once::new();

/// Counts panics anywhere in the process (server tasks included, whose panics tokio would
/// otherwise swallow). Call at the start of a test, then [`assert_no_panics`] at its end.
pub fn watch_panics() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            default(info);
        }));
    });
}

/// Fails if anything panicked since [`watch_panics`] was first called.
pub fn assert_no_panics() {
    assert_eq!(
        PANICS.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a task panicked"
    );
}

/// Raw HTTP/1.1 request to the control endpoint: (status, body).
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: kwire\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}
