//! The vault account: zero-copy, `#[repr(C)]`, no implicit padding, versioned, with a reserved
//! tail for upgrades. Amounts are in the token's smallest units; `*_ts` are unix seconds.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::math::Fx;
use crate::operations::fees::ManagementAccrual;
#[cfg(test)]
use crate::state::HedgeParams;
use crate::state::{
    DeriskFamily, HedgeConfig, RebalanceParams, RebalanceState, Venue, DERISK_FAMILIES,
};

/// A fixed-point value stored as its little-endian bits (alignment 1, so the account layout is
/// the same on every target).
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct FxBits {
    pub bits: [u8; 16],
}

impl FxBits {
    pub fn get(&self) -> Fx {
        Fx::from_bits(i128::from_le_bytes(self.bits))
    }
    pub fn set(&mut self, value: Fx) {
        self.bits = value.to_bits().to_le_bytes();
    }
    pub fn from_fx(value: Fx) -> Self {
        Self {
            bits: value.to_bits().to_le_bytes(),
        }
    }
}

/// How an asset is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OracleKind {
    /// Pyth pull oracle: a `PriceUpdateV2` account owned by the Pyth receiver; `oracle_id` is
    /// the feed id, and any fully verified update account for that feed is accepted.
    PullV2 = 0,
    /// Legacy Pyth push price account; `oracle_id` is the account's address.
    Legacy = 1,
}

impl OracleKind {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::PullV2),
            1 => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// Limits an asset's oracle price must meet.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct OracleConfig {
    /// Feed id (`PullV2`) or price account address (`Legacy`).
    pub oracle_id: [u8; 32],
    /// Oldest acceptable publish time, in seconds before now.
    pub max_age_s: u32,
    /// Largest acceptable confidence / price, in bps.
    pub max_conf_bps: u16,
    /// Largest acceptable |price - ema| / ema, in bps.
    pub max_ema_dev_bps: u16,
    /// [`OracleKind`] as a byte.
    pub kind: u8,
    pub _pad: [u8; 7],
}

impl OracleConfig {
    /// Replaces the limits, then checks them against the hard bounds.
    pub fn set_limits(
        &mut self,
        max_age_s: u32,
        max_conf_bps: u16,
        max_ema_dev_bps: u16,
    ) -> Result<()> {
        self.max_age_s = max_age_s;
        self.max_conf_bps = max_conf_bps;
        self.max_ema_dev_bps = max_ema_dev_bps;
        self.validate()
    }

    pub fn validate(&self) -> Result<()> {
        require!(
            OracleKind::from_u8(self.kind).is_some(),
            VaultError::ParamOracleKindUnknown
        );
        require!(
            (MIN_ORACLE_MAX_AGE_S..=MAX_ORACLE_MAX_AGE_S).contains(&self.max_age_s),
            VaultError::ParamOracleMaxAgeOutOfBounds
        );
        require!(
            (MIN_ORACLE_MAX_CONF_BPS..=MAX_ORACLE_MAX_CONF_BPS).contains(&self.max_conf_bps),
            VaultError::ParamOracleMaxConfOutOfBounds
        );
        require!(
            (MIN_ORACLE_MAX_EMA_DEV_BPS..=MAX_ORACLE_MAX_EMA_DEV_BPS)
                .contains(&self.max_ema_dev_bps),
            VaultError::ParamOracleMaxEmaDevOutOfBounds
        );
        Ok(())
    }
}

/// One asset the vault may hold besides its base token.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct AssetSlot {
    pub mint: Pubkey,
    /// The vault's token account for this mint (PDA `[VAULT_TOKEN_SEED, vault, mint]`).
    pub token_account: Pubkey,
    /// SPL Token or Token-2022: the program that owns `mint`.
    pub token_program: Pubkey,
    pub oracle: OracleConfig,
    /// Units the vault accounts for; the token account may hold more (donations).
    pub holdings: u64,
    /// Publish time of the newest price the vault has used for this asset.
    pub last_price_ts: i64,
    pub min_weight_bps: u16,
    pub max_weight_bps: u16,
    pub decimals: u8,
    pub token_account_bump: u8,
    pub _pad: [u8; 2],
    /// Last time a de-risking tightened this asset's oracle limits.
    pub oracle_derisk_ts: i64,
    pub _reserved: [u8; 56],
}

/// Parameters governance sets, each within hard bounds checked by [`VaultParams::validate`].
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct VaultParams {
    /// Largest NAV (base units) a deposit may take the vault to.
    pub deposit_cap: u64,
    /// Smallest deposit, in base units.
    pub min_deposit: u64,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    pub _pad: [u8; 4],
}

impl VaultParams {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.management_fee_bps <= MAX_MANAGEMENT_FEE_BPS,
            VaultError::ParamManagementFeeTooHigh
        );
        require!(
            self.performance_fee_bps <= MAX_PERFORMANCE_FEE_BPS,
            VaultError::ParamPerformanceFeeTooHigh
        );
        require!(self.min_deposit >= 1, VaultError::ParamMinDepositZero);
        require!(
            self.deposit_cap >= self.min_deposit,
            VaultError::ParamDepositCapBelowMinDeposit
        );
        Ok(())
    }
}

#[account(zero_copy)]
#[derive(Debug)]
pub struct Vault {
    pub version: u8,
    pub bump: u8,
    pub authority_bump: u8,
    pub share_mint_bump: u8,
    pub base_vault_bump: u8,
    pub dead_shares_bump: u8,
    pub num_assets: u8,
    /// `PAUSE_*` bits.
    pub pause_flags: u8,
    pub base_decimals: u8,
    pub _pad0: [u8; 7],
    /// Lets one creator open several vaults on the same base mint.
    pub seed_id: u64,
    pub creator: Pubkey,
    /// Holds every governance power; a multisig in production.
    pub admin: Pubkey,
    /// Nominated by an applied proposal; becomes admin when it accepts.
    pub pending_admin: Pubkey,
    /// May only de-risk: pause, lower the deposit cap, tighten oracle limits, cancel proposals.
    pub guardian: Pubkey,
    /// Receives management and performance fee shares.
    pub fee_recipient: Pubkey,
    pub base_mint: Pubkey,
    pub base_token_program: Pubkey,
    pub base_vault: Pubkey,
    pub share_mint: Pubkey,
    pub params: VaultParams,
    /// Base units the vault accounts for (the idle buffer).
    pub idle_base: u64,
    /// Management-fee shares accrued but not yet minted; counted in the share supply for
    /// pricing so every entry and exit pays its share of the fee.
    pub pending_fee_shares: u64,
    /// Fraction of a fee share accrued but not yet whole; carried to the next accrual.
    pub pending_fee_fraction: FxBits,
    /// Last time management fees were accrued (every share-changing instruction does).
    pub last_fee_ts: i64,
    /// Last time `accrue_fees` crystallised fees; it is a no-op again within the same second.
    pub last_crystallize_ts: i64,
    /// Highest NAV per share (base units per share) on which a performance fee was paid.
    pub hwm_pps: FxBits,
    /// Seconds a proposal waits before it can be applied.
    pub timelock_s: u32,
    pub _pad1: [u8; 4],
    /// Id the next proposal gets.
    pub next_proposal_id: u64,
    pub assets: [AssetSlot; MAX_ASSETS],
    pub rebalance: RebalanceParams,
    pub venues: [Venue; MAX_VENUES],
    pub rebalance_state: RebalanceState,
    pub hedge: HedgeConfig,
    /// Net deposits (positive) or withdrawals (negative), base units, that no trade has
    /// invested or divested yet: the part of a new flow beyond it pays the flow levy. It
    /// lapses one cap interval after `flow_ts` (`operations::flow::waiting`).
    pub flow_unabsorbed: i64,
    /// When a flow last added to `flow_unabsorbed`, unix seconds.
    pub flow_ts: i64,
    /// Last de-risking of each [`DeriskFamily`], unix seconds.
    pub derisk_ts: [i64; DERISK_FAMILIES],
    /// Time-weighted NAV per share (low side) the performance fee is charged on.
    pub perf_pps_ema: FxBits,
    /// NAV per share at the last update of `perf_pps_ema`.
    pub perf_pps_last: FxBits,
    pub perf_ts: i64,
    /// The withdrawal queue (`operations::queue`): id of the oldest request not yet passed.
    pub queue_head: u64,
    /// Id the next request gets.
    pub queue_next: u64,
    /// Shares held in escrow by queued requests (still in the supply).
    pub queue_shares: u64,
    /// Base units the queued requests are owed at their request values: the idle base
    /// `withdraw` cannot take, and what the rebalancing targets raise the base weight by.
    pub queue_owed: u64,
    /// Base units filled and not yet claimed: in the base account, outside the idle base
    /// and NAV.
    pub queue_payable: u64,
    pub _reserved: [u8; 360],
}

/// The vault authority's signer seeds, held so a CPI can borrow them.
pub struct AuthoritySigner {
    vault: Pubkey,
    bump: [u8; 1],
}

impl AuthoritySigner {
    pub fn seeds(&self) -> [&[u8]; 3] {
        [AUTHORITY_SEED, self.vault.as_ref(), &self.bump]
    }
}

impl Vault {
    /// Account size without the 8-byte discriminator.
    pub const SIZE: usize = core::mem::size_of::<Vault>();

    pub fn active_assets(&self) -> &[AssetSlot] {
        &self.assets[..self.num_assets as usize]
    }

    pub fn active_assets_mut(&mut self) -> &mut [AssetSlot] {
        let n = self.num_assets as usize;
        &mut self.assets[..n]
    }

    /// Every asset's `min <= max <= 100 %`, and the minimums add up to at most 100 %.
    pub fn validate_weight_bounds(&self) -> Result<()> {
        let mut min_sum = 0u64;
        for a in self.active_assets() {
            require!(
                a.min_weight_bps <= a.max_weight_bps && a.max_weight_bps as u64 <= BPS_DENOMINATOR,
                VaultError::ParamWeightBoundsInvalid
            );
            min_sum = min_sum.saturating_add(a.min_weight_bps as u64);
        }
        require!(
            min_sum <= BPS_DENOMINATOR,
            VaultError::ParamMinWeightsExceedOne
        );
        Ok(())
    }

    /// Signer seeds of the authority of the vault at `vault_key`.
    pub fn authority_signer(&self, vault_key: Pubkey) -> AuthoritySigner {
        AuthoritySigner {
            vault: vault_key,
            bump: [self.authority_bump],
        }
    }

    /// A de-risking of `family` happened after `ts`.
    pub fn derisked_since(&self, family: DeriskFamily, ts: i64) -> bool {
        self.derisk_ts[family as usize] > ts
    }

    /// The vault's token account for a portfolio slot (`num_assets` is the base token).
    pub fn token_account_of(&self, slot: usize) -> Pubkey {
        if slot == self.num_assets as usize {
            self.base_vault
        } else {
            self.assets[slot].token_account
        }
    }

    /// Units the vault accounts for in a portfolio slot (`num_assets` is the idle base).
    pub fn held(&self, slot: usize) -> u64 {
        if slot == self.num_assets as usize {
            self.idle_base
        } else {
            self.assets[slot].holdings
        }
    }

    pub fn held_mut(&mut self, slot: usize) -> &mut u64 {
        if slot == self.num_assets as usize {
            &mut self.idle_base
        } else {
            &mut self.assets[slot].holdings
        }
    }

    /// Takes `amount` out of the idle buffer.
    pub fn debit_idle(&mut self, amount: u64) -> Result<()> {
        self.idle_base = self
            .idle_base
            .checked_sub(amount)
            .ok_or(VaultError::WithdrawInsufficientIdle)?;
        Ok(())
    }

    /// Idle base not reserved for the queued requests: what `withdraw` may pay.
    pub fn free_idle(&self) -> u64 {
        self.idle_base.saturating_sub(self.queue_owed)
    }

    /// Base units the base account must hold at least: the idle base and what the queue's
    /// filled requests are still to be paid.
    pub fn base_accounted(&self) -> Result<u64> {
        self.idle_base
            .checked_add(self.queue_payable)
            .ok_or_else(|| error!(VaultError::MathOverflow))
    }

    /// Adds `amount` to the idle buffer.
    pub fn credit_idle(&mut self, amount: u64) -> Result<()> {
        self.idle_base = self
            .idle_base
            .checked_add(amount)
            .ok_or(VaultError::MathOverflow)?;
        Ok(())
    }

    pub fn check_admin(&self, signer: &Pubkey) -> Result<()> {
        require_keys_eq!(*signer, self.admin, VaultError::AuthNotAdmin);
        Ok(())
    }

    pub fn check_admin_or_guardian(&self, signer: &Pubkey) -> Result<()> {
        require!(
            *signer == self.admin || *signer == self.guardian,
            VaultError::AuthNotAdminOrGuardian
        );
        Ok(())
    }

    pub fn check_not_paused(&self, flag: u8) -> Result<()> {
        require!(self.pause_flags & flag == 0, VaultError::InstructionPaused);
        Ok(())
    }

    pub fn check_version(&self) -> Result<()> {
        require!(
            self.version == VAULT_VERSION,
            VaultError::VaultVersionMismatch
        );
        Ok(())
    }

    pub fn deposits_paused(&self) -> bool {
        self.pause_flags & PAUSE_DEPOSITS != 0
    }

    /// Records a management-fee accrual up to `now_ts`.
    pub fn apply_management_accrual(
        &mut self,
        accrual: &ManagementAccrual,
        now_ts: i64,
    ) -> Result<()> {
        self.pending_fee_shares = self
            .pending_fee_shares
            .checked_add(accrual.shares)
            .ok_or_else(|| error!(VaultError::MathOverflow))?;
        self.pending_fee_fraction.set(accrual.fraction);
        self.last_fee_ts = now_ts;
        Ok(())
    }

    /// Share supply used for pricing: minted shares plus accrued fee shares.
    pub fn pricing_supply(&self, minted_supply: u64) -> Result<u64> {
        minted_supply
            .checked_add(self.pending_fee_shares)
            .ok_or_else(|| error!(VaultError::MathOverflow))
    }

    /// Structural invariants of the account. Balance invariants (accounting <= token
    /// balances, supply changes) are checked by the handlers that move tokens.
    pub fn invariant(&self) -> Result<()> {
        let n = (self.num_assets as usize).min(MAX_ASSETS);
        let ok = self.version == VAULT_VERSION
            && self.num_assets as usize <= MAX_ASSETS
            && self.pause_flags & !PAUSE_ALL_FLAGS == 0
            && self.params.validate().is_ok()
            && self.hwm_pps.get() > Fx::ZERO
            && self.perf_pps_ema.get() >= Fx::ZERO
            && self.perf_pps_last.get() >= Fx::ZERO
            && self.pending_fee_fraction.get() >= Fx::ZERO
            && self.pending_fee_fraction.get() < Fx::ONE
            && (MIN_TIMELOCK_S..=MAX_TIMELOCK_S).contains(&self.timelock_s)
            && self.queue_head <= self.queue_next
            && (self.queue_shares > 0 || self.queue_owed == 0)
            && self.assets[n..]
                .iter()
                .all(|a| bytemuck::bytes_of(a).iter().all(|b| *b == 0));
        require!(ok, VaultError::VaultInvariantViolated);
        for (i, a) in self.active_assets().iter().enumerate() {
            let slot_ok = a.oracle.validate().is_ok()
                && a.mint != self.base_mint
                && self.active_assets()[..i].iter().all(|b| b.mint != a.mint);
            require!(slot_ok, VaultError::VaultInvariantViolated);
        }
        require!(
            self.validate_weight_bounds().is_ok(),
            VaultError::VaultInvariantViolated
        );
        require!(
            self.rebalance.validate().is_ok(),
            VaultError::VaultInvariantViolated
        );
        let h = &self.hedge;
        let hedge_ok = h.params.validate().is_ok()
            && h.units_claimed <= h.units_total
            && h.has_venue() == h.is_open()
            && (h.has_venue() || h.units_total == 0);
        require!(hedge_ok, VaultError::VaultInvariantViolated);
        for (i, v) in self.venues.iter().enumerate() {
            let ok = v.is_empty() && bytemuck::bytes_of(v).iter().all(|b| *b == 0)
                || v.validate().is_ok()
                    && self.venues[..i]
                        .iter()
                        .all(|w| w.program_id != v.program_id);
            require!(ok, VaultError::VaultInvariantViolated);
        }
        Ok(())
    }

    /// The whitelisted venue at `index`.
    pub fn venue(&self, index: u8) -> Result<&Venue> {
        self.venues
            .get(index as usize)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| error!(VaultError::VenueNotWhitelisted))
    }

    /// Adds a venue to the first empty slot.
    pub fn add_venue(&mut self, venue: Venue) -> Result<()> {
        venue.validate()?;
        require!(
            self.venues.iter().all(|v| v.program_id != venue.program_id),
            VaultError::ParamVenueDuplicate
        );
        let slot = self
            .venues
            .iter_mut()
            .find(|v| v.is_empty())
            .ok_or_else(|| error!(VaultError::ParamVenueListFull))?;
        *slot = venue;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_has_no_implicit_padding() {
        // Sum of field sizes equals the struct size: any implicit padding would break this.
        assert_eq!(core::mem::size_of::<OracleConfig>(), 32 + 4 + 2 + 2 + 1 + 7);
        assert_eq!(
            core::mem::size_of::<AssetSlot>(),
            32 * 3 + core::mem::size_of::<OracleConfig>() + 8 + 8 + 2 + 2 + 1 + 1 + 2 + 8 + 56
        );
        assert_eq!(core::mem::size_of::<VaultParams>(), 8 + 8 + 2 + 2 + 4);
        assert_eq!(
            Vault::SIZE,
            16 + 8
                + 32 * 9
                + core::mem::size_of::<VaultParams>()
                + 8 * 4
                + 16 * 2
                + 4
                + 4
                + 8
                + MAX_ASSETS * core::mem::size_of::<AssetSlot>()
                + 928
        );
        // The rebalancing fields were carved from the reserved tail: the size is unchanged.
        assert_eq!(
            core::mem::size_of::<RebalanceParams>(),
            8 * 2 + 4 * 6 + 2 * 6 + 4
        );
        assert_eq!(core::mem::size_of::<Venue>(), 32 + 2 + 1 + 5);
        assert_eq!(core::mem::size_of::<RebalanceState>(), 8 * 7 + 4 * 2);
        // Fields added since carve their bytes out of the reserved tail.
        assert_eq!(
            core::mem::size_of::<RebalanceParams>()
                + MAX_VENUES * core::mem::size_of::<Venue>()
                + core::mem::size_of::<RebalanceState>()
                + core::mem::size_of::<HedgeConfig>()
                + 8 * 2
                + 8 * DERISK_FAMILIES
                + 16 * 2
                + 8
                + 8 * 5
                + 360,
            928
        );
        assert_eq!(core::mem::size_of::<HedgeParams>(), 4 + 2 * 6 + 1 + 7);
        assert_eq!(
            core::mem::size_of::<HedgeConfig>(),
            32 * 3 + 8 * 3 + 4 * 2 + 24 + 8
        );
        assert_eq!(core::mem::align_of::<Vault>(), 8);
        assert_eq!(Vault::SIZE % 8, 0);
    }
}
