//! Thin wrappers around the programs the vault calls: token moves, the swap venue and the
//! hedge venue. Program ids come from typed `Program`/`Interface` accounts or from the vault's
//! governed records, never from caller-chosen slots.

pub mod hedge;
pub mod token;
pub mod venue;

pub use token::*;
