//! Account types. Each has an `invariant()` that every mutating instruction calls last.

pub mod risk;
pub mod vault;

pub use risk::*;
pub use vault::*;
