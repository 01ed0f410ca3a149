pub mod accrue_fees;
pub mod apply_proposal;
pub mod compute_targets;
pub mod rebalance_swap;
pub mod update_risk;

pub use accrue_fees::*;
pub use apply_proposal::*;
pub use compute_targets::*;
pub use rebalance_swap::*;
pub use update_risk::*;
