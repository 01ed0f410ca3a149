//! CPIs into the hedge venue (sim-perp ABI), signed by the vault authority.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_lang::InstructionData;

/// Invokes `program` with `data` over `metas`, the vault authority signing.
pub fn invoke<'info>(
    program: &AccountInfo<'info>,
    metas: Vec<AccountMeta>,
    infos: &[AccountInfo<'info>],
    data: impl InstructionData,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let ix = Instruction {
        program_id: *program.key,
        accounts: metas,
        data: data.data(),
    };
    let mut all = Vec::with_capacity(infos.len() + 1);
    all.push(program.clone());
    all.extend_from_slice(infos);
    invoke_signed(&ix, &all, &[signer_seeds]).map_err(Into::into)
}

/// Account metas of `deposit_collateral` / `withdraw_collateral` (then the oracles).
pub fn move_collateral_metas(
    authority: Pubkey,
    exchange: Pubkey,
    margin: Pubkey,
    collateral_vault: Pubkey,
    owner_token: Pubkey,
    mint: Pubkey,
    token_program: Pubkey,
) -> Vec<AccountMeta> {
    vec![
        AccountMeta::new_readonly(authority, true),
        AccountMeta::new(exchange, false),
        AccountMeta::new(margin, false),
        AccountMeta::new(collateral_vault, false),
        AccountMeta::new(owner_token, false),
        AccountMeta::new_readonly(mint, false),
        AccountMeta::new_readonly(token_program, false),
    ]
}
