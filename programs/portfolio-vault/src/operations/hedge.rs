//! Hedging transitions, in the same three layers as swaps: what a collateral move mints or
//! burns, the checks before and after a hedge trade (with `math::hedge::check_hedge` the twin
//! of `check_trade`), and what settling a claim closes and pays. No CPI here; every product of
//! two large quantities goes through `math::hedge`'s 256-bit unit math.
//!
//! The margin account is shared: the share holders own `owners_units` of `units_total`, each
//! unsettled claim its own units, and settled claims are a fixed liability (`claims_owed`) ahead
//! of the units. Every limit below is measured on the share holders' part (their units of the
//! equity net of that liability, their part of every position), so claims neither block nor
//! loosen what the holders who stay may do.

use anchor_lang::prelude::*;
use sim_perp::Order;

use crate::constants::*;
use crate::error::VaultError;
use crate::hedge_book::{self, HedgeBook, Marked};
use crate::math::hedge::{
    check_hedge, claim_position, hedge_saving, owners_position, units_for_deposit_floor,
    units_for_withdraw_ceil, units_value_floor, HedgeCheck, HedgeInputs, HedgeRefusal,
};
use crate::math::nav::PriceSide;
use crate::math::{
    fx_bps, fx_floor_u64, fx_from_int, fx_mul, fx_sub, mul_div_floor, Fx, MathError,
};
use crate::operations::rebalance::{pay_bounty, roll_windows, trade_bounty_cap, BountyTerms};
use crate::pricing::PricedVault;
use crate::state::{HedgeClaim, Vault};

impl From<HedgeRefusal> for anchor_lang::error::Error {
    fn from(r: HedgeRefusal) -> Self {
        match r {
            HedgeRefusal::NotNeeded => error!(VaultError::HedgeNotNeeded),
            HedgeRefusal::WrongDirection => error!(VaultError::HedgeWrongDirection),
            HedgeRefusal::Overshoot => error!(VaultError::HedgeOvershoot),
            HedgeRefusal::ClaimsOnly => error!(VaultError::HedgeClaimsOnly),
            HedgeRefusal::Math(m) => m.into(),
        }
    }
}

fn math(e: MathError) -> Error {
    e.into()
}

/// The share holders' figures of the margin account at mid prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnersBook {
    /// The whole account's equity less what settled claims are owed.
    pub net_equity: Fx,
    /// The share holders' units of it.
    pub equity: Fx,
    /// Their part of the maintenance requirement and of the gross notional.
    pub maintenance: Fx,
    pub notional: Fx,
}

fn owners_share(vault: &Vault, v: Fx) -> Result<Fx> {
    let h = &vault.hedge;
    if h.units_total == 0 {
        return Ok(v);
    }
    units_value_floor(v, h.owners_units(), h.units_total).map_err(math)
}

/// The share holders' part of a marked margin account.
pub fn owners_book(vault: &Vault, m: &Marked) -> Result<OwnersBook> {
    let net_equity = hedge_book::net_equity(vault, m.equity)?;
    let equity = if vault.hedge.units_total == 0 {
        Fx::ZERO
    } else {
        owners_share(vault, net_equity)?
    };
    Ok(OwnersBook {
        net_equity,
        equity,
        maintenance: owners_share(vault, m.maintenance)?,
        notional: owners_share(vault, m.notional)?,
    })
}

// ------------------------------------------------------------------ collateral

/// A collateral move: base units between the idle buffer and the margin account, and the
/// units it mints (in) or burns (out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralEffects {
    pub to_venue: bool,
    pub amount: u64,
    pub units_minted: u64,
    pub units_burned: u64,
}

/// Moving `amount` of idle base to the venue: within the idle buffer, the share holders' part
/// of the account at most `max_collateral_bps` of their NAV afterwards; mints their units at
/// the account's current net equity.
pub fn collateral_in(
    vault: &Vault,
    priced: &PricedVault,
    m: &Marked,
    amount: u64,
) -> Result<CollateralEffects> {
    require!(amount > 0, VaultError::RebalanceInvalidAmount);
    require!(
        amount <= vault.free_idle(),
        VaultError::WithdrawInsufficientIdle
    );
    let h = &vault.hedge;
    let nav = priced.nav(vault, PriceSide::Mid)?;
    let cap = mul_div_floor(nav, h.params.max_collateral_bps as u64, BPS_DENOMINATOR)?;
    let owners_after = (priced.hedge.mid as i128)
        .checked_add(amount as i128)
        .ok_or(VaultError::MathOverflow)?;
    require!(
        owners_after <= cap as i128,
        VaultError::HedgeCollateralCapExceeded
    );
    let net = hedge_book::net_equity(vault, m.equity)?;
    if h.units_total > 0 {
        require!(net > Fx::ZERO, VaultError::HedgeMarginTooLow);
    }
    let minted = units_for_deposit_floor(amount, h.units_total, net, HEDGE_UNITS_PER_BASE)?;
    require!(minted > 0, VaultError::RebalanceInvalidAmount);
    Ok(CollateralEffects {
        to_venue: true,
        amount,
        units_minted: minted,
        units_burned: 0,
    })
}

/// Bringing `amount` back to the idle buffer: at most the share holders' part (low side), and
/// leaving their part at least twice the minimum margin ratio of their part of the
/// requirement, the whole account at least the minimum ratio; burns their units.
pub fn collateral_out(
    vault: &Vault,
    priced: &PricedVault,
    m: &Marked,
    amount: u64,
) -> Result<CollateralEffects> {
    require!(amount > 0, VaultError::RebalanceInvalidAmount);
    let h = &vault.hedge;
    let owners = owners_book(vault, m)?;
    require!(
        h.units_total > 0 && owners.net_equity > Fx::ZERO && priced.hedge.low >= amount as i64,
        VaultError::HedgeWithdrawTooLarge
    );
    let amount_fx = fx_from_int(amount)?;
    if m.maintenance > Fx::ZERO {
        let ratio = fx_bps(h.params.min_margin_ratio_bps as u64)?;
        let owners_min = fx_mul(fx_mul(owners.maintenance, ratio)?, Fx::from_num(2))?;
        require!(
            fx_sub(owners.equity, amount_fx)? >= owners_min,
            VaultError::HedgeWithdrawTooLarge
        );
        let account_min = fx_mul(m.maintenance, ratio)?;
        require!(
            fx_sub(owners.net_equity, amount_fx)? >= account_min,
            VaultError::HedgeWithdrawTooLarge
        );
    }
    let burned = units_for_withdraw_ceil(amount, h.units_total, owners.net_equity)?;
    require!(
        burned <= h.owners_units(),
        VaultError::HedgeWithdrawTooLarge
    );
    Ok(CollateralEffects {
        to_venue: false,
        amount,
        units_minted: 0,
        units_burned: burned,
    })
}

impl CollateralEffects {
    pub fn apply(&self, vault: &mut Vault) -> Result<()> {
        if self.to_venue {
            vault.debit_idle(self.amount)?;
        } else {
            vault.credit_idle(self.amount)?;
        }
        vault.hedge.units_total = vault
            .hedge
            .units_total
            .checked_add(self.units_minted)
            .and_then(|u| u.checked_sub(self.units_burned))
            .ok_or(VaultError::MathOverflow)?;
        Ok(())
    }
}

// ------------------------------------------------------------------ one hedge trade

/// What the checks before a hedge trade hand to the CPI and to the checks after it.
#[derive(Clone, Copy, Debug)]
pub struct HedgeBefore {
    pub asset: usize,
    pub base_delta: i64,
    pub position: i64,
    pub check: HedgeCheck,
    pub price: Fx,
    /// The whole account's equity (mid) and the share holders' NAV before the trade.
    pub equity: Fx,
    pub nav: u64,
}

/// The hedge inputs of asset `i` now.
pub fn inputs(
    vault: &Vault,
    priced: &PricedVault,
    book: &HedgeBook,
    i: usize,
) -> Result<HedgeInputs> {
    let h = &vault.hedge;
    Ok(HedgeInputs {
        spot_amount: vault.assets[i].holdings,
        position: book.position(i),
        price: priced.prices[i].price,
        owners_units: h.owners_units(),
        units_total: h.units_total,
        hedge_ratio_bps: h.params.hedge_ratio_bps,
        delta_band_bps: h.params.delta_band_bps,
        max_fee_bps: h.params.max_fee_bps,
        nav: priced.nav(vault, PriceSide::Mid)?,
    })
}

/// Why no hedge trade can happen now, whatever its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HedgeGate {
    /// Hedging is off (mode 0).
    Off,
    /// The hedge gate is closed.
    Paused,
    /// The cooldown ends at this unix time.
    Cooldown { ready_ts: i64 },
}

impl From<HedgeGate> for anchor_lang::error::Error {
    fn from(g: HedgeGate) -> Self {
        match g {
            HedgeGate::Off => error!(VaultError::HedgeModeOff),
            HedgeGate::Paused => error!(VaultError::InstructionPaused),
            HedgeGate::Cooldown { .. } => error!(VaultError::HedgeCooldown),
        }
    }
}

/// The gates before any hedge trade: not paused, hedging on, cooldown over.
pub fn gate(vault: &Vault, now: i64) -> core::result::Result<(), HedgeGate> {
    let h = &vault.hedge;
    if vault.pause_flags & PAUSE_HEDGE != 0 {
        return Err(HedgeGate::Paused);
    }
    if h.params.mode != HEDGE_MODE_DELTA_NEUTRAL {
        return Err(HedgeGate::Off);
    }
    let ready_ts = h.last_hedge_ts.saturating_add(h.params.cooldown_s as i64);
    if h.last_hedge_ts != 0 && now < ready_ts {
        return Err(HedgeGate::Cooldown { ready_ts });
    }
    Ok(())
}

/// Every check before trading `base_delta` of asset `asset`'s perp: [`gate`], then
/// [`check_hedge`].
pub fn before_trade(
    vault: &Vault,
    priced: &PricedVault,
    book: &HedgeBook,
    m: &Marked,
    asset: u8,
    base_delta: i64,
    now: i64,
) -> Result<HedgeBefore> {
    gate(vault, now)?;
    let i = asset as usize;
    require!(
        i < vault.num_assets as usize,
        VaultError::AssetIndexOutOfRange
    );
    let x = inputs(vault, priced, book, i)?;
    require!(x.nav > 0, VaultError::VaultNavZero);
    let check = check_hedge(&x, base_delta)?;
    Ok(HedgeBefore {
        asset: i,
        base_delta,
        position: x.position,
        check,
        price: x.price,
        equity: m.equity,
        nav: x.nav,
    })
}

/// What the trade did, measured from the re-read margin account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HedgeAfter {
    pub position: i64,
    /// Equity lost to the trade (fee and price), base units.
    pub cost: Fx,
    pub residual: Fx,
    pub leverage: Fx,
    pub margin_ratio: Fx,
}

/// Checks the fill: exactly the size asked, a cost within `max_fee_bps` of the notional, and
/// for a trade that adds exposure the share holders' leverage and the account's margin ratio
/// within their limits.
pub fn after_trade(
    vault: &Vault,
    b: &HedgeBefore,
    book: &HedgeBook,
    m: &Marked,
) -> Result<HedgeAfter> {
    let p = &vault.hedge.params;
    let position = book.position(b.asset);
    require!(
        Some(position) == b.position.checked_add(b.base_delta),
        VaultError::HedgeFillMismatch
    );
    let notional = fx_mul(fx_from_int(b.base_delta.unsigned_abs())?, b.price)?;
    let allowed = crate::math::fx_add(
        fx_mul(notional, fx_bps(p.max_fee_bps as u64)?)?,
        Fx::from_num(2),
    )?;
    let cost = fx_sub(b.equity, m.equity)?;
    require!(cost <= allowed, VaultError::HedgeCostExceeded);
    let owners = owners_book(vault, m)?;
    let nav_after = fx_sub(fx_from_int(b.nav)?, cost.max(Fx::ZERO))?;
    let leverage = if nav_after > Fx::ZERO {
        crate::math::fx_div(owners.notional, nav_after)?
    } else {
        Fx::MAX
    };
    let margin_ratio = if m.maintenance > Fx::ZERO {
        crate::math::fx_div(owners.net_equity, m.maintenance)?
    } else {
        Fx::MAX
    };
    if position.unsigned_abs() > b.position.unsigned_abs() {
        require!(
            leverage <= fx_bps(p.max_leverage_bps as u64)?,
            VaultError::HedgeLeverageExceeded
        );
        require!(
            margin_ratio >= fx_bps(p.min_margin_ratio_bps as u64)?,
            VaultError::HedgeMarginTooLow
        );
    }
    let owners_error = owners_position(
        position
            .checked_sub(b.check.target)
            .ok_or(VaultError::MathOverflow)?,
        vault.hedge.owners_units(),
        vault.hedge.units_total,
    )?;
    Ok(HedgeAfter {
        position,
        cost,
        residual: fx_mul(fx_from_int(owners_error)?, b.price)?,
        leverage,
        margin_ratio,
    })
}

/// Records a checked hedge trade: the cooldown, and the bounty (a share of the tracking cost
/// saved net of the cost, its cap scaled to the trade's size, nothing for undoing a trade
/// paid in this interval). Returns the bounty, already taken out of the idle base.
pub fn record_trade(vault: &mut Vault, b: &HedgeBefore, a: &HedgeAfter, now: i64) -> Result<u64> {
    let params = vault.rebalance;
    let saving = hedge_saving(
        b.check.residual,
        a.residual,
        b.nav,
        params.tracking_aversion_bps,
        a.cost,
    )?;
    let allowance = roll_windows(&mut vault.rebalance_state, &params, b.nav, now)?;
    if allowance.rolled {
        vault.hedge.bountied = Default::default();
    }
    let moved = fx_floor_u64(fx_sub(b.check.residual.abs(), a.residual.abs())?.abs())?;
    let bit = 1u32.checked_shl(b.asset as u32).unwrap_or(0);
    let (sold_bit, bought_bit) = if b.base_delta < 0 { (bit, 0) } else { (0, bit) };
    let terms = BountyTerms {
        net_saving: saving,
        cap: trade_bounty_cap(
            params.bounty_cap_per_call,
            moved,
            b.nav,
            vault.hedge.params.delta_band_bps,
        )?,
        sold_bit,
        bought_bit,
        idle_base: vault.idle_base,
    };
    let mut masks = vault.hedge.bountied;
    let bounty = pay_bounty(&mut vault.rebalance_state, &mut masks, &params, &terms)?;
    vault.hedge.bountied = masks;
    vault.debit_idle(bounty)?;
    vault.hedge.last_hedge_ts = now;
    Ok(bounty)
}

// ------------------------------------------------------------------ settling a claim

/// The orders that close a claim's part of every position (nothing for a claim already
/// settled into a fixed amount), each limited to `max_fee_bps` from the oracle price.
pub fn settle_orders(
    vault: &Vault,
    priced: &PricedVault,
    book: &HedgeBook,
    claim: &HedgeClaim,
) -> Result<Vec<Order>> {
    let h = &vault.hedge;
    let mut orders = Vec::new();
    if claim.units == 0 {
        return Ok(orders);
    }
    let slack = fx_bps(h.params.max_fee_bps as u64)?;
    for i in 0..vault.num_assets as usize {
        let share = claim_position(book.position(i), claim.units, h.units_total)?;
        if share == 0 {
            continue;
        }
        let delta = share.checked_neg().ok_or(VaultError::MathOverflow)?;
        let price = priced.prices[i].price;
        let factor = if delta > 0 {
            crate::math::fx_add(Fx::ONE, slack)?
        } else {
            fx_sub(Fx::ONE, slack)?
        };
        orders.push(Order {
            market: u8::try_from(i).map_err(|_| VaultError::MathOverflow)?,
            base_delta: delta,
            limit_price: fx_mul(price, factor)?.to_bits(),
        });
    }
    Ok(orders)
}

/// What settling a claim does: the value of its units (the units' share of the net equity
/// before closing, less the cost of closing the claim's part of the positions), paid as far
/// as the account can pay while keeping its margin; the rest stays owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleEffects {
    pub units_burned: u64,
    /// Value of the units settled now (zero for a claim already settled).
    pub value: u64,
    pub paid: u64,
    /// Still owed to the claimant after this payment.
    pub owed_after: u64,
}

/// The payout, from the account marked before (`equity_before`) and after (`m`, the re-read
/// account) closing the claim's part of the positions.
pub fn settle_payout(
    vault: &Vault,
    claim: &HedgeClaim,
    equity_before: Fx,
    m: &Marked,
    collateral_after: i64,
) -> Result<SettleEffects> {
    let h = &vault.hedge;
    require!(
        claim.units > 0 || claim.owed > 0,
        VaultError::HedgeClaimEmpty
    );
    let value = if claim.units > 0 {
        let net = hedge_book::net_equity(vault, equity_before)?;
        let share = units_value_floor(net, claim.units, h.units_total)?;
        let closing_cost = fx_sub(equity_before, m.equity)?;
        fx_floor_u64(fx_sub(share, closing_cost)?)?
    } else {
        0
    };
    let owed = claim
        .owed
        .checked_add(value)
        .ok_or(VaultError::MathOverflow)?;
    // Keep the account as healthy as the vault requires: above the venue's initial margin and
    // the vault's minimum margin ratio of the (already reduced) requirement.
    let ratio = fx_bps(h.params.min_margin_ratio_bps as u64)?;
    let reserve = m.initial.max(fx_mul(m.maintenance, ratio)?);
    let free = fx_floor_u64(fx_sub(m.equity, reserve)?)?;
    let paid = owed.min(free).min(collateral_after.max(0).unsigned_abs());
    require!(
        claim.units > 0 || paid > 0,
        VaultError::HedgeClaimNotPayable
    );
    Ok(SettleEffects {
        units_burned: claim.units,
        value,
        paid,
        owed_after: owed.checked_sub(paid).ok_or(VaultError::MathOverflow)?,
    })
}

impl SettleEffects {
    /// Burns the claim's units and moves what is still owed into the fixed liability.
    pub fn apply(&self, vault: &mut Vault, claim: &mut HedgeClaim) -> Result<()> {
        let h = &mut vault.hedge;
        let of = || error!(VaultError::MathOverflow);
        h.units_total = h
            .units_total
            .checked_sub(self.units_burned)
            .ok_or_else(of)?;
        h.units_claimed = h
            .units_claimed
            .checked_sub(self.units_burned)
            .ok_or_else(of)?;
        h.claims_owed = h
            .claims_owed
            .checked_sub(claim.owed)
            .and_then(|o| o.checked_add(self.owed_after))
            .ok_or_else(of)?;
        claim.units = 0;
        claim.owed = self.owed_after;
        Ok(())
    }
}
