//! Pure fixed-point math: no Anchor types, no accounts. Every function names its rounding
//! direction (`_floor`, `_ceil`) and fails with [`MathError`] instead of wrapping.

pub mod fees;
pub mod fixed_point;
pub mod hedge;
pub mod linalg;
pub mod nav;
pub mod price;
pub mod rebalance;
pub mod risk;
pub mod shares;
pub mod weights;
pub mod wide;

pub use fixed_point::*;

/// Errors of the pure math layer; the program maps them onto `VaultError::Math*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    Overflow,
    DivideByZero,
    /// Square root of a negative number.
    Domain,
    /// A covariance (sub)matrix is singular or not positive definite.
    NotPositiveDefinite,
    /// An iterative solver hit its iteration cap before its tolerance.
    NotConverged,
    /// The weight bounds cannot all hold (minimums add up to more than one).
    Infeasible,
}

pub type MathResult<T> = core::result::Result<T, MathError>;
