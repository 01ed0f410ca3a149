//! Adding an asset to the vault: the checks against what the vault already holds and the new
//! slot, against the vault's bounds and the risk account's warm-up weights.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::state::{AddAssetArgs, OracleConfig, RiskParams, Vault};

/// The accounts of an asset being added, as the handler checked them.
#[derive(Clone, Copy, Debug)]
pub struct NewAsset {
    pub mint: Pubkey,
    pub decimals: u8,
    pub token_program: Pubkey,
    /// The vault's token account for the mint (its canonical PDA) and that PDA's bump.
    pub token_account: Pubkey,
    pub token_account_bump: u8,
}

/// Appends `asset` with `args` as the vault's next slot and returns its index. Refuses a full
/// vault, the base mint, a mint or oracle already used, oracle limits or weight bounds out of
/// bounds, and bounds that the risk account's fixed weights (`risk`, once it exists) break.
pub fn add_asset(
    vault: &mut Vault,
    risk: Option<&RiskParams>,
    asset: &NewAsset,
    args: &AddAssetArgs,
) -> Result<u8> {
    require!(
        (vault.num_assets as usize) < MAX_ASSETS,
        VaultError::AssetLimitReached
    );
    require_keys_neq!(asset.mint, vault.base_mint, VaultError::AssetIsBaseMint);
    let held = vault.active_assets();
    require!(
        held.iter().all(|s| s.mint != asset.mint),
        VaultError::AssetDuplicateMint
    );
    require!(
        held.iter().all(|s| s.oracle.oracle_id != args.oracle_id),
        VaultError::AssetDuplicateOracle
    );
    let oracle = OracleConfig {
        oracle_id: args.oracle_id,
        max_age_s: args.max_age_s,
        max_conf_bps: args.max_conf_bps,
        max_ema_dev_bps: args.max_ema_dev_bps,
        kind: args.oracle_kind,
        _pad: [0; 7],
    };
    oracle.validate()?;
    let index = vault.num_assets;
    let slot = &mut vault.assets[index as usize];
    slot.mint = asset.mint;
    slot.token_account = asset.token_account;
    slot.token_program = asset.token_program;
    slot.oracle = oracle;
    slot.min_weight_bps = args.min_weight_bps;
    slot.max_weight_bps = args.max_weight_bps;
    slot.decimals = asset.decimals;
    slot.token_account_bump = asset.token_account_bump;
    vault.num_assets = vault.num_assets.saturating_add(1);
    vault.validate_weight_bounds()?;
    if let Some(params) = risk {
        params.check_fixed_weights(vault)?;
    }
    vault.invariant()?;
    Ok(index)
}
