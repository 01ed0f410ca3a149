//! Parsing user input: addresses, token amounts, gate names, oracle ids.

use anchor_lang::prelude::Pubkey;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
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

/// Checks `s` reads as a decimal amount of tokens (`100`, `0.5`), before the token's decimals
/// are known.
pub fn check_amount(s: &str) -> Result<(), ClientError> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(other(format!(
            "amount {s}: a decimal number of tokens, e.g. 100 or 0.5"
        )));
    }
    Ok(())
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

/// The gate mask of names; at least one name, `none` alone for no gate (so that a forgotten
/// argument never reopens every gate).
pub fn gate_mask(names: &[String]) -> Result<u8, ClientError> {
    const NAMES: &str = "deposits, update-risk, compute-targets, rebalance, hedge, all, or none";
    if names.is_empty() {
        return Err(other(format!("no gates: name them ({NAMES})")));
    }
    if names.iter().any(|n| n == "none") {
        return match names.len() {
            1 => Ok(0),
            _ => Err(other("gates: `none` stands alone")),
        };
    }
    let mut m = 0u8;
    for n in names {
        m |= match n.as_str() {
            "deposits" => PAUSE_DEPOSITS,
            "update-risk" => PAUSE_UPDATE_RISK,
            "compute-targets" => PAUSE_COMPUTE_TARGETS,
            "rebalance" => PAUSE_REBALANCE,
            "hedge" => PAUSE_HEDGE,
            "all" => PAUSE_ALL_FLAGS,
            other => return Err(ClientError::Other(format!("unknown gate {other}: {NAMES}"))),
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

/// One `key=value` field's value: a number, `true`/`false`, a JSON list (`[2500,2500]`), or
/// a string (addresses, names).
fn field_value(v: &str) -> Value {
    if let Ok(n) = v.parse::<u64>() {
        return Value::from(n);
    }
    if let Ok(n) = v.parse::<i64>() {
        return Value::from(n);
    }
    match v {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if v.starts_with('[') {
        if let Ok(list) = serde_json::from_str(v) {
            return list;
        }
    }
    Value::String(v.to_string())
}

/// A program enum (`ParamChange`, `DeriskAction`) from its kebab-case variant name and its
/// fields, through the program's own serde form: `key=value` pairs and `.toml` files (their
/// tables merged in order) make the variant's fields; a lone value is a one-value variant's.
/// Errors name the command, the variant and the field serde refused.
pub fn tagged<T: DeserializeOwned>(
    command: &str,
    variant: &str,
    fields: &[String],
) -> Result<T, ClientError> {
    let body = match fields {
        [one] if !one.contains('=') && !one.ends_with(".toml") => field_value(one),
        _ => {
            let mut map = Map::new();
            for f in fields {
                if f.ends_with(".toml") {
                    let table: Value = crate::files::read_toml(f)?;
                    let Value::Object(t) = table else {
                        return Err(other(format!("{f}: not a table of fields")));
                    };
                    map.extend(t);
                    continue;
                }
                let (k, v) = f.split_once('=').ok_or_else(|| {
                    other(format!(
                        "{command} {variant}: field {f} is not key=value or a .toml file"
                    ))
                })?;
                map.insert(k.to_string(), field_value(v));
            }
            Value::Object(map)
        }
    };
    let mut tagged = Map::new();
    tagged.insert(variant.to_string(), body.clone());
    serde_json::from_value(Value::Object(tagged)).map_err(|e| {
        // serde names a missing or unknown field but not the one whose value it refused:
        // find the field holding the value the message quotes.
        let msg = e.to_string();
        let culprit = body.as_object().and_then(|m| {
            m.iter().find(|(_, v)| {
                let shown = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                msg.contains(&format!("`{shown}`"))
            })
        });
        match culprit {
            Some((k, _)) => other(format!("{command} {variant}: field {k}: {msg}")),
            None => other(format!("{command} {variant}: {msg}")),
        }
    })
}
