//! Pyth prices for the markets, in both formats the vault accepts.

use anchor_lang::prelude::*;
use pyth_sdk_solana::state::{load_price_account, PriceStatus};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::error::PerpError;
use crate::math::Fx;
use crate::state::Market;

pub const PYTH_LEGACY_PROGRAM_ID: Pubkey = pubkey!("FsJ3A3u2vn5cTVofAjvy6y5kwABJAqYWpe4975bi2epH");

/// The market's oracle price in collateral units per asset unit.
pub fn price(
    market: &Market,
    account: &AccountInfo,
    collateral_decimals: u8,
    now: i64,
) -> Result<Fx> {
    let (mantissa, expo, publish_time) = if market.oracle_kind == 0 {
        require_keys_eq!(
            *account.owner,
            pyth_solana_receiver_sdk::ID,
            PerpError::WrongOracle
        );
        let data = account.try_borrow_data()?;
        let u = PriceUpdateV2::try_deserialize(&mut &data[..])
            .map_err(|_| error!(PerpError::WrongOracle))?;
        require!(
            u.price_message.feed_id == market.oracle_id
                && u.verification_level == VerificationLevel::Full,
            PerpError::WrongOracle
        );
        (
            u.price_message.price,
            u.price_message.exponent,
            u.price_message.publish_time,
        )
    } else {
        require_keys_eq!(
            *account.owner,
            PYTH_LEGACY_PROGRAM_ID,
            PerpError::WrongOracle
        );
        require!(
            account.key.to_bytes() == market.oracle_id,
            PerpError::WrongOracle
        );
        let data = account.try_borrow_data()?;
        let acc =
            load_price_account::<32, ()>(&data).map_err(|_| error!(PerpError::WrongOracle))?;
        require!(
            acc.agg.status == PriceStatus::Trading,
            PerpError::BadOraclePrice
        );
        (acc.agg.price, acc.expo, acc.timestamp)
    };
    require!(
        mantissa > 0 && now.saturating_sub(publish_time) <= market.max_age_s as i64,
        PerpError::BadOraclePrice
    );
    // |expo| < 2^31 and both decimals < 256: the sum cannot overflow an i64.
    let exp10 = (expo as i64)
        .saturating_add(collateral_decimals as i64)
        .saturating_sub(market.asset_decimals as i64);
    require!((-30..=30).contains(&exp10), PerpError::BadOraclePrice);
    let mantissa = u64::try_from(mantissa).map_err(|_| PerpError::BadOraclePrice)?;
    let p =
        crate::math::fx_from_decimal(mantissa, exp10 as i32).ok_or(PerpError::BadOraclePrice)?;
    require!(p > Fx::ZERO, PerpError::BadOraclePrice);
    Ok(p)
}

/// Prices and funding of every market from `accounts` (one per market, in order), with each
/// market's cumulative funding advanced to `now`.
pub fn load(
    markets: &mut [Market],
    accounts: &[AccountInfo],
    collateral_decimals: u8,
    now: i64,
) -> Result<(
    [Fx; crate::state::MAX_MARKETS],
    [Fx; crate::state::MAX_MARKETS],
)> {
    require!(
        accounts.len() == markets.len(),
        PerpError::OracleAccountsMismatch
    );
    let mut prices = [Fx::ZERO; crate::state::MAX_MARKETS];
    let mut cums = [Fx::ZERO; crate::state::MAX_MARKETS];
    for (i, m) in markets.iter_mut().enumerate() {
        let p = price(m, &accounts[i], collateral_decimals, now)?;
        let cum = crate::math::cumulative_funding_at(m, p, now).ok_or(PerpError::MathOverflow)?;
        m.cumulative_funding = cum.to_bits();
        m.last_funding_ts = now;
        prices[i] = p;
        cums[i] = cum;
    }
    Ok((prices, cums))
}
