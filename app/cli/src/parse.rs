//! Parsing user input: addresses, token amounts, gate names, oracle ids.

use anchor_lang::prelude::Pubkey;
use std::str::FromStr;
use vault_client::portfolio_vault::constants::*;
use vault_client::portfolio_vault::state::OracleKind;
use vault_client::{oracle, ClientError};

pub fn pubkey(s: &str, what: &str) -> Result<Pubkey, ClientError> {
    Pubkey::from_str(s)
        .map_err(|e| ClientError::Other(format!("{what}: {s} is not an address ({e})")))
}

pub fn other(msg: impl Into<String>) -> ClientError {
    ClientError::Other(msg.into())
}

/// Parses a decimal amount of whole tokens into base units (`1.5` at 6 decimals = 1500000).
pub fn parse_amount(s: &str, decimals: u8) -> Result<u64, ClientError> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > decimals as usize || int.is_empty() && frac.is_empty() {
        return Err(other(format!("amount {s}: at most {decimals} decimals")));
    }
    let digits = format!("{int}{frac:0<width$}", width = decimals as usize);
    digits.parse::<u64>().map_err(|_| {
        other(format!(
            "amount {s} is not a number of tokens that fits u64"
        ))
    })
}

/// The gate mask of names.
pub fn gate_mask(names: &[String]) -> Result<u8, ClientError> {
    let mut m = 0u8;
    for n in names {
        m |= match n.as_str() {
            "deposits" => PAUSE_DEPOSITS,
            "update-risk" => PAUSE_UPDATE_RISK,
            "compute-targets" => PAUSE_COMPUTE_TARGETS,
            "rebalance" => PAUSE_REBALANCE,
            "hedge" => PAUSE_HEDGE,
            "all" => PAUSE_ALL_FLAGS,
            other => return Err(ClientError::Other(format!("unknown gate {other}: deposits, update-risk, compute-targets, rebalance, hedge, all"))),
        };
    }
    Ok(m)
}

pub fn oracle_args(kind: &str, id: &str) -> Result<(u8, [u8; 32]), ClientError> {
    match kind {
        "pull" => Ok((
            OracleKind::PullV2 as u8,
            oracle::feed_id_from_hex(id).map_err(|e| other(format!("feed id {id}: {e}")))?,
        )),
        "legacy" => Ok((
            OracleKind::Legacy as u8,
            pubkey(id, "legacy price account")?.to_bytes(),
        )),
        k => Err(other(format!("oracle kind {k}: pull or legacy"))),
    }
}
