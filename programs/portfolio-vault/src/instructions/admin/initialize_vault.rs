use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::Token;
use anchor_spl::token_2022::spl_token_2022::state::Mint as MintState;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface};

use crate::checks::{Before, Change};
use crate::constants::*;
use crate::cpi::{self, TokenMove};
use crate::error::VaultError;
use crate::events::VaultInitialized;
use crate::math::Fx;
use crate::state::{FxBits, HedgeParams, InitializeVaultArgs, RebalanceParams, Vault};

#[derive(Accounts)]
#[instruction(args: InitializeVaultArgs)]
pub struct InitializeVault<'info> {
    #[account(mut)]
    pub creator: Signer<'info>,
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(
        mut,
        seeds = [VAULT_SEED, creator.key().as_ref(), base_mint.key().as_ref(), &args.seed_id.to_le_bytes()],
        bump,
    )]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: PDA that signs for the vault's token accounts and share mint; holds no data.
    #[account(seeds = [AUTHORITY_SEED, vault.key().as_ref()], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(
        mint::token_program = base_token_program,
        constraint = cpi::check_mint_extensions(&base_mint.to_account_info()).is_ok() @ VaultError::MintExtensionNotAllowed,
    )]
    pub base_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: created in the handler at this PDA as the vault's base token account.
    #[account(mut, seeds = [VAULT_TOKEN_SEED, vault.key().as_ref(), base_mint.key().as_ref()], bump)]
    pub base_vault: UncheckedAccount<'info>,
    /// CHECK: created in the handler at this PDA as the share mint.
    #[account(mut, seeds = [SHARE_MINT_SEED, vault.key().as_ref()], bump)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: owner of the dead-share account; no instruction ever signs for it.
    #[account(seeds = [DEAD_OWNER_SEED, vault.key().as_ref()], bump)]
    pub dead_shares_owner: UncheckedAccount<'info>,
    /// CHECK: created in the handler at this PDA as the dead shares' token account.
    #[account(mut, seeds = [DEAD_SHARES_SEED, vault.key().as_ref()], bump)]
    pub dead_shares: UncheckedAccount<'info>,
    #[account(mut, token::mint = base_mint, token::authority = creator)]
    pub creator_base: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub base_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

/// Creates the vault, its base account, share mint and dead-share account (every one at a PDA
/// that pre-funding cannot block), then locks the creator's first deposit as dead shares.
pub fn handle_initialize_vault<'info>(
    ctx: Context<'info, InitializeVault<'info>>,
    args: InitializeVaultArgs,
) -> Result<()> {
    args.validate()?;
    let now = Clock::get()?.unix_timestamp;
    create_accounts(&ctx, args.seed_id)?;
    let a = &ctx.accounts;
    let b = &ctx.bumps;
    account_init::init_zero_copy(&a.vault, |v: &mut Vault| {
        v.version = VAULT_VERSION;
        (v.bump, v.authority_bump, v.share_mint_bump) = (b.vault, b.vault_authority, b.share_mint);
        (v.base_vault_bump, v.dead_shares_bump) = (b.base_vault, b.dead_shares);
        v.base_decimals = a.base_mint.decimals;
        v.seed_id = args.seed_id;
        v.creator = a.creator.key();
        (v.admin, v.guardian, v.fee_recipient) = (args.admin, args.guardian, args.fee_recipient);
        v.timelock_s = args.timelock_s;
        v.rebalance = RebalanceParams::defaults(a.base_mint.decimals);
        v.hedge.params = HedgeParams::defaults();
        v.base_mint = a.base_mint.key();
        v.base_token_program = a.base_token_program.key();
        (v.base_vault, v.share_mint) = (a.base_vault.key(), a.share_mint.key());
        v.params = args.params();
        v.idle_base = args.initial_deposit;
        (v.last_fee_ts, v.last_crystallize_ts, v.perf_ts) = (now, now, now);
        // One share per base unit at inception.
        for mark in [&mut v.hwm_pps, &mut v.perf_pps_ema, &mut v.perf_pps_last] {
            *mark = FxBits::from_fx(Fx::ONE);
        }
        v.invariant()
    })?;

    let base_vault = a.base_vault.to_account_info();
    let share_mint = a.share_mint.to_account_info();
    let (base_before, supply_before) =
        (Before::balance(&base_vault)?, Before::supply(&share_mint)?);
    TokenMove {
        token_program: &a.base_token_program.to_account_info(),
        from: &a.creator_base.to_account_info(),
        to: &base_vault,
        mint: &a.base_mint.to_account_info(),
        authority: &a.creator.to_account_info(),
        decimals: a.base_mint.decimals,
    }
    .transfer(args.initial_deposit, &[])?;
    let vault_key = a.vault.key();
    let seeds: &[&[u8]] = &[AUTHORITY_SEED, vault_key.as_ref(), &[b.vault_authority]];
    cpi::mint_shares(
        &a.token_program.to_account_info(),
        &share_mint,
        &a.dead_shares.to_account_info(),
        &a.vault_authority.to_account_info(),
        &[seeds],
        args.initial_deposit,
    )?;
    base_before.expect_balance(&base_vault, Change::Up(args.initial_deposit))?;
    supply_before.expect_supply(&share_mint, Change::Up(args.initial_deposit))?;
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

/// Creates the vault account, its base token account, the share mint and the dead-share token
/// account, each with transfer + allocate + assign so lamports sent there first do not block it.
fn create_accounts<'info>(
    ctx: &Context<'info, InitializeVault<'info>>,
    seed_id: u64,
) -> Result<()> {
    let a = &ctx.accounts;
    let b = &ctx.bumps;
    let (creator, base_mint, vault) = (a.creator.key(), a.base_mint.key(), a.vault.key());
    let payer = a.creator.to_account_info();
    let system = a.system_program.to_account_info();
    let seed_id = seed_id.to_le_bytes();
    let in_use = || VaultError::AccountAlreadyInitialized;
    let create = |target: &AccountInfo<'info>, space: usize, owner: &Pubkey, seeds: &[&[u8]]| {
        account_init::create_pda(&payer, target, &system, space, owner, seeds, in_use())
    };
    let vault_space = 8usize.saturating_add(Vault::SIZE);
    create(
        &a.vault,
        vault_space,
        &crate::ID,
        &[
            VAULT_SEED,
            creator.as_ref(),
            base_mint.as_ref(),
            &seed_id,
            &[b.vault],
        ],
    )?;
    create(
        &a.share_mint,
        MintState::LEN,
        &anchor_spl::token::ID,
        &[SHARE_MINT_SEED, vault.as_ref(), &[b.share_mint]],
    )?;
    token_interface::initialize_mint2(
        CpiContext::new(
            a.token_program.key(),
            token_interface::InitializeMint2 {
                mint: a.share_mint.to_account_info(),
            },
        ),
        a.base_mint.decimals,
        &a.vault_authority.key(),
        None,
    )?;
    cpi::create_token_account_pda(
        &payer,
        &a.base_vault,
        &a.base_mint.to_account_info(),
        &a.vault_authority,
        &a.base_token_program.to_account_info(),
        &system,
        &[
            VAULT_TOKEN_SEED,
            vault.as_ref(),
            base_mint.as_ref(),
            &[b.base_vault],
        ],
    )?;
    cpi::create_token_account_pda(
        &payer,
        &a.dead_shares,
        &a.share_mint.to_account_info(),
        &a.dead_shares_owner,
        &a.token_program.to_account_info(),
        &system,
        &[DEAD_SHARES_SEED, vault.as_ref(), &[b.dead_shares]],
    )
}
