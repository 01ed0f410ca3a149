//! Creating accounts at predictable addresses (PDAs) in a way nobody can pre-empt.
//!
//! Anchor's `init` emits `create_account` (or, on an address that already holds lamports,
//! `create_account_allow_prefund`, which runtimes before it existed cannot decode): sending
//! the rent minimum to a future PDA then blocks its creation for good. [`create_pda`] instead
//! tops the address up to rent exemption with a transfer, then allocates and assigns it,
//! signed by the PDA's seeds: lamports already there do not matter. They stay in the account
//! as part of its balance (above the rent minimum), so whoever sent them has donated them to
//! the account; nothing else changes.
//!
//! The vault program and both sim venues create every PDA through this crate.

use anchor_lang::__private::bytemuck;
use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_lang::{Discriminator, ZeroCopy};

/// Creates `target` (a PDA of the calling program signed by `seeds`) with `space` bytes owned
/// by `owner`, paid by `payer`. Fails with `in_use` when the address already holds data or
/// belongs to another program (re-initialisation).
pub fn create_pda<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
    in_use: impl Into<Error>,
) -> Result<()> {
    if *target.owner != system_program::ID || !target.data_is_empty() {
        return Err(in_use.into());
    }
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    if current < rent {
        let top_up = rent
            .checked_sub(current)
            .ok_or(ErrorCode::InvalidNumericConversion)?;
        system_program::transfer(
            CpiContext::new(
                system.key(),
                system_program::Transfer {
                    from: payer.clone(),
                    to: target.clone(),
                },
            ),
            top_up,
        )?;
    }
    let space_u64 = u64::try_from(space).map_err(|_| ErrorCode::InvalidNumericConversion)?;
    system_program::allocate(
        CpiContext::new_with_signer(
            system.key(),
            system_program::Allocate {
                account_to_allocate: target.clone(),
            },
            &[seeds],
        ),
        space_u64,
    )?;
    system_program::assign(
        CpiContext::new_with_signer(
            system.key(),
            system_program::Assign {
                account_to_assign: target.clone(),
            },
            &[seeds],
        ),
        owner,
    )
}

/// Writes `value` (with its discriminator) into a freshly created account of this program.
pub fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut out: &mut [u8] = &mut data;
    value.try_serialize(&mut out)
}

/// Stamps the discriminator of zero-copy type `T` on a freshly created (zeroed) account and
/// lets `fill` write its fields in place (an `AccountLoader<T>` over it loads afterwards).
pub fn init_zero_copy<T: ZeroCopy + Discriminator, R>(
    target: &AccountInfo,
    fill: impl FnOnce(&mut T) -> Result<R>,
) -> Result<R> {
    let mut data = target.try_borrow_mut_data()?;
    let disc = T::DISCRIMINATOR;
    let end = disc
        .len()
        .checked_add(core::mem::size_of::<T>())
        .ok_or(ErrorCode::AccountDidNotDeserialize)?;
    require!(data.len() >= end, ErrorCode::AccountDidNotDeserialize);
    data[..disc.len()].copy_from_slice(disc);
    let value = bytemuck::from_bytes_mut::<T>(&mut data[disc.len()..end]);
    fill(value)
}
