use anchor_lang::prelude::*;

pub const EXCHANGE_SEED: &[u8] = b"exchange";
pub const COLLATERAL_SEED: &[u8] = b"collateral";
pub const MARGIN_SEED: &[u8] = b"margin";
pub const MAX_MARKETS: usize = 16;

/// What a misbehaving exchange does on `trade` (only with the `misbehave` feature).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Misbehaviour {
    None = 0,
    /// Fills `param_bps` worse than the oracle and ignores the caller's limit.
    WorsePrice = 1,
    /// Trades `param_bps` more size than asked.
    OverFill = 2,
    /// Charges `param_bps` more fee than the market advertises.
    ExtraFee = 3,
    /// Fails every trade.
    Fail = 4,
}

impl Misbehaviour {
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::None,
            1 => Self::WorsePrice,
            2 => Self::OverFill,
            3 => Self::ExtraFee,
            4 => Self::Fail,
            _ => return None,
        })
    }
}

/// One perpetual market, priced by a Pyth account.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Market {
    /// 0 = `PriceUpdateV2` (`oracle_id` = feed id), 1 = legacy price account (its address).
    pub oracle_kind: u8,
    pub oracle_id: [u8; 32],
    pub asset_decimals: u8,
    pub max_age_s: u32,
    pub fee_bps: u16,
    pub initial_margin_bps: u16,
    pub maintenance_margin_bps: u16,
    pub liquidation_fee_bps: u16,
    /// Funding longs pay shorts per day, in bps of the price (negative: shorts pay).
    pub funding_rate_bps_per_day: i32,
    /// Extra funding per day at full open-interest imbalance, toward the thinner side.
    pub premium_bps_per_day: u32,
    /// Funding paid per unit of long position since the market opened (I80F48 bits,
    /// collateral units per asset unit).
    pub cumulative_funding: i128,
    pub last_funding_ts: i64,
    pub long_oi: u64,
    pub short_oi: u64,
}

/// The clearing house: one collateral mint, up to 16 markets (PDA
/// `[EXCHANGE_SEED, authority, collateral_mint]`). It is the counterparty of every trade; its
/// insurance deposits pay winners.
#[account]
#[derive(InitSpace, Debug)]
pub struct Exchange {
    pub authority: Pubkey,
    pub collateral_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub collateral_decimals: u8,
    pub bump: u8,
    pub halted: bool,
    pub misbehaviour: u8,
    pub misbehaviour_bps: u16,
    pub num_markets: u8,
    pub markets: [Market; MAX_MARKETS],
}

/// The fields of [`Exchange`] before its markets, in the same order: what `create_exchange`
/// writes into a fresh (zeroed) account, whose all-zero markets are empty ones.
#[derive(AnchorSerialize)]
pub struct ExchangeHeader {
    pub authority: Pubkey,
    pub collateral_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub collateral_decimals: u8,
    pub bump: u8,
    pub halted: bool,
    pub misbehaviour: u8,
    pub misbehaviour_bps: u16,
    pub num_markets: u8,
}

/// A signed position: `base` asset units (negative = short) and `quote` collateral units paid
/// for it (negative when bought), so `base * price + quote` is its unrealised PnL.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Position {
    pub base: i64,
    pub quote: i64,
    /// The market's cumulative funding when this position last settled (I80F48 bits).
    pub last_cumulative_funding: i128,
}

/// A cross-margin account (PDA `[MARGIN_SEED, exchange, owner]`).
#[account]
#[derive(InitSpace, Debug)]
pub struct MarginAccount {
    pub exchange: Pubkey,
    pub owner: Pubkey,
    pub bump: u8,
    /// Deposits plus realised PnL, less fees and funding paid.
    pub collateral: i64,
    pub positions: [Position; MAX_MARKETS],
}
