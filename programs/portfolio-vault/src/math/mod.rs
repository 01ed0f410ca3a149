//! Pure fixed-point math: no Anchor types, no accounts. Every function names its rounding
//! direction (`_floor`, `_ceil`) and fails with [`MathError`] instead of wrapping.

pub mod fees;
pub mod fixed_point;
pub mod nav;
pub mod price;
pub mod shares;

pub use fixed_point::*;

/// Errors of the pure math layer; the program maps them onto `VaultError::Math*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    Overflow,
    DivideByZero,
}

pub type MathResult<T> = core::result::Result<T, MathError>;
