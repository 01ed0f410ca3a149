//! The hedge venue's accounts, composed into every instruction that trades or moves
//! collateral on it.

use anchor_lang::prelude::*;

use crate::cpi::hedge::VenueAccounts;
use crate::error::VaultError;
use crate::hedge_book::{self, HedgeBook};
use crate::state::Vault;

#[derive(Accounts)]
pub struct HedgeVenue<'info> {
    /// CHECK: the hedge venue's program; [`HedgeVenue::book`] requires the one governance set.
    #[account(executable)]
    pub hedge_program: UncheckedAccount<'info>,
    /// CHECK: checked against the vault's hedge venue by [`HedgeVenue::book`].
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: checked against the vault's hedge venue by [`HedgeVenue::book`].
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
}

impl<'info> HedgeVenue<'info> {
    /// The venue's exchange and the vault's margin account, read after checking the program,
    /// both addresses and that the exchange's markets mirror the vault's assets.
    pub fn book(&self, vault: &Vault) -> Result<HedgeBook> {
        require_keys_eq!(
            self.hedge_program.key(),
            vault.hedge.program_id,
            VaultError::HedgeAccountMismatch
        );
        let book = hedge_book::load(vault, &self.exchange, &self.margin_account)?;
        hedge_book::check_mirror(vault, &book.exchange)?;
        Ok(book)
    }

    /// The accounts a CPI into the venue signs and writes, with the vault authority.
    pub fn cpi<'a>(&'a self, authority: &'a AccountInfo<'info>) -> VenueAccounts<'a, 'info> {
        VenueAccounts {
            program: self.hedge_program.as_ref(),
            authority,
            exchange: self.exchange.as_ref(),
            margin: self.margin_account.as_ref(),
        }
    }
}
