//! The sim-perp's own instructions (exchange set-up and the halt switch).

use anchor_lang::prelude::Pubkey;
use anchor_lang::{InstructionData, ToAccountMetas};
use solana_instruction::{AccountMeta, Instruction};

use super::{SPL_TOKEN, SYSTEM};
use crate::pda;
pub use sim_perp::MarketArgs;

pub fn create_exchange(authority: Pubkey, collateral_mint: Pubkey) -> Instruction {
    let exchange = pda::perp::exchange(&authority, &collateral_mint);
    Instruction {
        program_id: sim_perp::ID,
        accounts: sim_perp::accounts::CreateExchange {
            authority,
            exchange,
            collateral_mint,
            collateral_vault: pda::perp::collateral_vault(&exchange),
            token_program: SPL_TOKEN,
            system_program: SYSTEM,
        }
        .to_account_metas(None),
        data: sim_perp::instruction::CreateExchange {}.data(),
    }
}

fn admin(authority: Pubkey, exchange: Pubkey, data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: sim_perp::ID,
        accounts: sim_perp::accounts::Admin {
            authority,
            exchange,
        }
        .to_account_metas(None),
        data,
    }
}

pub fn add_market(authority: Pubkey, exchange: Pubkey, args: MarketArgs) -> Instruction {
    admin(
        authority,
        exchange,
        sim_perp::instruction::AddMarket { args }.data(),
    )
}

pub fn set_halted(authority: Pubkey, exchange: Pubkey, halted: bool) -> Instruction {
    admin(
        authority,
        exchange,
        sim_perp::instruction::SetHalted { halted }.data(),
    )
}
/// `set_misbehaviour` (a `misbehave` build's adversarial fills; `mode` 0 = off).
pub fn set_misbehaviour(
    authority: Pubkey,
    exchange: Pubkey,
    mode: u8,
    param_bps: u16,
) -> Instruction {
    admin(
        authority,
        exchange,
        sim_perp::instruction::SetMisbehaviour { mode, param_bps }.data(),
    )
}

/// `create_margin_account` of `owner` (who signs) on `exchange`, paid by `payer`.
pub fn create_margin_account(owner: Pubkey, payer: Pubkey, exchange: Pubkey) -> Instruction {
    Instruction {
        program_id: sim_perp::ID,
        accounts: sim_perp::accounts::CreateMarginAccount {
            owner,
            payer,
            exchange,
            margin_account: pda::perp::margin(&exchange, &owner),
            system_program: SYSTEM,
        }
        .to_account_metas(None),
        data: sim_perp::instruction::CreateMarginAccount {}.data(),
    }
}

fn with_oracles(mut accounts: Vec<AccountMeta>, oracles: &[Pubkey]) -> Vec<AccountMeta> {
    accounts.extend(oracles.iter().map(|o| AccountMeta::new_readonly(*o, false)));
    accounts
}

fn collateral(
    owner: Pubkey,
    exchange: Pubkey,
    collateral_mint: Pubkey,
    owner_token: Pubkey,
) -> Vec<AccountMeta> {
    sim_perp::accounts::MoveCollateral {
        owner,
        exchange,
        margin_account: pda::perp::margin(&exchange, &owner),
        collateral_vault: pda::perp::collateral_vault(&exchange),
        owner_token,
        collateral_mint,
        token_program: SPL_TOKEN,
    }
    .to_account_metas(None)
}

/// `deposit_collateral` of `amount` from `owner_token` into `owner`'s margin account.
pub fn deposit_collateral(
    owner: Pubkey,
    exchange: Pubkey,
    collateral_mint: Pubkey,
    owner_token: Pubkey,
    amount: u64,
) -> Instruction {
    Instruction {
        program_id: sim_perp::ID,
        accounts: collateral(owner, exchange, collateral_mint, owner_token),
        data: sim_perp::instruction::DepositCollateral { amount }.data(),
    }
}

/// `withdraw_collateral` of `amount` to `owner_token`; `oracles` one per market.
pub fn withdraw_collateral(
    owner: Pubkey,
    exchange: Pubkey,
    collateral_mint: Pubkey,
    owner_token: Pubkey,
    oracles: &[Pubkey],
    amount: u64,
) -> Instruction {
    Instruction {
        program_id: sim_perp::ID,
        accounts: with_oracles(
            collateral(owner, exchange, collateral_mint, owner_token),
            oracles,
        ),
        data: sim_perp::instruction::WithdrawCollateral { amount }.data(),
    }
}

/// `trade` of `base_delta` in `market` for `owner` (who signs); `oracles` one per market.
pub fn trade(
    owner: Pubkey,
    exchange: Pubkey,
    oracles: &[Pubkey],
    market: u8,
    base_delta: i64,
    limit_price: i128,
) -> Instruction {
    let accounts = sim_perp::accounts::Trade {
        owner,
        exchange,
        margin_account: pda::perp::margin(&exchange, &owner),
    }
    .to_account_metas(None);
    Instruction {
        program_id: sim_perp::ID,
        accounts: with_oracles(accounts, oracles),
        data: sim_perp::instruction::Trade {
            market,
            base_delta,
            limit_price,
        }
        .data(),
    }
}

/// `liquidate` of `account`'s position in `market`; the fee goes to `liquidator_token`.
pub fn liquidate(
    liquidator: Pubkey,
    exchange: Pubkey,
    collateral_mint: Pubkey,
    account: Pubkey,
    liquidator_token: Pubkey,
    oracles: &[Pubkey],
    market: u8,
) -> Instruction {
    let accounts = sim_perp::accounts::Liquidate {
        liquidator,
        exchange,
        margin_account: account,
        collateral_vault: pda::perp::collateral_vault(&exchange),
        liquidator_token,
        collateral_mint,
        token_program: SPL_TOKEN,
    }
    .to_account_metas(None);
    Instruction {
        program_id: sim_perp::ID,
        accounts: with_oracles(accounts, oracles),
        data: sim_perp::instruction::Liquidate { market }.data(),
    }
}
