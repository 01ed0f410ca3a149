//! The strategy lab and the project's main demonstration: a market simulator that runs the
//! vault, sim-amm and sim-perp programs in-process with Pyth accounts, arbitraged pools,
//! depositors and the real keeper (`run`), its report (`report`), price paths (`market`),
//! and the f64 reference and accuracy study of the weight strategies (`reference`,
//! `accuracy`).

pub mod accuracy;
pub mod budget;
pub mod cli;
pub mod csv;
pub mod market;
pub mod reference;
pub mod report;
pub mod run;
pub mod stdout;
pub mod world;

/// Strategy codes as `--strategy` names them.
pub fn strategy_code(name: &str) -> Option<(u8, u32)> {
    Some(match name {
        "fixed" => (0, 0),
        "inverse-vol" => (1, 0),
        "risk-parity" => (2, 0),
        "min-variance" => (3, 0),
        // Risk parity scaled to a 25 % annual volatility target, the rest in the base token.
        "vol-target" => (2, 2_500),
        _ => return None,
    })
}
