//! Governance transitions: applying a timelocked change and a de-risking action, each
//! validated against every account whose rules it touches.
//!
//! Changes compose: a change names only the fields it sets (so two pending proposals of one
//! family never overwrite each other), a change touching the weight bounds or the risk
//! parameters is checked against both the vault and the risk account (the fixed warm-up
//! weights must respect every bound), and a proposal created before the last de-risking of its
//! family may not loosen anything that family holds.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::state::{
    DeriskAction, DeriskFamily, OracleConfig, ParamChange, RiskParams, Vault, Venue,
};

/// When a change is checked: at proposal time (on a scratch copy of the vault) or when it is
/// applied (against the current state, with the fee crystallisation rule and the de-risking
/// rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStage {
    Propose,
    /// Applying a proposal created at this unix time.
    Apply {
        created_ts: i64,
    },
}

fn asset_index(vault: &Vault, index: u8) -> Result<usize> {
    require!(index < vault.num_assets, VaultError::AssetIndexOutOfRange);
    Ok(index as usize)
}

fn oracle_loosens(new: &OracleConfig, old: &OracleConfig) -> bool {
    new.max_age_s > old.max_age_s
        || new.max_conf_bps > old.max_conf_bps
        || new.max_ema_dev_bps > old.max_ema_dev_bps
}

/// What a change could loosen, captured before it is applied.
enum Before {
    Nothing,
    DepositCap(u64),
    Oracle(usize, OracleConfig),
    Rebalance(crate::state::RebalanceParams),
    Hedge(crate::state::HedgeParams),
}

/// The state a de-risking may have tightened that `change` touches, when the de-risking came
/// after the proposal was created.
fn guarded(vault: &Vault, change: &ParamChange, created_ts: i64) -> Result<Before> {
    if let ParamChange::AssetOracle { index, .. } = *change {
        let i = asset_index(vault, index)?;
        return Ok(if vault.assets[i].oracle_derisk_ts > created_ts {
            Before::Oracle(i, vault.assets[i].oracle)
        } else {
            Before::Nothing
        });
    }
    let Some(family) = change.family() else {
        return Ok(Before::Nothing);
    };
    if !vault.derisked_since(family, created_ts) {
        return Ok(Before::Nothing);
    }
    Ok(match family {
        DeriskFamily::DepositLimits => Before::DepositCap(vault.params.deposit_cap),
        DeriskFamily::Rebalance => Before::Rebalance(vault.rebalance),
        DeriskFamily::Hedge => Before::Hedge(vault.hedge.params),
        // Any venue added after the guardian removed one would undo it.
        DeriskFamily::Venues => return err!(VaultError::GovProposalUndoesDerisk),
    })
}

fn loosened(vault: &Vault, before: &Before) -> bool {
    match before {
        Before::Nothing => false,
        Before::DepositCap(cap) => vault.params.deposit_cap > *cap,
        Before::Oracle(i, old) => oracle_loosens(&vault.assets[*i].oracle, old),
        Before::Rebalance(old) => vault.rebalance.loosens(old),
        Before::Hedge(old) => vault.hedge.params.loosens(old),
    }
}

/// Applies `change` to `vault` (and to `risk`, the risk account's parameters, when the vault
/// has one: required for risk parameters, checked for weight bounds), then checks the
/// invariants. On `Apply` it also refuses a fee change not made right after a crystallisation
/// and a change that would undo a later de-risking.
pub fn apply_change(
    vault: &mut Vault,
    risk: Option<&mut RiskParams>,
    change: &ParamChange,
    stage: ChangeStage,
    now_ts: i64,
) -> Result<()> {
    let before = match stage {
        ChangeStage::Apply { created_ts } => guarded(vault, change, created_ts)?,
        ChangeStage::Propose => Before::Nothing,
    };
    match *change {
        ParamChange::Fees {
            management_fee_bps,
            performance_fee_bps,
        } => {
            if matches!(stage, ChangeStage::Apply { .. }) {
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
            if let Some(params) = risk {
                params.check_fixed_weights(vault)?;
            }
        }
        ParamChange::RiskParams(patch) => {
            require!(!patch.is_empty(), VaultError::GovChangeEmpty);
            let current = risk.ok_or(VaultError::GovRiskAccountMissing)?;
            let params = patch.applied_to(current);
            params.validate()?;
            params.check_fixed_weights(vault)?;
            *current = params;
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
        ParamChange::Rebalance(patch) => {
            require!(!patch.is_empty(), VaultError::GovChangeEmpty);
            let params = patch.applied_to(&vault.rebalance);
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
            let h = &vault.hedge;
            require!(
                h.units_total == 0 && h.claims_owed == 0,
                VaultError::HedgeVenueInUse
            );
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
        ParamChange::Hedge(patch) => {
            require!(!patch.is_empty(), VaultError::GovChangeEmpty);
            let params = patch.applied_to(&vault.hedge.params);
            params.validate()?;
            vault.hedge.params = params;
        }
    }
    require!(
        !loosened(vault, &before),
        VaultError::GovProposalUndoesDerisk
    );
    vault.invariant()
}

/// Applies a de-risking action at `now_ts`; refuses anything that would loosen a limit or
/// change nothing, and records when its family was last tightened.
pub fn apply_derisk(vault: &mut Vault, action: &DeriskAction, now_ts: i64) -> Result<()> {
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
            let o = &vault.assets[i].oracle;
            let no_looser = max_age_s <= o.max_age_s
                && max_conf_bps <= o.max_conf_bps
                && max_ema_dev_bps <= o.max_ema_dev_bps;
            let tighter = max_age_s < o.max_age_s
                || max_conf_bps < o.max_conf_bps
                || max_ema_dev_bps < o.max_ema_dev_bps;
            require!(no_looser && tighter, VaultError::GovNotDerisking);
            vault.assets[i]
                .oracle
                .set_limits(max_age_s, max_conf_bps, max_ema_dev_bps)?;
            vault.assets[i].oracle_derisk_ts = now_ts;
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
        DeriskAction::TightenRebalance(patch) => {
            let params = patch.applied_to(&vault.rebalance);
            params.validate()?;
            require!(
                params.is_no_looser_than(&vault.rebalance) && params != vault.rebalance,
                VaultError::GovNotDerisking
            );
            vault.rebalance = params;
        }
        DeriskAction::TightenHedge(patch) => {
            let params = patch.applied_to(&vault.hedge.params);
            params.validate()?;
            require!(
                params.is_no_looser_than(&vault.hedge.params) && params != vault.hedge.params,
                VaultError::GovNotDerisking
            );
            vault.hedge.params = params;
        }
    }
    if let Some(family) = action.family() {
        vault.derisk_ts[family as usize] = now_ts;
    }
    vault.invariant()
}
