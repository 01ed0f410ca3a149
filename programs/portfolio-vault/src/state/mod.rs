//! Account types. Each has an `invariant()` that every mutating instruction calls last.

pub mod args;
pub mod hedge;
pub mod proposal;
pub mod queue;
pub mod rebalance;
pub mod risk;
pub mod vault;

pub use args::*;
pub use hedge::*;
pub use proposal::*;
pub use queue::*;
pub use rebalance::*;
pub use risk::*;
pub use vault::*;
