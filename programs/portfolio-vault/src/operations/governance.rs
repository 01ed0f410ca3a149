//! Governance transitions: applying a timelocked change and a de-risking action, each
//! validated against the state it lands on.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::state::{DeriskAction, ParamChange, RiskState, Vault, Venue};

/// When a change is checked: at proposal time (bounds only, on a scratch copy) or when it is
/// applied (bounds against the current state, plus the fee crystallisation rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStage {
    Propose,
    Apply,
}

fn asset_index(vault: &Vault, index: u8) -> Result<usize> {
    require!(index < vault.num_assets, VaultError::AssetIndexOutOfRange);
    Ok(index as usize)
}

/// Applies `change` to `vault` (and `risk` for risk parameters), then checks the invariants.
pub fn apply_change(
    vault: &mut Vault,
    risk: Option<&mut RiskState>,
    change: &ParamChange,
    stage: ChangeStage,
    now_ts: i64,
) -> Result<()> {
    match *change {
        ParamChange::Fees {
            management_fee_bps,
            performance_fee_bps,
        } => {
            if stage == ChangeStage::Apply {
                // A new rate must not reach back over time already accrued at the old one.
                require!(
                    vault.last_crystallize_ts == now_ts,
                    VaultError::GovFeesNotCrystallized
                );
            }
            vault.params.management_fee_bps = management_fee_bps;
            vault.params.performance_fee_bps = performance_fee_bps;
            vault.params.validate()?;
        }
        ParamChange::DepositLimits {
            deposit_cap,
            min_deposit,
        } => {
            vault.params.deposit_cap = deposit_cap;
            vault.params.min_deposit = min_deposit;
            vault.params.validate()?;
        }
        ParamChange::AssetOracle {
            index,
            max_age_s,
            max_conf_bps,
            max_ema_dev_bps,
        } => {
            let i = asset_index(vault, index)?;
            vault.assets[i]
                .oracle
                .set_limits(max_age_s, max_conf_bps, max_ema_dev_bps)?;
        }
        ParamChange::AssetWeights {
            index,
            min_weight_bps,
            max_weight_bps,
        } => {
            let i = asset_index(vault, index)?;
            vault.assets[i].min_weight_bps = min_weight_bps;
            vault.assets[i].max_weight_bps = max_weight_bps;
            vault.validate_weight_bounds()?;
        }
        ParamChange::RiskParams(args) => {
            let params = args.params();
            params.validate()?;
            if stage == ChangeStage::Apply {
                let risk = risk.ok_or(VaultError::GovRiskAccountMissing)?;
                risk.params = params;
                risk.invariant()?;
            }
        }
        ParamChange::Guardian(key) => vault.guardian = key,
        ParamChange::FeeRecipient(key) => vault.fee_recipient = key,
        ParamChange::NominateAdmin(key) => vault.pending_admin = key,
        ParamChange::Timelock(t) => {
            require!(
                (MIN_TIMELOCK_S..=MAX_TIMELOCK_S).contains(&t),
                VaultError::ParamTimelockOutOfBounds
            );
            vault.timelock_s = t;
        }
        ParamChange::Rebalance(args) => {
            let params = args.params();
            params.validate()?;
            vault.rebalance = params;
        }
        ParamChange::AddVenue {
            program_id,
            kind,
            fee_bps,
        } => vault.add_venue(Venue {
            program_id,
            fee_bps,
            kind,
            _pad: [0; 5],
        })?,
        ParamChange::HedgeVenue {
            program_id,
            exchange,
            margin_account,
        } => {
            require!(vault.hedge.units_total == 0, VaultError::HedgeVenueInUse);
            let probe = Venue {
                program_id,
                fee_bps: 0,
                kind: VENUE_KIND_AMM,
                _pad: [0; 5],
            };
            probe.validate()?;
            require!(
                exchange != Pubkey::default() && margin_account != Pubkey::default(),
                VaultError::ParamVenueProgramInvalid
            );
            vault.hedge.program_id = program_id;
            vault.hedge.exchange = exchange;
            vault.hedge.margin_account = margin_account;
        }
        ParamChange::Hedge(args) => {
            let params = args.params();
            params.validate()?;
            vault.hedge.params = params;
        }
    }
    vault.invariant()
}

/// Applies a de-risking action; refuses anything that would loosen a limit or change nothing.
pub fn apply_derisk(vault: &mut Vault, action: &DeriskAction) -> Result<()> {
    match *action {
        DeriskAction::LowerDepositCap(cap) => {
            require!(cap < vault.params.deposit_cap, VaultError::GovNotDerisking);
            vault.params.deposit_cap = cap;
            vault.params.validate()?;
        }
        DeriskAction::TightenAssetOracle {
            index,
            max_age_s,
            max_conf_bps,
            max_ema_dev_bps,
        } => {
            let i = asset_index(vault, index)?;
            let o = &mut vault.assets[i].oracle;
            let no_looser = max_age_s <= o.max_age_s
                && max_conf_bps <= o.max_conf_bps
                && max_ema_dev_bps <= o.max_ema_dev_bps;
            let tighter = max_age_s < o.max_age_s
                || max_conf_bps < o.max_conf_bps
                || max_ema_dev_bps < o.max_ema_dev_bps;
            require!(no_looser && tighter, VaultError::GovNotDerisking);
            o.set_limits(max_age_s, max_conf_bps, max_ema_dev_bps)?;
        }
        DeriskAction::Pause(mask) => {
            require!(
                mask & !PAUSE_ALL_FLAGS == 0,
                VaultError::ParamUnknownPauseFlag
            );
            require!(mask & !vault.pause_flags != 0, VaultError::GovNotDerisking);
            vault.pause_flags |= mask;
        }
        DeriskAction::RemoveVenue(index) => {
            vault.venue(index)?;
            vault.venues[index as usize] = bytemuck::Zeroable::zeroed();
        }
        DeriskAction::TightenRebalance(args) => {
            let params = args.params();
            params.validate()?;
            require!(
                params.is_no_looser_than(&vault.rebalance) && params != vault.rebalance,
                VaultError::GovNotDerisking
            );
            vault.rebalance = params;
        }
        DeriskAction::TightenHedge(args) => {
            let params = args.params();
            params.validate()?;
            require!(
                params.is_no_looser_than(&vault.hedge.params) && params != vault.hedge.params,
                VaultError::GovNotDerisking
            );
            vault.hedge.params = params;
        }
    }
    vault.invariant()
}
