//! The vault's margin account on its hedge venue: reading it (owner, identity and layout
//! checked before any value is trusted) and valuing it with the vault's own validated prices
//! and the venue's own math (`sim_perp::math`). Pure apart from [`load`], so the client values
//! a snapshot with the same functions.

use anchor_lang::prelude::*;
use sim_perp::state::{Exchange, MarginAccount, MAX_MARKETS};

use crate::error::VaultError;
use crate::math::hedge::units_value_floor;
use crate::math::nav::PriceSide;
use crate::math::wide::fx_mul_div_ceil;
use crate::math::{fx_add, fx_ceil_i64, fx_floor_i64, fx_from_int, fx_sub, Fx, MathError};
use crate::oracle::ValidatedPrice;
use crate::state::Vault;

/// The exchange and (when opened) the vault's margin account, as the venue last wrote them.
#[derive(Clone)]
pub struct HedgeBook {
    pub exchange: Box<Exchange>,
    pub account: Option<Box<MarginAccount>>,
}

impl HedgeBook {
    /// The account's position in market `i` (zero before it is opened).
    pub fn position(&self, i: usize) -> i64 {
        self.account
            .as_ref()
            .and_then(|a| a.positions.get(i))
            .map(|p| p.base)
            .unwrap_or(0)
    }

    /// Collateral (deposits and realised PnL) the account holds.
    pub fn collateral(&self) -> i64 {
        self.account.as_ref().map(|a| a.collateral).unwrap_or(0)
    }
}

/// Reads the exchange and the margin account, checking both against the vault's hedge venue.
/// A margin account the venue does not own yet (never opened) reads as `None`.
pub fn load(vault: &Vault, exchange: &AccountInfo, margin: &AccountInfo) -> Result<HedgeBook> {
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
        Box::new(
            Exchange::try_deserialize(&mut &data[..])
                .map_err(|_| error!(VaultError::HedgeAccountMismatch))?,
        )
    };
    let account = if *margin.owner == h.program_id {
        let data = margin.try_borrow_data()?;
        let acc = Box::new(
            MarginAccount::try_deserialize(&mut &data[..])
                .map_err(|_| error!(VaultError::HedgeAccountMismatch))?,
        );
        require!(acc.exchange == h.exchange, VaultError::HedgeAccountMismatch);
        Some(acc)
    } else {
        None
    };
    Ok(HedgeBook {
        exchange: ex,
        account,
    })
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

fn overflow(_: MathError) -> Error {
    error!(VaultError::MathOverflow)
}

/// Per-market prices for valuing the book on `side`, and the funding each market has accrued
/// up to `now`. `Low` values every position at its worse edge of the band (longs at the low
/// price, shorts at the high), `High` at its better edge, `Mid` at the oracle price.
pub fn marks(
    book: &HedgeBook,
    n: usize,
    prices: &[ValidatedPrice],
    side: PriceSide,
    now: i64,
) -> Result<([Fx; MAX_MARKETS], [Fx; MAX_MARKETS])> {
    let mut marks = [Fx::ZERO; MAX_MARKETS];
    let mut cums = [Fx::ZERO; MAX_MARKETS];
    for i in 0..n.min(book.exchange.num_markets as usize) {
        let long = book.position(i) >= 0;
        let p = &prices[i];
        marks[i] = match (side, long) {
            (PriceSide::Mid, _) => p.price,
            (PriceSide::Low, true) | (PriceSide::High, false) => p.low,
            (PriceSide::Low, false) | (PriceSide::High, true) => p.high,
        };
        cums[i] = sim_perp::math::cumulative_funding_at(&book.exchange.markets[i], p.price, now)
            .ok_or(VaultError::MathOverflow)?;
    }
    Ok((marks, cums))
}

/// Equity of the margin account on `side` (zero before it is opened); every position must be
/// in a market that mirrors one of the vault's assets.
pub fn equity(
    book: &HedgeBook,
    n: usize,
    prices: &[ValidatedPrice],
    side: PriceSide,
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

/// What the margin account is worth to units: its equity less what settled claims are owed.
pub fn net_equity(vault: &Vault, equity: Fx) -> Result<Fx> {
    fx_sub(
        equity,
        fx_from_int(vault.hedge.claims_owed).map_err(overflow)?,
    )
    .map_err(overflow)
}

/// The share holders' part of a margin account worth `equity`, whole base units: their units
/// of the net equity, rounded up for `High` and down otherwise.
pub fn owners_value(vault: &Vault, equity: Fx, side: PriceSide) -> Result<i64> {
    let h = &vault.hedge;
    if h.units_total == 0 {
        return Ok(0);
    }
    let net = net_equity(vault, equity)?;
    let v = match side {
        PriceSide::High => {
            let v = fx_mul_div_ceil(net, h.owners_units() as u128, h.units_total as u128)
                .map_err(overflow)?;
            fx_ceil_i64(v)
        }
        _ => {
            let v = units_value_floor(net, h.owners_units(), h.units_total).map_err(overflow)?;
            fx_floor_i64(v)
        }
    };
    v.map_err(overflow)
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
pub fn marked(book: &HedgeBook, n: usize, prices: &[ValidatedPrice], now: i64) -> Result<Marked> {
    let acc = book
        .account
        .as_ref()
        .ok_or(VaultError::HedgeNotConfigured)?;
    let (m, c) = marks(book, n, prices, PriceSide::Mid, now)?;
    let of = |x: Option<Fx>| x.ok_or_else(|| error!(VaultError::MathOverflow));
    let markets = &book.exchange.markets;
    let mut funding_pending = Fx::ZERO;
    for (i, p) in acc.positions.iter().enumerate().take(n) {
        let owed = of(sim_perp::math::funding_owed(p, c[i]))?;
        funding_pending = fx_add(funding_pending, owed).map_err(overflow)?;
    }
    Ok(Marked {
        equity: of(sim_perp::math::equity(acc, &m, &c))?,
        maintenance: of(sim_perp::math::requirement(acc, markets, &m, false))?,
        initial: of(sim_perp::math::requirement(acc, markets, &m, true))?,
        notional: of(sim_perp::math::notional(acc, &m))?,
        funding_pending,
    })
}
