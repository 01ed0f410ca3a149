pub mod accrue_fees;
pub mod compute_targets;
pub mod update_risk;

pub use accrue_fees::*;
pub use compute_targets::*;
pub use update_risk::*;
