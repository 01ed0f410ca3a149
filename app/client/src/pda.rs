//! Every program-derived address of the vault and of the two sim venues, from the programs'
//! own seed constants.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::*;

fn pda(seeds: &[&[u8]], program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(seeds, program).0
}

/// The vault of `creator` on `base_mint` with `seed_id`.
pub fn vault(creator: &Pubkey, base_mint: &Pubkey, seed_id: u64) -> Pubkey {
    pda(
        &[
            VAULT_SEED,
            creator.as_ref(),
            base_mint.as_ref(),
            &seed_id.to_le_bytes(),
        ],
        &portfolio_vault::ID,
    )
}

/// Signs every transfer out of the vault's token accounts.
pub fn authority(vault: &Pubkey) -> Pubkey {
    pda(&[AUTHORITY_SEED, vault.as_ref()], &portfolio_vault::ID)
}

pub fn share_mint(vault: &Pubkey) -> Pubkey {
    pda(&[SHARE_MINT_SEED, vault.as_ref()], &portfolio_vault::ID)
}

/// The vault's token account of `mint` (base or asset).
pub fn vault_token(vault: &Pubkey, mint: &Pubkey) -> Pubkey {
    pda(
        &[VAULT_TOKEN_SEED, vault.as_ref(), mint.as_ref()],
        &portfolio_vault::ID,
    )
}

pub fn dead_owner(vault: &Pubkey) -> Pubkey {
    pda(&[DEAD_OWNER_SEED, vault.as_ref()], &portfolio_vault::ID)
}

pub fn dead_shares(vault: &Pubkey) -> Pubkey {
    pda(&[DEAD_SHARES_SEED, vault.as_ref()], &portfolio_vault::ID)
}

pub fn risk(vault: &Pubkey) -> Pubkey {
    pda(&[RISK_SEED, vault.as_ref()], &portfolio_vault::ID)
}

pub fn proposal(vault: &Pubkey, id: u64) -> Pubkey {
    pda(
        &[PROPOSAL_SEED, vault.as_ref(), &id.to_le_bytes()],
        &portfolio_vault::ID,
    )
}

/// A holder's claim on the vault's margin account.
pub fn hedge_claim(vault: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(
        &[HEDGE_CLAIM_SEED, vault.as_ref(), owner.as_ref()],
        &portfolio_vault::ID,
    )
}

/// The vault's share escrow: shares of queued withdrawals.
pub fn share_escrow(vault: &Pubkey) -> Pubkey {
    pda(&[SHARE_ESCROW_SEED, vault.as_ref()], &portfolio_vault::ID)
}

/// A request of the withdrawal queue.
pub fn withdraw_request(vault: &Pubkey, id: u64) -> Pubkey {
    pda(
        &[WITHDRAW_REQUEST_SEED, vault.as_ref(), &id.to_le_bytes()],
        &portfolio_vault::ID,
    )
}

/// The associated token account program.
pub const ASSOCIATED_TOKEN_PROGRAM: Pubkey =
    anchor_lang::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// The associated token account of `owner` for `mint` under `token_program` (the account a
/// wallet holds a token in).
pub fn associated_token(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    pda(
        &[owner.as_ref(), token_program.as_ref(), mint.as_ref()],
        &ASSOCIATED_TOKEN_PROGRAM,
    )
}

/// Where Pyth's push oracle keeps the price feed `feed_id` (shard 0): the `PriceUpdateV2`
/// account a keeper passes for a pull-oracle asset unless told another.
pub fn pyth_push_feed(feed_id: &[u8; 32]) -> Pubkey {
    pda(
        &[&0u16.to_le_bytes(), feed_id],
        &pyth_solana_receiver_sdk::PYTH_PUSH_ORACLE_ID,
    )
}

/// The sim-amm pools and their accounts.
pub mod amm {
    use super::*;
    use sim_amm::state::{LP_MINT_SEED, POOL_SEED, POOL_VAULT_SEED};

    /// The pair in the order the pool stores it (`mint_a < mint_b`).
    pub fn ordered(x: Pubkey, y: Pubkey) -> (Pubkey, Pubkey) {
        if x.to_bytes() < y.to_bytes() {
            (x, y)
        } else {
            (y, x)
        }
    }

    /// The pool of two mints, in either order.
    pub fn pool(x: &Pubkey, y: &Pubkey) -> Pubkey {
        let (a, b) = ordered(*x, *y);
        pda(&[POOL_SEED, a.as_ref(), b.as_ref()], &sim_amm::ID)
    }

    pub fn pool_vault(pool: &Pubkey, mint: &Pubkey) -> Pubkey {
        pda(
            &[POOL_VAULT_SEED, pool.as_ref(), mint.as_ref()],
            &sim_amm::ID,
        )
    }

    pub fn lp_mint(pool: &Pubkey) -> Pubkey {
        pda(&[LP_MINT_SEED, pool.as_ref()], &sim_amm::ID)
    }
}

/// The sim-perp exchange and its accounts.
pub mod perp {
    use super::*;
    use sim_perp::state::{COLLATERAL_SEED, EXCHANGE_SEED, MARGIN_SEED};

    pub fn exchange(authority: &Pubkey, collateral_mint: &Pubkey) -> Pubkey {
        pda(
            &[EXCHANGE_SEED, authority.as_ref(), collateral_mint.as_ref()],
            &sim_perp::ID,
        )
    }

    pub fn collateral_vault(exchange: &Pubkey) -> Pubkey {
        pda(&[COLLATERAL_SEED, exchange.as_ref()], &sim_perp::ID)
    }

    pub fn margin(exchange: &Pubkey, owner: &Pubkey) -> Pubkey {
        pda(
            &[MARGIN_SEED, exchange.as_ref(), owner.as_ref()],
            &sim_perp::ID,
        )
    }
}
