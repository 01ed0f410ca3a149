//! sim-perp: an oracle-priced perpetual-futures exchange, the local stand-in for a production
//! perp venue (the vault calls it exactly as it would call one). One collateral mint;
//! up to 16 markets priced by Pyth accounts; cross-margin accounts holding a signed position
//! per market; fees in bps; funding that accrues with time from a parameter rate plus a
//! premium toward the thinner side of open interest; realised and unrealised PnL; initial and
//! maintenance margin; permissionless liquidation; a halt switch for the authority. The
//! exchange is the counterparty of every trade and pays winners from its insurance deposits.
//! Built with the `misbehave` feature, its authority can make fills adversarial for tests.
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface};

pub mod error;
pub mod math;
pub mod oracle;
pub mod state;

use error::PerpError;
use math::Fx;
use state::*;

declare_id!("5gy2jynprFiUAZAEXmUe72qGXSBUCAVCHgEoAHncbjAs");

/// Parameters of a new market.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketArgs {
    pub oracle_kind: u8,
    pub oracle_id: [u8; 32],
    pub asset_decimals: u8,
    pub max_age_s: u32,
    pub fee_bps: u16,
    pub initial_margin_bps: u16,
    pub maintenance_margin_bps: u16,
    pub liquidation_fee_bps: u16,
    pub funding_rate_bps_per_day: i32,
    pub premium_bps_per_day: u32,
}

fn fx_units_ceil(v: Fx) -> Result<i64> {
    v.checked_ceil()
        .and_then(|c| c.checked_to_num())
        .ok_or_else(|| error!(PerpError::MathOverflow))
}

/// Prices of every market (one oracle account each, in order), each market's funding
/// advanced to `now`, and the account's pending funding settled. Returns prices and
/// cumulative funding per market.
fn mark_to_oracle(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    oracles: &[AccountInfo],
    now: i64,
) -> Result<([Fx; MAX_MARKETS], [Fx; MAX_MARKETS])> {
    let n = exchange.num_markets as usize;
    let decimals = exchange.collateral_decimals;
    let (prices, cums) = oracle::load(&mut exchange.markets[..n], oracles, decimals, now)?;
    math::settle_all(account, &cums[..n]).ok_or(PerpError::MathOverflow)?;
    Ok((prices, cums))
}

fn exchange_seeds(e: &Exchange) -> [Vec<u8>; 4] {
    [
        EXCHANGE_SEED.to_vec(),
        e.authority.to_bytes().to_vec(),
        e.collateral_mint.to_bytes().to_vec(),
        vec![e.bump],
    ]
}

/// Pays `amount` collateral out of the exchange's vault, signed by the exchange PDA.
#[allow(clippy::too_many_arguments)]
fn pay_out<'info>(
    exchange: &Account<'info, Exchange>,
    token_program: &Interface<'info, TokenInterface>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    to: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    amount: u64,
) -> Result<()> {
    let seeds = exchange_seeds(exchange);
    let seeds: Vec<&[u8]> = seeds.iter().map(|s| s.as_slice()).collect();
    token_interface::transfer_checked(
        CpiContext::new_with_signer(
            token_program.key(),
            token_interface::TransferChecked {
                from: vault.to_account_info(),
                mint: mint.to_account_info(),
                to: to.to_account_info(),
                authority: exchange.to_account_info(),
            },
            &[&seeds],
        ),
        amount,
        mint.decimals,
    )
}

/// One order of a (batched) trade.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub market: u8,
    /// Asset units, positive buys.
    pub base_delta: i64,
    /// Worst acceptable fill price (I80F48 bits); 0 = none.
    pub limit_price: i128,
}

/// Most orders one `trade_many` takes (one per market).
pub const MAX_ORDERS: usize = MAX_MARKETS;

/// Fills one order at the oracle price plus the fee (or as a misbehaving venue would), and
/// records it. Returns whether it added risk (grew the position).
fn fill(
    e: &mut Exchange,
    acc: &mut MarginAccount,
    account_key: Pubkey,
    prices: &[Fx; MAX_MARKETS],
    o: &Order,
) -> Result<bool> {
    require!(o.base_delta != 0, PerpError::ZeroAmount);
    let i = o.market as usize;
    require!(i < e.num_markets as usize, PerpError::UnknownMarket);
    let mode = Misbehaviour::from_u8(e.misbehaviour).unwrap_or(Misbehaviour::None);
    cu_meter::count(cu_meter::Op::Div128);
    let bad = Fx::from_num(e.misbehaviour_bps)
        .checked_div_int(10_000)
        .ok_or(PerpError::MathOverflow)?;
    let mut delta = o.base_delta;
    let mut fee_bps = e.markets[i].fee_bps as u64;
    let mut price = prices[i];
    let mut honour_limit = true;
    let of = |x: Option<Fx>| x.ok_or_else(|| error!(PerpError::MathOverflow));
    match mode {
        Misbehaviour::None => {}
        Misbehaviour::WorsePrice => {
            let worse = if delta > 0 {
                of(Fx::ONE.checked_add(bad))?
            } else {
                of(Fx::ONE.checked_sub(bad))?
            };
            price = of(price.checked_mul(worse))?;
            honour_limit = false;
        }
        Misbehaviour::OverFill => {
            let extra: i64 = of(Fx::from_num(delta).checked_mul(bad))?
                .checked_to_num()
                .ok_or(PerpError::MathOverflow)?;
            delta = delta.checked_add(extra).ok_or(PerpError::MathOverflow)?;
        }
        Misbehaviour::ExtraFee => fee_bps = fee_bps.saturating_add(e.misbehaviour_bps as u64),
        Misbehaviour::Fail => return err!(PerpError::VenueFailure),
    }
    if honour_limit && o.limit_price != 0 {
        let limit = Fx::from_bits(o.limit_price);
        let ok = if delta > 0 {
            price <= limit
        } else {
            price >= limit
        };
        require!(ok, PerpError::PriceLimitExceeded);
    }
    cu_meter::count(cu_meter::Op::FxMul);
    let notional = of(Fx::from_num(delta.unsigned_abs()).checked_mul(price))?;
    let fee = fx_units_ceil(of(math::bps_of(notional, fee_bps))?)?;
    let old_abs = acc.positions[i].base.unsigned_abs();
    let (d_long, d_short) =
        math::apply_fill(acc, i, delta, price, fee).ok_or(PerpError::MathOverflow)?;
    let m = &mut e.markets[i];
    let oi = |v: u64, d: i128| -> Result<u64> {
        u64::try_from((v as i128).checked_add(d).ok_or(PerpError::MathOverflow)?)
            .map_err(|_| error!(PerpError::MathOverflow))
    };
    m.long_oi = oi(m.long_oi, d_long)?;
    m.short_oi = oi(m.short_oi, d_short)?;
    emit!(Traded {
        account: account_key,
        market: o.market,
        base_delta: delta,
        fill_price: price.to_bits(),
        fee,
    });
    Ok(acc.positions[i].base.unsigned_abs() > old_abs)
}

/// Requires the account's equity to cover its initial margin when a fill added risk, its
/// maintenance margin otherwise.
fn check_margin(
    e: &Exchange,
    acc: &MarginAccount,
    prices: &[Fx; MAX_MARKETS],
    cums: &[Fx; MAX_MARKETS],
    adds_risk: bool,
) -> Result<()> {
    let eq = math::equity(acc, prices, cums).ok_or(PerpError::MathOverflow)?;
    let req =
        math::requirement(acc, &e.markets, prices, adds_risk).ok_or(PerpError::MathOverflow)?;
    require!(eq >= req, PerpError::InsufficientMargin);
    Ok(())
}

#[program]
pub mod sim_perp {
    use super::*;

    /// Creates the exchange for a collateral mint and its collateral vault.
    pub fn create_exchange(ctx: Context<CreateExchange>) -> Result<()> {
        let a = &ctx.accounts;
        let authority = a.authority.key();
        let mint = a.collateral_mint.key();
        let exchange_seeds: &[&[u8]] = &[
            EXCHANGE_SEED,
            authority.as_ref(),
            mint.as_ref(),
            &[ctx.bumps.exchange],
        ];
        account_init::create_pda(
            &a.authority.to_account_info(),
            &a.exchange.to_account_info(),
            &a.system_program.to_account_info(),
            8 + Exchange::INIT_SPACE,
            &crate::ID,
            exchange_seeds,
            PerpError::AccountInUse,
        )?;
        let exchange_key = a.exchange.key();
        let vault_seeds: &[&[u8]] = &[
            COLLATERAL_SEED,
            exchange_key.as_ref(),
            &[ctx.bumps.collateral_vault],
        ];
        account_init::create_pda(
            &a.authority.to_account_info(),
            &a.collateral_vault.to_account_info(),
            &a.system_program.to_account_info(),
            anchor_spl::token_2022::spl_token_2022::state::Account::LEN,
            &a.token_program.key(),
            vault_seeds,
            PerpError::AccountInUse,
        )?;
        token_interface::initialize_account3(CpiContext::new(
            a.token_program.key(),
            token_interface::InitializeAccount3 {
                account: a.collateral_vault.to_account_info(),
                mint: a.collateral_mint.to_account_info(),
                authority: a.exchange.to_account_info(),
            },
        ))?;
        // The markets are all zero (no market yet) in the fresh account: only the discriminator
        // and the header are written, so the 2 KB exchange is never built on the stack.
        let header = ExchangeHeader {
            authority,
            collateral_mint: mint,
            collateral_vault: a.collateral_vault.key(),
            collateral_decimals: a.collateral_mint.decimals,
            bump: ctx.bumps.exchange,
            halted: false,
            misbehaviour: Misbehaviour::None as u8,
            misbehaviour_bps: 0,
            num_markets: 0,
        };
        let info = a.exchange.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        data[..8].copy_from_slice(Exchange::DISCRIMINATOR);
        let mut out: &mut [u8] = &mut data[8..];
        header.serialize(&mut out)?;
        Ok(())
    }

    /// Adds a market priced by a Pyth account; authority only.
    pub fn add_market(ctx: Context<Admin>, args: MarketArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let e = &mut ctx.accounts.exchange;
        require!(
            (e.num_markets as usize) < MAX_MARKETS,
            PerpError::MarketsFull
        );
        let ok = args.oracle_kind <= 1
            && args.fee_bps <= 1_000
            && args.liquidation_fee_bps <= 1_000
            && args.maintenance_margin_bps > 0
            && args.maintenance_margin_bps < args.initial_margin_bps
            && args.initial_margin_bps <= 10_000
            && args.max_age_s > 0;
        require!(ok, PerpError::InvalidMarketParams);
        let i = e.num_markets as usize;
        e.markets[i] = Market {
            oracle_kind: args.oracle_kind,
            oracle_id: args.oracle_id,
            asset_decimals: args.asset_decimals,
            max_age_s: args.max_age_s,
            fee_bps: args.fee_bps,
            initial_margin_bps: args.initial_margin_bps,
            maintenance_margin_bps: args.maintenance_margin_bps,
            liquidation_fee_bps: args.liquidation_fee_bps,
            funding_rate_bps_per_day: args.funding_rate_bps_per_day,
            premium_bps_per_day: args.premium_bps_per_day,
            cumulative_funding: 0,
            last_funding_ts: now,
            long_oi: 0,
            short_oi: 0,
        };
        e.num_markets = e.num_markets.saturating_add(1);
        Ok(())
    }

    /// Halts (or resumes) trading and withdrawals; authority only.
    pub fn set_halted(ctx: Context<Admin>, halted: bool) -> Result<()> {
        ctx.accounts.exchange.halted = halted;
        Ok(())
    }

    /// Switches a misbehaviour mode on (0 = off); authority only, `misbehave` builds only.
    pub fn set_misbehaviour(ctx: Context<Admin>, mode: u8, param_bps: u16) -> Result<()> {
        require!(
            cfg!(feature = "misbehave"),
            PerpError::MisbehaviourNotCompiled
        );
        Misbehaviour::from_u8(mode).ok_or(PerpError::UnknownMode)?;
        let e = &mut ctx.accounts.exchange;
        e.misbehaviour = mode;
        e.misbehaviour_bps = param_bps.min(10_000);
        Ok(())
    }

    /// Creates the margin account of `owner` (which signs; a PDA signs through CPI). Lamports
    /// already at the address do not block it.
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>) -> Result<()> {
        let a = &ctx.accounts;
        let (exchange, owner) = (a.exchange.key(), a.owner.key());
        let seeds: &[&[u8]] = &[
            MARGIN_SEED,
            exchange.as_ref(),
            owner.as_ref(),
            &[ctx.bumps.margin_account],
        ];
        account_init::create_pda(
            &a.payer.to_account_info(),
            &a.margin_account.to_account_info(),
            &a.system_program.to_account_info(),
            8 + MarginAccount::INIT_SPACE,
            &crate::ID,
            seeds,
            PerpError::AccountInUse,
        )?;
        account_init::write_account(
            &a.margin_account.to_account_info(),
            &MarginAccount {
                exchange,
                owner,
                bump: ctx.bumps.margin_account,
                collateral: 0,
                positions: [Position::default(); MAX_MARKETS],
            },
        )
    }

    /// Moves collateral from the owner's token account into the margin account.
    pub fn deposit_collateral(mut ctx: Context<MoveCollateral>, amount: u64) -> Result<()> {
        require!(amount > 0, PerpError::ZeroAmount);
        let a = &mut ctx.accounts;
        token_interface::transfer_checked(
            CpiContext::new(
                a.token_program.key(),
                token_interface::TransferChecked {
                    from: a.owner_token.to_account_info(),
                    mint: a.collateral_mint.to_account_info(),
                    to: a.collateral_vault.to_account_info(),
                    authority: a.owner.to_account_info(),
                },
            ),
            amount,
            a.collateral_mint.decimals,
        )?;
        let acc = &mut a.margin_account;
        acc.collateral = acc
            .collateral
            .checked_add(i64::try_from(amount).map_err(|_| PerpError::MathOverflow)?)
            .ok_or(PerpError::MathOverflow)?;
        Ok(())
    }

    /// Pays collateral out, keeping the account above its initial margin. Remaining accounts:
    /// one oracle per market.
    pub fn withdraw_collateral<'info>(
        mut ctx: Context<'info, MoveCollateral<'info>>,
        amount: u64,
    ) -> Result<()> {
        require!(amount > 0, PerpError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        let a = &mut ctx.accounts;
        require!(!a.exchange.halted, PerpError::Halted);
        let (prices, cums) = mark_to_oracle(
            &mut a.exchange,
            &mut a.margin_account,
            ctx.remaining_accounts,
            now,
        )?;
        let acc = &mut a.margin_account;
        let amount_i = i64::try_from(amount).map_err(|_| PerpError::MathOverflow)?;
        require!(
            amount_i <= acc.collateral,
            PerpError::InsufficientCollateral
        );
        acc.collateral = acc
            .collateral
            .checked_sub(amount_i)
            .ok_or(PerpError::MathOverflow)?;
        let eq = math::equity(acc, &prices, &cums).ok_or(PerpError::MathOverflow)?;
        let im = math::requirement(acc, &a.exchange.markets, &prices, true)
            .ok_or(PerpError::MathOverflow)?;
        require!(eq >= im, PerpError::InsufficientCollateral);
        pay_out(
            &a.exchange,
            &a.token_program,
            &a.collateral_vault,
            &a.owner_token,
            &a.collateral_mint,
            amount,
        )
    }

    /// Trades `base_delta` asset units (positive buys) in `market` at the oracle price plus
    /// the fee; `limit_price` (I80F48 bits, 0 = none) bounds the fill. A trade that adds risk
    /// must leave the account above its initial margin, any other above maintenance.
    /// Remaining accounts: one oracle per market.
    pub fn trade<'info>(
        ctx: Context<'info, Trade<'info>>,
        market: u8,
        base_delta: i64,
        limit_price: i128,
    ) -> Result<()> {
        trade_orders(
            ctx,
            &[Order {
                market,
                base_delta,
                limit_price,
            }],
        )
    }

    /// Several orders in one go (at most one per market): one mark to the oracles, every
    /// order filled as `trade` would, one margin check at the end (initial margin if any order
    /// added risk). Remaining accounts: one oracle per market.
    pub fn trade_many<'info>(ctx: Context<'info, Trade<'info>>, orders: Vec<Order>) -> Result<()> {
        require!(
            !orders.is_empty() && orders.len() <= MAX_ORDERS,
            PerpError::ZeroAmount
        );
        trade_orders(ctx, &orders)
    }

    /// Closes an under-margined account's position in `market` at the oracle price; the
    /// liquidator earns the market's liquidation fee. Remaining accounts: one oracle per market.
    pub fn liquidate<'info>(mut ctx: Context<'info, Liquidate<'info>>, market: u8) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let a = &mut ctx.accounts;
        require!(!a.exchange.halted, PerpError::Halted);
        let n = a.exchange.num_markets as usize;
        let i = market as usize;
        require!(i < n, PerpError::UnknownMarket);
        let (prices, cums) = mark_to_oracle(
            &mut a.exchange,
            &mut a.margin_account,
            ctx.remaining_accounts,
            now,
        )?;
        let acc = &mut a.margin_account;
        let eq = math::equity(acc, &prices, &cums).ok_or(PerpError::MathOverflow)?;
        let mm = math::requirement(acc, &a.exchange.markets, &prices, false)
            .ok_or(PerpError::MathOverflow)?;
        require!(eq < mm, PerpError::NotLiquidatable);
        let base = acc.positions[i].base;
        require!(base != 0, PerpError::NoPosition);
        let notional = Fx::from_num(base.unsigned_abs())
            .checked_mul(prices[i])
            .ok_or(PerpError::MathOverflow)?;
        let fee = fx_units_ceil(
            math::bps_of(notional, a.exchange.markets[i].liquidation_fee_bps as u64)
                .ok_or(PerpError::MathOverflow)?,
        )?;
        let close = base.checked_neg().ok_or(PerpError::MathOverflow)?;
        let (d_long, d_short) =
            math::apply_fill(acc, i, close, prices[i], fee).ok_or(PerpError::MathOverflow)?;
        let m = &mut a.exchange.markets[i];
        let oi = |v: u64, d: i128| -> Result<u64> {
            u64::try_from((v as i128).checked_add(d).ok_or(PerpError::MathOverflow)?)
                .map_err(|_| error!(PerpError::MathOverflow))
        };
        m.long_oi = oi(m.long_oi, d_long)?;
        m.short_oi = oi(m.short_oi, d_short)?;
        pay_out(
            &a.exchange,
            &a.token_program,
            &a.collateral_vault,
            &a.liquidator_token,
            &a.collateral_mint,
            fee.max(0).unsigned_abs(),
        )
    }
}

fn trade_orders<'info>(mut ctx: Context<'info, Trade<'info>>, orders: &[Order]) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    require!(!a.exchange.halted, PerpError::Halted);
    let (prices, cums) = mark_to_oracle(
        &mut a.exchange,
        &mut a.margin_account,
        ctx.remaining_accounts,
        now,
    )?;
    let mut adds_risk = false;
    let mut seen = 0u32;
    for o in orders {
        let bit = 1u32.checked_shl(o.market as u32).unwrap_or(0);
        require!(bit != 0 && seen & bit == 0, PerpError::UnknownMarket);
        seen |= bit;
        let key = a.margin_account.key();
        adds_risk |= fill(&mut a.exchange, &mut a.margin_account, key, &prices, o)?;
    }
    check_margin(&a.exchange, &a.margin_account, &prices, &cums, adds_risk)
}

#[event]
pub struct Traded {
    pub account: Pubkey,
    pub market: u8,
    pub base_delta: i64,
    pub fill_price: i128,
    pub fee: i64,
}

#[derive(Accounts)]
pub struct CreateExchange<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(mut, seeds = [EXCHANGE_SEED, authority.key().as_ref(), collateral_mint.key().as_ref()], bump)]
    pub exchange: UncheckedAccount<'info>,
    #[account(mint::token_program = token_program)]
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    /// CHECK: created in the handler at this PDA as the exchange's collateral token account.
    #[account(mut, seeds = [COLLATERAL_SEED, exchange.key().as_ref()], bump)]
    pub collateral_vault: UncheckedAccount<'info>,
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Admin<'info> {
    pub authority: Signer<'info>,
    #[account(mut, has_one = authority @ PerpError::NotAuthority)]
    pub exchange: Box<Account<'info, Exchange>>,
}

#[derive(Accounts)]
pub struct CreateMarginAccount<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub payer: Signer<'info>,
    pub exchange: Box<Account<'info, Exchange>>,
    /// CHECK: created in the handler at this PDA (pre-funding cannot block it).
    #[account(mut, seeds = [MARGIN_SEED, exchange.key().as_ref(), owner.key().as_ref()], bump)]
    pub margin_account: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

#[derive(Accounts)]
pub struct MoveCollateral<'info> {
    pub owner: Signer<'info>,
    #[account(mut, has_one = collateral_vault @ PerpError::WrongTokenAccount,
        has_one = collateral_mint @ PerpError::WrongTokenAccount)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotAuthority, has_one = exchange @ PerpError::WrongTokenAccount)]
    pub margin_account: Box<Account<'info, MarginAccount>>,
    #[account(mut)]
    pub collateral_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = collateral_mint)]
    pub owner_token: Box<InterfaceAccount<'info, TokenAccount>>,
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}

#[derive(Accounts)]
pub struct Trade<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = owner @ PerpError::NotAuthority, has_one = exchange @ PerpError::WrongTokenAccount)]
    pub margin_account: Box<Account<'info, MarginAccount>>,
}

#[derive(Accounts)]
pub struct Liquidate<'info> {
    pub liquidator: Signer<'info>,
    #[account(mut, has_one = collateral_vault @ PerpError::WrongTokenAccount,
        has_one = collateral_mint @ PerpError::WrongTokenAccount)]
    pub exchange: Box<Account<'info, Exchange>>,
    #[account(mut, has_one = exchange @ PerpError::WrongTokenAccount)]
    pub margin_account: Box<Account<'info, MarginAccount>>,
    #[account(mut)]
    pub collateral_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    #[account(mut, token::mint = collateral_mint)]
    pub liquidator_token: Box<InterfaceAccount<'info, TokenAccount>>,
    pub collateral_mint: Box<InterfaceAccount<'info, Mint>>,
    pub token_program: Interface<'info, TokenInterface>,
}
