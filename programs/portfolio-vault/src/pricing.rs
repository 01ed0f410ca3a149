//! The vault priced at one instant: every asset's validated price and the share holders' part
//! of the margin account on each side, with [`PricedVault::nav`]. The program loads it from an
//! instruction's accounts ([`load`]); the client builds the same value from a snapshot
//! ([`PricedVault::new`]), so every NAV, preview and weight is computed one way.

use anchor_lang::prelude::*;

use crate::constants::MAX_ASSETS;
use crate::error::VaultError;
use crate::hedge_book::{self, HedgeBook};
use crate::math::nav::{holding_value, nav_with_hedge, PriceSide, PricedHolding};
use crate::math::{Fx, MathResult};
use crate::oracle::{self, ValidatedPrice};
use crate::state::{AuthoritySigner, Vault};

/// The share holders' part of the margin account on each side, base units (zero without one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HedgeValues {
    pub low: i64,
    pub mid: i64,
    pub high: i64,
}

impl HedgeValues {
    pub fn on(&self, side: PriceSide) -> i64 {
        match side {
            PriceSide::Low => self.low,
            PriceSide::Mid => self.mid,
            PriceSide::High => self.high,
        }
    }
}

/// Prices of every asset and the value of the hedge book. Large: the program keeps it boxed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedVault {
    pub n: usize,
    pub prices: [ValidatedPrice; MAX_ASSETS],
    pub hedge: HedgeValues,
}

impl PricedVault {
    /// From validated prices (one per asset, in order) and the hedge book, if the vault has one.
    pub fn new(
        vault: &Vault,
        prices: &[ValidatedPrice],
        book: Option<&HedgeBook>,
        now: i64,
    ) -> Result<Box<Self>> {
        let n = vault.num_assets as usize;
        require!(prices.len() >= n, VaultError::OracleAccountCountMismatch);
        let mut p = Box::new(Self {
            n,
            prices: [ValidatedPrice::default(); MAX_ASSETS],
            hedge: HedgeValues::default(),
        });
        p.prices[..n].copy_from_slice(&prices[..n]);
        p.value_hedge(vault, book, now)?;
        Ok(p)
    }

    /// Values the share holders' part of `book` on every side.
    pub fn value_hedge(&mut self, vault: &Vault, book: Option<&HedgeBook>, now: i64) -> Result<()> {
        let Some(book) = book else {
            self.hedge = HedgeValues::default();
            return Ok(());
        };
        let value = |side| -> Result<i64> {
            let e = hedge_book::equity(book, self.n, &self.prices[..self.n], side, now)?;
            hedge_book::owners_value(vault, e, side)
        };
        self.hedge = HedgeValues {
            low: value(PriceSide::Low)?,
            mid: value(PriceSide::Mid)?,
            high: value(PriceSide::High)?,
        };
        Ok(())
    }

    /// Asset `i`'s accounted holding with its prices.
    pub fn holding(&self, vault: &Vault, i: usize) -> PricedHolding {
        let p = &self.prices[i];
        PricedHolding {
            amount: vault.assets[i].holdings,
            low: p.low,
            mid: p.price,
            high: p.high,
        }
    }

    /// Every asset's holding with its prices, in asset order.
    pub fn holdings(&self, vault: &Vault) -> [PricedHolding; MAX_ASSETS] {
        let mut out = [PricedHolding::default(); MAX_ASSETS];
        for (i, h) in out.iter_mut().enumerate().take(self.n) {
            *h = self.holding(vault, i);
        }
        out
    }

    /// Value of asset `i`'s holding on `side`.
    pub fn value(&self, vault: &Vault, i: usize, side: PriceSide) -> MathResult<u64> {
        holding_value(&self.holding(vault, i), side)
    }

    /// Idle base plus every holding on `side` (without the hedge book).
    pub fn spot_nav(&self, vault: &Vault, side: PriceSide) -> MathResult<u64> {
        (0..self.n).try_fold(vault.idle_base, |acc, i| {
            acc.checked_add(self.value(vault, i, side)?)
                .ok_or(crate::math::MathError::Overflow)
        })
    }

    /// NAV on `side`: idle base, every holding and the share holders' part of the margin
    /// account, each valued on that side.
    pub fn nav(&self, vault: &Vault, side: PriceSide) -> MathResult<u64> {
        nav_with_hedge(self.spot_nav(vault, side)?, self.hedge.on(side))
    }

    /// Mid prices in asset order.
    pub fn mids(&self) -> [Fx; MAX_ASSETS] {
        let mut out = [Fx::ZERO; MAX_ASSETS];
        for (o, p) in out.iter_mut().zip(self.prices.iter()).take(self.n) {
            *o = p.price;
        }
        out
    }

    /// One side's price of every asset as raw bits (what events carry).
    pub fn price_bits(&self, side: PriceSide) -> [i128; MAX_ASSETS] {
        let mut out = [0i128; MAX_ASSETS];
        for (o, p) in out.iter_mut().zip(self.prices.iter()).take(self.n) {
            *o = match side {
                PriceSide::Low => p.low,
                PriceSide::Mid => p.price,
                PriceSide::High => p.high,
            }
            .to_bits();
        }
        out
    }
}

/// A priced instruction's remaining accounts: one oracle per asset, in asset order, then (when
/// the vault has a hedge venue) its exchange and the vault's margin account.
pub type PricedAccounts<'a, 'info> = (
    &'a [AccountInfo<'info>],
    Option<(&'a AccountInfo<'info>, &'a AccountInfo<'info>)>,
);

/// Splits a priced instruction's leading remaining accounts (the rest, if any, is returned
/// untouched for the caller: a swap venue's accounts).
pub fn split<'a, 'info>(
    vault: &Vault,
    accounts: &'a [AccountInfo<'info>],
) -> Result<(PricedAccounts<'a, 'info>, &'a [AccountInfo<'info>])> {
    let n = vault.num_assets as usize;
    let len = if vault.hedge.has_venue() {
        n.checked_add(2).ok_or(VaultError::MathOverflow)?
    } else {
        n
    };
    require!(
        accounts.len() >= len,
        VaultError::OracleAccountCountMismatch
    );
    let (priced, rest) = accounts.split_at(len);
    let hedge = if vault.hedge.has_venue() {
        Some((&priced[n], &priced[n.saturating_add(1)]))
    } else {
        None
    };
    Ok(((&priced[..n], hedge), rest))
}

/// Validated prices from `oracles` (recording each publish time as the asset's newest used
/// price) and the share holders' part of `book` valued with them: the vault priced now.
pub fn load(
    vault: &mut Vault,
    oracles: &[AccountInfo],
    book: Option<&HedgeBook>,
    now: i64,
) -> Result<Box<PricedVault>> {
    let mut priced = Box::new(PricedVault {
        n: vault.num_assets as usize,
        prices: [ValidatedPrice::default(); MAX_ASSETS],
        hedge: HedgeValues::default(),
    });
    oracle::load_prices(vault, oracles, now, &mut priced.prices)?;
    priced.value_hedge(vault, book, now)?;
    Ok(priced)
}

/// [`load`] from a priced instruction's leading remaining accounts (the hedge book read from
/// the trailing `[exchange, margin account]` when the vault has a venue); returns the accounts
/// after them.
pub fn load_remaining<'a, 'info>(
    vault: &mut Vault,
    accounts: &'a [AccountInfo<'info>],
    now: i64,
) -> Result<(
    Box<PricedVault>,
    Option<HedgeBook>,
    &'a [AccountInfo<'info>],
)> {
    let ((oracles, hedge), rest) = split(vault, accounts)?;
    let book = match hedge {
        Some((exchange, margin)) => Some(hedge_book::load(vault, exchange, margin)?),
        None => None,
    };
    let priced = load(vault, oracles, book.as_ref(), now)?;
    Ok((priced, book, rest))
}

/// [`load_remaining`] over a priced instruction's whole remaining accounts.
pub fn load_exact(
    vault: &mut Vault,
    accounts: &[AccountInfo],
    now: i64,
) -> Result<Box<PricedVault>> {
    let (priced, _, rest) = load_remaining(vault, accounts, now)?;
    require!(rest.is_empty(), VaultError::OracleAccountCountMismatch);
    Ok(priced)
}

/// A step of an instruction on the priced vault: its effects, the prices they were computed
/// at, the idle base before, and the vault authority's signer seeds.
pub struct PricedStep<E> {
    pub effects: E,
    pub priced: Box<PricedVault>,
    pub idle_before: u64,
    pub signer: AuthoritySigner,
}

/// Loads the vault, prices it from `accounts` (exactly its oracles, then its hedge venue's
/// accounts), and runs `step` on it: an operation and the application of its effects.
pub fn priced_step<E>(
    loader: &AccountLoader<Vault>,
    accounts: &[AccountInfo],
    now: i64,
    step: impl FnOnce(&mut Vault, &PricedVault) -> Result<E>,
) -> Result<PricedStep<E>> {
    let mut vault = loader.load_mut()?;
    vault.check_version()?;
    let priced = load_exact(&mut vault, accounts, now)?;
    let idle_before = vault.idle_base;
    let effects = step(&mut vault, &priced)?;
    Ok(PricedStep {
        effects,
        priced,
        idle_before,
        signer: vault.authority_signer(loader.key()),
    })
}
