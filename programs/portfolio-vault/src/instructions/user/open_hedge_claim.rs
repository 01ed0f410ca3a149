use anchor_lang::prelude::*;

use crate::constants::*;
use crate::state::{HedgeClaim, Vault};

/// Creates the account that records what a holder is owed of the vault's margin account when
/// they redeem in kind (`redeem_in_kind` needs it once the vault has collateral on a venue).
/// Anyone may pay for it; it belongs to `owner`.
#[derive(Accounts)]
pub struct OpenHedgeClaim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: any address; the claim pays out to its token accounts only.
    pub owner: UncheckedAccount<'info>,
    pub vault: AccountLoader<'info, Vault>,
    #[account(init, payer = payer, space = 8 + HedgeClaim::INIT_SPACE,
        seeds = [HEDGE_CLAIM_SEED, vault.key().as_ref(), owner.key().as_ref()], bump)]
    pub claim: Account<'info, HedgeClaim>,
    pub system_program: Program<'info, System>,
}

pub fn handle_open_hedge_claim(ctx: Context<OpenHedgeClaim>) -> Result<()> {
    let vault = ctx.accounts.vault.key();
    let owner = ctx.accounts.owner.key();
    ctx.accounts.claim.set_inner(HedgeClaim {
        vault,
        owner,
        units: 0,
        bump: ctx.bumps.claim,
    });
    Ok(())
}
