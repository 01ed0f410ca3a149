use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_interface::{self, Mint, TokenInterface};

use crate::constants::*;
use crate::cpi;
use crate::error::VaultError;
use crate::events::AssetAdded;
use crate::instructions::risk_params_if_created;
use crate::state::{AddAssetArgs, OracleConfig, Vault};

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
    let (expected_vault_ta, ta_bump) = Pubkey::find_program_address(
        &[VAULT_TOKEN_SEED, vault_key.as_ref(), mint_key.as_ref()],
        ctx.program_id,
    );
    require_keys_eq!(
        a.asset_vault.key(),
        expected_vault_ta,
        VaultError::TokenAccountNotCanonical
    );

    let oracle = OracleConfig {
        oracle_id: args.oracle_id,
        max_age_s: args.max_age_s,
        max_conf_bps: args.max_conf_bps,
        max_ema_dev_bps: args.max_ema_dev_bps,
        kind: args.oracle_kind,
        _pad: [0; 7],
    };
    let index = {
        let mut vault = a.vault.load_mut()?;
        vault.check_version()?;
        require!(
            (vault.num_assets as usize) < MAX_ASSETS,
            VaultError::AssetLimitReached
        );
        require_keys_neq!(mint_key, vault.base_mint, VaultError::AssetIsBaseMint);
        require!(
            vault.active_assets().iter().all(|s| s.mint != mint_key),
            VaultError::AssetDuplicateMint
        );
        require!(
            vault
                .active_assets()
                .iter()
                .all(|s| s.oracle.oracle_id != args.oracle_id),
            VaultError::AssetDuplicateOracle
        );
        oracle.validate()?;

        let index = vault.num_assets;
        let slot = &mut vault.assets[index as usize];
        slot.mint = mint_key;
        slot.token_account = expected_vault_ta;
        slot.token_program = a.token_program.key();
        slot.oracle = oracle;
        slot.min_weight_bps = args.min_weight_bps;
        slot.max_weight_bps = args.max_weight_bps;
        slot.decimals = a.asset_mint.decimals;
        slot.token_account_bump = ta_bump;
        vault.num_assets = vault.num_assets.saturating_add(1);
        vault.validate_weight_bounds()?;
        if let Some(params) = risk_params_if_created(&a.risk)? {
            params.check_fixed_weights(&vault)?;
        }
        vault.invariant()?;
        index
    };

    // Whitelisted mint extensions need no account extensions: a plain account fits.
    let space = anchor_spl::token_2022::spl_token_2022::state::Account::LEN;
    let seeds: &[&[u8]] = &[
        VAULT_TOKEN_SEED,
        vault_key.as_ref(),
        mint_key.as_ref(),
        &[ta_bump],
    ];
    account_init::create_pda(
        &a.payer.to_account_info(),
        &a.asset_vault.to_account_info(),
        &a.system_program.to_account_info(),
        space,
        &a.token_program.key(),
        seeds,
        VaultError::AccountAlreadyInitialized,
    )?;
    token_interface::initialize_account3(CpiContext::new(
        a.token_program.key(),
        token_interface::InitializeAccount3 {
            account: a.asset_vault.to_account_info(),
            mint: a.asset_mint.to_account_info(),
            authority: a.vault_authority.to_account_info(),
        },
    ))?;

    emit!(AssetAdded {
        vault: vault_key,
        index,
        mint: mint_key,
        token_account: expected_vault_ta,
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
