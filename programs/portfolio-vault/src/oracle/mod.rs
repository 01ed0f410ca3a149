//! Pyth accounts -> [`ValidatedPrice`]. Two formats: the pull-oracle `PriceUpdateV2` account
//! (pyth-solana-receiver-sdk) and the legacy push price account (pyth-sdk-solana, read from
//! raw bytes). Every check has its own error.

use anchor_lang::prelude::*;
use pyth_sdk_solana::state::{load_price_account, PriceStatus};
use pyth_solana_receiver_sdk::price_update::{PriceUpdateV2, VerificationLevel};

use crate::constants::*;
use crate::error::VaultError;
use crate::math::price::fx_from_decimal;
use crate::math::Fx;
use crate::state::{AssetSlot, OracleKind, Vault};

/// Publish times up to this far ahead of the cluster clock are accepted (clock skew).
pub const MAX_FUTURE_SKEW_S: i64 = 60;

/// A price that passed every check, normalised to base units per asset unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValidatedPrice {
    pub price: Fx,
    pub conf: Fx,
    /// `price - conf`, rounded down: values what the vault pays out.
    pub low: Fx,
    /// `price + conf`, rounded up: values what the vault takes in.
    pub high: Fx,
    pub publish_time: i64,
}

/// The fields the checks need, whichever format they came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub ema_price: i64,
    pub publish_time: i64,
}

/// Reads an oracle account of the asset's configured kind, checking owner, identity and
/// verification (or trading status) before any value is trusted.
pub fn read_raw(config: &crate::state::OracleConfig, account: &AccountInfo) -> Result<RawPrice> {
    match OracleKind::from_u8(config.kind).ok_or(VaultError::ParamOracleKindUnknown)? {
        OracleKind::PullV2 => {
            require_keys_eq!(
                *account.owner,
                PYTH_RECEIVER_PROGRAM_ID,
                VaultError::OracleWrongOwner
            );
            let data = account.try_borrow_data()?;
            let update = PriceUpdateV2::try_deserialize(&mut &data[..])
                .map_err(|_| error!(VaultError::OracleInvalidAccountData))?;
            require!(
                update.price_message.feed_id == config.oracle_id,
                VaultError::OracleWrongFeedId
            );
            require!(
                update.verification_level == VerificationLevel::Full,
                VaultError::OracleNotFullyVerified
            );
            let m = update.price_message;
            Ok(RawPrice {
                price: m.price,
                conf: m.conf,
                exponent: m.exponent,
                ema_price: m.ema_price,
                publish_time: m.publish_time,
            })
        }
        OracleKind::Legacy => {
            require_keys_eq!(
                *account.owner,
                PYTH_LEGACY_PROGRAM_ID,
                VaultError::OracleWrongOwner
            );
            require!(
                account.key.to_bytes() == config.oracle_id,
                VaultError::OracleWrongAccount
            );
            let data = account.try_borrow_data()?;
            let acc = load_price_account::<32, ()>(&data)
                .map_err(|_| error!(VaultError::OracleInvalidAccountData))?;
            require!(
                acc.agg.status == PriceStatus::Trading,
                VaultError::OracleNotTrading
            );
            Ok(RawPrice {
                price: acc.agg.price,
                conf: acc.agg.conf,
                exponent: acc.expo,
                ema_price: acc.ema_price.val,
                publish_time: acc.timestamp,
            })
        }
    }
}

/// Applies the value checks to a raw price and normalises it into [`Fx`] base units per
/// asset unit.
pub fn validate(
    asset: &AssetSlot,
    raw: &RawPrice,
    base_decimals: u8,
    now_ts: i64,
) -> Result<ValidatedPrice> {
    let cfg = &asset.oracle;
    require!(raw.price > 0, VaultError::OracleNonPositivePrice);
    require!(
        raw.publish_time <= now_ts.saturating_add(MAX_FUTURE_SKEW_S),
        VaultError::OracleFutureTimestamp
    );
    require!(
        now_ts.saturating_sub(raw.publish_time) <= cfg.max_age_s as i64,
        VaultError::OracleStale
    );
    require!(
        raw.publish_time >= asset.last_price_ts,
        VaultError::OraclePriceOlderThanLastUsed
    );
    let price = raw.price as u64; // > 0 checked above
    require!(
        (raw.conf as u128).saturating_mul(BPS_DENOMINATOR as u128)
            <= (price as u128).saturating_mul(cfg.max_conf_bps as u128),
        VaultError::OracleConfidenceTooWide
    );
    require!(raw.ema_price > 0, VaultError::OracleNonPositivePrice);
    let ema = raw.ema_price as u64;
    require!(
        (price.abs_diff(ema) as u128).saturating_mul(BPS_DENOMINATOR as u128)
            <= (ema as u128).saturating_mul(cfg.max_ema_dev_bps as u128),
        VaultError::OracleEmaDeviationTooLarge
    );

    // |exponent| < 2^31, decimals < 256: no i64 overflow.
    let exp10 = (raw.exponent as i64)
        .saturating_add(base_decimals as i64)
        .saturating_sub(asset.decimals as i64);
    require!(
        (MIN_PRICE_EXPONENT as i64..=MAX_PRICE_EXPONENT as i64).contains(&exp10),
        VaultError::OracleExponentOutOfRange
    );
    let exp10 = exp10 as i32; // within +-30 by the check above
    let out_of_range = |_| error!(VaultError::OraclePriceOutOfRange);
    // conf <= 10% of price (hard bound on max_conf_bps), so low > 0 and high cannot overflow u64.
    let low_mantissa = price
        .checked_sub(raw.conf)
        .ok_or(VaultError::OracleConfidenceTooWide)?;
    let high_mantissa = price
        .checked_add(raw.conf)
        .ok_or(VaultError::OraclePriceOutOfRange)?;
    let mid = fx_from_decimal(price, exp10, false).map_err(out_of_range)?;
    let low = fx_from_decimal(low_mantissa, exp10, false).map_err(out_of_range)?;
    let high = fx_from_decimal(high_mantissa, exp10, true).map_err(out_of_range)?;
    let conf = fx_from_decimal(raw.conf, exp10, true).map_err(out_of_range)?;
    require!(
        low.to_bits() >= MIN_PRICE_BITS,
        VaultError::OraclePriceOutOfRange
    );
    Ok(ValidatedPrice {
        price: mid,
        conf,
        low,
        high,
        publish_time: raw.publish_time,
    })
}

/// Validated prices of every asset into `out`, from `accounts` given in asset order (exactly
/// one per asset). Records each publish time as the asset's newest used price.
pub fn load_prices(
    vault: &mut Vault,
    accounts: &[AccountInfo],
    now_ts: i64,
    out: &mut [ValidatedPrice; MAX_ASSETS],
) -> Result<()> {
    let n = vault.num_assets as usize;
    require!(accounts.len() == n, VaultError::OracleAccountCountMismatch);
    let base_decimals = vault.base_decimals;
    for (i, asset) in vault.active_assets_mut().iter_mut().enumerate() {
        let raw = read_raw(&asset.oracle, &accounts[i])?;
        let vp = validate(asset, &raw, base_decimals, now_ts)?;
        asset.last_price_ts = vp.publish_time;
        out[i] = vp;
    }
    Ok(())
}
