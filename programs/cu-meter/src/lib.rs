//! What an instruction pays for on SBF, counted when the programs run natively.
//!
//! SBF has 64-bit registers and no 128-bit hardware: every `u128`/`i128` multiply and divide
//! is a software routine, and so is every `I80F48` product, quotient and square root (their
//! intermediates are 256 bits wide). The programs call [`count`] at each such operation; in a
//! native build the counts accumulate in process-wide counters that a benchmark reads with
//! [`take`] around one instruction (`vault-sim budget` does, single-threaded). On SBF
//! (`target_os = "solana"`) `count` is empty and the counters do not exist; the price list
//! ([`CU_LOW`], [`CU_HIGH`]) is there on every target (the solvers budget their work with it).

/// An operation SBF runs in software.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Op {
    /// 64 × 64 → 128-bit multiply (a `u128` product of two 64-bit values).
    Mul64 = 0,
    /// 128-bit by 128-bit division (`u128` or `i128` quotient or remainder).
    Div128 = 1,
    /// 128 × 128-bit multiply (a full `u128`/`i128` product, or a 256-bit one's limbs).
    Mul128 = 2,
    /// An `I80F48` product (a 256-bit intermediate, shifted back).
    FxMul = 3,
    /// An `I80F48` quotient (a 176-bit dividend over a 128-bit divisor).
    FxDiv = 4,
    /// An `I80F48` square root (bit by bit over 128 bits).
    FxSqrt = 5,
    /// A 256-bit by 128-bit division (Knuth's algorithm D on 64-bit limbs).
    Div256 = 6,
}

/// How many kinds of [`Op`] there are.
pub const OPS: usize = 7;

/// What one [`Op`] costs on SBF, low and high, in compute units (one SBF instruction is one
/// unit). SBF has 64-bit registers and a 64 × 64 → 64-bit multiply but no high-half multiply
/// and no 128-bit divide, so:
/// - `Mul64`: a 64 × 64 → 128-bit product from four 32-bit partial products and carries,
///   20–40 units (compiler-rt's `__multi3` on 64-bit halves);
/// - `Mul128`: the full 128-bit product, one `Mul64` plus two cross products, 30–60;
/// - `Div128`: compiler-rt's `__udivti3`/`__divti3`, shift-subtract or a normalised
///   64-bit-digit division, 150–400;
/// - `FxMul`: `fixed`'s `wide_mul_i128` (four `Mul64`) plus the sign fix, shift and overflow
///   test, 120–260;
/// - `FxDiv` and `Div256`: `fixed`'s `div_rem_u256_u128` (and ours, the same algorithm): four
///   half-word steps, each a `Div128`, a remainder and a `Mul128`, plus normalisation,
///   1,400–3,500;
/// - `FxSqrt`: `fixed`'s bit-by-bit root, up to 127 rounds of 128-bit shifts, compares and
///   subtractions of 15–25 instructions, 1,900–3,200.
///
/// Published SBF measurements agree: a `u128` multiply costs 49 units and a `u128` division
/// about 240 with current compiler builtins (solana-labs/solana#19549, Bonasa-Tech/manifest#698;
/// the first measured 3,694 for the division with 2021's builtins).
///
/// The loop and memory instructions around the operations are not counted here; the budget
/// command adds them as a per-instruction allowance.
pub const CU_LOW: [u64; OPS] = [20, 150, 30, 120, 1_400, 1_900, 1_400];
pub const CU_HIGH: [u64; OPS] = [40, 400, 60, 260, 3_500, 3_200, 3_500];

/// Operation counts, indexed by [`Op`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub [u64; OPS]);

impl Counts {
    pub fn get(&self, op: Op) -> u64 {
        self.0[op as usize]
    }

    /// The counts priced at `prices` ([`CU_LOW`] or [`CU_HIGH`]).
    pub fn units(&self, prices: &[u64; OPS]) -> u64 {
        self.0
            .iter()
            .zip(prices.iter())
            .fold(0u64, |s, (n, p)| s.saturating_add(n.saturating_mul(*p)))
    }
}

#[cfg(not(target_os = "solana"))]
mod native {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[allow(clippy::declare_interior_mutable_const)]
    const ZERO: AtomicU64 = AtomicU64::new(0);
    static COUNTS: [AtomicU64; OPS] = [ZERO; OPS];

    #[inline]
    pub fn count(op: Op) {
        COUNTS[op as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn take() -> Counts {
        let mut c = Counts::default();
        for (dst, src) in c.0.iter_mut().zip(COUNTS.iter()) {
            *dst = src.swap(0, Ordering::Relaxed);
        }
        c
    }

    /// The program running now (`PROGRAMS` slots, 0 for none) and the bytes each allocated.
    static CURRENT: AtomicU64 = AtomicU64::new(0);
    static HEAP: [AtomicU64; PROGRAMS] = [ZERO; PROGRAMS];

    pub fn enter(program: usize) -> u64 {
        CURRENT.swap(program as u64, Ordering::Relaxed)
    }

    pub fn leave(previous: u64) {
        CURRENT.store(previous, Ordering::Relaxed);
    }

    pub fn note_alloc(bytes: usize) {
        let p = CURRENT.load(Ordering::Relaxed) as usize;
        if p != 0 && p < PROGRAMS {
            HEAP[p].fetch_add(bytes as u64, Ordering::Relaxed);
        }
    }

    pub fn take_heap() -> [u64; PROGRAMS] {
        let mut out = [0; PROGRAMS];
        for (dst, src) in out.iter_mut().zip(HEAP.iter()) {
            *dst = src.swap(0, Ordering::Relaxed);
        }
        out
    }

    /// The system allocator, counting what each program allocates while it runs.
    pub struct CountingAlloc;

    // SAFETY: every call is passed to the system allocator unchanged; counting has no effect
    // on the memory returned.
    unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
        unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
            note_alloc(layout.size());
            // SAFETY: the caller's contract for `alloc` is passed on.
            unsafe { std::alloc::System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
            note_alloc(layout.size());
            // SAFETY: as above.
            unsafe { std::alloc::System.alloc_zeroed(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
            // SAFETY: as above. SBF's bump allocator never frees: only allocations count.
            unsafe { std::alloc::System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
            note_alloc(new);
            // SAFETY: as above.
            unsafe { std::alloc::System.realloc(ptr, layout, new) }
        }
    }
}

#[cfg(not(target_os = "solana"))]
pub use native::{enter, leave, take_heap, CountingAlloc};

/// Heap accounting slots: 0 none, then the vault, the swap venue, the perp venue.
pub const PROGRAMS: usize = 4;
pub const VAULT: usize = 1;
pub const AMM: usize = 2;
pub const PERP: usize = 3;

/// Counts one `op` (nothing on SBF).
#[inline(always)]
pub fn count(op: Op) {
    #[cfg(not(target_os = "solana"))]
    native::count(op);
    #[cfg(target_os = "solana")]
    let _ = op;
}

/// Counts `n` of `op` (nothing on SBF).
#[inline(always)]
pub fn count_n(op: Op, n: u64) {
    for _ in 0..n {
        count(op);
    }
}

/// The counts since the last `take`, reset to zero (all zero on SBF).
pub fn take() -> Counts {
    #[cfg(not(target_os = "solana"))]
    return native::take();
    #[cfg(target_os = "solana")]
    Counts::default()
}
