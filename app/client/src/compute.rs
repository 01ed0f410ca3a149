//! The compute-unit limit every transaction the client builds carries: for each vault
//! instruction, the high estimate `vault-sim budget` measured at 16 assets plus 10 %
//! ([`LIMITS`], generated into `cu_limits.rs` by `vault-sim budget --write` and checked by
//! `vault-sim budget` and the `budget` tests). Without a limit the runtime allows 200,000
//! units per instruction, which a 16-asset deposit or withdrawal passes.

use anchor_lang::Discriminator;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;

include!("cu_limits.rs");

/// What a transaction may use at most.
pub const MAX_TRANSACTION_UNITS: u32 = 1_400_000;

/// The name of a vault instruction from its discriminator.
pub fn instruction_name(ix: &Instruction) -> Option<&'static str> {
    use portfolio_vault::instruction as i;
    if ix.program_id != portfolio_vault::ID || ix.data.len() < 8 {
        return None;
    }
    let d = &ix.data[..8];
    let names: [(&[u8], &str); 26] = [
        (i::AcceptAdmin::DISCRIMINATOR, "accept_admin"),
        (i::AccrueFees::DISCRIMINATOR, "accrue_fees"),
        (i::AddAsset::DISCRIMINATOR, "add_asset"),
        (i::ApplyProposal::DISCRIMINATOR, "apply_proposal"),
        (i::CancelProposal::DISCRIMINATOR, "cancel_proposal"),
        (i::CancelWithdraw::DISCRIMINATOR, "cancel_withdraw"),
        (i::ClaimWithdraw::DISCRIMINATOR, "claim_withdraw"),
        (i::ComputeTargets::DISCRIMINATOR, "compute_targets"),
        (i::Deposit::DISCRIMINATOR, "deposit"),
        (i::Derisk::DISCRIMINATOR, "derisk"),
        (i::FillWithdraw::DISCRIMINATOR, "fill_withdraw"),
        (i::InitHedge::DISCRIMINATOR, "init_hedge"),
        (i::InitializeRisk::DISCRIMINATOR, "initialize_risk"),
        (i::InitializeVault::DISCRIMINATOR, "initialize_vault"),
        (i::MoveCollateral::DISCRIMINATOR, "move_collateral"),
        (i::OpenHedgeClaim::DISCRIMINATOR, "open_hedge_claim"),
        (i::ProposeChange::DISCRIMINATOR, "propose_change"),
        (i::RebalanceHedge::DISCRIMINATOR, "rebalance_hedge"),
        (i::RebalanceSwap::DISCRIMINATOR, "rebalance_swap"),
        (i::RedeemInKind::DISCRIMINATOR, "redeem_in_kind"),
        (i::RequestWithdraw::DISCRIMINATOR, "request_withdraw"),
        (i::SetPause::DISCRIMINATOR, "set_pause"),
        (i::SettleHedgeClaim::DISCRIMINATOR, "settle_hedge_claim"),
        (i::SweepSurplus::DISCRIMINATOR, "sweep_surplus"),
        (i::UpdateRisk::DISCRIMINATOR, "update_risk"),
        (i::Withdraw::DISCRIMINATOR, "withdraw"),
    ];
    names.iter().find(|(disc, _)| *disc == d).map(|(_, n)| *n)
}

/// Instructions not measured by the budget (set-up and governance without a loop over the
/// assets) get this.
pub const DEFAULT_LIMIT: u32 = 200_000;

/// The limit for one instruction: the measured one for the vault's, the default otherwise.
pub fn limit_for(ix: &Instruction) -> u32 {
    instruction_name(ix)
        .and_then(|n| LIMITS.iter().find(|(name, _)| *name == n))
        .map(|(_, l)| *l)
        .unwrap_or(DEFAULT_LIMIT)
}

/// `ixs` with a compute-unit limit in front (the sum of theirs, at most a transaction's), unless
/// they already set one.
pub fn with_limit(ixs: &[Instruction]) -> Vec<Instruction> {
    let budget_program = solana_compute_budget_interface::id();
    if ixs.iter().any(|ix| ix.program_id == budget_program) {
        return ixs.to_vec();
    }
    let total = ixs
        .iter()
        .map(limit_for)
        .fold(0u32, u32::saturating_add)
        .min(MAX_TRANSACTION_UNITS);
    let mut out = vec![ComputeBudgetInstruction::set_compute_unit_limit(total)];
    out.extend_from_slice(ixs);
    out
}
