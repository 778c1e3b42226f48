//! One blocking connection that records what a broker did with a request: answered it, closed
//! the connection, or stayed silent. Requests can be bent the way real clients bend them (bytes
//! after the body, a version the broker may not know) — the point of a differential test is to
//! see both brokers treat the same bytes the same way.

use std::io::{ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kwire_protocol::frame::{
    FrameReader, ReadFrameError, decode_response, encode_request, peek_correlation_id,
};
use kwire_protocol::{Message, Request, RequestHeader};

/// How long a broker may take to answer before the request counts as unanswered. Every request
/// of the suite is answered at once by both brokers (fetches wait at most 100 ms).
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// The largest answer accepted (a fetch of the suite carries a few hundred bytes).
const MAX_ANSWER: usize = 64 << 20;

/// What became of one request.
#[derive(Debug)]
pub enum Outcome<T> {
    /// The broker answered with this body.
    Answer(T),
    /// The broker closed the connection instead of answering.
    Closed,
    /// Nothing came back within [`ANSWER_WITHIN`].
    Silent,
    /// Something came back that is not a valid answer at this version.
    Garbled(String),
}

/// A change to the bytes of a request before it is sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bend {
    /// Bytes appended after the body (Kafka's parser ignores them).
    pub trailing: &'static [u8],
    /// The version written into the header instead of the one the body is encoded at.
    pub claimed_version: Option<i16>,
    /// The API key written into the header instead of the body's.
    pub claimed_api_key: Option<i16>,
}

/// A connection to one broker, reopened after the broker closes it.
pub struct Wire {
    addr: String,
    stream: Option<TcpStream>,
    frames: FrameReader,
    correlation: i32,
}

impl Wire {
    /// A connection to `addr`, opened on first use.
    pub fn new(addr: &str) -> Wire {
        Wire {
            addr: addr.to_owned(),
            stream: None,
            frames: FrameReader::new(MAX_ANSWER),
            correlation: 0,
        }
    }

    /// Sends `req` at `version` and returns what the broker did.
    pub fn call<R: Request>(&mut self, req: &R, version: i16) -> Outcome<R::Response> {
        self.call_bent(req, version, Bend::default())
    }

    /// Sends `req` at `version`, bent as `bend` says, and returns what the broker did. A reply
    /// to a version claimed in the header is decoded at that version if the codec knows it,
    /// else (ApiVersions) as the v0 body Kafka falls back to.
    pub fn call_bent<R: Request>(
        &mut self,
        req: &R,
        version: i16,
        bend: Bend,
    ) -> Outcome<R::Response> {
        let claimed = bend.claimed_version.unwrap_or(version);
        let correlation = match self.write(req, version, bend) {
            Ok(c) => c,
            Err(e) => return Outcome::Garbled(format!("cannot send: {e}")),
        };
        let payload = match self.read_frame() {
            Ok(p) => p,
            Err(o) => return o,
        };
        let decode_at = if R::Response::VERSIONS.contains(claimed) {
            claimed
        } else {
            0
        };
        match decode_response::<R::Response>(&payload, decode_at) {
            Ok((h, _)) if h.correlation_id != correlation => Outcome::Garbled(format!(
                "correlation id {} for request {correlation}",
                h.correlation_id
            )),
            Ok((_, body)) => Outcome::Answer(body),
            Err(e) => Outcome::Garbled(format!("{e}")),
        }
    }

    /// Sends `req` expecting no answer (Produce with acks=0), then `probe`; what comes back
    /// first tells whether the first request was answered.
    pub fn call_unanswered<R: Request, P: Request>(
        &mut self,
        req: &R,
        version: i16,
        probe: &P,
        probe_version: i16,
    ) -> Outcome<&'static str> {
        let sent = self
            .write(req, version, Bend::default())
            .and_then(|first| Ok((first, self.write(probe, probe_version, Bend::default())?)));
        let (first, second) = match sent {
            Ok(ids) => ids,
            Err(e) => return Outcome::Garbled(format!("cannot send: {e}")),
        };
        let payload = match self.read_frame() {
            Ok(p) => p,
            Err(o) => return o,
        };
        let answered = match peek_correlation_id(&payload) {
            Ok(id) if id == second => Outcome::Answer("not answered; the next request was"),
            Ok(id) if id == first => Outcome::Answer("answered"),
            Ok(id) => Outcome::Garbled(format!("correlation id {id}")),
            Err(e) => Outcome::Garbled(format!("{e}")),
        };
        if !matches!(answered, Outcome::Answer(a) if a.starts_with("not")) {
            // a reply to the probe may still be queued: start over on a new connection
            self.reset();
        }
        answered
    }

    fn write<R: Request>(&mut self, req: &R, version: i16, bend: Bend) -> std::io::Result<i32> {
        self.correlation += 1;
        let header = RequestHeader::new(
            R::API_KEY,
            version,
            self.correlation,
            Some("kwire-differential"),
        );
        let mut buf = BytesMut::new();
        encode_request(&mut buf, &header, req)
            .map_err(|e| std::io::Error::new(ErrorKind::InvalidInput, e.to_string()))?;
        buf.extend_from_slice(bend.trailing);
        let size = i32::try_from(buf.len() - 4).expect("small request");
        buf[..4].copy_from_slice(&size.to_be_bytes());
        if let Some(k) = bend.claimed_api_key {
            // size (4), then the api_key
            buf[4..6].copy_from_slice(&k.to_be_bytes());
        }
        if let Some(v) = bend.claimed_version {
            // size (4) then api_key (2): the version is the next int16
            buf[6..8].copy_from_slice(&v.to_be_bytes());
        }
        let correlation = self.correlation;
        let stream = self.stream()?;
        stream.write_all(&buf)?;
        Ok(correlation)
    }

    fn stream(&mut self) -> std::io::Result<&mut TcpStream> {
        if self.stream.is_none() {
            let sock = self
                .addr
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| std::io::Error::new(ErrorKind::NotFound, "no address"))?;
            let s = TcpStream::connect_timeout(&sock, Duration::from_secs(10))?;
            s.set_read_timeout(Some(ANSWER_WITHIN))?;
            s.set_write_timeout(Some(ANSWER_WITHIN))?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
        }
        Ok(self.stream.as_mut().expect("just opened"))
    }

    fn reset(&mut self) {
        self.stream = None;
        self.frames = FrameReader::new(MAX_ANSWER);
    }

    fn read_frame<T>(&mut self) -> Result<Bytes, Outcome<T>> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(Outcome::Closed);
        };
        match self.frames.read_frame_from(stream) {
            Ok(p) => Ok(p),
            Err(e) => {
                // Whatever happened, this connection is done: the next call opens a new one.
                self.reset();
                Err(match e {
                    ReadFrameError::Io(e)
                        if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                    {
                        Outcome::Silent
                    }
                    ReadFrameError::Io(_) => Outcome::Closed,
                    ReadFrameError::Frame(e) => Outcome::Garbled(e.to_string()),
                })
            }
        }
    }
}
