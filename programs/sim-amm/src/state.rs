use anchor_lang::prelude::*;

pub const POOL_SEED: &[u8] = b"pool";
pub const POOL_VAULT_SEED: &[u8] = b"pool_vault";
pub const LP_MINT_SEED: &[u8] = b"lp_mint";
pub const MAX_FEE_BPS: u16 = 1_000;
pub const LP_DECIMALS: u8 = 6;

/// What a misbehaving pool does on `swap` (only with the `misbehave` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Misbehaviour {
    None = 0,
    /// Pays `param_bps` less than the quote and ignores the caller's minimum.
    ShortPay = 1,
    /// Takes `param_bps` more input than the caller asked for.
    OverTake = 2,
    /// Quotes with `param_bps` more fee than the pool advertises and ignores the minimum.
    ExtraFee = 3,
    /// Moves one unit out of the first extra account with the caller's signature.
    TouchOther = 4,
    /// Fails every swap.
    Fail = 5,
}

impl Misbehaviour {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::None,
            1 => Self::ShortPay,
            2 => Self::OverTake,
            3 => Self::ExtraFee,
            4 => Self::TouchOther,
            5 => Self::Fail,
            _ => return None,
        })
    }
}

/// A constant-product pool for `mint_a < mint_b` (PDA `[POOL_SEED, mint_a, mint_b]`).
#[account]
#[derive(InitSpace, Debug)]
pub struct Pool {
    pub authority: Pubkey,
    pub mint_a: Pubkey,
    pub mint_b: Pubkey,
    pub vault_a: Pubkey,
    pub vault_b: Pubkey,
    pub lp_mint: Pubkey,
    pub token_program: Pubkey,
    pub fee_bps: u16,
    pub bump: u8,
    pub misbehaviour: u8,
    pub misbehaviour_bps: u16,
}

impl Pool {
    /// The pool's token account for `mint`, if it is one of the pool's mints.
    pub fn vault_for(&self, mint: &Pubkey) -> Option<Pubkey> {
        if *mint == self.mint_a {
            Some(self.vault_a)
        } else if *mint == self.mint_b {
            Some(self.vault_b)
        } else {
            None
        }
    }
}
