//! Pyth accounts: reading them exactly as the program does (every check, through the
//! program's own `oracle` module), and writing them (the simulator and tests post prices).

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::AccountSerialize;
use portfolio_vault::constants::{PYTH_LEGACY_PROGRAM_ID, PYTH_RECEIVER_PROGRAM_ID};
use portfolio_vault::oracle::{read_raw, validate, ValidatedPrice};
use portfolio_vault::state::{AssetSlot, OracleKind};
use pyth_sdk_solana::state::{AccountType, GenericPriceAccount, PriceStatus, MAGIC, VERSION_2};
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_account::Account;

use crate::error::{anchor_error, ClientError};

/// Runs `f` on an `AccountInfo` view of a fetched account (what the program's readers take).
pub fn with_account_info<R>(
    key: &Pubkey,
    account: &Account,
    f: impl FnOnce(&AccountInfo) -> R,
) -> R {
    let mut lamports = account.lamports;
    let mut data = account.data.clone();
    let info = AccountInfo::new(
        key,
        false,
        false,
        &mut lamports,
        &mut data,
        &account.owner,
        account.executable,
    );
    f(&info)
}

/// The price of `slot` from its oracle account at `now`, after every check the program makes
/// (owner, feed, verification, age, confidence, EMA deviation, no older than the last used).
pub fn validated_price(
    slot: &AssetSlot,
    base_decimals: u8,
    key: &Pubkey,
    account: &Account,
    now: i64,
) -> Result<ValidatedPrice, ClientError> {
    let raw = with_account_info(key, account, |info| read_raw(&slot.oracle, info))
        .map_err(anchor_error)?;
    validate(slot, &raw, base_decimals, now).map_err(anchor_error)
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

/// A `PriceUpdateV2` account's data (padded to its on-chain length).
pub fn pull_v2_bytes(
    feed_id: [u8; 32],
    p: &PriceState,
    verification: VerificationLevel,
) -> Vec<u8> {
    let update = PriceUpdateV2 {
        write_authority: Pubkey::new_from_array([7; 32]),
        verification_level: verification,
        price_message: PriceFeedMessage {
            feed_id,
            price: p.price,
            conf: p.conf,
            exponent: p.expo,
            publish_time: p.publish_time,
            prev_publish_time: p.publish_time.saturating_sub(1),
            ema_price: p.ema_price,
            ema_conf: p.conf,
        },
        posted_slot: 1,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update
        .try_serialize(&mut data)
        .expect("a PriceUpdateV2 always serialises");
    // borsh writes 133 bytes for a Full verification level; real accounts are LEN long.
    data.resize(PriceUpdateV2::LEN, 0);
    data
}

/// A legacy push price account's data.
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

/// A valid oracle account of `kind` (fully verified or trading) saying `p`.
pub fn account_for(kind: OracleKind, feed_id: [u8; 32], p: &PriceState) -> Account {
    let (data, owner) = match kind {
        OracleKind::PullV2 => (
            pull_v2_bytes(feed_id, p, VerificationLevel::Full),
            PYTH_RECEIVER_PROGRAM_ID,
        ),
        OracleKind::Legacy => (
            legacy_bytes(p, PriceStatus::Trading),
            PYTH_LEGACY_PROGRAM_ID,
        ),
    };
    Account {
        lamports: 1_000_000_000,
        data,
        owner,
        executable: false,
        rent_epoch: 0,
    }
}

/// A Pyth feed id from its hex form (`0x` optional).
pub fn feed_id_from_hex(hex: &str) -> Result<[u8; 32], String> {
    pyth_solana_receiver_sdk::price_update::get_feed_id_from_hex(hex).map_err(|e| format!("{e:?}"))
}
