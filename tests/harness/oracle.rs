//! Writes Pyth accounts in both formats: the pull-oracle `PriceUpdateV2` (owned by the Pyth
//! receiver) and the legacy push price account (owned by the legacy Pyth program).

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{PYTH_LEGACY_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use pyth_sdk_solana::state::PriceStatus;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_account::{Account, AccountSharedData};
use solana_program_test::ProgramTestContext;

use crate::TestAsset;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleFormat {
    PullV2,
    Legacy,
}

pub use vault_client::oracle::{legacy_bytes, pull_v2_bytes, PriceState};

/// Knobs for writing a deliberately bad account.
#[derive(Clone, Copy, Debug)]
pub struct Tamper {
    pub verification: VerificationLevel,
    pub legacy_status: PriceStatus,
    pub owner: Option<Pubkey>,
    pub feed_id: Option<[u8; 32]>,
}

impl Default for Tamper {
    fn default() -> Self {
        Self {
            verification: VerificationLevel::Full,
            legacy_status: PriceStatus::Trading,
            owner: None,
            feed_id: None,
        }
    }
}

impl TestAsset {
    /// What `add_asset` stores: the feed id, or the legacy account's address.
    pub fn oracle_id(&self) -> [u8; 32] {
        match self.format {
            OracleFormat::PullV2 => self.feed_id,
            OracleFormat::Legacy => self.oracle.to_bytes(),
        }
    }
}

/// Writes `asset`'s oracle account with `price`.
pub fn write(ctx: &mut ProgramTestContext, asset: &TestAsset, price: &PriceState) {
    write_tampered(ctx, asset, price, Tamper::default());
}

pub fn write_tampered(
    ctx: &mut ProgramTestContext,
    asset: &TestAsset,
    price: &PriceState,
    t: Tamper,
) {
    let (data, owner) = match asset.format {
        OracleFormat::PullV2 => (
            pull_v2_bytes(t.feed_id.unwrap_or(asset.feed_id), price, t.verification),
            PYTH_RECEIVER_PROGRAM_ID,
        ),
        OracleFormat::Legacy => (legacy_bytes(price, t.legacy_status), PYTH_LEGACY_PROGRAM_ID),
    };
    write_raw(ctx, &asset.oracle, data, t.owner.unwrap_or(owner));
}

pub fn write_raw(ctx: &mut ProgramTestContext, key: &Pubkey, data: Vec<u8>, owner: Pubkey) {
    let account = Account {
        lamports: 1_000_000_000,
        data,
        owner,
        executable: false,
        rent_epoch: 0,
    };
    ctx.set_account(key, &AccountSharedData::from(account));
}
