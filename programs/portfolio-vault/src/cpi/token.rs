//! Token CPIs and the mint checks that decide which mints the vault accepts.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
    state::Mint as MintState,
};
use anchor_spl::token_interface;

use crate::error::VaultError;

/// Token-2022 mint extensions that leave a transfer's amount, destination and authority
/// exactly as requested, keep raw units 1:1 with the units an oracle prices, and cannot change
/// after the vault accepts the mint. Everything else is refused: transfer fee, hook, permanent
/// delegate, default-frozen accounts, non-transferable, confidential transfers,
/// interest-bearing and scaled UI amounts, pausable, and the mint close authority (a closable
/// mint can be closed at zero supply and re-created at the same address with a permanent
/// delegate that then moves the vault's tokens).
const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 6] = [
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Refuses a mint whose Token-2022 extensions would change what a transfer does.
/// SPL Token mints have no extensions and always pass.
pub fn check_mint_extensions(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)
        .map_err(|_| error!(VaultError::MintExtensionNotAllowed))?;
    let types = state
        .get_extension_types()
        .map_err(|_| error!(VaultError::MintExtensionNotAllowed))?;
    require!(
        types.iter().all(|t| ALLOWED_MINT_EXTENSIONS.contains(t)),
        VaultError::MintExtensionNotAllowed
    );
    Ok(())
}

/// Creates a plain token account of `mint` owned by `authority` at the PDA `account` (signed
/// by `seeds`), paid by `payer`; lamports already at the address do not block it. Accepted
/// mint extensions need no account extensions, so the plain size fits both token programs.
pub fn create_token_account_pda<'info>(
    payer: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    seeds: &[&[u8]],
) -> Result<()> {
    use anchor_lang::solana_program::program_pack::Pack;
    account_init::create_pda(
        payer,
        account,
        system,
        anchor_spl::token_2022::spl_token_2022::state::Account::LEN,
        token_program.key,
        seeds,
        VaultError::AccountAlreadyInitialized,
    )?;
    token_interface::initialize_account3(CpiContext::new(
        token_program.key(),
        token_interface::InitializeAccount3 {
            account: account.clone(),
            mint: mint.clone(),
            authority: authority.clone(),
        },
    ))
}

/// A token move: `transfer_checked` from `from` to `to` of one mint, signed by `authority`.
pub struct TokenMove<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub from: &'a AccountInfo<'info>,
    pub to: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub authority: &'a AccountInfo<'info>,
    pub decimals: u8,
}

impl TokenMove<'_, '_> {
    /// Moves `amount` (nothing for zero), with `signer_seeds` when the authority is a PDA.
    pub fn transfer(&self, amount: u64, signer_seeds: &[&[&[u8]]]) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                self.token_program.key(),
                token_interface::TransferChecked {
                    from: self.from.clone(),
                    mint: self.mint.clone(),
                    to: self.to.clone(),
                    authority: self.authority.clone(),
                },
                signer_seeds,
            ),
            amount,
            self.decimals,
        )
    }
}

pub fn mint_shares<'info>(
    token_program: &AccountInfo<'info>,
    share_mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    vault_authority: &AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    token_interface::mint_to(
        CpiContext::new_with_signer(
            token_program.key(),
            token_interface::MintTo {
                mint: share_mint.clone(),
                to: to.clone(),
                authority: vault_authority.clone(),
            },
            signer_seeds,
        ),
        amount,
    )
}

/// Burns `amount` shares from `from`, signed by its `owner` (with `signer_seeds` when the owner
/// is the vault authority: the queue's escrow). Nothing for zero.
pub fn burn_shares<'info>(
    token_program: &AccountInfo<'info>,
    share_mint: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    amount: u64,
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    token_interface::burn(
        CpiContext::new_with_signer(
            token_program.key(),
            token_interface::Burn {
                mint: share_mint.clone(),
                from: from.clone(),
                authority: owner.clone(),
            },
            signer_seeds,
        ),
        amount,
    )
}

/// Amount held by a token account, read from its current data (so it reflects any CPI that
/// ran before this call).
pub fn token_balance(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    let state =
        StateWithExtensions::<anchor_spl::token_2022::spl_token_2022::state::Account>::unpack(
            &data,
        )?;
    Ok(state.base.amount)
}

/// Supply of a mint, read from its current data.
pub fn mint_supply(mint: &AccountInfo) -> Result<u64> {
    let data = mint.try_borrow_data()?;
    Ok(StateWithExtensions::<MintState>::unpack(&data)?.base.supply)
}
