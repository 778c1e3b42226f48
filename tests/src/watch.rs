//! Process-wide watchers for tests that face hostile peers: panics on any thread, and the heap
//! (a counting global allocator).
//!
//! A panic inside a spawned task does not fail a test by itself, so a test calls
//! [`watch_panics`] first and asserts [`panics`] is 0 at its end. A test binary that wants heap
//! figures installs the allocator itself, once:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: kwire_tests::watch::CountingAlloc = kwire_tests::watch::CountingAlloc;
//! ```
//!
//! then reads [`MemoryWatch`]; without it every figure stays 0. The figures are per process:
//! tests of one binary that read them must not run at the same time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use kwire_protocol::testing::Rng;

static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts every panic from now on, on any thread, keeping the default report.
pub fn watch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// Panics counted since [`watch_panics`] was first called.
pub fn panics() -> u64 {
    PANICS.load(Ordering::SeqCst)
}

/// The system allocator, counting: bytes live, their peak, and the largest single allocation.
#[derive(Debug, Clone, Copy)]
pub struct CountingAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(size: usize) {
    LARGEST.fetch_max(size, Ordering::Relaxed);
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only counts
// sizes in atomics (no allocation, no panic inside the allocator).
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed through.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (hence from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed through.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            note_alloc(new_size);
        }
        p
    }
}

/// Heap and resident-set figures since [`MemoryWatch::start`].
#[derive(Debug)]
pub struct MemoryWatch {
    live0: usize,
    rss0: u64,
}

/// What a [`MemoryWatch`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryFigures {
    /// The largest single allocation, in bytes.
    pub largest: usize,
    /// Peak live heap above the start, in bytes.
    pub peak: usize,
    /// VmRSS now minus at the start, in KiB.
    pub rss_delta_kib: i64,
}

impl MemoryWatch {
    /// Starts watching: resets the largest allocation and the peak.
    pub fn start() -> Self {
        LARGEST.store(0, Ordering::Relaxed);
        let live0 = LIVE.load(Ordering::Relaxed);
        PEAK.store(live0, Ordering::Relaxed);
        MemoryWatch {
            live0,
            rss0: vm_rss_kib(),
        }
    }

    /// The figures so far.
    pub fn read(&self) -> MemoryFigures {
        MemoryFigures {
            largest: LARGEST.load(Ordering::Relaxed),
            peak: PEAK.load(Ordering::Relaxed).saturating_sub(self.live0),
            rss_delta_kib: vm_rss_kib() as i64 - self.rss0 as i64,
        }
    }
}

/// This process's resident set in KiB (0 where /proc is not there).
pub fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `n` garbage bytes from kwire-protocol's seeded SplitMix64 (replayable from the seed).
pub fn garbage(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next_u64() as u8).collect()
}
