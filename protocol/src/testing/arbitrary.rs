//! A seeded generator of arbitrary, version-valid messages.
//!
//! [`Arbitrary::arbitrary`] fills every field that exists at the given version with random data
//! (null only where the version allows it, tagged fields sometimes set, unknown tags sometimes
//! added in flexible versions) and leaves the others at their defaults, so that
//! `decode(encode(m)) == m` must hold for every generated `m`. Property tests drive it with a
//! seed from proptest, which prints the seed of a failing case.

use std::collections::BTreeMap;

use bytes::Bytes;
use uuid::Uuid;

use crate::ErrorCode;
use crate::primitives::Ctx;

/// A small deterministic RNG (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// True with probability 1/`n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// A type that can produce arbitrary values valid at a version.
pub trait Arbitrary: Sized {
    /// An arbitrary value for the context (version, flexibility, nullability).
    fn arbitrary(rng: &mut Rng, ctx: Ctx) -> Self;
}

macro_rules! arb_int {
    ($($t:ty),*) => {$(
        impl Arbitrary for $t {
            fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
                match rng.below(4) {
                    0 => 0,
                    1 => <$t>::MAX,
                    2 => <$t>::MIN,
                    _ => rng.next_u64() as $t,
                }
            }
        }
    )*};
}
arb_int!(i8, i16, u16, i32, u32, i64);

impl Arbitrary for f64 {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        (rng.next_u64() >> 11) as f64 / 3.0
    }
}
impl Arbitrary for bool {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        rng.one_in(2)
    }
}
impl Arbitrary for Uuid {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())
    }
}
impl Arbitrary for ErrorCode {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        ErrorCode::from_code(rng.below(140) as i16 - 1)
    }
}
impl Arbitrary for String {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        const CHARS: &[&str] = &["a", "z", "0", "-", "_", ".", "é", "键", "🦀"];
        let n = rng.below(12) as usize;
        (0..n)
            .map(|_| CHARS[rng.below(CHARS.len() as u64) as usize])
            .collect()
    }
}
impl Arbitrary for Bytes {
    fn arbitrary(rng: &mut Rng, _ctx: Ctx) -> Self {
        let n = rng.below(24) as usize;
        Bytes::from((0..n).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>())
    }
}
impl<T: Arbitrary> Arbitrary for Vec<T> {
    fn arbitrary(rng: &mut Rng, ctx: Ctx) -> Self {
        let n = rng.below(4) as usize;
        let ctx = ctx.non_null();
        (0..n).map(|_| T::arbitrary(rng, ctx)).collect()
    }
}
impl<T: Arbitrary> Arbitrary for Option<T> {
    fn arbitrary(rng: &mut Rng, ctx: Ctx) -> Self {
        if ctx.nullable && rng.one_in(3) {
            None
        } else {
            Some(T::arbitrary(rng, ctx.non_null()))
        }
    }
}

/// Arbitrary unknown tagged fields (only in flexible versions; tags from 1000 up so that they
/// never collide with known ones).
#[doc(hidden)]
pub fn arbitrary_unknown_tags(rng: &mut Rng, ctx: Ctx) -> BTreeMap<u32, Bytes> {
    let mut m = BTreeMap::new();
    if ctx.flexible && rng.one_in(4) {
        for _ in 0..=rng.below(2) {
            m.insert(1000 + rng.below(100) as u32, Bytes::arbitrary(rng, ctx));
        }
    }
    m
}
