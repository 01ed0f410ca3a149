//! sim-amm: a constant-product AMM (create a pool, add and remove liquidity, swap with a fee in
//! bps). It is the local stand-in for a production DEX: the vault calls it exactly as it would
//! call one. Built with the `misbehave` feature, a pool's authority can make it short-pay,
//! over-take, overcharge, touch another account or fail, so tests can prove the vault's checks.
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface};

pub mod error;
pub mod math;
pub mod state;

use error::AmmError;
use state::*;

declare_id!("8QxhbA2uUDTRWQskxZgyWp84tzFoKioYWT8WhpJVPDya");

#[program]
pub mod sim_amm {
    use super::*;

    /// Creates the pool for `mint_a < mint_b`, its two token accounts and its LP mint.
    pub fn create_pool(ctx: Context<CreatePool>, fee_bps: u16) -> Result<()> {
        require!(fee_bps <= MAX_FEE_BPS, AmmError::FeeTooHigh);
        let a = &ctx.accounts;
        let (mint_a, mint_b) = (a.mint_a.key(), a.mint_b.key());
        require!(
            mint_a.to_bytes() < mint_b.to_bytes(),
            AmmError::MintsNotOrdered
        );
        let b = &ctx.bumps;
        let pool_key = a.pool.key();
        let payer = a.authority.to_account_info();
        let system = a.system_program.to_account_info();
        let token_program = a.token_program.key();
        let pool_seeds: &[&[u8]] = &[POOL_SEED, mint_a.as_ref(), mint_b.as_ref(), &[b.pool]];
        account_init::create_pda(
            &payer,
            &a.pool.to_account_info(),
            &system,
            8 + Pool::INIT_SPACE,
            &crate::ID,
            pool_seeds,
            AmmError::AccountInUse,
        )?;
        let token_len = anchor_spl::token_2022::spl_token_2022::state::Account::LEN;
        for (vault, mint, bump) in [
            (&a.vault_a, &a.mint_a, b.vault_a),
            (&a.vault_b, &a.mint_b, b.vault_b),
        ] {
            let mint_key = mint.key();
            let seeds: &[&[u8]] = &[
                POOL_VAULT_SEED,
                pool_key.as_ref(),
                mint_key.as_ref(),
                &[bump],
            ];
            account_init::create_pda(
                &payer,
                &vault.to_account_info(),
                &system,
                token_len,
                &token_program,
                seeds,
                AmmError::AccountInUse,
            )?;
            token_interface::initialize_account3(CpiContext::new(
                token_program,
                token_interface::InitializeAccount3 {
                    account: vault.to_account_info(),
                    mint: mint.to_account_info(),
                    authority: a.pool.to_account_info(),
                },
            ))?;
        }
        let lp_seeds: &[&[u8]] = &[LP_MINT_SEED, pool_key.as_ref(), &[b.lp_mint]];
        account_init::create_pda(
            &payer,
            &a.lp_mint.to_account_info(),
            &system,
            anchor_spl::token_2022::spl_token_2022::state::Mint::LEN,
            &token_program,
            lp_seeds,
            AmmError::AccountInUse,
        )?;
        token_interface::initialize_mint2(
            CpiContext::new(
                token_program,
                token_interface::InitializeMint2 {
                    mint: a.lp_mint.to_account_info(),
                },
            ),
            LP_DECIMALS,
            &pool_key,
            None,
        )?;
        account_init::write_account(
            &a.pool.to_account_info(),
            &Pool {
                authority: a.authority.key(),
                mint_a,
                mint_b,
                vault_a: a.vault_a.key(),
                vault_b: a.vault_b.key(),
                lp_mint: a.lp_mint.key(),
                token_program,
                fee_bps,
                bump: b.pool,
                misbehaviour: Misbehaviour::None as u8,
                misbehaviour_bps: 0,
            },
        )
    }

    /// Deposits up to `amount_a` and `amount_b` at the pool's ratio and mints LP tokens.
    pub fn add_liquidity(
        ctx: Context<Liquidity>,
        amount_a: u64,
        amount_b: u64,
        min_lp: u64,
    ) -> Result<()> {
        require!(amount_a > 0 && amount_b > 0, AmmError::ZeroAmount);
        let a = &ctx.accounts;
        let lp = math::lp_for_deposit(
            amount_a,
            amount_b,
            a.vault_a.amount,
            a.vault_b.amount,
            a.lp_mint.supply,
        )
        .ok_or(AmmError::MathError)?;
        require!(lp > 0 && lp >= min_lp, AmmError::LpBelowMinimum);
        let program = a.token_program.key();
        for (from, to, mint, amount) in [
            (&a.user_a, &a.vault_a, &a.mint_a, amount_a),
            (&a.user_b, &a.vault_b, &a.mint_b, amount_b),
        ] {
            token_interface::transfer_checked(
                CpiContext::new(
                    program,
                    token_interface::TransferChecked {
                        from: from.to_account_info(),
                        mint: mint.to_account_info(),
                        to: to.to_account_info(),
                        authority: a.user.to_account_info(),
                    },
                ),
                amount,
                mint.decimals,
            )?;
        }
        let (mint_a, mint_b, bump) = (a.pool.mint_a, a.pool.mint_b, a.pool.bump);
        let seeds: &[&[u8]] = &[POOL_SEED, mint_a.as_ref(), mint_b.as_ref(), &[bump]];
        token_interface::mint_to(
            CpiContext::new_with_signer(
                program,
                token_interface::MintTo {
                    mint: a.lp_mint.to_account_info(),
                    to: a.user_lp.to_account_info(),
                    authority: a.pool.to_account_info(),
                },
                &[seeds],
            ),
            lp,
        )
    }

    /// Burns `lp` LP tokens and pays out the pro-rata reserves.
    pub fn remove_liquidity(
        ctx: Context<Liquidity>,
        lp: u64,
        min_a: u64,
        min_b: u64,
    ) -> Result<()> {
        require!(lp > 0, AmmError::ZeroAmount);
        let a = &ctx.accounts;
        let (out_a, out_b) =
            math::amounts_for_lp(lp, a.vault_a.amount, a.vault_b.amount, a.lp_mint.supply)
                .ok_or(AmmError::MathError)?;
        require!(out_a >= min_a && out_b >= min_b, AmmError::SlippageExceeded);
        let program = a.token_program.key();
        token_interface::burn(
            CpiContext::new(
                program,
                token_interface::Burn {
                    mint: a.lp_mint.to_account_info(),
                    from: a.user_lp.to_account_info(),
                    authority: a.user.to_account_info(),
                },
            ),
            lp,
        )?;
        let (mint_a, mint_b, bump) = (a.pool.mint_a, a.pool.mint_b, a.pool.bump);
        let seeds: &[&[u8]] = &[POOL_SEED, mint_a.as_ref(), mint_b.as_ref(), &[bump]];
        for (from, to, mint, amount) in [
            (&a.vault_a, &a.user_a, &a.mint_a, out_a),
            (&a.vault_b, &a.user_b, &a.mint_b, out_b),
        ] {
            token_interface::transfer_checked(
                CpiContext::new_with_signer(
                    program,
                    token_interface::TransferChecked {
                        from: from.to_account_info(),
                        mint: mint.to_account_info(),
                        to: to.to_account_info(),
                        authority: a.pool.to_account_info(),
                    },
                    &[seeds],
                ),
                amount,
                mint.decimals,
            )?;
        }
        Ok(())
    }

    /// Swaps `amount_in` of `mint_in` for at least `min_amount_out` of `mint_out`.
    /// Remaining accounts are ignored unless a misbehaviour mode uses them.
    pub fn swap<'info>(
        ctx: Context<'info, Swap<'info>>,
        amount_in: u64,
        min_amount_out: u64,
    ) -> Result<()> {
        require!(amount_in > 0, AmmError::ZeroAmount);
        let a = &ctx.accounts;
        let pool = &a.pool;
        require!(a.mint_in.key() != a.mint_out.key(), AmmError::WrongMint);
        let src = pool
            .vault_for(&a.mint_in.key())
            .ok_or(AmmError::WrongMint)?;
        let dst = pool
            .vault_for(&a.mint_out.key())
            .ok_or(AmmError::WrongMint)?;
        require_keys_eq!(src, a.pool_source.key(), AmmError::WrongPoolAccount);
        require_keys_eq!(dst, a.pool_destination.key(), AmmError::WrongPoolAccount);

        let mode = Misbehaviour::from_u8(pool.misbehaviour).unwrap_or(Misbehaviour::None);
        let bad_bps = pool.misbehaviour_bps as u128;
        let mut take = amount_in;
        let mut fee_bps = pool.fee_bps;
        let mut honour_minimum = true;
        match mode {
            Misbehaviour::None | Misbehaviour::ShortPay | Misbehaviour::TouchOther => {}
            Misbehaviour::OverTake => {
                let over = (amount_in as u128)
                    .checked_mul(math::BPS.saturating_add(bad_bps))
                    .ok_or(AmmError::MathError)?
                    / math::BPS;
                take = u64::try_from(over).map_err(|_| AmmError::MathError)?;
            }
            Misbehaviour::ExtraFee => {
                fee_bps = fee_bps.saturating_add(pool.misbehaviour_bps).min(9_999);
                honour_minimum = false;
            }
            Misbehaviour::Fail => return err!(AmmError::VenueFailure),
        }
        let quoted = math::quote_out(
            a.pool_source.amount,
            a.pool_destination.amount,
            amount_in,
            fee_bps,
        )
        .ok_or(AmmError::MathError)?;
        let mut out = quoted;
        if mode == Misbehaviour::ShortPay {
            let keep = math::BPS.saturating_sub(bad_bps);
            out = u64::try_from((quoted as u128).saturating_mul(keep) / math::BPS)
                .map_err(|_| AmmError::MathError)?;
            honour_minimum = false;
        }
        if honour_minimum {
            require!(out >= min_amount_out, AmmError::SlippageExceeded);
        }

        let program = a.token_program.key();
        token_interface::transfer_checked(
            CpiContext::new(
                program,
                token_interface::TransferChecked {
                    from: a.user_source.to_account_info(),
                    mint: a.mint_in.to_account_info(),
                    to: a.pool_source.to_account_info(),
                    authority: a.user.to_account_info(),
                },
            ),
            take,
            a.mint_in.decimals,
        )?;
        if mode == Misbehaviour::TouchOther {
            let other = ctx
                .remaining_accounts
                .first()
                .ok_or(AmmError::MissingExtraAccount)?;
            token_interface::transfer_checked(
                CpiContext::new(
                    program,
                    token_interface::TransferChecked {
                        from: other.clone(),
                        mint: a.mint_in.to_account_info(),
                        to: a.pool_source.to_account_info(),
                        authority: a.user.to_account_info(),
                    },
                ),
                1,
                a.mint_in.decimals,
            )?;
        }
        let (mint_a, mint_b, bump) = (pool.mint_a, pool.mint_b, pool.bump);
        let seeds: &[&[u8]] = &[POOL_SEED, mint_a.as_ref(), mint_b.as_ref(), &[bump]];
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                program,
                token_interface::TransferChecked {
                    from: a.pool_destination.to_account_info(),
                    mint: a.mint_out.to_account_info(),
                    to: a.user_destination.to_account_info(),
                    authority: a.pool.to_account_info(),
                },
                &[seeds],
            ),
            out,
            a.mint_out.decimals,
        )?;
        emit!(Swapped {
            pool: pool.key(),
            mint_in: a.mint_in.key(),
            amount_in: take,
            amount_out: out,
        });
        Ok(())
    }

    /// Switches a misbehaviour mode on (or off with mode 0); pool authority only, and only in a
    /// build with the `misbehave` feature.
    pub fn set_misbehaviour(ctx: Context<SetMisbehaviour>, mode: u8, param_bps: u16) -> Result<()> {
        require!(
            cfg!(feature = "misbehave"),
            AmmError::MisbehaviourNotCompiled
        );
        Misbehaviour::from_u8(mode).ok_or(AmmError::UnknownMode)?;
        let pool = &mut ctx.accounts.pool;
        pool.misbehaviour = mode;
        pool.misbehaviour_bps = param_bps.min(10_000);
        Ok(())
    }
}

#[event]
pub struct Swapped {
    pub pool: Pubkey,
    pub mint_in: Pubkey,
    pub amount_in: u64,
    pub amount_out: u64,
}

#[derive(Accounts)]
pub struct CreatePool<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(mut, seeds = [POOL_SEED, mint_a.key().as_ref(), mint_b.key().as_ref()], bump)]
    pub pool: UncheckedAccount<'info>,
    #[account(mint::token_program = token_program)]
    pub mint_a: Box<InterfaceAccount<'info, Mint>>,
    #[account(mint::token_program = token_program)]
    pub mint_b: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: created in the handler at this PDA as the pool's token account of `mint_a`.
    #[account(mut, seeds = [POOL_VAULT_SEED, pool.key().as_ref(), mint_a.key().as_ref()], bump)]
    pub vault_a: UncheckedAccount<'info>,
    /// CHECK: created in the handler at this PDA as the pool's token account of `mint_b`.
    #[account(mut, seeds = [POOL_VAULT_SEED, pool.key().as_ref(), mint_b.key().as_ref()], bump)]
    pub vault_b: UncheckedAccount<'info>,
    /// CHECK: created in the handler at this PDA as the pool's LP mint.
    #[account(mut, seeds = [LP_MINT_SEED, pool.key().as_ref()], bump)]
    pub lp_mint: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Liquidity<'info> {
    pub user: Signer<'info>,
    #[account(has_one = vault_a @ AmmError::WrongPoolAccount, has_one = vault_b @ AmmError::WrongPoolAccount,
        has_one = lp_mint @ AmmError::WrongPoolAccount, has_one = mint_a @ AmmError::WrongMint,
        has_one = mint_b @ AmmError::WrongMint, has_one = token_program @ AmmError::WrongPoolAccount)]
    pub pool: Box<Account<'info, Pool>>,
    pub mint_a: Box<InterfaceAccount<'info, Mint>>,
    pub mint_b: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut)]
    pub vault_a: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub vault_b: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub lp_mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, token::mint = mint_a)]
    pub user_a: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = mint_b)]
    pub user_b: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = lp_mint)]
    pub user_lp: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Interface<'info, TokenInterface>,
}

#[derive(Accounts)]
pub struct Swap<'info> {
    #[account(has_one = token_program @ AmmError::WrongPoolAccount)]
    pub pool: Box<Account<'info, Pool>>,
    pub user: Signer<'info>,
    #[account(mut, token::mint = mint_in)]
    pub user_source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = mint_out)]
    pub user_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub pool_source: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut)]
    pub pool_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    pub mint_in: Box<InterfaceAccount<'info, Mint>>,
    pub mint_out: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

#[derive(Accounts)]
pub struct SetMisbehaviour<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ AmmError::NotPoolAuthority)]
    pub pool: Account<'info, Pool>,
}
