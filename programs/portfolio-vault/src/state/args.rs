//! Instruction arguments and the partial parameter changes governance proposes. With the
//! `serde` feature they also read from TOML or JSON (addresses as base58 strings, the fixed
//! weights as a list of at most 16), so off-chain tools use these types instead of copies.

use anchor_lang::prelude::*;

use crate::constants::*;
use crate::state::{HedgeParams, RebalanceParams, RiskParams, VaultParams};

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// Serde forms of the types borsh writes differently from how people write them.
#[cfg(feature = "serde")]
pub mod serde_forms {
    use super::*;
    use core::str::FromStr;

    /// A `Pubkey` as its base58 string.
    pub mod pubkey {
        use super::*;
        pub fn serialize<S: serde::Serializer>(
            k: &Pubkey,
            s: S,
        ) -> core::result::Result<S::Ok, S::Error> {
            s.serialize_str(&k.to_string())
        }
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> core::result::Result<Pubkey, D::Error> {
            let s = <String as Deserialize>::deserialize(d)?;
            Pubkey::from_str(&s)
                .map_err(|e| serde::de::Error::custom(format!("{s} is not an address ({e})")))
        }
    }

    /// An oracle kind by name (`pull`, `legacy`) or number (0, 1).
    pub mod oracle_kind {
        use super::*;
        use crate::state::OracleKind;
        pub fn serialize<S: serde::Serializer>(
            k: &u8,
            s: S,
        ) -> core::result::Result<S::Ok, S::Error> {
            match OracleKind::from_u8(*k) {
                Some(OracleKind::Legacy) => s.serialize_str("legacy"),
                _ => s.serialize_str("pull"),
            }
        }
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> core::result::Result<u8, D::Error> {
            #[derive(Deserialize)]
            #[serde(untagged)]
            enum K {
                Name(String),
                Number(u8),
            }
            let kind = match <K as Deserialize>::deserialize(d)? {
                K::Name(n) => match n.as_str() {
                    "pull" => OracleKind::PullV2 as u8,
                    "legacy" => OracleKind::Legacy as u8,
                    other => {
                        return Err(serde::de::Error::custom(format!(
                            "oracle_kind {other}: pull or legacy"
                        )))
                    }
                },
                K::Number(n) => n,
            };
            Ok(kind)
        }
    }

    /// 32 bytes as `0x`-prefixed hex (a feed id) or a base58 address.
    pub mod bytes32 {
        use super::*;
        pub fn serialize<S: serde::Serializer>(
            b: &[u8; 32],
            s: S,
        ) -> core::result::Result<S::Ok, S::Error> {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            s.serialize_str(&format!("0x{hex}"))
        }
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> core::result::Result<[u8; 32], D::Error> {
            let s = <String as Deserialize>::deserialize(d)?;
            let bad = |why: &str| serde::de::Error::custom(format!("{s}: {why}"));
            if let Some(hex) = s.strip_prefix("0x") {
                if hex.len() != 64 {
                    return Err(bad("a feed id is 64 hex digits after 0x"));
                }
                let mut out = [0u8; 32];
                for (o, pair) in out.iter_mut().zip(hex.as_bytes().chunks(2)) {
                    let pair = core::str::from_utf8(pair).map_err(|_| bad("not hex"))?;
                    *o = u8::from_str_radix(pair, 16).map_err(|_| bad("not hex"))?;
                }
                return Ok(out);
            }
            Pubkey::from_str(&s)
                .map(|k| k.to_bytes())
                .map_err(|_| bad("neither 0x-hex nor a base58 address"))
        }
    }

    /// Up to 16 weights in asset order; the rest are zero.
    pub mod weights {
        use super::*;
        pub fn serialize<S: serde::Serializer>(
            w: &[u16; MAX_ASSETS],
            s: S,
        ) -> core::result::Result<S::Ok, S::Error> {
            Serialize::serialize(&w.to_vec(), s)
        }
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> core::result::Result<[u16; MAX_ASSETS], D::Error> {
            let v = <Vec<u16> as Deserialize>::deserialize(d)?;
            if v.len() > MAX_ASSETS {
                return Err(serde::de::Error::custom(format!(
                    "fixed_weights_bps: {} weights, at most {MAX_ASSETS}",
                    v.len()
                )));
            }
            let mut out = [0u16; MAX_ASSETS];
            out[..v.len()].copy_from_slice(&v);
            Ok(out)
        }
        /// The optional form used by [`super::super::RiskPatch`].
        pub mod option {
            use super::*;
            pub fn serialize<S: serde::Serializer>(
                w: &Option<[u16; MAX_ASSETS]>,
                s: S,
            ) -> core::result::Result<S::Ok, S::Error> {
                Serialize::serialize(&w.map(|w| w.to_vec()), s)
            }
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> core::result::Result<Option<[u16; MAX_ASSETS]>, D::Error> {
                #[derive(Deserialize)]
                struct W(#[serde(with = "super")] [u16; MAX_ASSETS]);
                Ok(<Option<W> as Deserialize>::deserialize(d)?.map(|w| w.0))
            }
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct InitializeVaultArgs {
    /// Distinguishes several vaults of one creator on one base mint.
    #[cfg_attr(feature = "serde", serde(default))]
    pub seed_id: u64,
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
    pub admin: Pubkey,
    /// May only de-risk (pause, lower the cap, tighten oracles, cancel proposals).
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
    pub guardian: Pubkey,
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::pubkey"))]
    pub fee_recipient: Pubkey,
    /// Seconds every proposal waits (24 hours to 30 days).
    pub timelock_s: u32,
    pub deposit_cap: u64,
    pub min_deposit: u64,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    /// Base units the creator deposits; every share it mints is locked as dead shares.
    pub initial_deposit: u64,
}

impl InitializeVaultArgs {
    pub fn params(&self) -> VaultParams {
        VaultParams {
            deposit_cap: self.deposit_cap,
            min_deposit: self.min_deposit,
            management_fee_bps: self.management_fee_bps,
            performance_fee_bps: self.performance_fee_bps,
            _pad: [0; 4],
        }
    }

    /// Parameters within their hard bounds, a timelock within its bounds, and a first deposit
    /// of at least `max(MIN_INITIAL_DEPOSIT, min_deposit)`.
    pub fn validate(&self) -> Result<()> {
        self.params().validate()?;
        require!(
            (MIN_TIMELOCK_S..=MAX_TIMELOCK_S).contains(&self.timelock_s),
            crate::error::VaultError::ParamTimelockOutOfBounds
        );
        require!(
            self.initial_deposit >= MIN_INITIAL_DEPOSIT.max(self.min_deposit),
            crate::error::VaultError::ParamInitialDepositTooSmall
        );
        Ok(())
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct AddAssetArgs {
    /// 0 = Pyth `PriceUpdateV2` (then `oracle_id` is the feed id), 1 = legacy Pyth price account
    /// (then `oracle_id` is its address).
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::oracle_kind"))]
    pub oracle_kind: u8,
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::bytes32"))]
    pub oracle_id: [u8; 32],
    pub max_age_s: u32,
    pub max_conf_bps: u16,
    pub max_ema_dev_bps: u16,
    pub min_weight_bps: u16,
    pub max_weight_bps: u16,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RiskParamsArgs {
    pub strategy: u8,
    pub ewma_decay_bps: u16,
    pub ewma_short_decay_bps: u16,
    pub shrinkage_bps: u16,
    pub regime_ratio_bps: u16,
    pub regime_vol_scale_bps: u16,
    pub vol_target_bps: u32,
    pub min_interval_s: u32,
    pub min_samples: u32,
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::weights"))]
    pub fixed_weights_bps: [u16; MAX_ASSETS],
}

impl RiskParamsArgs {
    pub fn params(&self) -> RiskParams {
        RiskParams {
            vol_target_bps: self.vol_target_bps,
            min_interval_s: self.min_interval_s,
            min_samples: self.min_samples,
            ewma_decay_bps: self.ewma_decay_bps,
            ewma_short_decay_bps: self.ewma_short_decay_bps,
            shrinkage_bps: self.shrinkage_bps,
            regime_ratio_bps: self.regime_ratio_bps,
            regime_vol_scale_bps: self.regime_vol_scale_bps,
            strategy: self.strategy,
            _pad: [0],
            fixed_weights_bps: self.fixed_weights_bps,
        }
    }

    pub fn from_params(p: &RiskParams) -> Self {
        Self {
            strategy: p.strategy,
            ewma_decay_bps: p.ewma_decay_bps,
            ewma_short_decay_bps: p.ewma_short_decay_bps,
            shrinkage_bps: p.shrinkage_bps,
            regime_ratio_bps: p.regime_ratio_bps,
            regime_vol_scale_bps: p.regime_vol_scale_bps,
            vol_target_bps: p.vol_target_bps,
            min_interval_s: p.min_interval_s,
            min_samples: p.min_samples,
            fixed_weights_bps: p.fixed_weights_bps,
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct RebalanceSwapArgs {
    /// Asset index sold (255 = base).
    pub sell: u8,
    /// Asset index bought (255 = base).
    pub buy: u8,
    pub amount_in: u64,
    /// The keeper's minimum output: at least the vault's oracle floor, never below it.
    pub min_amount_out: u64,
    /// Index in the vault's venue whitelist.
    pub venue: u8,
    /// Instruction data for an aggregator route; empty for the sim-amm ABI.
    pub route_data: Vec<u8>,
}

/// The impls of a patch type (a struct of `Option`s, one per field of `$target`): apply onto
/// the parameter struct, name no field, name every field. A proposal or de-risking carries only
/// the fields it changes, so two pending proposals of one family never overwrite each other.
/// (The structs are written out: Anchor's IDL derive reads their field types literally.)
macro_rules! patch_impl {
    ($name:ident for $target:ty { $($field:ident),* $(,)? }) => {
        impl $name {
            /// `current` with every named field replaced.
            pub fn applied_to(&self, current: &$target) -> $target {
                let mut out = *current;
                $(if let Some(v) = self.$field { out.$field = v; })*
                out
            }

            /// Names no field.
            pub fn is_empty(&self) -> bool {
                true $(&& self.$field.is_none())*
            }

            /// Every field of `p`, named.
            pub fn all_of(p: &$target) -> Self {
                Self { $($field: Some(p.$field),)* }
            }
        }
    };
}

/// Rebalancing limits to change (see [`RebalanceParams`] for each field).
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct RebalancePatch {
    pub band_bps: Option<u16>,
    pub max_slippage_bps: Option<u16>,
    pub min_trade_bps: Option<u16>,
    pub notional_cap_bps: Option<u16>,
    pub slippage_budget_bps: Option<u16>,
    pub bounty_share_bps: Option<u16>,
    pub cap_interval_s: Option<u32>,
    pub budget_period_s: Option<u32>,
    pub cooldown_s: Option<u32>,
    pub max_targets_age_s: Option<u32>,
    pub tracking_aversion_bps: Option<u32>,
    pub bounty_cap_per_call: Option<u64>,
    pub bounty_cap_per_interval: Option<u64>,
    pub cash_buffer_bps: Option<u16>,
    pub max_withdraw_wait_s: Option<u32>,
}

patch_impl!(RebalancePatch for RebalanceParams {
    band_bps, max_slippage_bps, min_trade_bps, notional_cap_bps, slippage_budget_bps,
    bounty_share_bps, cap_interval_s, budget_period_s, cooldown_s, max_targets_age_s,
    tracking_aversion_bps, bounty_cap_per_call, bounty_cap_per_interval, cash_buffer_bps,
    max_withdraw_wait_s,
});

/// Hedging limits to change (see [`HedgeParams`] for each field).
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct HedgePatch {
    pub mode: Option<u8>,
    pub max_leverage_bps: Option<u16>,
    pub min_margin_ratio_bps: Option<u16>,
    pub max_collateral_bps: Option<u16>,
    pub delta_band_bps: Option<u16>,
    pub hedge_ratio_bps: Option<u16>,
    pub max_fee_bps: Option<u16>,
    pub cooldown_s: Option<u32>,
}

patch_impl!(HedgePatch for HedgeParams {
    mode, max_leverage_bps, min_margin_ratio_bps, max_collateral_bps, delta_band_bps,
    hedge_ratio_bps, max_fee_bps, cooldown_s,
});

/// Risk parameters to change (see [`RiskParams`] for each field).
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct RiskPatch {
    pub strategy: Option<u8>,
    pub ewma_decay_bps: Option<u16>,
    pub ewma_short_decay_bps: Option<u16>,
    pub shrinkage_bps: Option<u16>,
    pub regime_ratio_bps: Option<u16>,
    pub regime_vol_scale_bps: Option<u16>,
    pub vol_target_bps: Option<u32>,
    pub min_interval_s: Option<u32>,
    pub min_samples: Option<u32>,
    #[cfg_attr(feature = "serde", serde(with = "serde_forms::weights::option"))]
    pub fixed_weights_bps: Option<[u16; MAX_ASSETS]>,
}

patch_impl!(RiskPatch for RiskParams {
    strategy, ewma_decay_bps, ewma_short_decay_bps, shrinkage_bps, regime_ratio_bps,
    regime_vol_scale_bps, vol_target_bps, min_interval_s, min_samples, fixed_weights_bps,
});
