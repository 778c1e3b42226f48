//! Shared support for kwire's cross-crate tests: a small blocking Kafka connection built only on
//! `kwire-protocol` (so that the codec is what talks to real brokers), and the switches that
//! point tests at a running cluster; [`delivery`] checks what a producer said against the logs;
//! [`watch`] counts panics and heap use for tests that face hostile peers.

pub mod delivery;
pub mod watch;

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kwire_protocol::api::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::frame::{FrameReader, ReadFrameError, decode_response, encode_request};
use kwire_protocol::testing::{FetchBuilder, ProduceBuilder};
use kwire_protocol::{ApiKey, Message, Request, RequestHeader, Uuid};

/// The largest response a [`Conn`] accepts: a Fetch of every partition of a bounce run fits.
const MAX_RESPONSE: usize = 256 << 20;

/// The first Produce and Fetch version that names topics by id instead of by name.
pub const TOPIC_IDS_FROM: i16 = 13;

/// A Produce request at `version` carrying `records` for one partition, the topic named as that
/// version names it (by id from [`TOPIC_IDS_FROM`], by name before).
pub fn produce_at(
    version: i16,
    topic: &str,
    topic_id: Uuid,
    partition: i32,
    records: Bytes,
) -> ProduceBuilder {
    let b = ProduceBuilder::new();
    if version >= TOPIC_IDS_FROM {
        b.records_by_id(topic_id, partition, records)
    } else {
        b.records(topic, partition, records)
    }
}

/// `fetch` asking for one more partition, the topic named as `version` names it (see
/// [`produce_at`]).
pub fn fetch_at(
    fetch: FetchBuilder,
    version: i16,
    topic: &str,
    topic_id: Uuid,
    partition: i32,
    offset: i64,
) -> FetchBuilder {
    if version >= TOPIC_IDS_FROM {
        fetch.partition_by_id(topic_id, partition, offset)
    } else {
        fetch.partition(topic, partition, offset)
    }
}

/// The single-node real Kafka to test against (`KWIRE_KAFKA_BOOTSTRAP`), if configured.
/// Prints a visible notice when it is not.
pub fn kafka_bootstrap(test: &str) -> Option<String> {
    env_or_skip("KWIRE_KAFKA_BOOTSTRAP", test)
}

/// The three-broker real Kafka cluster (`KWIRE_KAFKA_CLUSTER_BOOTSTRAP`), if configured.
pub fn kafka_cluster_bootstrap(test: &str) -> Option<String> {
    env_or_skip("KWIRE_KAFKA_CLUSTER_BOOTSTRAP", test)
}

fn env_or_skip(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            eprintln!(
                "SKIPPED {test}: {var} is not set (tests/interop/kafka.sh starts a broker; .ci/run sets it)"
            );
            None
        }
    }
}

/// Errors of [`Conn`].
#[derive(Debug)]
pub enum ConnError {
    /// The socket failed.
    Io(std::io::Error),
    /// Encoding failed.
    Encode(kwire_protocol::EncodeError),
    /// The response could not be decoded.
    Decode(kwire_protocol::DecodeError),
    /// The response answered another request.
    Correlation {
        /// Expected id.
        expected: i32,
        /// Received id.
        got: i32,
    },
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::Io(e) => write!(f, "io: {e}"),
            ConnError::Encode(e) => write!(f, "encode: {e}"),
            ConnError::Decode(e) => write!(f, "decode: {e}"),
            ConnError::Correlation { expected, got } => {
                write!(f, "correlation id {got}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for ConnError {}

/// A blocking connection to one broker.
#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    frames: FrameReader,
    correlation: i32,
    /// The broker's ApiVersions answer.
    pub versions: ApiVersionsResponse,
}

impl Conn {
    /// Connects to `addr` and asks for the broker's API versions; a broker that does not answer
    /// within 30 s is an IO error.
    pub fn connect(addr: &str) -> Result<Conn, ConnError> {
        Conn::connect_timeout(addr, Duration::from_secs(30))
    }

    /// [`Conn::connect`] with `timeout` on connecting and on every read and write.
    pub fn connect_timeout(addr: &str, timeout: Duration) -> Result<Conn, ConnError> {
        let sock = addr
            .to_socket_addrs()
            .map_err(ConnError::Io)?
            .next()
            .ok_or_else(|| {
                ConnError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no address",
                ))
            })?;
        let stream = TcpStream::connect_timeout(&sock, timeout.min(Duration::from_secs(10)))
            .map_err(ConnError::Io)?;
        stream
            .set_read_timeout(Some(timeout))
            .map_err(ConnError::Io)?;
        stream
            .set_write_timeout(Some(timeout))
            .map_err(ConnError::Io)?;
        stream.set_nodelay(true).map_err(ConnError::Io)?;
        let mut c = Conn {
            stream,
            frames: FrameReader::new(MAX_RESPONSE),
            correlation: 0,
            versions: ApiVersionsResponse::default(),
        };
        c.versions = c.send(&ApiVersionsRequest::default(), 0)?;
        Ok(c)
    }

    /// The broker's version range for `api`.
    pub fn range(&self, api: ApiKey) -> Option<(i16, i16)> {
        self.versions.range_for(api)
    }

    /// Versions of `R` both this crate and the broker support.
    pub fn common_versions<R: Message>(&self) -> std::ops::RangeInclusive<i16> {
        match self.range(R::API_KEY) {
            Some((min, max)) => min.max(R::VERSIONS.min)..=max.min(R::VERSIONS.max),
            #[allow(clippy::reversed_empty_ranges)]
            None => 1..=0,
        }
    }

    /// Sends a request and reads its response.
    pub fn send<R: Request>(&mut self, req: &R, version: i16) -> Result<R::Response, ConnError> {
        self.send_raw(req, version).and_then(|payload| {
            let (h, body) =
                decode_response::<R::Response>(&payload, version).map_err(ConnError::Decode)?;
            if h.correlation_id != self.correlation {
                return Err(ConnError::Correlation {
                    expected: self.correlation,
                    got: h.correlation_id,
                });
            }
            Ok(body)
        })
    }

    /// Sends a request and returns the raw response payload (header + body).
    pub fn send_raw<R: Request>(&mut self, req: &R, version: i16) -> Result<Bytes, ConnError> {
        self.correlation += 1;
        let header = RequestHeader::new(R::API_KEY, version, self.correlation, Some("kwire-tests"));
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req).map_err(ConnError::Encode)?;
        self.stream.write_all(&buf).map_err(ConnError::Io)?;
        self.read_frame()
    }

    /// Metadata for `topic` (auto-created if the broker allows it), asked again every 200 ms
    /// until it exists and every partition has a leader. Panics after 60 s: a test helper.
    pub fn topic_metadata(&mut self, topic: &str) -> MetadataResponse {
        let deadline = Instant::now() + Duration::from_secs(60);
        let req = MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: Some(topic.into()),
                ..Default::default()
            }]),
            allow_auto_topic_creation: true,
            ..Default::default()
        };
        let v = *self.common_versions::<MetadataRequest>().end();
        loop {
            let resp = self.send(&req, v).expect("metadata");
            let ready = resp.topics.first().is_some_and(|t| {
                t.error_code.is_ok()
                    && !t.partitions.is_empty()
                    && t.partitions.iter().all(|p| p.leader_id >= 0)
            });
            if ready {
                return resp;
            }
            assert!(
                Instant::now() < deadline,
                "topic {topic} not ready: {resp:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Sends a request that gets no response (Produce with acks=0).
    pub fn send_oneway<R: Request>(&mut self, req: &R, version: i16) -> Result<(), ConnError> {
        self.correlation += 1;
        let header = RequestHeader::new(R::API_KEY, version, self.correlation, Some("kwire-tests"));
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req).map_err(ConnError::Encode)?;
        self.stream.write_all(&buf).map_err(ConnError::Io)
    }

    fn read_frame(&mut self) -> Result<Bytes, ConnError> {
        self.frames
            .read_frame_from(&mut self.stream)
            .map_err(|e| match e {
                ReadFrameError::Frame(e) => ConnError::Decode(e),
                ReadFrameError::Io(e) => ConnError::Io(e),
            })
    }
}
