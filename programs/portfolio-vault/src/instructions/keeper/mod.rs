pub mod accrue_fees;

pub use accrue_fees::*;
