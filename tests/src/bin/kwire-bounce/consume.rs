//! Reads every partition of a topic back from its leader with Fetch (blocking, `kwire-protocol`
//! only, through [`kwire_tests::Conn`]) up to the high watermark.
//!
//! A leader elected a moment ago may report a high watermark that lags the one its predecessor
//! acknowledged against until its followers fetch again. So after reaching the high watermark
//! of every partition the reader waits and asks every leader again; it stops only after a full
//! pass (`settle_passes` in a row) in which no partition's high watermark moved.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kwire_protocol::api::fetch::FetchRequest;
use kwire_protocol::api::metadata::{MetadataRequest, MetadataRequestTopic, MetadataResponse};
use kwire_protocol::records::Batches;
use kwire_protocol::testing::FetchBuilder;
use kwire_protocol::{ErrorCode, Uuid};
use kwire_tests::{Conn, fetch_at};

use kwire_tests::delivery::Logged;

/// What reading the logs took.
#[derive(Debug, Default, Clone)]
pub struct ReadStats {
    /// Fetch requests sent.
    pub fetches: u64,
    /// Metadata requests sent.
    pub metadata: u64,
    /// Retriable errors (partition errors, broken connections) retried.
    pub retries: u64,
    /// Full passes over the partitions.
    pub passes: u64,
    /// Final high watermark per partition.
    pub high_watermarks: BTreeMap<i32, i64>,
}

/// The topic's layout as Metadata tells it.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Broker id → `host:port`.
    pub brokers: BTreeMap<i32, String>,
    /// Partition → (leader, replicas, ISR).
    pub partitions: BTreeMap<i32, (i32, Vec<i32>, Vec<i32>)>,
    /// The topic id (nil before Metadata v10).
    pub topic_id: Uuid,
}

impl Layout {
    /// Partitions whose ISR is smaller than their replica set.
    pub fn under_replicated(&self) -> Vec<i32> {
        self.partitions
            .iter()
            .filter(|(_, (_, replicas, isr))| isr.len() < replicas.len())
            .map(|(p, _)| *p)
            .collect()
    }
}

/// One batch as stored: where, and whose (producer id, epoch, sequences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchInfo {
    /// First offset.
    pub base_offset: i64,
    /// Last offset.
    pub last_offset: i64,
    /// Producer id.
    pub producer_id: i64,
    /// Producer epoch.
    pub epoch: i16,
    /// First sequence.
    pub base_sequence: i32,
    /// Leader epoch that wrote it.
    pub leader_epoch: i32,
}

/// The part of a Fetch response that matters here.
struct Fetched {
    high_watermark: i64,
    records: Vec<Logged>,
    batches: Vec<BatchInfo>,
    /// Offset to fetch next.
    next: i64,
}

/// A reader for one topic.
pub struct Reader {
    bootstrap: Vec<String>,
    topic: String,
    conns: BTreeMap<i32, Conn>,
    /// Stats.
    pub stats: ReadStats,
    /// Every batch read, per partition (for diagnostics).
    pub batches: BTreeMap<i32, Vec<BatchInfo>>,
}

impl Reader {
    /// A reader of `topic` from the cluster at `bootstrap` (`host:port,...`).
    pub fn new(bootstrap: &str, topic: &str) -> Reader {
        Reader {
            bootstrap: bootstrap
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            topic: topic.to_owned(),
            conns: BTreeMap::new(),
            stats: ReadStats::default(),
            batches: BTreeMap::new(),
        }
    }

    /// Asks any reachable broker (bootstrap list first, then known brokers) for the topic.
    pub fn layout(&mut self) -> Result<Layout, String> {
        let mut last = String::from("no broker tried");
        let known: Vec<String> = self.bootstrap.clone();
        for addr in known {
            match self.metadata_from(&addr) {
                Ok(l) => return Ok(l),
                Err(e) => last = format!("{addr}: {e}"),
            }
        }
        Err(last)
    }

    fn metadata_from(&mut self, addr: &str) -> Result<Layout, String> {
        let mut conn = Conn::connect(addr).map_err(|e| e.to_string())?;
        let v = *conn.common_versions::<MetadataRequest>().end();
        let req = MetadataRequest {
            topics: Some(vec![MetadataRequestTopic {
                name: Some(self.topic.clone()),
                ..Default::default()
            }]),
            allow_auto_topic_creation: false,
            ..Default::default()
        };
        self.stats.metadata += 1;
        let resp: MetadataResponse = conn.send(&req, v).map_err(|e| e.to_string())?;
        let t = resp
            .topics
            .iter()
            .find(|t| t.name.as_deref() == Some(self.topic.as_str()))
            .ok_or("topic missing from metadata")?;
        if !t.error_code.is_ok() {
            return Err(format!("topic error {}", t.error_code.name()));
        }
        Ok(Layout {
            brokers: resp
                .brokers
                .iter()
                .map(|b| (b.node_id, format!("{}:{}", b.host, b.port)))
                .collect(),
            partitions: t
                .partitions
                .iter()
                .map(|p| {
                    (
                        p.partition_index,
                        (p.leader_id, p.replica_nodes.clone(), p.isr_nodes.clone()),
                    )
                })
                .collect(),
            topic_id: t.topic_id,
        })
    }

    /// Waits until every partition has a leader and a full ISR, for at most `timeout`; returns
    /// the last layout either way (the caller reports under-replicated partitions).
    pub fn wait_healthy(&mut self, timeout: Duration) -> Result<Layout, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let l = self.layout();
            if let Ok(l) = &l
                && l.partitions.values().all(|(leader, _, _)| *leader >= 0)
                && l.under_replicated().is_empty()
            {
                return Ok(l.clone());
            }
            if Instant::now() >= deadline {
                return l;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn conn(&mut self, layout: &Layout, node: i32) -> Result<&mut Conn, String> {
        match self.conns.entry(node) {
            std::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::btree_map::Entry::Vacant(e) => {
                let addr = layout
                    .brokers
                    .get(&node)
                    .ok_or_else(|| format!("broker {node} not in metadata"))?;
                let c = Conn::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
                Ok(e.insert(c))
            }
        }
    }

    fn fetch(
        &mut self,
        layout: &Layout,
        partition: i32,
        offset: i64,
        max_wait_ms: i32,
    ) -> Result<Fetched, String> {
        let leader = layout
            .partitions
            .get(&partition)
            .map(|p| p.0)
            .filter(|l| *l >= 0)
            .ok_or_else(|| format!("partition {partition} has no leader"))?;
        let topic = self.topic.clone();
        let topic_id = layout.topic_id;
        let conn = self.conn(layout, leader)?;
        let mut v = *conn.common_versions::<FetchRequest>().end();
        if topic_id.is_nil() {
            v = v.min(12);
        }
        let fetch = FetchBuilder::new()
            .max_wait_ms(max_wait_ms)
            .min_bytes(1)
            .max_bytes(32 << 20)
            .partition_max_bytes(8 << 20);
        let req = fetch_at(fetch, v, &topic, topic_id, partition, offset).build();
        let resp = match conn.send(&req, v) {
            Ok(r) => r,
            Err(e) => {
                self.conns.remove(&leader);
                return Err(format!("fetch from broker {leader}: {e}"));
            }
        };
        self.stats.fetches += 1;
        if !resp.error_code.is_ok() {
            return Err(format!("fetch error {}", resp.error_code.name()));
        }
        let p = resp
            .responses
            .first()
            .and_then(|t| t.partitions.iter().find(|p| p.partition_index == partition))
            .ok_or("partition missing from the fetch response")?;
        if p.error_code != ErrorCode::None {
            return Err(format!(
                "partition {partition} at {offset}: {}",
                p.error_code.name()
            ));
        }
        let mut out = Fetched {
            high_watermark: p.high_watermark,
            records: Vec::new(),
            batches: Vec::new(),
            next: offset,
        };
        let mut batches = Batches::new(p.records.clone().unwrap_or_default());
        for b in batches.by_ref() {
            let b = b.map_err(|e| format!("partition {partition}: {e}"))?;
            if b.is_control() {
                out.next = out.next.max(b.last_offset() + 1);
                continue;
            }
            if b.last_offset() >= offset {
                let h = b.header();
                out.batches.push(BatchInfo {
                    base_offset: b.base_offset(),
                    last_offset: b.last_offset(),
                    producer_id: h.producer_id,
                    epoch: h.producer_epoch,
                    base_sequence: h.base_sequence,
                    leader_epoch: h.partition_leader_epoch,
                });
            }
            for rec in b.records() {
                let rec = rec.map_err(|e| format!("partition {partition}: {e}"))?;
                if rec.offset < offset {
                    continue;
                }
                out.records.push(Logged {
                    offset: rec.offset,
                    id: parse_id(rec.value.as_deref()),
                });
            }
            out.next = out.next.max(b.last_offset() + 1);
        }
        Ok(out)
    }

    /// Reads every partition from offset 0 to its high watermark, then keeps asking until
    /// `settle_passes` full passes in a row find nothing new. Retriable errors (leader moved,
    /// connection lost) refresh metadata and retry until `deadline`.
    pub fn read_all(
        &mut self,
        settle_passes: u32,
        settle_wait: Duration,
        deadline: Instant,
    ) -> Result<BTreeMap<i32, Vec<Logged>>, String> {
        let mut layout = self.layout()?;
        let parts: Vec<i32> = layout.partitions.keys().copied().collect();
        let mut logs: BTreeMap<i32, Vec<Logged>> = parts.iter().map(|p| (*p, Vec::new())).collect();
        let mut next: BTreeMap<i32, i64> = parts.iter().map(|p| (*p, 0)).collect();
        let mut quiet = 0;
        while quiet < settle_passes.max(1) {
            self.stats.passes += 1;
            let mut moved = false;
            let mut behind = false;
            for &p in &parts {
                loop {
                    let at = next[&p];
                    match self.fetch(&layout, p, at, 0) {
                        Ok(f) => {
                            let hw_before = self.stats.high_watermarks.insert(p, f.high_watermark);
                            if hw_before.is_some_and(|h| h != f.high_watermark) {
                                moved = true;
                            }
                            let infos = self.batches.entry(p).or_default();
                            for b in &f.batches {
                                if b.base_offset < f.high_watermark
                                    && infos.last().is_none_or(|l| l.last_offset < b.base_offset)
                                {
                                    infos.push(*b);
                                }
                            }
                            let log = logs.get_mut(&p).expect("partition");
                            for l in f.records {
                                if l.offset >= f.high_watermark {
                                    break;
                                }
                                if log.last().is_some_and(|last| last.offset >= l.offset) {
                                    return Err(format!(
                                        "partition {p}: offset {} after {}",
                                        l.offset,
                                        log.last().map_or(-1, |x| x.offset)
                                    ));
                                }
                                log.push(l);
                            }
                            let new_next = f.next.min(f.high_watermark);
                            if new_next > at {
                                moved = true;
                                next.insert(p, new_next);
                            }
                            if new_next >= f.high_watermark {
                                break;
                            }
                            if new_next == at {
                                // Nothing readable below the high watermark yet: next pass.
                                behind = true;
                                break;
                            }
                        }
                        Err(e) => {
                            self.stats.retries += 1;
                            if Instant::now() >= deadline {
                                return Err(format!("gave up reading: {e}"));
                            }
                            std::thread::sleep(Duration::from_millis(200));
                            self.conns.clear();
                            if let Ok(l) = self.layout() {
                                layout = l;
                            }
                        }
                    }
                }
            }
            if behind && Instant::now() >= deadline {
                return Err("gave up reading: a partition stays below its high watermark".into());
            }
            if moved || behind {
                quiet = 0;
            } else {
                quiet += 1;
            }
            if quiet < settle_passes.max(1) {
                std::thread::sleep(settle_wait);
                if let Ok(l) = self.layout() {
                    layout = l;
                }
            }
        }
        Ok(logs)
    }
}

/// The sequence number a value carries: ASCII digits up to `:` (the interop record scheme,
/// `"<i>:"` padded with dots).
pub fn parse_id(value: Option<&[u8]>) -> Option<u64> {
    let v = value?;
    let end = v.iter().position(|b| *b == b':')?;
    let digits = &v[..end];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_record_scheme() {
        assert_eq!(parse_id(Some(b"0:....")), Some(0));
        assert_eq!(parse_id(Some(b"123456:")), Some(123_456));
        assert_eq!(parse_id(Some(b":...")), None);
        assert_eq!(parse_id(Some(b"12x:")), None);
        assert_eq!(parse_id(Some(b"12")), None);
        assert_eq!(parse_id(None), None);
    }
}
