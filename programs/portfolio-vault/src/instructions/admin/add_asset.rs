use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use crate::constants::*;
use crate::cpi;
use crate::error::VaultError;
use crate::events::AssetAdded;
use crate::instructions::risk_params_if_created;
use crate::operations::{self, assets::NewAsset};
use crate::state::{AddAssetArgs, Vault};

#[derive(Accounts)]
pub struct AddAsset<'info> {
    pub admin: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(mut, has_one = admin @ VaultError::AuthNotAdmin)]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA signer; address fixed by seeds and the stored bump.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump = vault.load()?.authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(
        mint::token_program = token_program,
        constraint = asset_mint.freeze_authority.is_none() @ VaultError::AssetMintHasFreezeAuthority,
        constraint = cpi::check_mint_extensions(&asset_mint.to_account_info()).is_ok() @ VaultError::MintExtensionNotAllowed,
    )]
    pub asset_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: created here as the vault's token account for `asset_mint` (pre-funding cannot
    /// block it), after the handler has checked the asset and that the address is the
    /// canonical PDA.
    #[account(mut)]
    pub asset_vault: UncheckedAccount<'info>,
    /// CHECK: the vault's risk PDA (seeds); once it exists, its fixed warm-up weight for the new
    /// asset must lie within the asset's bounds.
    #[account(seeds = [RISK_SEED, vault.key().as_ref()], bump)]
    pub risk: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handle_add_asset<'info>(
    ctx: Context<'info, AddAsset<'info>>,
    args: AddAssetArgs,
) -> Result<()> {
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let mint_key = a.asset_mint.key();
    let (token_account, bump) = Pubkey::find_program_address(
        &[VAULT_TOKEN_SEED, vault_key.as_ref(), mint_key.as_ref()],
        ctx.program_id,
    );
    require_keys_eq!(
        a.asset_vault.key(),
        token_account,
        VaultError::TokenAccountNotCanonical
    );
    let asset = NewAsset {
        mint: mint_key,
        decimals: a.asset_mint.decimals,
        token_program: a.token_program.key(),
        token_account,
        token_account_bump: bump,
    };
    let index = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        let risk = risk_params_if_created(&a.risk)?;
        operations::assets::add_asset(&mut vault, risk.as_ref(), &asset, &args)?
    };
    let seeds: &[&[u8]] = &[
        VAULT_TOKEN_SEED,
        vault_key.as_ref(),
        mint_key.as_ref(),
        &[bump],
    ];
    cpi::create_token_account_pda(
        &a.payer.to_account_info(),
        &a.asset_vault.to_account_info(),
        &a.asset_mint.to_account_info(),
        &a.vault_authority.to_account_info(),
        &a.token_program.to_account_info(),
        &a.system_program.to_account_info(),
        seeds,
    )?;
    emit!(AssetAdded {
        vault: vault_key,
        index,
        mint: mint_key,
        token_account,
        oracle_kind: args.oracle_kind,
        oracle_id: args.oracle_id,
        max_age_s: args.max_age_s,
        max_conf_bps: args.max_conf_bps,
        max_ema_dev_bps: args.max_ema_dev_bps,
        min_weight_bps: args.min_weight_bps,
        max_weight_bps: args.max_weight_bps,
    });
    Ok(())
}
