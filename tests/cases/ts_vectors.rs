//! Cross-language test vectors for the TypeScript client (`app/ts`). One fixed scenario: the
//! encoded bytes of every instruction of the three programs, of every account type, the vault's
//! PDAs, the share math, and the instructions the TypeScript builders make (accounts and data). The values are decoded from the bytes by a small IDL-driven decoder
//! written here, independent of Anchor's TypeScript coder, which must then encode the same
//! values to the same bytes and decode the bytes to the same values (`app/ts/test`).
//!
//! The vectors are committed at `app/ts/test/vectors.json`; this test fails when the code no
//! longer produces them. `UPDATE_VECTORS=1 cargo test -p vault-tests --test all -- ts_vectors`
//! rewrites the file.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountSerialize, Discriminator, InstructionData};
use portfolio_vault::constants::*;
use portfolio_vault::math::shares::{shares_for_deposit_floor, value_for_shares_floor};
use portfolio_vault::math::Fx;
use portfolio_vault::state::*;
use portfolio_vault::state::{
    AddAssetArgs, InitializeVaultArgs, RebalanceSwapArgs, RiskParamsArgs,
};
use portfolio_vault::state::{HedgePatch, RebalancePatch, RiskPatch};
use serde_json::{json, Map, Value};
use vault_tests::{vault_pdas, vault_token_account};

fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load_idl(name: &str) -> Value {
    let path = root().join("idl").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("committed IDL")).unwrap()
}

/// Decodes one value of IDL type `ty` from `bytes` (borsh, which for this program's zero-copy
/// accounts is also their C layout: every padding byte is an explicit field).
fn decode(idl: &Value, ty: &Value, bytes: &mut &[u8]) -> Value {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> &'a [u8] {
        let (head, tail) = bytes.split_at(n);
        *bytes = tail;
        head
    }
    macro_rules! int {
        ($t:ty) => {{
            let b = take(bytes, std::mem::size_of::<$t>());
            json!(<$t>::from_le_bytes(b.try_into().unwrap()).to_string())
        }};
    }
    if let Some(s) = ty.as_str() {
        return match s {
            "bool" => json!(take(bytes, 1)[0] != 0),
            "u8" => int!(u8),
            "i8" => int!(i8),
            "u16" => int!(u16),
            "i16" => int!(i16),
            "u32" => int!(u32),
            "i32" => int!(i32),
            "u64" => int!(u64),
            "i64" => int!(i64),
            "u128" => int!(u128),
            "i128" => int!(i128),
            "pubkey" => json!(Pubkey::try_from(take(bytes, 32)).unwrap().to_string()),
            "bytes" => {
                let n = u32::from_le_bytes(take(bytes, 4).try_into().unwrap()) as usize;
                json!(hex(take(bytes, n)))
            }
            other => panic!("IDL type {other} not covered"),
        };
    }
    if let Some(arr) = ty.get("array") {
        let n = arr[1].as_u64().unwrap() as usize;
        return Value::Array((0..n).map(|_| decode(idl, &arr[0], bytes)).collect());
    }
    if let Some(inner) = ty.get("vec") {
        let n = u32::from_le_bytes(take(bytes, 4).try_into().unwrap()) as usize;
        return Value::Array((0..n).map(|_| decode(idl, inner, bytes)).collect());
    }
    if let Some(inner) = ty.get("option") {
        return match take(bytes, 1)[0] {
            0 => Value::Null,
            _ => decode(idl, inner, bytes),
        };
    }
    let name = ty["defined"]["name"].as_str().expect("defined type");
    let def = idl["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("type {name} in the IDL"));
    match def["type"]["kind"].as_str().unwrap() {
        "struct" => decode_fields(idl, &def["type"]["fields"], bytes),
        "enum" => {
            let tag = take(bytes, 1)[0] as usize;
            let variant = &def["type"]["variants"][tag];
            let fields = decode_fields(idl, &variant["fields"], bytes);
            json!({ variant["name"].as_str().unwrap(): fields })
        }
        other => panic!("type kind {other} not covered"),
    }
}

/// Named fields as an object, tuple fields as an object keyed "0", "1", ... (as Anchor's
/// TypeScript coder names them); no fields as an empty object.
fn decode_fields(idl: &Value, fields: &Value, bytes: &mut &[u8]) -> Value {
    let mut out = Map::new();
    for (i, f) in fields.as_array().into_iter().flatten().enumerate() {
        if let Some(name) = f.get("name").and_then(|n| n.as_str()) {
            out.insert(name.to_string(), decode(idl, &f["type"], bytes));
        } else {
            out.insert(i.to_string(), decode(idl, f, bytes));
        }
    }
    Value::Object(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn instruction(idl: &Value, program: &str, name: &str, data: Vec<u8>) -> Value {
    let ix = idl["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("instruction {name}"));
    let disc: Vec<u8> = ix["discriminator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(data[..8], disc[..], "{name}: discriminator");
    let mut rest = &data[8..];
    let args = decode_fields(idl, &ix["args"], &mut rest);
    assert!(rest.is_empty(), "{name}: {} bytes left", rest.len());
    json!({ "program": program, "name": name, "args": args, "data": hex(&data) })
}

fn account(idl: &Value, program: &str, name: &str, data: Vec<u8>) -> Value {
    let mut rest = &data[8..];
    let value = decode(idl, &json!({ "defined": { "name": name } }), &mut rest);
    assert!(rest.is_empty(), "{name}: {} bytes left", rest.len());
    json!({ "program": program, "name": name, "value": value, "data": hex(&data) })
}

fn risk_args() -> RiskParamsArgs {
    let mut fixed = [0u16; MAX_ASSETS];
    fixed[0] = 6_000;
    fixed[1] = 3_000;
    RiskParamsArgs {
        strategy: 2,
        ewma_decay_bps: 9_400,
        ewma_short_decay_bps: 7_000,
        shrinkage_bps: 1_000,
        regime_ratio_bps: 15_000,
        regime_vol_scale_bps: 5_000,
        vol_target_bps: 1_500,
        min_interval_s: 3_600,
        min_samples: 24,
        fixed_weights_bps: fixed,
    }
}

fn hedge_args() -> HedgeParams {
    HedgeParams::defaults()
}

fn rebalance_args() -> RebalanceParams {
    RebalanceParams::defaults(6)
}

fn vault_instructions(idl: &Value) -> Vec<Value> {
    use portfolio_vault::instruction as ix;
    let p = "portfolio_vault";
    let changes = [
        ParamChange::Fees {
            management_fee_bps: 150,
            performance_fee_bps: 1_000,
        },
        ParamChange::DepositLimits {
            deposit_cap: 1 << 50,
            min_deposit: 1_000,
        },
        ParamChange::AssetOracle {
            index: 1,
            max_age_s: 30,
            max_conf_bps: 80,
            max_ema_dev_bps: 400,
        },
        ParamChange::AssetWeights {
            index: 2,
            min_weight_bps: 500,
            max_weight_bps: 4_000,
        },
        ParamChange::RiskParams(RiskPatch::all_of(&risk_args().params())),
        ParamChange::Guardian(key(9)),
        ParamChange::FeeRecipient(key(10)),
        ParamChange::NominateAdmin(key(11)),
        ParamChange::Timelock(172_800),
        ParamChange::Rebalance(RebalancePatch {
            band_bps: Some(300),
            cooldown_s: Some(120),
            ..Default::default()
        }),
        ParamChange::AddVenue {
            program_id: sim_amm::ID,
            kind: VENUE_KIND_AMM,
            fee_bps: 30,
        },
        ParamChange::HedgeVenue {
            program_id: sim_perp::ID,
            exchange: key(60),
            margin_account: key(61),
        },
        ParamChange::Hedge(HedgePatch::all_of(&hedge_args())),
    ];
    let derisks = [
        DeriskAction::LowerDepositCap(5_000_000),
        DeriskAction::TightenAssetOracle {
            index: 0,
            max_age_s: 20,
            max_conf_bps: 50,
            max_ema_dev_bps: 300,
        },
        DeriskAction::Pause(PAUSE_DEPOSITS | PAUSE_REBALANCE),
        DeriskAction::RemoveVenue(1),
        DeriskAction::TightenRebalance(RebalancePatch::all_of(&rebalance_args())),
        DeriskAction::TightenHedge(HedgePatch::all_of(&hedge_args())),
    ];
    let mut out = vec![
        instruction(
            idl,
            p,
            "initialize_vault",
            ix::InitializeVault {
                args: InitializeVaultArgs {
                    seed_id: 7,
                    admin: key(2),
                    guardian: key(3),
                    fee_recipient: key(4),
                    timelock_s: 86_400,
                    deposit_cap: u64::MAX,
                    min_deposit: 1_000,
                    management_fee_bps: 200,
                    performance_fee_bps: 2_000,
                    initial_deposit: 1_000_000,
                },
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "add_asset",
            ix::AddAsset {
                args: AddAssetArgs {
                    oracle_kind: 0,
                    oracle_id: [0xef; 32],
                    max_age_s: 60,
                    max_conf_bps: 100,
                    max_ema_dev_bps: 500,
                    min_weight_bps: 0,
                    max_weight_bps: 4_000,
                },
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "deposit",
            ix::Deposit {
                amount: 123_456_789,
                min_shares_out: 120_000_000,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "withdraw",
            ix::Withdraw {
                shares: 42,
                min_assets_out: 40,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "redeem_in_kind",
            ix::RedeemInKind { shares: u64::MAX }.data(),
        ),
        instruction(
            idl,
            p,
            "request_withdraw",
            ix::RequestWithdraw {
                shares: 1_000_000,
                min_owed: 990_000,
            }
            .data(),
        ),
        instruction(idl, p, "fill_withdraw", ix::FillWithdraw {}.data()),
        instruction(idl, p, "claim_withdraw", ix::ClaimWithdraw {}.data()),
        instruction(idl, p, "cancel_withdraw", ix::CancelWithdraw {}.data()),
        instruction(idl, p, "accrue_fees", ix::AccrueFees {}.data()),
        instruction(
            idl,
            p,
            "initialize_risk",
            ix::InitializeRisk { args: risk_args() }.data(),
        ),
        instruction(idl, p, "update_risk", ix::UpdateRisk {}.data()),
        instruction(idl, p, "compute_targets", ix::ComputeTargets {}.data()),
        instruction(idl, p, "cancel_proposal", ix::CancelProposal {}.data()),
        instruction(idl, p, "apply_proposal", ix::ApplyProposal {}.data()),
        instruction(idl, p, "accept_admin", ix::AcceptAdmin {}.data()),
        instruction(
            idl,
            p,
            "set_pause",
            ix::SetPause {
                flags: PAUSE_ALL_FLAGS,
            }
            .data(),
        ),
        instruction(idl, p, "sweep_surplus", ix::SweepSurplus {}.data()),
        instruction(idl, p, "init_hedge", ix::InitHedge {}.data()),
        instruction(
            idl,
            p,
            "move_collateral",
            ix::MoveCollateral {
                amount: 2_500_000_000,
                to_venue: true,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "rebalance_hedge",
            ix::RebalanceHedge {
                asset: 1,
                base_delta: -35_000_000_000,
            }
            .data(),
        ),
        instruction(idl, p, "open_hedge_claim", ix::OpenHedgeClaim {}.data()),
        instruction(idl, p, "settle_hedge_claim", ix::SettleHedgeClaim {}.data()),
        instruction(
            idl,
            p,
            "rebalance_swap",
            ix::RebalanceSwap {
                args: RebalanceSwapArgs {
                    sell: BASE_ASSET,
                    buy: 3,
                    amount_in: 5_000_000_000,
                    min_amount_out: 49_600_000,
                    venue: 0,
                    route_data: vec![1, 2, 3, 0xff],
                },
            }
            .data(),
        ),
    ];
    for (id, change) in changes.into_iter().enumerate() {
        out.push(instruction(
            idl,
            p,
            "propose_change",
            ix::ProposeChange {
                id: id as u64,
                change,
            }
            .data(),
        ));
    }
    for action in derisks {
        out.push(instruction(idl, p, "derisk", ix::Derisk { action }.data()));
    }
    out
}

fn amm_instructions(idl: &Value) -> Vec<Value> {
    use sim_amm::instruction as ix;
    let p = "sim_amm";
    vec![
        instruction(idl, p, "create_pool", ix::CreatePool { fee_bps: 30 }.data()),
        instruction(
            idl,
            p,
            "add_liquidity",
            ix::AddLiquidity {
                amount_a: 1_000,
                amount_b: 2_000,
                min_lp: 1,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "remove_liquidity",
            ix::RemoveLiquidity {
                lp: 500,
                min_a: 1,
                min_b: 2,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "swap",
            ix::Swap {
                amount_in: 77,
                min_amount_out: 70,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "set_misbehaviour",
            ix::SetMisbehaviour {
                mode: 1,
                param_bps: 100,
            }
            .data(),
        ),
    ]
}

fn perp_instructions(idl: &Value) -> Vec<Value> {
    use sim_perp::instruction as ix;
    let p = "sim_perp";
    vec![
        instruction(idl, p, "create_exchange", ix::CreateExchange {}.data()),
        instruction(
            idl,
            p,
            "add_market",
            ix::AddMarket {
                args: perp_market_args(),
            }
            .data(),
        ),
        instruction(idl, p, "set_halted", ix::SetHalted { halted: true }.data()),
        instruction(
            idl,
            p,
            "set_misbehaviour",
            ix::SetMisbehaviour {
                mode: 2,
                param_bps: 500,
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "create_margin_account",
            ix::CreateMarginAccount {}.data(),
        ),
        instruction(
            idl,
            p,
            "deposit_collateral",
            ix::DepositCollateral { amount: 5_000 }.data(),
        ),
        instruction(
            idl,
            p,
            "withdraw_collateral",
            ix::WithdrawCollateral { amount: 4_000 }.data(),
        ),
        instruction(
            idl,
            p,
            "trade",
            ix::Trade {
                market: 1,
                base_delta: -123_456_789,
                limit_price: Fx::from_num(0.0995).to_bits(),
            }
            .data(),
        ),
        instruction(
            idl,
            p,
            "trade_many",
            ix::TradeMany {
                orders: vec![
                    sim_perp::Order {
                        market: 0,
                        base_delta: 55,
                        limit_price: 0,
                    },
                    sim_perp::Order {
                        market: 2,
                        base_delta: -7,
                        limit_price: Fx::from_num(12.5).to_bits(),
                    },
                ],
            }
            .data(),
        ),
        instruction(idl, p, "liquidate", ix::Liquidate { market: 0 }.data()),
    ]
}

fn perp_market_args() -> sim_perp::MarketArgs {
    sim_perp::MarketArgs {
        oracle_kind: 1,
        oracle_id: key(50).to_bytes(),
        asset_decimals: 9,
        max_age_s: 60,
        fee_bps: 10,
        initial_margin_bps: 1_000,
        maintenance_margin_bps: 500,
        liquidation_fee_bps: 100,
        funding_rate_bps_per_day: -3,
        premium_bps_per_day: 20,
    }
}

fn zero_copy_bytes<T: bytemuck::Pod + Discriminator>(value: &T) -> Vec<u8> {
    let mut data = T::DISCRIMINATOR.to_vec();
    data.extend_from_slice(bytemuck::bytes_of(value));
    data
}

fn accounts(vault_idl: &Value, amm_idl: &Value, perp_idl: &Value) -> Vec<Value> {
    let mut v: Vault = bytemuck::Zeroable::zeroed();
    v.version = VAULT_VERSION;
    v.bump = 254;
    v.num_assets = 2;
    v.pause_flags = PAUSE_REBALANCE;
    v.base_decimals = 6;
    v.seed_id = 7;
    v.creator = key(1);
    v.admin = key(2);
    v.guardian = key(3);
    v.fee_recipient = key(4);
    v.base_mint = key(5);
    v.params = VaultParams {
        deposit_cap: u64::MAX,
        min_deposit: 1_000,
        management_fee_bps: 200,
        performance_fee_bps: 2_000,
        _pad: [0; 4],
    };
    v.idle_base = 123_456_789;
    v.pending_fee_fraction.set(Fx::from_num(0.25));
    v.hwm_pps.set(Fx::from_num(1.5));
    v.timelock_s = 86_400;
    v.assets[0].mint = key(20);
    v.assets[0].holdings = 1 << 40;
    v.assets[0].oracle.max_age_s = 60;
    v.assets[1].mint = key(21);
    v.assets[1].max_weight_bps = 4_000;
    v.rebalance = RebalanceParams::defaults(6);
    v.venues[0] = Venue {
        program_id: sim_amm::ID,
        fee_bps: 30,
        kind: VENUE_KIND_AMM,
        _pad: [0; 5],
    };
    v.rebalance_state.window_notional = 999;
    v.hedge.program_id = sim_perp::ID;
    v.hedge.exchange = key(60);
    v.hedge.margin_account = key(61);
    v.hedge.units_total = 2_500_000_000;
    v.hedge.units_claimed = 7;
    v.hedge.params = HedgeParams::defaults();
    v.hedge.params.mode = HEDGE_MODE_DELTA_NEUTRAL;
    let mut r: RiskState = bytemuck::Zeroable::zeroed();
    r.version = RISK_VERSION;
    r.num_assets = 2;
    r.vault = key(30);
    r.params = risk_args().params();
    r.sample_count = 48;
    r.targets_ts = 1_700_000_000;
    r.target_weights[0].set(Fx::from_num(0.6));
    r.target_weights[1].set(Fx::from_num(-0.125));
    r.target_cash.set(Fx::from_num(0.1));
    let proposal = Proposal {
        vault: key(30),
        id: 3,
        proposer: key(2),
        created_ts: 1_700_000_000,
        eta_ts: 1_700_086_400,
        expiry_ts: 1_700_691_200,
        status: ProposalStatus::Pending,
        bump: 253,
        change: ParamChange::Rebalance(RebalancePatch::all_of(&rebalance_args())),
    };
    let mut proposal_bytes = vec![];
    proposal.try_serialize(&mut proposal_bytes).unwrap();
    let claim = HedgeClaim {
        vault: key(30),
        owner: key(64),
        units: 123_456,
        bump: 252,
        owed: 789,
    };
    let mut claim_bytes = vec![];
    claim.try_serialize(&mut claim_bytes).unwrap();
    let pool = sim_amm::state::Pool {
        authority: key(40),
        mint_a: key(41),
        mint_b: key(42),
        vault_a: key(43),
        vault_b: key(44),
        lp_mint: key(45),
        token_program: anchor_spl::token::ID,
        fee_bps: 30,
        bump: 255,
        misbehaviour: 0,
        misbehaviour_bps: 0,
    };
    let mut pool_bytes = vec![];
    pool.try_serialize(&mut pool_bytes).unwrap();
    let a = perp_market_args();
    let mut markets = [sim_perp::state::Market::default(); sim_perp::state::MAX_MARKETS];
    markets[0] = sim_perp::state::Market {
        oracle_kind: a.oracle_kind,
        oracle_id: a.oracle_id,
        asset_decimals: a.asset_decimals,
        max_age_s: a.max_age_s,
        fee_bps: a.fee_bps,
        initial_margin_bps: a.initial_margin_bps,
        maintenance_margin_bps: a.maintenance_margin_bps,
        liquidation_fee_bps: a.liquidation_fee_bps,
        funding_rate_bps_per_day: a.funding_rate_bps_per_day,
        premium_bps_per_day: a.premium_bps_per_day,
        cumulative_funding: Fx::from_num(-0.0125).to_bits(),
        last_funding_ts: 1_700_000_000,
        long_oi: 10,
        short_oi: 1 << 50,
    };
    let exchange = sim_perp::state::Exchange {
        authority: key(60),
        collateral_mint: key(5),
        collateral_vault: key(61),
        collateral_decimals: 6,
        bump: 250,
        halted: false,
        misbehaviour: 0,
        misbehaviour_bps: 0,
        num_markets: 1,
        markets,
    };
    let mut exchange_bytes = vec![];
    exchange.try_serialize(&mut exchange_bytes).unwrap();
    let mut positions = [sim_perp::state::Position::default(); sim_perp::state::MAX_MARKETS];
    positions[0] = sim_perp::state::Position {
        base: -(1 << 40),
        quote: 109_951_162_777,
        last_cumulative_funding: Fx::from_num(-0.0125).to_bits(),
    };
    let margin = sim_perp::state::MarginAccount {
        exchange: key(62),
        owner: key(63),
        bump: 249,
        collateral: -5,
        positions,
    };
    let mut margin_bytes = vec![];
    margin.try_serialize(&mut margin_bytes).unwrap();
    vec![
        account(vault_idl, "portfolio_vault", "Vault", zero_copy_bytes(&v)),
        account(
            vault_idl,
            "portfolio_vault",
            "RiskState",
            zero_copy_bytes(&r),
        ),
        account(vault_idl, "portfolio_vault", "Proposal", proposal_bytes),
        account(vault_idl, "portfolio_vault", "HedgeClaim", claim_bytes),
        account(amm_idl, "sim_amm", "Pool", pool_bytes),
        account(perp_idl, "sim_perp", "Exchange", exchange_bytes),
        account(perp_idl, "sim_perp", "MarginAccount", margin_bytes),
    ]
}

fn pdas() -> Value {
    let (creator, base_mint, seed_id) = (key(1), key(5), 7u64);
    let (vault, authority, share_mint, base_vault, dead_owner, dead_shares) =
        vault_pdas(&creator, &base_mint, seed_id);
    let pid = portfolio_vault::ID;
    let risk = Pubkey::find_program_address(&[RISK_SEED, vault.as_ref()], &pid).0;
    let proposal =
        Pubkey::find_program_address(&[PROPOSAL_SEED, vault.as_ref(), &3u64.to_le_bytes()], &pid).0;
    json!({
        "creator": creator.to_string(),
        "base_mint": base_mint.to_string(),
        "seed_id": seed_id.to_string(),
        "vault": vault.to_string(),
        "authority": authority.to_string(),
        "share_mint": share_mint.to_string(),
        "base_vault": base_vault.to_string(),
        "dead_owner": dead_owner.to_string(),
        "dead_shares": dead_shares.to_string(),
        "risk": risk.to_string(),
        "proposal_id": "3",
        "proposal": proposal.to_string(),
        "share_escrow": vault_client::pda::share_escrow(&vault).to_string(),
        "request_id": "5",
        "withdraw_request": vault_client::pda::withdraw_request(&vault, 5).to_string(),
        "asset_mint": key(20).to_string(),
        "asset_vault": vault_token_account(&vault, &key(20)).to_string(),
    })
}

/// The vault of the builder vectors: two assets and a hedge venue, every address distinct.
fn builder_keys() -> vault_client::VaultKeys {
    use vault_client::keys::{AssetKeys, HedgeKeys};
    let asset = |n: u8| AssetKeys {
        mint: key(n),
        token_account: key(n + 1),
        token_program: anchor_spl::token::ID,
        oracle: key(n + 2),
        decimals: 9,
    };
    vault_client::VaultKeys {
        vault: key(60),
        authority: key(61),
        share_mint: key(62),
        base_mint: key(63),
        base_vault: key(64),
        base_token_program: anchor_spl::token::ID,
        share_token_program: anchor_spl::token::ID,
        fee_recipient: key(65),
        dead_shares: key(66),
        risk: key(67),
        assets: vec![asset(70), asset(73)],
        hedge: Some(HedgeKeys {
            program_id: sim_perp::ID,
            exchange: key(80),
            margin_account: key(81),
            collateral_vault: key(82),
        }),
    }
}

/// A vault's keys as the TypeScript `VaultKeys` holds them.
fn keys_json(k: &vault_client::VaultKeys) -> Value {
    json!({
        "vault": k.vault.to_string(),
        "authority": k.authority.to_string(),
        "base_mint": k.base_mint.to_string(),
        "share_mint": k.share_mint.to_string(),
        "base_vault": k.base_vault.to_string(),
        "base_token_program": k.base_token_program.to_string(),
        "share_token_program": k.share_token_program.to_string(),
        "oracles": k.assets.iter().map(|a| a.oracle.to_string()).collect::<Vec<_>>(),
        "assets": k.assets.iter().map(|a| json!({
            "mint": a.mint.to_string(),
            "token_account": a.token_account.to_string(),
            "token_program": a.token_program.to_string(),
        })).collect::<Vec<_>>(),
        "hedge": k.hedge.as_ref().map(|h| json!({
            "exchange": h.exchange.to_string(),
            "margin_account": h.margin_account.to_string(),
        })),
    })
}

/// The keys `VaultKeys::from_state` derives from the Vault account of the vectors (at
/// `key(59)`): the TypeScript client must derive the same from the same bytes.
fn keys_from_vault_account(vault_account: &Value) -> Value {
    let text = vault_account["data"].as_str().unwrap();
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    let v: Vault = bytemuck::pod_read_unaligned(&bytes[8..8 + std::mem::size_of::<Vault>()]);
    let k = vault_client::VaultKeys::from_state(key(59), &v, &Default::default());
    json!({ "vault": key(59).to_string(), "keys": keys_json(&k) })
}

/// What the TypeScript builders must produce from the same keys: the accounts (order, signer
/// and writable flags, remaining accounts) and the data of each queue instruction.
fn builders() -> Value {
    let k = builder_keys();
    let (owner, shares_acc, receiver) = (key(90), key(91), key(92));
    let case = |name: &str, input: Value, ix: solana_instruction::Instruction| {
        json!({
            "name": name,
            "input": input,
            "program": ix.program_id.to_string(),
            "accounts": ix.accounts.iter().map(|m| json!({
                "pubkey": m.pubkey.to_string(),
                "signer": m.is_signer,
                "writable": m.is_writable,
            })).collect::<Vec<_>>(),
            "data": hex(&ix.data),
        })
    };
    json!({
        "keys": keys_json(&k),
        "cases": [
            case(
                "deposit",
                json!({ "user": owner.to_string(), "user_base": receiver.to_string(),
                        "receiver_shares": shares_acc.to_string(),
                        "amount": "2500000", "min_shares_out": "2400000" }),
                k.deposit(owner, receiver, shares_acc, 2_500_000, 2_400_000),
            ),
            case(
                "request_withdraw",
                json!({ "owner": owner.to_string(), "owner_shares": shares_acc.to_string(),
                        "receiver_base": receiver.to_string(), "id": "5",
                        "shares": "1000000", "min_owed": "990000" }),
                k.request_withdraw(owner, shares_acc, receiver, 5, 1_000_000, 990_000),
            ),
            case(
                "withdraw",
                json!({ "user": owner.to_string(), "user_shares": shares_acc.to_string(),
                        "receiver_base": receiver.to_string(),
                        "shares": "1000000", "min_assets_out": "990000" }),
                k.withdraw(owner, shares_acc, receiver, 1_000_000, 990_000),
            ),
            case(
                "redeem_in_kind",
                json!({ "user": owner.to_string(), "user_base": receiver.to_string(),
                        "user_shares": shares_acc.to_string(),
                        "user_assets": [key(93).to_string(), key(94).to_string()],
                        "shares": "1000000" }),
                k.redeem_in_kind(owner, receiver, shares_acc, &[key(93), key(94)], 1_000_000),
            ),
            case("fill_withdraw", json!({ "id": "5" }), k.fill_withdraw(5)),
            case(
                "claim_withdraw",
                json!({ "id": "5", "owner": owner.to_string(), "receiver_base": receiver.to_string() }),
                k.claim_withdraw(5, owner, receiver),
            ),
            case(
                "cancel_withdraw",
                json!({ "owner": owner.to_string(), "receiver_shares": shares_acc.to_string(), "id": "5" }),
                k.cancel_withdraw(owner, shares_acc, 5),
            ),
        ],
    })
}

fn shares() -> Value {
    let cases = [
        (1_000_000u64, 10_000_000u64, 9_000_000u64),
        (1, 3, 2),
        (123_456_789, 987_654_321_000, 123_456_789_000),
        (u64::MAX / 3, u64::MAX / 2, u64::MAX / 5),
    ];
    Value::Array(
        cases
            .iter()
            .map(|&(amount, total_value, total_shares)| {
                json!({
                    "amount": amount.to_string(),
                    "total_value": total_value.to_string(),
                    "total_shares": total_shares.to_string(),
                    "shares_for_deposit": shares_for_deposit_floor(amount, total_value, total_shares).unwrap().to_string(),
                    "value_for_shares": value_for_shares_floor(amount.min(total_shares), total_value, total_shares).unwrap().to_string(),
                })
            })
            .collect(),
    )
}

#[test]
fn vectors_match_the_committed_file() {
    let vault_idl = load_idl("portfolio_vault");
    let amm_idl = load_idl("sim_amm");
    let perp_idl = load_idl("sim_perp");
    let mut instructions = vault_instructions(&vault_idl);
    instructions.extend(amm_instructions(&amm_idl));
    instructions.extend(perp_instructions(&perp_idl));
    // Every instruction of every program is covered.
    for (idl, program) in [
        (&vault_idl, "portfolio_vault"),
        (&amm_idl, "sim_amm"),
        (&perp_idl, "sim_perp"),
    ] {
        for ix in idl["instructions"].as_array().unwrap() {
            assert!(
                instructions
                    .iter()
                    .any(|v| v["program"] == program && v["name"] == ix["name"]),
                "no vector for {program}::{}",
                ix["name"]
            );
        }
    }
    let accounts = accounts(&vault_idl, &amm_idl, &perp_idl);
    let vectors = json!({
        "programs": {
            "portfolio_vault": portfolio_vault::ID.to_string(),
            "sim_amm": sim_amm::ID.to_string(),
            "sim_perp": sim_perp::ID.to_string(),
        },
        "pdas": pdas(),
        "shares": shares(),
        "builders": builders(),
        "instructions": instructions,
        "keys_from_vault_account": keys_from_vault_account(&accounts[0]),
        "accounts": accounts,
    });
    let text = serde_json::to_string_pretty(&vectors).unwrap() + "\n";
    let path = root().join("app/ts/test/vectors.json");
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "app/ts/test/vectors.json is stale: run `UPDATE_VECTORS=1 cargo test -p vault-tests --test all -- ts_vectors`"
    );
}
