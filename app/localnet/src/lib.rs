//! `vault-localnet`: a local Solana JSON-RPC node for the natively built programs. The vault,
//! sim-amm and sim-perp cannot be deployed to a real validator here (no SBF toolchain), so the
//! node serves the RPC methods the CLI, the keeper and the TypeScript client use over the
//! in-process bank that runs them, with the simulator's world: a configured vault, Pyth
//! accounts that move with a simulated market, and pools kept at the oracle.
#![allow(clippy::result_large_err)]

pub mod market;
pub mod node;
pub mod pubsub;
pub mod server;
