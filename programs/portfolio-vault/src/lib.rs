//! Portfolio vault: pooled deposits valued with Pyth prices, rebalanced by permissionless
//! keepers under on-chain checks. See `README.md` for the architecture.
//!
//! Instructions below are grouped by who calls them: depositors, keepers (anyone), the admin,
//! and the guardian.
#![deny(arithmetic_overflow)]
#![allow(clippy::result_large_err)]

use anchor_lang::prelude::*;

pub mod checks;
pub mod constants;
pub mod cpi;
pub mod error;
pub mod events;
pub mod hedge_book;
pub mod instructions;
pub mod math;
pub mod operations;
pub mod oracle;
pub mod pricing;
pub mod state;

pub use instructions::*;

declare_id!("CgSZwiZQ4jxSTocqcYFCNDTwbtuTcQyFk6UJrCLKy6TQ");

#[program]
pub mod portfolio_vault {
    use super::*;

    // ------------------------------------------------------------ depositors

    /// Deposits base tokens for shares priced at NAV with every asset at the high side of its band, less the flow levy.
    pub fn deposit<'info>(
        ctx: Context<'info, Deposit<'info>>,
        amount: u64,
        min_shares_out: u64,
    ) -> Result<()> {
        instructions::handle_deposit(ctx, amount, min_shares_out)
    }

    /// Burns shares for base tokens from the idle buffer at NAV with every asset at the low side of its band, less the flow levy.
    pub fn withdraw<'info>(
        ctx: Context<'info, Withdraw<'info>>,
        shares: u64,
        min_assets_out: u64,
    ) -> Result<()> {
        instructions::handle_withdraw(ctx, shares, min_assets_out)
    }

    /// Burns shares for a pro-rata slice of every holding; needs no oracle and works while paused.
    pub fn redeem_in_kind<'info>(
        ctx: Context<'info, RedeemInKind<'info>>,
        shares: u64,
    ) -> Result<()> {
        instructions::handle_redeem_in_kind(ctx, shares)
    }

    /// Queues a withdrawal: the shares go into escrow, owed at most their value now (low side) less the flow levy.
    pub fn request_withdraw<'info>(
        ctx: Context<'info, RequestWithdraw<'info>>,
        shares: u64,
        min_owed: u64,
    ) -> Result<()> {
        instructions::handle_request_withdraw(ctx, shares, min_owed)
    }

    /// Sends what fills have paid a queued request to its receiver; closes the request when done.
    pub fn claim_withdraw<'info>(ctx: Context<'info, ClaimWithdraw<'info>>) -> Result<()> {
        instructions::handle_claim_withdraw(ctx)
    }

    /// Returns the unfilled shares of a queued request (the levy stays unless the longest wait has passed).
    pub fn cancel_withdraw<'info>(ctx: Context<'info, CancelWithdraw<'info>>) -> Result<()> {
        instructions::handle_cancel_withdraw(ctx)
    }

    /// Creates the account that records a holder's claim on the margin account.
    pub fn open_hedge_claim(ctx: Context<OpenHedgeClaim>) -> Result<()> {
        instructions::handle_open_hedge_claim(ctx)
    }

    // ------------------------------------------------------------ keepers (anyone)

    /// Samples validated prices into the EWMA covariance, at most once per interval.
    pub fn update_risk<'info>(ctx: Context<'info, UpdateRisk<'info>>) -> Result<()> {
        instructions::handle_update_risk(ctx)
    }

    /// Computes and stores target weights with the configured strategy.
    pub fn compute_targets<'info>(ctx: Context<'info, ComputeTargets<'info>>) -> Result<()> {
        instructions::handle_compute_targets(ctx)
    }

    /// Swaps one asset for another through a whitelisted venue under every check of `operations::rebalance`; pays a capped bounty.
    pub fn rebalance_swap<'info>(
        ctx: Context<'info, RebalanceSwap<'info>>,
        args: state::RebalanceSwapArgs,
    ) -> Result<()> {
        instructions::handle_rebalance_swap(ctx, args)
    }

    /// Opens the vault's margin account on the hedge venue governance set.
    pub fn init_hedge<'info>(ctx: Context<'info, InitHedge<'info>>) -> Result<()> {
        instructions::handle_init_hedge(ctx)
    }

    /// Moves base between the idle buffer and the margin account within the hedge limits.
    pub fn move_collateral<'info>(
        ctx: Context<'info, MoveCollateral<'info>>,
        amount: u64,
        to_venue: bool,
    ) -> Result<()> {
        instructions::handle_move_collateral(ctx, amount, to_venue)
    }

    /// Trades one asset's perp toward its hedge target under every check of `operations::hedge`; pays a capped bounty.
    pub fn rebalance_hedge<'info>(
        ctx: Context<'info, RebalanceHedge<'info>>,
        asset: u8,
        base_delta: i64,
    ) -> Result<()> {
        instructions::handle_rebalance_hedge(ctx, asset, base_delta)
    }

    /// Settles a claim on the margin account: closes its part of every position, pays what the venue lets leave.
    pub fn settle_hedge_claim<'info>(ctx: Context<'info, SettleHedgeClaim<'info>>) -> Result<()> {
        instructions::handle_settle_hedge_claim(ctx)
    }

    /// Pays the request at the head of the withdrawal queue from the idle base, as far as it covers it.
    pub fn fill_withdraw<'info>(ctx: Context<'info, FillWithdraw<'info>>) -> Result<()> {
        instructions::handle_fill_withdraw(ctx)
    }

    /// Mints accrued management and performance fees to the fee recipient.
    pub fn accrue_fees<'info>(ctx: Context<'info, AccrueFees<'info>>) -> Result<()> {
        instructions::handle_accrue_fees(ctx)
    }

    /// Applies a matured, unexpired proposal against the current state.
    pub fn apply_proposal<'info>(ctx: Context<'info, ApplyProposal<'info>>) -> Result<()> {
        instructions::handle_apply_proposal(ctx)
    }

    // ------------------------------------------------------------ admin

    /// Creates a vault, its share mint and base account, and locks the creator's first deposit as dead shares.
    pub fn initialize_vault<'info>(
        ctx: Context<'info, InitializeVault<'info>>,
        args: state::InitializeVaultArgs,
    ) -> Result<()> {
        instructions::handle_initialize_vault(ctx, args)
    }

    /// Adds an asset (mint, vault token account, oracle and its limits, weight bounds).
    pub fn add_asset<'info>(
        ctx: Context<'info, AddAsset<'info>>,
        args: state::AddAssetArgs,
    ) -> Result<()> {
        instructions::handle_add_asset(ctx, args)
    }

    /// Creates the vault's risk account with parameters checked against hard bounds and the weight bounds.
    pub fn initialize_risk<'info>(
        ctx: Context<'info, InitializeRisk<'info>>,
        args: state::RiskParamsArgs,
    ) -> Result<()> {
        instructions::handle_initialize_risk(ctx, args)
    }

    /// Proposes a timelocked parameter or role change.
    pub fn propose_change<'info>(
        ctx: Context<'info, ProposeChange<'info>>,
        id: u64,
        change: state::ParamChange,
    ) -> Result<()> {
        instructions::handle_propose_change(ctx, id, change)
    }

    /// Completes an admin transfer; the nominated admin signs.
    pub fn accept_admin<'info>(ctx: Context<'info, AcceptAdmin<'info>>) -> Result<()> {
        instructions::handle_accept_admin(ctx)
    }

    /// Sets the pause flags exactly (the only way to reopen a gate). Exits are never paused.
    pub fn set_pause<'info>(ctx: Context<'info, SetPause<'info>>, flags: u8) -> Result<()> {
        instructions::handle_set_pause(ctx, flags)
    }

    /// Sends unaccounted tokens (donations) in a vault token account to the fee recipient.
    pub fn sweep_surplus<'info>(ctx: Context<'info, SweepSurplus<'info>>) -> Result<()> {
        instructions::handle_sweep_surplus(ctx)
    }

    // ------------------------------------------------------------ guardian (or admin)

    /// Applies a change that only reduces risk, at once.
    pub fn derisk<'info>(
        ctx: Context<'info, Derisk<'info>>,
        action: state::DeriskAction,
    ) -> Result<()> {
        instructions::handle_derisk(ctx, action)
    }

    /// Cancels a pending proposal.
    pub fn cancel_proposal<'info>(ctx: Context<'info, CancelProposal<'info>>) -> Result<()> {
        instructions::handle_cancel_proposal(ctx)
    }
}
