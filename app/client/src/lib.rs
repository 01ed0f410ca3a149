//! `vault-client`: everything off-chain about the portfolio vault in one library — PDAs,
//! instruction builders for every instruction, account decoding, the program's own math for
//! NAV, targets, deltas and trade planning (reused, never rewritten), and a [`ChainClient`]
//! with an RPC backend for clusters and an in-process bank backend (feature `bank`).
#![allow(clippy::result_large_err)]

pub mod chain;
pub mod compute;
pub mod decode;
pub mod error;
pub mod invariants;
pub mod ix;
pub mod keypair;
pub mod keys;
pub mod oracle;
pub mod pda;
pub mod queue;
pub mod snapshot;

pub use chain::{build_transaction, ChainClient, ChainClock, Simulation};
pub use error::{ClientError, ProgramError};
pub use keys::{OracleAddresses, VaultKeys};
pub use snapshot::{KeysCache, SwapPlan, VaultSnapshot, Wait};

pub use portfolio_vault;
pub use sim_amm;
pub use sim_perp;
