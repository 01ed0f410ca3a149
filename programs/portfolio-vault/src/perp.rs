//! The vault's margin account on its hedge venue: reading it (owner, identity and layout
//! checked before any value is trusted) and valuing it conservatively with the vault's own
//! validated prices and the venue's own math (`sim_perp::math`).

use anchor_lang::prelude::*;
use sim_perp::state::{Exchange, MarginAccount, MAX_MARKETS};

use crate::error::VaultError;
use crate::math::nav::PriceSide;
use crate::math::Fx;
use crate::oracle::ValidatedPrice;
use crate::state::Vault;

/// The exchange and (when opened) the vault's margin account, as the venue last wrote them.
pub struct PerpBook {
    pub exchange: Box<Exchange>,
    pub account: Option<Box<MarginAccount>>,
}

/// Splits a priced instruction's remaining accounts into the oracles (one per asset) and, when
/// the vault has a hedge venue, the `[exchange, margin account]` that follow them.
#[allow(clippy::type_complexity)]
pub fn split<'a, 'info>(
    vault: &Vault,
    accounts: &'a [AccountInfo<'info>],
) -> Result<(
    &'a [AccountInfo<'info>],
    Option<(&'a AccountInfo<'info>, &'a AccountInfo<'info>)>,
)> {
    let n = vault.num_assets as usize;
    if !vault.hedge.has_venue() {
        require!(accounts.len() == n, VaultError::OracleAccountCountMismatch);
        return Ok((accounts, None));
    }
    require!(
        accounts.len() == n + 2,
        VaultError::OracleAccountCountMismatch
    );
    Ok((&accounts[..n], Some((&accounts[n], &accounts[n + 1]))))
}

/// Reads the exchange and the margin account, checking both against the vault's hedge venue.
/// A margin account the venue does not own yet (never opened) reads as `None`.
pub fn load(vault: &Vault, exchange: &AccountInfo, margin: &AccountInfo) -> Result<PerpBook> {
    let h = &vault.hedge;
    require!(h.has_venue(), VaultError::HedgeNotConfigured);
    require!(
        *exchange.key == h.exchange
            && *margin.key == h.margin_account
            && *exchange.owner == h.program_id,
        VaultError::HedgeAccountMismatch
    );
    let ex = {
        let data = exchange.try_borrow_data()?;
        Exchange::try_deserialize(&mut &data[..])
            .map_err(|_| error!(VaultError::HedgeAccountMismatch))?
    };
    let account = if *margin.owner == h.program_id {
        let data = margin.try_borrow_data()?;
        let acc = MarginAccount::try_deserialize(&mut &data[..])
            .map_err(|_| error!(VaultError::HedgeAccountMismatch))?;
        require!(acc.exchange == h.exchange, VaultError::HedgeAccountMismatch);
        Some(Box::new(acc))
    } else {
        None
    };
    Ok(PerpBook {
        exchange: Box::new(ex),
        account,
    })
}

/// Per-market prices for valuing the book on `side`, and the funding each market has accrued
/// up to `now`. `Low` values every position at its worse edge of the band (longs at the low
/// price, shorts at the high), `High` at its better edge, and `None` at the mid price.
pub fn marks(
    book: &PerpBook,
    n: usize,
    prices: &[ValidatedPrice],
    side: Option<PriceSide>,
    now: i64,
) -> Result<([Fx; MAX_MARKETS], [Fx; MAX_MARKETS])> {
    let mut marks = [Fx::ZERO; MAX_MARKETS];
    let mut cums = [Fx::ZERO; MAX_MARKETS];
    for i in 0..n.min(book.exchange.num_markets as usize) {
        let base = book
            .account
            .as_ref()
            .map(|a| a.positions[i].base)
            .unwrap_or(0);
        let p = &prices[i];
        marks[i] = match (side, base >= 0) {
            (None, _) => p.price,
            (Some(PriceSide::Low), true) | (Some(PriceSide::High), false) => p.low,
            (Some(PriceSide::Low), false) | (Some(PriceSide::High), true) => p.high,
        };
        cums[i] = sim_perp::math::cumulative_funding_at(&book.exchange.markets[i], p.price, now)
            .ok_or(VaultError::MathOverflow)?;
    }
    Ok((marks, cums))
}

/// Equity of the margin account (zero before it is opened); every position must be in a
/// market that mirrors one of the vault's assets.
pub fn equity(
    book: &PerpBook,
    n: usize,
    prices: &[ValidatedPrice],
    side: Option<PriceSide>,
    now: i64,
) -> Result<Fx> {
    let Some(acc) = book.account.as_ref() else {
        return Ok(Fx::ZERO);
    };
    require!(
        acc.positions[n.min(MAX_MARKETS)..]
            .iter()
            .all(|p| p.base == 0 && p.quote == 0),
        VaultError::HedgeMarketsMismatch
    );
    let (m, c) = marks(book, n, prices, side, now)?;
    sim_perp::math::equity(acc, &m, &c).ok_or_else(|| error!(VaultError::MathOverflow))
}

/// The share holders' part of `equity` in whole base units (their units over all units),
/// rounded down for `Low` and up for `High`.
pub fn owners_value(vault: &Vault, equity: Fx, side: PriceSide) -> Result<i64> {
    let h = &vault.hedge;
    if h.units_total == 0 {
        return Ok(0);
    }
    let v = equity
        .checked_mul(Fx::from_num(h.owners_units()))
        .ok_or(VaultError::MathOverflow)?
        / Fx::from_num(h.units_total);
    let r = match side {
        PriceSide::Low => v.floor(),
        PriceSide::High => v.ceil(),
    };
    r.checked_to_num()
        .ok_or_else(|| error!(VaultError::MathOverflow))
}

/// The share holders' part of the margin account valued on `side`, from a priced
/// instruction's trailing `[exchange, margin account]` (zero without a hedge venue).
pub fn priced_value(
    vault: &Vault,
    accounts: Option<(&AccountInfo, &AccountInfo)>,
    prices: &[ValidatedPrice],
    side: PriceSide,
    now: i64,
) -> Result<i64> {
    let Some((exchange, margin)) = accounts else {
        return Ok(0);
    };
    let book = load(vault, exchange, margin)?;
    let e = equity(&book, vault.num_assets as usize, prices, Some(side), now)?;
    owners_value(vault, e, side)
}

/// The exchange mirrors the vault: collateral in the base mint, and market `i` priced by asset
/// `i`'s oracle with its decimals, one market per asset.
pub fn check_mirror(vault: &Vault, exchange: &Exchange) -> Result<()> {
    let n = vault.num_assets as usize;
    let ok = exchange.collateral_mint == vault.base_mint
        && exchange.num_markets as usize == n
        && vault.active_assets().iter().enumerate().all(|(i, a)| {
            let m = &exchange.markets[i];
            m.oracle_kind == a.oracle.kind
                && m.oracle_id == a.oracle.oracle_id
                && m.asset_decimals == a.decimals
        });
    require!(ok, VaultError::HedgeMarketsMismatch);
    Ok(())
}

/// Mid-price figures of an opened margin account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marked {
    pub equity: Fx,
    pub maintenance: Fx,
    pub initial: Fx,
    pub notional: Fx,
    pub funding_pending: Fx,
}

/// Equity, margin requirements, gross notional and pending funding at mid prices.
pub fn marked(book: &PerpBook, n: usize, prices: &[ValidatedPrice], now: i64) -> Result<Marked> {
    let acc = book
        .account
        .as_ref()
        .ok_or(VaultError::HedgeNotConfigured)?;
    let (m, c) = marks(book, n, prices, None, now)?;
    let of = |x: Option<Fx>| x.ok_or_else(|| error!(VaultError::MathOverflow));
    let markets = &book.exchange.markets;
    let mut funding_pending = Fx::ZERO;
    for (i, p) in acc.positions.iter().enumerate().take(n) {
        funding_pending =
            of(funding_pending.checked_add(of(sim_perp::math::funding_owed(p, c[i]))?))?;
    }
    Ok(Marked {
        equity: of(sim_perp::math::equity(acc, &m, &c))?,
        maintenance: of(sim_perp::math::requirement(acc, markets, &m, false))?,
        initial: of(sim_perp::math::requirement(acc, markets, &m, true))?,
        notional: of(sim_perp::math::notional(acc, &m))?,
        funding_pending,
    })
}
