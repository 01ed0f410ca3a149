//! SPL Token set-up instructions (mints, accounts, minting) for keypair-addressed accounts.

use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;

use super::SPL_TOKEN;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token_2022::spl_token_2022;

pub const MINT_LEN: usize = spl_token_2022::state::Mint::LEN;
pub const ACCOUNT_LEN: usize = spl_token_2022::state::Account::LEN;

fn create(payer: Pubkey, new: Pubkey, lamports: u64, space: usize, owner: Pubkey) -> Instruction {
    anchor_lang::solana_program::system_instruction::create_account(
        &payer,
        &new,
        lamports,
        space as u64,
        &owner,
    )
}

/// A new SPL Token mint at `mint` (a fresh keypair) with `authority` minting.
pub fn create_mint(
    payer: Pubkey,
    mint: Pubkey,
    authority: Pubkey,
    decimals: u8,
    rent: u64,
) -> Vec<Instruction> {
    vec![
        create(payer, mint, rent, MINT_LEN, SPL_TOKEN),
        spl_token_2022::instruction::initialize_mint2(
            &SPL_TOKEN, &mint, &authority, None, decimals,
        )
        .expect("initialize_mint2"),
    ]
}

/// A new SPL Token account at `account` (a fresh keypair) of `mint` owned by `owner`.
pub fn create_account(
    payer: Pubkey,
    account: Pubkey,
    mint: Pubkey,
    owner: Pubkey,
    rent: u64,
) -> Vec<Instruction> {
    vec![
        create(payer, account, rent, ACCOUNT_LEN, SPL_TOKEN),
        spl_token_2022::instruction::initialize_account3(&SPL_TOKEN, &account, &mint, &owner)
            .expect("initialize_account3"),
    ]
}

pub fn mint_to(mint: Pubkey, account: Pubkey, authority: Pubkey, amount: u64) -> Instruction {
    spl_token_2022::instruction::mint_to(&SPL_TOKEN, &mint, &account, &authority, &[], amount)
        .expect("mint_to")
}

pub fn transfer(from: Pubkey, to: Pubkey, owner: Pubkey, amount: u64) -> Instruction {
    #[allow(deprecated)]
    spl_token_2022::instruction::transfer(&SPL_TOKEN, &from, &to, &owner, &[], amount)
        .expect("transfer")
}
/// Creates `owner`'s associated token account for `mint` if it does not exist yet (the
/// associated-token program's `CreateIdempotent`: a no-op when it does), paid by `payer`.
pub fn create_associated_idempotent(
    payer: Pubkey,
    owner: Pubkey,
    mint: Pubkey,
    token_program: Pubkey,
) -> Instruction {
    use solana_instruction::AccountMeta;
    Instruction {
        program_id: crate::pda::ASSOCIATED_TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(payer, true),
            AccountMeta::new(
                crate::pda::associated_token(&owner, &mint, &token_program),
                false,
            ),
            AccountMeta::new_readonly(owner, false),
            AccountMeta::new_readonly(mint, false),
            AccountMeta::new_readonly(anchor_lang::system_program::ID, false),
            AccountMeta::new_readonly(token_program, false),
        ],
        // AssociatedTokenAccountInstruction::CreateIdempotent
        data: vec![1],
    }
}
