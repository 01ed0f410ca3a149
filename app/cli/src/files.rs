//! Files the CLI reads: `vault init`'s TOML and the partial parameter changes `propose` takes.
//! Every table is read into the program's own argument types (their `serde` forms), so a field
//! the program does not have is an error naming it.

use anchor_lang::prelude::Pubkey;
use serde::de::DeserializeOwned;
use vault_client::portfolio_vault::state::{AddAssetArgs, InitializeVaultArgs, RiskParamsArgs};
use vault_client::ClientError;

use crate::parse::{other, pubkey};

pub fn read_toml<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|e| other(format!("reading {path}: {e}")))?;
    toml::from_str(&text).map_err(|e| other(format!("{path}: {e}")))
}

/// `vault init`'s file: the vault's arguments at the top level with `base_mint` and
/// `creator_base` (the creator's base account the initial deposit comes from), then
/// `[[assets]]` (each a `mint` and the asset's arguments) and an optional `[risk]`.
#[derive(Debug)]
pub struct InitFile {
    pub base_mint: Pubkey,
    pub creator_base: Pubkey,
    pub vault: InitializeVaultArgs,
    pub assets: Vec<(Pubkey, AddAssetArgs)>,
    pub risk: Option<RiskParamsArgs>,
}

fn take_key(t: &mut toml::Table, key: &str, path: &str) -> Result<Pubkey, ClientError> {
    match t.remove(key) {
        Some(toml::Value::String(s)) => pubkey(&s, &format!("{path}: {key}")),
        Some(v) => Err(other(format!(
            "{path}: {key} = {v} is not an address string"
        ))),
        None => Err(other(format!("{path}: missing {key}"))),
    }
}

fn into<T: DeserializeOwned>(t: toml::Table, path: &str, what: &str) -> Result<T, ClientError> {
    toml::Value::Table(t)
        .try_into()
        .map_err(|e| other(format!("{path}: {what}: {e}")))
}

pub fn read_init(path: &str) -> Result<InitFile, ClientError> {
    let mut t: toml::Table = read_toml(path)?;
    let base_mint = take_key(&mut t, "base_mint", path)?;
    let creator_base = take_key(&mut t, "creator_base", path)?;
    let mut assets = vec![];
    if let Some(list) = t.remove("assets") {
        let toml::Value::Array(list) = list else {
            return Err(other(format!("{path}: assets must be [[assets]] tables")));
        };
        for (i, a) in list.into_iter().enumerate() {
            let toml::Value::Table(mut a) = a else {
                return Err(other(format!("{path}: assets[{i}] is not a table")));
            };
            let what = format!("assets[{i}]");
            let mint = take_key(&mut a, "mint", &format!("{path}: {what}"))?;
            assets.push((mint, into(a, path, &what)?));
        }
    }
    let risk = match t.remove("risk") {
        Some(toml::Value::Table(r)) => Some(into(r, path, "risk")?),
        Some(_) => return Err(other(format!("{path}: risk must be a [risk] table"))),
        None => None,
    };
    Ok(InitFile {
        base_mint,
        creator_base,
        vault: into(t, path, "vault")?,
        assets,
        risk,
    })
}
