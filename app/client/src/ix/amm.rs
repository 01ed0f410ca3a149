//! The sim-amm's own instructions (pool set-up, liquidity, plain swaps).

use anchor_lang::prelude::Pubkey;
use anchor_lang::{InstructionData, ToAccountMetas};
use solana_instruction::Instruction;

use super::{SPL_TOKEN, SYSTEM};
use crate::pda;
pub fn create_pool(authority: Pubkey, x: Pubkey, y: Pubkey, fee_bps: u16) -> Instruction {
    let (mint_a, mint_b) = pda::amm::ordered(x, y);
    let pool = pda::amm::pool(&mint_a, &mint_b);
    Instruction {
        program_id: sim_amm::ID,
        accounts: sim_amm::accounts::CreatePool {
            authority,
            pool,
            mint_a,
            mint_b,
            vault_a: pda::amm::pool_vault(&pool, &mint_a),
            vault_b: pda::amm::pool_vault(&pool, &mint_b),
            lp_mint: pda::amm::lp_mint(&pool),
            token_program: SPL_TOKEN,
            system_program: SYSTEM,
        }
        .to_account_metas(None),
        data: sim_amm::instruction::CreatePool { fee_bps }.data(),
    }
}

#[allow(clippy::too_many_arguments)]
fn liquidity(
    user: Pubkey,
    mint_a: Pubkey,
    mint_b: Pubkey,
    user_a: Pubkey,
    user_b: Pubkey,
    user_lp: Pubkey,
    data: Vec<u8>,
) -> Instruction {
    let pool = pda::amm::pool(&mint_a, &mint_b);
    Instruction {
        program_id: sim_amm::ID,
        accounts: sim_amm::accounts::Liquidity {
            user,
            pool,
            mint_a,
            mint_b,
            vault_a: pda::amm::pool_vault(&pool, &mint_a),
            vault_b: pda::amm::pool_vault(&pool, &mint_b),
            lp_mint: pda::amm::lp_mint(&pool),
            user_a,
            user_b,
            user_lp,
            token_program: SPL_TOKEN,
        }
        .to_account_metas(None),
        data,
    }
}

/// `add_liquidity` of the ordered pair: `user_a`/`user_b` hold `mint_a`/`mint_b`.
#[allow(clippy::too_many_arguments)]
pub fn add_liquidity(
    user: Pubkey,
    mint_a: Pubkey,
    mint_b: Pubkey,
    user_a: Pubkey,
    user_b: Pubkey,
    user_lp: Pubkey,
    amount_a: u64,
    amount_b: u64,
) -> Instruction {
    let data = sim_amm::instruction::AddLiquidity {
        amount_a,
        amount_b,
        min_lp: 1,
    }
    .data();
    liquidity(user, mint_a, mint_b, user_a, user_b, user_lp, data)
}

/// `remove_liquidity` of `lp` pool tokens of the ordered pair back to `user_a`/`user_b`.
#[allow(clippy::too_many_arguments)]
pub fn remove_liquidity(
    user: Pubkey,
    mint_a: Pubkey,
    mint_b: Pubkey,
    user_a: Pubkey,
    user_b: Pubkey,
    user_lp: Pubkey,
    lp: u64,
) -> Instruction {
    let data = sim_amm::instruction::RemoveLiquidity {
        lp,
        min_a: 0,
        min_b: 0,
    }
    .data();
    liquidity(user, mint_a, mint_b, user_a, user_b, user_lp, data)
}

/// A plain swap of `amount_in` of `mint_in` from `from` for `mint_out` into `to`.
#[allow(clippy::too_many_arguments)]
pub fn swap(
    user: Pubkey,
    mint_in: Pubkey,
    mint_out: Pubkey,
    from: Pubkey,
    to: Pubkey,
    amount_in: u64,
    min_amount_out: u64,
) -> Instruction {
    let pool = pda::amm::pool(&mint_in, &mint_out);
    Instruction {
        program_id: sim_amm::ID,
        accounts: sim_amm::accounts::Swap {
            pool,
            user,
            user_source: from,
            user_destination: to,
            pool_source: pda::amm::pool_vault(&pool, &mint_in),
            pool_destination: pda::amm::pool_vault(&pool, &mint_out),
            mint_in,
            mint_out,
            token_program: SPL_TOKEN,
        }
        .to_account_metas(None),
        data: sim_amm::instruction::Swap {
            amount_in,
            min_amount_out,
        }
        .data(),
    }
}
/// `set_misbehaviour` of a pool (a `misbehave` build's adversarial swaps; `mode` 0 = off).
pub fn set_misbehaviour(authority: Pubkey, pool: Pubkey, mode: u8, param_bps: u16) -> Instruction {
    Instruction {
        program_id: sim_amm::ID,
        accounts: sim_amm::accounts::SetMisbehaviour { authority, pool }.to_account_metas(None),
        data: sim_amm::instruction::SetMisbehaviour { mode, param_bps }.data(),
    }
}
