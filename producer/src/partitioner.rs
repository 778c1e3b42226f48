//! Choosing a partition: an explicit partition wins; keyed records go to
//! `toPositive(murmur2(key)) % partitions` exactly as Java's `Utils.murmur2` does, over all
//! partitions; records without a key use uniform sticky partitioning (KIP-480/KIP-794): stay on
//! one partition until about `batch.size` bytes went to it, then pick another, at random
//! weighted against partitions with long queues (adaptive partitioning). A custom
//! [`Partitioner`] may take over.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use crate::record::ProducerRecord;

/// Kafka's murmur2 hash (the 32-bit MurmurHash2 with seed `0x9747b28c`), identical to Java's
/// `org.apache.kafka.common.utils.Utils.murmur2`.
///
/// ```
/// assert_eq!(kwire_producer::partitioner::murmur2(b""), 275646681);
/// ```
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    // Java reads the tail bytes as signed and masks each with 0xff: the same as unsigned here.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Java's `Utils.toPositive`: clears the sign bit (not `abs`, which fails for `i32::MIN`).
pub const fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition Java's default partitioner picks for a keyed record:
/// `toPositive(murmur2(key)) % partitions`.
///
/// # Panics
/// If `partitions` is 0.
pub fn partition_for_key(key: &[u8], partitions: usize) -> i32 {
    assert!(partitions > 0, "a topic has at least one partition");
    (to_positive(murmur2(key)) as usize % partitions) as i32
}

/// A user-supplied partitioner, consulted for every record without an explicit partition.
///
/// Return `None` to let the built-in logic decide (murmur2 for keys, sticky otherwise), as
/// Java's partitioners may return `RecordMetadata.UNKNOWN_PARTITION`.
///
/// ```
/// use kwire_producer::Partitioner;
///
/// /// Everything with a key starting with "vip" goes to partition 0.
/// #[derive(Debug)]
/// struct Vip;
/// impl Partitioner for Vip {
///     fn partition(&self, _topic: &str, key: Option<&[u8]>, _value: Option<&[u8]>, _n: usize) -> Option<i32> {
///         key.filter(|k| k.starts_with(b"vip")).map(|_| 0)
///     }
/// }
/// assert_eq!(Vip.partition("t", Some(b"vip-1"), None, 3), Some(0));
/// ```
pub trait Partitioner: Send + Sync + Debug {
    /// The partition for a record of `topic`, which has `partitions` partitions (numbered
    /// `0..partitions`), or `None` for the built-in choice.
    fn partition(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        partitions: usize,
    ) -> Option<i32>;
}

/// Where a record goes, as far as the record itself decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// This partition: explicit, the custom partitioner's, or the key's hash.
    Partition(i32),
    /// The topic's current sticky partition.
    Sticky,
}

/// The partition of `record`, whose topic has `partitions` partitions: an explicit partition
/// wins, then the `custom` partitioner's answer, then the key's hash (unless `ignore_keys`,
/// `partitioner.ignore.keys`), else the sticky partition. `Err(p)`: the explicit or custom
/// partition `p` is not one of the topic's.
pub(crate) fn choose(
    record: &ProducerRecord,
    partitions: usize,
    custom: Option<&dyn Partitioner>,
    ignore_keys: bool,
) -> Result<Choice, i32> {
    let in_range = |p: i32| {
        if p < 0 || p as usize >= partitions {
            Err(p)
        } else {
            Ok(Choice::Partition(p))
        }
    };
    if let Some(p) = record.partition {
        return in_range(p);
    }
    let key = record.key.as_deref();
    if let Some(p) =
        custom.and_then(|c| c.partition(&record.topic, key, record.value.as_deref(), partitions))
    {
        return in_range(p);
    }
    match key {
        Some(k) if !ignore_keys => Ok(Choice::Partition(partition_for_key(k, partitions))),
        _ => Ok(Choice::Sticky),
    }
}

/// A small deterministic PRNG (SplitMix64) for partition switches and backoff jitter; seeded
/// explicitly so that tests replay exactly.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A non-negative i32, like Java's `toPositive(nextInt())`.
    pub(crate) fn next_positive(&mut self) -> u32 {
        (self.next_u64() >> 33) as u32
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The sticky-partition state of one topic.
#[derive(Debug, Clone, Default)]
struct TopicSticky {
    current: Option<i32>,
    produced: usize,
    /// Cumulative frequency table and partition ids, from queue lengths (adaptive mode).
    load: Option<(Vec<u32>, Vec<i32>)>,
}

/// Uniform sticky partitioning (KIP-480 and KIP-794) for records without keys, for all topics.
///
/// Deterministic: the random choices come from a seeded generator. The accumulator calls
/// [`sticky_partition`](Self::sticky_partition) before appending and
/// [`on_appended`](Self::on_appended) after.
#[derive(Debug, Clone)]
pub struct StickyPartitioner {
    batch_size: usize,
    adaptive: bool,
    topics: TopicTable,
    rng: Rng,
}

/// Per-topic state looked up by name, with the last topic looked up checked first: records
/// mostly go to the topic of the record before, and comparing one name is cheaper than hashing.
#[derive(Debug, Clone, Default)]
struct TopicTable {
    slots: Vec<(Arc<str>, TopicSticky)>,
    index: HashMap<Arc<str>, usize>,
    last: usize,
}

impl TopicTable {
    fn find(&self, topic: &str) -> Option<usize> {
        match self.slots.get(self.last) {
            // The caller usually passes the very string of the last call: compare addresses
            // before bytes.
            Some((name, _)) if std::ptr::eq(&**name, topic) || **name == *topic => Some(self.last),
            _ => self.index.get(topic).copied(),
        }
    }

    fn get(&self, topic: &str) -> Option<&TopicSticky> {
        self.find(topic).map(|i| &self.slots[i].1)
    }

    fn get_mut(&mut self, topic: &str) -> Option<&mut TopicSticky> {
        let i = self.find(topic)?;
        self.last = i;
        Some(&mut self.slots[i].1)
    }

    fn get_or_default(&mut self, topic: &Arc<str>) -> &mut TopicSticky {
        let i = match self.find(topic) {
            Some(i) => i,
            None => {
                self.slots.push((topic.clone(), TopicSticky::default()));
                self.index.insert(topic.clone(), self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        self.last = i;
        &mut self.slots[i].1
    }
}

impl StickyPartitioner {
    /// Switches partition after `batch_size` bytes (between 1× and 2× when the current batch
    /// is not full yet); `adaptive` weighs choices by queue length; `seed` seeds the choices.
    pub fn new(batch_size: usize, adaptive: bool, seed: u64) -> Self {
        StickyPartitioner {
            batch_size: batch_size.max(1),
            adaptive,
            topics: TopicTable::default(),
            rng: Rng::new(seed),
        }
    }

    /// The current sticky partition of `topic`, choosing one if there is none.
    /// `available` lists the partitions that have a leader; `partitions` is the count.
    /// `all_batches_full` says whether the current partition's queue has no open batch, which
    /// allows a switch once enough bytes went to it.
    pub fn sticky_partition(
        &mut self,
        topic: &Arc<str>,
        partitions: usize,
        available: &[i32],
        all_batches_full: impl Fn(i32) -> bool,
    ) -> i32 {
        let batch_size = self.batch_size;
        let t = self.topics.get_or_default(topic);
        if let Some(p) = t.current
            && (p as usize) < partitions
        {
            if t.produced >= batch_size && all_batches_full(p) {
                let next = next_partition(&mut self.rng, t, partitions, available);
                t.current = Some(next);
                t.produced = 0;
                return next;
            }
            return p;
        }
        let next = next_partition(&mut self.rng, t, partitions, available);
        t.current = Some(next);
        t.produced = 0;
        next
    }

    /// Accounts `bytes` appended to the sticky partition `partition` of `topic`; switches once
    /// `batch.size` bytes went to it and the batch is full (`enable_switch`), or at 2× anyway.
    pub fn on_appended(
        &mut self,
        topic: &Arc<str>,
        partition: i32,
        bytes: usize,
        enable_switch: bool,
        partitions: usize,
        available: &[i32],
    ) {
        let batch_size = self.batch_size;
        let Some(t) = self.topics.get_mut(topic) else {
            return;
        };
        if t.current != Some(partition) {
            return;
        }
        t.produced += bytes;
        if t.produced >= batch_size && enable_switch || t.produced >= batch_size * 2 {
            let next = next_partition(&mut self.rng, t, partitions, available);
            t.current = Some(next);
            t.produced = 0;
        }
    }

    /// Feeds the queue length (batches waiting) of each partition with a leader, for adaptive
    /// partitioning. `all_partitions` is the topic's partition count.
    pub fn update_load(&mut self, topic: &Arc<str>, queues: &[(i32, u32)], all_partitions: usize) {
        if !self.adaptive {
            return;
        }
        let Some(t) = self.topics.get_mut(topic) else {
            return;
        };
        if queues.is_empty() || all_partitions < 2 {
            t.load = None;
            return;
        }
        let max = queues.iter().map(|q| q.1).max().unwrap_or(0);
        let all_equal = queues.iter().all(|q| q.1 == queues[0].1);
        if all_equal && queues.len() == all_partitions {
            t.load = None;
            return;
        }
        // Invert the lengths (a short queue gets a large weight) and make them cumulative.
        let mut cft = Vec::with_capacity(queues.len());
        let mut sum = 0u32;
        for q in queues {
            sum = sum.saturating_add(max + 1 - q.1);
            cft.push(sum);
        }
        t.load = Some((cft, queues.iter().map(|q| q.0).collect()));
    }

    /// The partitions the adaptive choice draws from, if load stats are in use.
    #[cfg(test)]
    pub(crate) fn load_ids(&self, topic: &str) -> Option<Vec<i32>> {
        self.topics.get(topic)?.load.as_ref().map(|l| l.1.clone())
    }

    /// The current sticky partition of `topic`, if one was chosen.
    pub fn current(&self, topic: &str) -> Option<i32> {
        self.topics.get(topic).and_then(|t| t.current)
    }
}

fn next_partition(rng: &mut Rng, t: &TopicSticky, partitions: usize, available: &[i32]) -> i32 {
    let r = rng.next_positive();
    if let Some((cft, ids)) = &t.load
        && let Some(&total) = cft.last()
        && total > 0
    {
        let x = r % total;
        // First entry strictly greater than x.
        let i = cft.partition_point(|&c| c <= x);
        if let Some(&p) = ids.get(i)
            && (p as usize) < partitions
        {
            return p;
        }
    }
    if !available.is_empty() {
        available[r as usize % available.len()]
    } else {
        (r as usize % partitions.max(1)) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(Option<i32>);
    impl Partitioner for Fixed {
        fn partition(&self, _: &str, _: Option<&[u8]>, _: Option<&[u8]>, _: usize) -> Option<i32> {
            self.0
        }
    }

    #[test]
    fn explicit_then_custom_then_key_then_sticky() {
        let keyed = ProducerRecord::new("t", "v").with_key("k");
        let hashed = Choice::Partition(partition_for_key(b"k", 3));
        assert_eq!(choose(&keyed, 3, None, false), Ok(hashed));
        assert_eq!(choose(&keyed, 3, None, true), Ok(Choice::Sticky));
        assert_eq!(
            choose(&ProducerRecord::new("t", "v"), 3, None, false),
            Ok(Choice::Sticky)
        );
        // A custom partitioner overrides the key, unless it defers with `None`.
        assert_eq!(
            choose(&keyed, 3, Some(&Fixed(Some(2))), false),
            Ok(Choice::Partition(2))
        );
        assert_eq!(choose(&keyed, 3, Some(&Fixed(None)), false), Ok(hashed));
        // An explicit partition overrides everything; out of range is refused.
        let explicit = keyed.clone().with_partition(1);
        assert_eq!(
            choose(&explicit, 3, Some(&Fixed(Some(2))), false),
            Ok(Choice::Partition(1))
        );
        assert_eq!(
            choose(&keyed.clone().with_partition(3), 3, None, false),
            Err(3)
        );
        assert_eq!(choose(&keyed, 3, Some(&Fixed(Some(-1))), false), Err(-1));
    }

    #[test]
    fn murmur2_known_values() {
        // Values from Java's Utils.murmur2 (see also tests/murmur2_vectors.rs).
        assert_eq!(murmur2(b""), 275646681);
        assert_eq!(murmur2(&[0x00]), 375494588);
        assert_eq!(murmur2(&[0x7e]), -325578150);
        assert_eq!(to_positive(-325578150), 1821905498);
        assert_eq!(to_positive(i32::MIN), 0);
    }

    #[test]
    fn sticky_switches_after_batch_size_when_batch_full() {
        let topic: Arc<str> = "t".into();
        let mut s = StickyPartitioner::new(100, false, 7);
        let avail = [0, 1, 2, 3, 4, 5, 6, 7];
        let p0 = s.sticky_partition(&topic, 8, &avail, |_| false);
        // 60 bytes: stays.
        s.on_appended(&topic, p0, 60, true, 8, &avail);
        assert_eq!(s.current("t"), Some(p0));
        // 120 bytes but the batch is still open: stays (switching now would leave a runt).
        s.on_appended(&topic, p0, 60, false, 8, &avail);
        assert_eq!(s.current("t"), Some(p0));
        assert_eq!(s.sticky_partition(&topic, 8, &avail, |_| false), p0);
        // Once the queue has only full batches, the next record may switch (the choice is
        // random and may land on the same partition; the byte count restarts either way).
        s.sticky_partition(&topic, 8, &avail, |_| true);
        assert_eq!(s.topics.get("t").unwrap().produced, 0);
        // 2× batch.size switches even with an open batch.
        let mut s = StickyPartitioner::new(100, false, 1);
        let p = s.sticky_partition(&topic, 8, &avail, |_| false);
        s.on_appended(&topic, p, 200, false, 8, &avail);
        // The switch picked some partition (maybe the same one by chance), with a new count.
        let t = s.topics.get("t").unwrap();
        assert_eq!(t.produced, 0);
    }

    #[test]
    fn sticky_is_uniform_over_available_partitions() {
        let topic: Arc<str> = "t".into();
        let mut s = StickyPartitioner::new(10, false, 42);
        let avail = [1, 3, 5];
        let mut counts = [0u32; 6];
        for _ in 0..3000 {
            let p = s.sticky_partition(&topic, 6, &avail, |_| true);
            counts[p as usize] += 1;
            s.on_appended(&topic, p, 10, true, 6, &avail);
        }
        assert_eq!(counts[0] + counts[2] + counts[4], 0, "{counts:?}");
        for p in avail {
            assert!((800..1200).contains(&counts[p as usize]), "{counts:?}");
        }
    }

    #[test]
    fn adaptive_prefers_short_queues() {
        let topic: Arc<str> = "t".into();
        let mut s = StickyPartitioner::new(10, true, 3);
        let avail = [0, 1, 2];
        s.sticky_partition(&topic, 3, &avail, |_| true);
        // Queue lengths 0, 3, 1 → weights 4, 1, 3 of 8.
        s.update_load(&topic, &[(0, 0), (1, 3), (2, 1)], 3);
        let mut counts = [0u32; 3];
        for _ in 0..8000 {
            let p = s.current("t").unwrap();
            s.on_appended(&topic, p, 10, true, 3, &avail);
            counts[s.current("t").unwrap() as usize] += 1;
        }
        assert!((3600..4400).contains(&counts[0]), "{counts:?}");
        assert!((700..1300).contains(&counts[1]), "{counts:?}");
        assert!((2600..3400).contains(&counts[2]), "{counts:?}");
        // Equal queues: back to uniform.
        s.update_load(&topic, &[(0, 2), (1, 2), (2, 2)], 3);
        assert!(s.topics.get("t").unwrap().load.is_none());
    }
}
