use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::*;
use crate::cpi;
use crate::error::VaultError;
use crate::events::VaultInitialized;
use crate::state::{FxBits, HedgeParams, RebalanceParams, Vault, VaultParams};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeVaultArgs {
    /// Distinguishes several vaults of one creator on one base mint.
    pub seed_id: u64,
    pub admin: Pubkey,
    /// May only de-risk (pause, lower the cap, tighten oracles, cancel proposals).
    pub guardian: Pubkey,
    pub fee_recipient: Pubkey,
    /// Seconds every proposal waits (24 hours to 30 days).
    pub timelock_s: u32,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    /// Base units the creator deposits; every share it mints is locked as dead shares.
    pub initial_deposit: u64,
}

impl InitializeVaultArgs {
    pub fn params(&self) -> VaultParams {
        VaultParams {
            deposit_cap: self.deposit_cap,
            min_deposit: self.min_deposit,
            management_fee_bps: self.management_fee_bps,
            performance_fee_bps: self.performance_fee_bps,
            _pad: [0; 4],
        }
    }
}

#[derive(Accounts)]
#[instruction(args: InitializeVaultArgs)]
pub struct InitializeVault<'info> {
    #[account(mut)]
    pub creator: Signer<'info>,
    #[account(
        init,
        payer = creator,
        space = 8 + Vault::SIZE,
        seeds = [VAULT_SEED, creator.key().as_ref(), base_mint.key().as_ref(), &args.seed_id.to_le_bytes()],
        bump,
    )]
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: PDA that signs for the vault's token accounts and share mint; holds no data.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(
        mint::token_program = base_token_program,
        constraint = cpi::check_mint_extensions(&base_mint.to_account_info()).is_ok() @ VaultError::MintExtensionNotAllowed,
    )]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(
        init,
        payer = creator,
        seeds = [VAULT_TOKEN_SEED, vault.key().as_ref(), base_mint.key().as_ref()],
        bump,
        token::mint = base_mint,
        token::authority = vault_authority,
        token::token_program = base_token_program,
    )]
    pub base_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(
        init,
        payer = creator,
        seeds = [SHARE_MINT_SEED, vault.key().as_ref()],
        bump,
        mint::decimals = base_mint.decimals,
        mint::authority = vault_authority,
        mint::token_program = token_program,
    )]
    pub share_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: owner of the dead-share account; no instruction ever signs for it.
    #[account(seeds = [DEAD_OWNER_SEED, vault.key().as_ref()], bump)]
    pub dead_shares_owner: UncheckedAccount<'info>,
    #[account(
        init,
        payer = creator,
        seeds = [DEAD_SHARES_SEED, vault.key().as_ref()],
        bump,
        token::mint = share_mint,
        token::authority = dead_shares_owner,
        token::token_program = token_program,
    )]
    pub dead_shares: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = base_mint, token::authority = creator)]
    pub creator_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub base_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

pub fn handle_initialize_vault<'info>(
    ctx: Context<'info, InitializeVault<'info>>,
    args: InitializeVaultArgs,
) -> Result<()> {
    let params = args.params();
    params.validate()?;
    require!(
        (MIN_TIMELOCK_S..=MAX_TIMELOCK_S).contains(&args.timelock_s),
        VaultError::ParamTimelockOutOfBounds
    );
    require!(
        args.initial_deposit >= MIN_INITIAL_DEPOSIT.max(args.min_deposit),
        VaultError::ParamInitialDepositTooSmall
    );
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let vault_key = a.vault.key();
    let authority_bump = ctx.bumps.vault_authority;
    {
        let mut vault = a.vault.load_init()?;
        vault.version = VAULT_VERSION;
        vault.bump = ctx.bumps.vault;
        vault.authority_bump = authority_bump;
        vault.share_mint_bump = ctx.bumps.share_mint;
        vault.base_vault_bump = ctx.bumps.base_vault;
        vault.dead_shares_bump = ctx.bumps.dead_shares;
        vault.base_decimals = a.base_mint.decimals;
        vault.seed_id = args.seed_id;
        vault.creator = a.creator.key();
        vault.admin = args.admin;
        vault.guardian = args.guardian;
        vault.timelock_s = args.timelock_s;
        vault.rebalance = RebalanceParams::defaults(a.base_mint.decimals);
        vault.hedge.params = HedgeParams::defaults();
        vault.fee_recipient = args.fee_recipient;
        vault.base_mint = a.base_mint.key();
        vault.base_token_program = a.base_token_program.key();
        vault.base_vault = a.base_vault.key();
        vault.share_mint = a.share_mint.key();
        vault.params = params;
        vault.idle_base = args.initial_deposit;
        vault.last_fee_ts = now;
        vault.last_crystallize_ts = now;
        // One share per base unit at inception.
        vault.hwm_pps = FxBits::from_fx(crate::math::Fx::ONE);
        vault.invariant()?;
    }

    cpi::transfer(
        &a.base_token_program.to_account_info(),
        &a.creator_base.to_account_info(),
        &a.base_vault.to_account_info(),
        &a.base_mint.to_account_info(),
        &a.creator.to_account_info(),
        &[],
        args.initial_deposit,
        a.base_mint.decimals,
    )?;
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[authority_bump]];
    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &a.share_mint.to_account_info(),
        &a.dead_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[seeds],
        args.initial_deposit,
    )?;
    require!(
        cpi::token_balance(&a.base_vault.to_account_info())? == args.initial_deposit
            && cpi::mint_supply(&a.share_mint.to_account_info())? == args.initial_deposit,
        VaultError::VaultUnexpectedBalanceChange
    );

    emit!(VaultInitialized {
        vault: vault_key,
        admin: args.admin,
        base_mint: a.base_mint.key(),
        share_mint: a.share_mint.key(),
        fee_recipient: args.fee_recipient,
        deposit_cap: args.deposit_cap,
        min_deposit: args.min_deposit,
        management_fee_bps: args.management_fee_bps,
        performance_fee_bps: args.performance_fee_bps,
        initial_deposit: args.initial_deposit,
        dead_shares: args.initial_deposit,
    });
    Ok(())
}
