//! The delivery checker: what the producer said about every record against what the partition
//! logs hold. Record `i` is the `i`-th sent; its value carries `i` (see [`Logged`]).
//!
//! Violations: an acknowledged record absent (`lost`), present more than once (`duplicated`),
//! adjacent records of a partition log out of send order (`reordered`), a record on another
//! partition than its key says or at another offset than acknowledged (`misplaced`), a record
//! with no outcome (`unresolved`), an id in the log that was never sent (`unknown`), a value
//! outside the record scheme (`invalid`). Records that failed with a typed error are allowed;
//! those found in the log anyway are counted as `written_despite_error` (an error only says
//! "maybe not written").

use std::collections::BTreeMap;
use std::fmt;

use kwire_producer::{ProduceError, RecordMetadata};

/// What the producer reported for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No outcome (yet): the future never resolved.
    Unresolved,
    /// Acknowledged at this partition and offset (offset −1: unknown, e.g. a deduplicated retry
    /// the broker no longer had the offset of).
    Acked {
        /// Partition.
        partition: i32,
        /// Offset.
        offset: i64,
    },
    /// Failed with a typed error; the index names the error kind (see [`ErrorKinds`]).
    Failed(u32),
}

impl Outcome {
    /// The outcome of one delivery result (`None`: it never came), its error kind counted in
    /// `kinds`.
    pub fn of(
        result: Option<&Result<RecordMetadata, ProduceError>>,
        kinds: &mut ErrorKinds,
    ) -> Self {
        match result {
            None => Outcome::Unresolved,
            Some(Ok(md)) => Outcome::Acked {
                partition: md.partition,
                offset: md.offset,
            },
            Some(Err(e)) => Outcome::Failed(kinds.record(e)),
        }
    }
}

/// The kind of a producer error: its variant, with the broker's error code when it has one,
/// e.g. `Broker(OUT_OF_ORDER_SEQUENCE_NUMBER)`.
pub fn kind_of(e: &ProduceError) -> String {
    let variant = format!("{e:?}");
    let variant = variant
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("?")
        .to_owned();
    match e.error_code() {
        Some(code) => format!("{variant}({})", code.name()),
        None => variant,
    }
}

/// One kind of error: its name, how often it was seen, the first message, and whether the
/// error says the record may have been written anyway (a timeout, a close) or that it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorKind {
    /// Variant and broker error, e.g. `Broker(OUT_OF_ORDER_SEQUENCE_NUMBER)`.
    pub name: String,
    /// Occurrences.
    pub count: u64,
    /// The first message.
    pub first: String,
    /// The error leaves the record's fate open (`ProduceError::maybe_written`).
    pub maybe_written: bool,
}

/// The distinct error kinds seen.
#[derive(Debug, Default, Clone)]
pub struct ErrorKinds {
    kinds: Vec<ErrorKind>,
}

impl ErrorKinds {
    /// Index of `name`, counting one more occurrence (`message` is kept for the first one).
    pub fn add(
        &mut self,
        name: String,
        maybe_written: bool,
        message: impl FnOnce() -> String,
    ) -> u32 {
        if let Some(i) = self.kinds.iter().position(|k| k.name == name) {
            self.kinds[i].count += 1;
            return i as u32;
        }
        self.kinds.push(ErrorKind {
            name,
            count: 1,
            first: message(),
            maybe_written,
        });
        (self.kinds.len() - 1) as u32
    }

    /// Counts one more `e` under its [`kind_of`] and returns the kind's index.
    pub fn record(&mut self, e: &ProduceError) -> u32 {
        self.add(kind_of(e), e.maybe_written(), || e.to_string())
    }

    /// Whether errors of kind `i` leave the record's fate open.
    pub fn maybe_written(&self, i: u32) -> bool {
        self.kinds.get(i as usize).is_none_or(|k| k.maybe_written)
    }

    /// The kinds in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = &ErrorKind> {
        self.kinds.iter()
    }
}

/// One record read back from a partition log: its offset and the id its value carries
/// (`None`: the value is not in the record scheme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Logged {
    /// Offset.
    pub offset: i64,
    /// Sequence number from the value.
    pub id: Option<u64>,
}

/// What the checker found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Records handed to the producer.
    pub sent: u64,
    /// Records acknowledged.
    pub acked: u64,
    /// Records that failed with a typed error.
    pub failed: u64,
    /// Failed records present in the log anyway.
    pub written_despite_error: u64,
    /// Of those, records whose error said they were not written (a broker rejection, not a
    /// timeout): the producer misreported them.
    pub misreported: u64,
    /// Acknowledged records absent from the log.
    pub lost: u64,
    /// Extra copies of records in the logs.
    pub duplicated: u64,
    /// Adjacent pairs of a partition log not in send order.
    pub reordered: u64,
    /// On the wrong partition or at another offset than acknowledged.
    pub misplaced: u64,
    /// Records without an outcome.
    pub unresolved: u64,
    /// Ids in the logs that were never sent.
    pub unknown: u64,
    /// Values outside the record scheme.
    pub invalid: u64,
    /// Records in the logs.
    pub log_records: u64,
    /// Distinct sent ids present in the logs.
    pub distinct_in_log: u64,
    /// The first problems found.
    pub details: Vec<String>,
    /// The first few failed records found in the logs anyway: `(id, partition, offset)`.
    pub failed_but_written: Vec<(u64, i32, i64)>,
}

impl Report {
    /// No violation.
    pub fn clean(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.reordered == 0
            && self.misplaced == 0
            && self.unresolved == 0
            && self.unknown == 0
            && self.invalid == 0
    }

    fn note(&mut self, s: impl FnOnce() -> String) {
        if self.details.len() < 12 {
            self.details.push(s());
        }
    }

    /// Adds `o`'s counts to these (not its details), for a total over several runs.
    pub fn add(&mut self, o: &Report) {
        self.sent += o.sent;
        self.acked += o.acked;
        self.failed += o.failed;
        self.written_despite_error += o.written_despite_error;
        self.misreported += o.misreported;
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.misplaced += o.misplaced;
        self.unresolved += o.unresolved;
        self.unknown += o.unknown;
        self.invalid += o.invalid;
        self.log_records += o.log_records;
        self.distinct_in_log += o.distinct_in_log;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} acked {} failed {} (written anyway {}, misreported {}), lost {} duplicated {} \
             reordered {} misplaced {} unresolved {} unknown {} invalid {}",
            self.sent,
            self.acked,
            self.failed,
            self.written_despite_error,
            self.misreported,
            self.lost,
            self.duplicated,
            self.reordered,
            self.misplaced,
            self.unresolved,
            self.unknown,
            self.invalid
        )?;
        for d in &self.details {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// Checks `outcomes[i]` (record `i` was sent i-th and belongs on `expected_partition[i]`)
/// against `logs` (partition → its records in offset order).
pub fn check(
    expected_partition: &[i32],
    outcomes: &[Outcome],
    logs: &BTreeMap<i32, Vec<Logged>>,
    kinds: &ErrorKinds,
) -> Report {
    assert_eq!(expected_partition.len(), outcomes.len());
    let n = outcomes.len();
    let mut r = Report {
        sent: n as u64,
        ..Report::default()
    };
    // How often each id was found, and where first.
    let mut count = vec![0u32; n];
    let mut first: Vec<(i32, i64)> = vec![(-1, -1); n];
    for (&p, log) in logs {
        let mut prev: Option<(u64, i64)> = None;
        for l in log {
            r.log_records += 1;
            let Some(id) = l.id else {
                r.invalid += 1;
                r.note(|| format!("partition {p} offset {}: value not in the scheme", l.offset));
                continue;
            };
            if let Some((pid, poff)) = prev
                && id < pid
            {
                r.reordered += 1;
                r.note(|| {
                    format!(
                        "partition {p}: record {pid} at {poff} before record {id} at {}",
                        l.offset
                    )
                });
            }
            prev = Some((id, l.offset));
            let Some(i) = usize::try_from(id).ok().filter(|i| *i < n) else {
                r.unknown += 1;
                r.note(|| format!("partition {p} offset {}: unknown record {id}", l.offset));
                continue;
            };
            if expected_partition[i] != p {
                r.misplaced += 1;
                r.note(|| {
                    format!(
                        "record {id} at {p}@{}, its key says partition {}",
                        l.offset, expected_partition[i]
                    )
                });
            }
            count[i] += 1;
            if count[i] == 1 {
                first[i] = (p, l.offset);
            } else {
                r.duplicated += 1;
                r.note(|| {
                    format!(
                        "record {id} again at {p}@{} (first at {}@{})",
                        l.offset, first[i].0, first[i].1
                    )
                });
            }
        }
    }
    for (i, o) in outcomes.iter().enumerate() {
        let c = count[i];
        r.distinct_in_log += u64::from(c > 0);
        match *o {
            Outcome::Unresolved => {
                r.unresolved += 1;
                r.note(|| format!("record {i}: no outcome"));
            }
            Outcome::Failed(k) => {
                r.failed += 1;
                r.written_despite_error += u64::from(c > 0);
                if c > 0 && !kinds.maybe_written(k) {
                    r.misreported += 1;
                }
                if c > 0 && r.failed_but_written.len() < 3 {
                    r.failed_but_written
                        .push((i as u64, first[i].0, first[i].1));
                }
            }
            Outcome::Acked { partition, offset } => {
                r.acked += 1;
                if c == 0 {
                    r.lost += 1;
                    r.note(|| {
                        format!("record {i} acknowledged at {partition}@{offset}, not in the log")
                    });
                } else if partition != first[i].0 || (offset >= 0 && offset != first[i].1) {
                    r.misplaced += 1;
                    r.note(|| {
                        format!(
                            "record {i} acknowledged at {partition}@{offset}, found at {}@{}",
                            first[i].0, first[i].1
                        )
                    });
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logged(entries: &[(i64, u64)]) -> Vec<Logged> {
        entries
            .iter()
            .map(|&(offset, id)| Logged {
                offset,
                id: Some(id),
            })
            .collect()
    }

    fn acked(partition: i32, offset: i64) -> Outcome {
        Outcome::Acked { partition, offset }
    }

    #[test]
    fn a_clean_run_is_clean() {
        let parts = [0, 1, 0, 1];
        let outcomes = [acked(0, 0), acked(1, 0), acked(0, 1), Outcome::Failed(0)];
        let logs = BTreeMap::from([(0, logged(&[(0, 0), (1, 2)])), (1, logged(&[(0, 1)]))]);
        let r = check(&parts, &outcomes, &logs, &ErrorKinds::default());
        assert!(r.clean(), "{r:?}");
        assert_eq!((r.acked, r.failed, r.written_despite_error), (3, 1, 0));
        assert_eq!(r.distinct_in_log, 3);
    }

    #[test]
    fn finds_loss_duplicates_reordering_and_misplacement() {
        let parts = [0, 0, 0, 1, 1];
        let outcomes = [
            acked(0, 1),
            acked(0, 2),
            acked(0, 5),
            acked(1, 0),
            Outcome::Unresolved,
        ];
        let logs = BTreeMap::from([
            // 1 before 0 (reordered), 0 twice (duplicated), 1 at 1 but acked at 2 (misplaced),
            // 2 absent (lost), 3 on partition 0 instead of 1 (misplaced), 9 never sent.
            (0, logged(&[(0, 1), (1, 0), (2, 0), (3, 3), (4, 9)])),
            (
                1,
                vec![Logged {
                    offset: 0,
                    id: None,
                }],
            ),
        ]);
        let r = check(&parts, &outcomes, &logs, &ErrorKinds::default());
        assert_eq!(r.reordered, 1, "{r:?}");
        assert_eq!(r.duplicated, 1, "{r:?}");
        assert_eq!(r.lost, 1, "{r:?}");
        // record 1 at the wrong offset, record 3 on the wrong partition (twice: by key and by ack)
        assert_eq!(r.misplaced, 3, "{r:?}");
        assert_eq!(r.unknown, 1, "{r:?}");
        assert_eq!(r.invalid, 1, "{r:?}");
        assert_eq!(r.unresolved, 1, "{r:?}");
        assert!(!r.clean());
    }

    #[test]
    fn a_failed_record_may_be_in_the_log_and_unknown_offsets_are_accepted() {
        let mut kinds = ErrorKinds::default();
        let timeout = kinds.add("DeliveryTimeout".into(), true, String::new);
        let rejected = kinds.add("Broker(X)".into(), false, String::new);
        let parts = [0, 0, 0];
        let outcomes = [
            Outcome::Failed(timeout),
            acked(0, -1),
            Outcome::Failed(rejected),
        ];
        let logs = BTreeMap::from([(0, logged(&[(0, 0), (1, 1), (2, 2)]))]);
        let r = check(&parts, &outcomes, &logs, &kinds);
        assert!(r.clean(), "{r:?}");
        assert_eq!(r.written_despite_error, 2);
        // Written although the broker "rejected" it: misreported.
        assert_eq!(r.misreported, 1);
        assert_eq!(r.failed_but_written, vec![(0, 0, 0), (2, 0, 2)]);
    }

    #[test]
    fn error_kinds_are_counted() {
        let mut k = ErrorKinds::default();
        assert_eq!(k.add("a".into(), true, || "first a".into()), 0);
        assert_eq!(k.add("b".into(), false, || "first b".into()), 1);
        assert_eq!(k.add("a".into(), true, || "second a".into()), 0);
        let v: Vec<_> = k.iter().cloned().collect();
        assert_eq!(
            (v[0].name.as_str(), v[0].count, v[0].first.as_str()),
            ("a", 2, "first a")
        );
        assert_eq!((v[1].name.as_str(), v[1].count), ("b", 1));
        assert!(k.maybe_written(0) && !k.maybe_written(1));
    }
}
