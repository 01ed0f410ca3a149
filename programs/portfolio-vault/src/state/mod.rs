//! Account types. Each has an `invariant()` that every mutating instruction calls last.

pub mod vault;

pub use vault::*;
