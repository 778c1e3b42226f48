//! [`RecordSet`]: every record of a batch decoded and checked at once, and owned.

use std::iter::FusedIterator;

use bytes::Bytes;

use super::record::{Bases, Borrowed, Build, Owned, Record, RecordRef, Slot};

/// Every record of one batch, decoded and checked up front, in an owned value that outlives
/// the buffer it came from and can move between threads.
///
/// It holds the batch's records section (one [`Bytes`]: a slice of the batch, or its
/// decompressed records) and, per record, where its fields lie. Reading a record is then
/// indexing, and gives a [`RecordRef`] borrowing from the set; [`record`](Self::record) makes
/// an owned [`Record`] on demand. Unlike collecting [`BatchView::records`] into a `Vec`, no
/// record holds a reference count of its own: building the set costs one allocation, for the
/// index, however many records the batch holds.
///
/// From [`BatchView::record_set`], which applies the checks of [`BatchView::records`].
///
/// ```
/// use bytes::BytesMut;
/// use kwire_protocol::records::{BatchOptions, BatchView, BatchWriter};
///
/// let mut buf = BytesMut::new();
/// let mut w = BatchWriter::new(&mut buf, BatchOptions { base_offset: 100, ..Default::default() })?;
/// w.append(1_700_000_000_000, Some(b"k"), Some(b"first"), &[])?;
/// w.append(1_700_000_000_002, None, Some(b"second"), &[])?;
/// w.finish()?;
///
/// let set = BatchView::decode(buf.freeze())?.record_set()?;
/// assert_eq!(set.len(), 2);
/// let second = set.get(1).unwrap();
/// assert_eq!((second.offset, second.value), (101, Some(&b"second"[..])));
/// let owned = set.record(0).unwrap(); // key and value as `Bytes`
/// assert_eq!(owned.key.as_deref(), Some(&b"k"[..]));
/// assert_eq!(set.iter().map(|r| r.timestamp).max(), Some(1_700_000_000_002));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`BatchView::records`]: crate::records::BatchView::records
/// [`BatchView::record_set`]: crate::records::BatchView::record_set
#[derive(Debug, Clone, Default)]
pub struct RecordSet {
    payload: Bytes,
    bases: Bases,
    slots: Vec<Slot>,
}

impl RecordSet {
    /// A set over `payload` (a batch's records section) whose records were parsed into `slots`.
    pub(crate) fn new(payload: Bytes, bases: Bases, slots: Vec<Slot>) -> Self {
        RecordSet {
            payload,
            bases,
            slots,
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the set holds no record.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The record at `index` (0 is the batch's first record), borrowing from the set.
    #[inline]
    pub fn get(&self, index: usize) -> Option<RecordRef<'_>> {
        self.slots.get(index).map(|s| self.at(s))
    }

    /// The record at `index` as an owned [`Record`] (its key, value and headers are [`Bytes`]
    /// slices of the set's payload).
    pub fn record(&self, index: usize) -> Option<Record> {
        let s = self.slots.get(index)?;
        Some(Owned::build(&self.payload, s.unpack(&self.bases)))
    }

    /// Iterates over the records in order.
    pub fn iter(&self) -> RecordSetIter<'_> {
        RecordSetIter {
            set: self,
            slots: self.slots.iter(),
        }
    }

    /// The records section every record borrows from: the batch's bytes after its header, or
    /// its decompressed records.
    pub fn payload(&self) -> &Bytes {
        &self.payload
    }

    #[inline(always)]
    fn at(&self, s: &Slot) -> RecordRef<'_> {
        Borrowed::build(&self.payload, s.unpack(&self.bases))
    }
}

impl<'a> IntoIterator for &'a RecordSet {
    type Item = RecordRef<'a>;
    type IntoIter = RecordSetIter<'a>;
    fn into_iter(self) -> RecordSetIter<'a> {
        self.iter()
    }
}

/// Iterator over the records of a [`RecordSet`], from [`RecordSet::iter`].
#[derive(Debug, Clone)]
pub struct RecordSetIter<'a> {
    set: &'a RecordSet,
    slots: std::slice::Iter<'a, Slot>,
}

impl<'a> Iterator for RecordSetIter<'a> {
    type Item = RecordRef<'a>;

    #[inline]
    fn next(&mut self) -> Option<RecordRef<'a>> {
        self.slots.next().map(|s| self.set.at(s))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.slots.size_hint()
    }
}

impl DoubleEndedIterator for RecordSetIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.slots.next_back().map(|s| self.set.at(s))
    }
}

impl ExactSizeIterator for RecordSetIter<'_> {}

impl FusedIterator for RecordSetIter<'_> {}
