//! Writes Pyth accounts in both formats: the pull-oracle `PriceUpdateV2` (owned by the Pyth
//! receiver) and the legacy push price account (owned by the legacy Pyth program).

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountSerialize;
use portfolio_vault::constants::{PYTH_LEGACY_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use pyth_sdk_solana::state::{AccountType, GenericPriceAccount, PriceStatus, MAGIC, VERSION_2};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::{Account, AccountSharedData};
use solana_program_test::ProgramTestContext;

use crate::TestAsset;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleFormat {
    PullV2,
    Legacy,
}

/// What an oracle account says: a Pyth mantissa, confidence and EMA with one exponent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceState {
    pub price: i64,
    pub conf: u64,
    pub expo: i32,
    pub ema_price: i64,
    pub publish_time: i64,
}

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

pub fn pull_v2_bytes(
    feed_id: [u8; 32],
    p: &PriceState,
    verification: VerificationLevel,
) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_unique(),
        verification_level: verification,
        price_message: PriceFeedMessage {
            feed_id,
            price: p.price,
            conf: p.conf,
            exponent: p.expo,
            publish_time: p.publish_time,
            prev_publish_time: p.publish_time - 1,
            ema_price: p.ema_price,
            ema_conf: p.conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update.try_serialize(&mut data).unwrap();
    // borsh writes 133 bytes for a Full verification level; real accounts are LEN long.
    data.resize(PriceUpdateV2::LEN, 0);
    data
}

pub fn legacy_bytes(p: &PriceState, status: PriceStatus) -> Vec<u8> {
    let mut acc: GenericPriceAccount<32, ()> = GenericPriceAccount {
        magic: MAGIC,
        ver: VERSION_2,
        atype: AccountType::Price as u32,
        size: std::mem::size_of::<GenericPriceAccount<32, ()>>() as u32,
        expo: p.expo,
        timestamp: p.publish_time,
        ..Default::default()
    };
    acc.ema_price.val = p.ema_price;
    acc.ema_conf.val = p.conf as i64;
    acc.agg.price = p.price;
    acc.agg.conf = p.conf;
    acc.agg.status = status;
    acc.agg.pub_slot = 1;
    bytemuck::bytes_of(&acc).to_vec()
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
