//! The swap venue CPI: which accounts a venue may see, and the call itself, signed by the
//! vault authority. One reviewable function decides what a keeper-chosen account list may
//! contain.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_spl::token_2022::spl_token_2022::{
    extension::StateWithExtensions, state::Account as TokenAccountState,
};

use crate::error::VaultError;

/// What the venue may and may not be given.
pub struct VenueGuard<'a> {
    /// Signs the CPI; never writable.
    pub authority: Pubkey,
    /// The two vault token accounts the trade moves: the only vault accounts allowed.
    pub traded: [Pubkey; 2],
    /// Every other account of the vault (the vault, its risk account, base and asset token
    /// accounts, share mint, dead shares, the hedge venue's exchange and margin account).
    pub protected: &'a [Pubkey],
    /// No token account of this mint (any holder's shares) may reach a venue.
    pub share_mint: Pubkey,
}

fn holds_shares(info: &AccountInfo, share_mint: &Pubkey) -> bool {
    let token_owned =
        *info.owner == anchor_spl::token::ID || *info.owner == anchor_spl::token_2022::ID;
    if !token_owned {
        return false;
    }
    let Ok(data) = info.try_borrow_data() else {
        return true; // cannot prove it is not: refuse
    };
    StateWithExtensions::<TokenAccountState>::unpack(&data)
        .map(|s| s.base.mint == *share_mint)
        .unwrap_or(false)
}

impl VenueGuard<'_> {
    /// The account metas for the venue's accounts, refusing any account the venue must not
    /// see: a protected vault account, a share token account, or the vault authority writable.
    /// The vault authority is marked as a signer wherever it appears.
    pub fn metas(&self, infos: &[AccountInfo]) -> Result<Vec<AccountMeta>> {
        let mut metas = Vec::with_capacity(infos.len());
        for info in infos {
            let is_traded = self.traded.contains(info.key);
            require!(
                is_traded || !self.protected.contains(info.key),
                VaultError::VenueAccountForbidden
            );
            require!(
                is_traded || !holds_shares(info, &self.share_mint),
                VaultError::VenueAccountForbidden
            );
            let is_authority = *info.key == self.authority;
            require!(
                !(is_authority && info.is_writable),
                VaultError::VenueAccountForbidden
            );
            metas.push(AccountMeta {
                pubkey: *info.key,
                is_signer: info.is_signer || is_authority,
                is_writable: info.is_writable,
            });
        }
        Ok(metas)
    }
}

/// Invokes the venue `program` with `data` over its `accounts`, the vault authority signing.
pub fn invoke<'info>(
    program: &AccountInfo<'info>,
    accounts: &[AccountInfo<'info>],
    metas: Vec<AccountMeta>,
    data: Vec<u8>,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let ix = Instruction {
        program_id: *program.key,
        accounts: metas,
        data,
    };
    let mut infos = Vec::with_capacity(accounts.len().saturating_add(1));
    infos.push(program.clone());
    infos.extend_from_slice(accounts);
    invoke_signed(&ix, &infos, &[signer_seeds]).map_err(Into::into)
}
