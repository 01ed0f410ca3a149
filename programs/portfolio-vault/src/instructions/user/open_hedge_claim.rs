use anchor_lang::prelude::*;

use crate::constants::*;
use crate::error::VaultError;
use crate::state::{HedgeClaim, Vault};

/// Creates the account that records what a holder is owed of the vault's margin account when
/// they redeem in kind (`redeem_in_kind` needs it once the vault has collateral on a venue).
/// Anyone may pay for it; it belongs to `owner`. Lamports already at the address do not block
/// it (they stay in the account).
#[derive(Accounts)]
pub struct OpenHedgeClaim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: any address; the claim pays out to its token accounts only.
    pub owner: UncheckedAccount<'info>,
    pub vault: AccountLoader<'info, Vault>,
    /// CHECK: created in the handler at this PDA.
    #[account(mut, seeds = [HEDGE_CLAIM_SEED, vault.key().as_ref(), owner.key().as_ref()], bump)]
    pub claim: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handle_open_hedge_claim(ctx: Context<OpenHedgeClaim>) -> Result<()> {
    let a = &ctx.accounts;
    let (vault, owner) = (a.vault.key(), a.owner.key());
    let bump = ctx.bumps.claim;
    let seeds: &[&[u8]] = &[HEDGE_CLAIM_SEED, vault.as_ref(), owner.as_ref(), &[bump]];
    account_init::create_pda(
        &a.payer.to_account_info(),
        &a.claim.to_account_info(),
        &a.system_program.to_account_info(),
        8 + HedgeClaim::INIT_SPACE,
        &crate::ID,
        seeds,
        VaultError::AccountAlreadyInitialized,
    )?;
    account_init::write_account(
        &a.claim.to_account_info(),
        &HedgeClaim {
            vault,
            owner,
            units: 0,
            bump,
            owed: 0,
        },
    )
}
