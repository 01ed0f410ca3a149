//! `vault-keeper`: the permissionless keeper of a portfolio vault. Each tick reads the vault,
//! its oracles and venues, samples the risk model when due, refreshes the targets, and plans
//! the next hedge or swap with the program's own planner; every transaction is simulated
//! first, then sent with a compute-unit limit from the simulation plus a margin and a priority
//! fee from recent fees (capped), and retried with backoff on transient failures. The program
//! re-checks everything: a keeper that loses a race gets a clean refusal and moves on.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod keeper;
pub mod metrics;

pub use config::KeeperConfig;
pub use keeper::{Action, ActionKind, Keeper, Outcome, Status, TickReport};
pub use metrics::Metrics;
