//! The sim-perp venue in the harness: an exchange on the vault's base mint with one market per
//! asset (priced by the same Pyth accounts), margin accounts, trades and liquidations.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{InstructionData, ToAccountMetas};
use sim_perp::state::{COLLATERAL_SEED, EXCHANGE_SEED, MARGIN_SEED};
use sim_perp::MarketArgs;
use solana_instruction::Instruction;
use solana_signer::Signer;

use crate::{Harness, OracleFormat, TxResult, User, SPL_TOKEN};

/// An exchange whose authority is the harness payer.
#[derive(Clone, Debug)]
pub struct TestExchange {
    pub exchange: Pubkey,
    pub collateral_vault: Pubkey,
    pub collateral_mint: Pubkey,
}

impl TestExchange {
    pub fn margin_account(&self, owner: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(
            &[MARGIN_SEED, self.exchange.as_ref(), owner.as_ref()],
            &sim_perp::ID,
        )
        .0
    }
}

impl Harness {
    /// An exchange on the base mint with one market per asset (fee, margins and funding as
    /// given), seeded with `insurance` base units that pay winners.
    pub async fn create_exchange(
        &mut self,
        fee_bps: u16,
        initial_margin_bps: u16,
        maintenance_margin_bps: u16,
        funding_rate_bps_per_day: i32,
        insurance: u64,
    ) -> TestExchange {
        let payer = self.ctx.payer.pubkey();
        let mint = self.base_mint;
        let pid = sim_perp::ID;
        let exchange =
            Pubkey::find_program_address(&[EXCHANGE_SEED, payer.as_ref(), mint.as_ref()], &pid).0;
        let collateral_vault =
            Pubkey::find_program_address(&[COLLATERAL_SEED, exchange.as_ref()], &pid).0;
        let ix = Instruction {
            program_id: pid,
            accounts: sim_perp::accounts::CreateExchange {
                authority: payer,
                exchange,
                collateral_mint: mint,
                collateral_vault,
                token_program: SPL_TOKEN,
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: sim_perp::instruction::CreateExchange {}.data(),
        };
        self.process(&[ix], &[]).await.expect("create_exchange");
        let x = TestExchange {
            exchange,
            collateral_vault,
            collateral_mint: mint,
        };
        for a in self.assets.clone() {
            let args = MarketArgs {
                oracle_kind: match a.format {
                    OracleFormat::PullV2 => 0,
                    OracleFormat::Legacy => 1,
                },
                oracle_id: a.oracle_id(),
                asset_decimals: a.decimals,
                max_age_s: 60,
                fee_bps,
                initial_margin_bps,
                maintenance_margin_bps,
                liquidation_fee_bps: 100,
                funding_rate_bps_per_day,
                premium_bps_per_day: 0,
            };
            self.perp_admin(&x, sim_perp::instruction::AddMarket { args }.data())
                .await
                .expect("add_market");
        }
        if insurance > 0 {
            self.mint_to(&mint, &collateral_vault, insurance).await;
        }
        x
    }

    /// An authority instruction (`add_market`, `set_halted`, `set_misbehaviour`).
    pub async fn perp_admin(&mut self, x: &TestExchange, data: Vec<u8>) -> TxResult {
        let ix = Instruction {
            program_id: sim_perp::ID,
            accounts: sim_perp::accounts::Admin {
                authority: self.ctx.payer.pubkey(),
                exchange: x.exchange,
            }
            .to_account_metas(None),
            data,
        };
        self.process(&[ix], &[]).await
    }

    pub async fn create_margin_account(&mut self, x: &TestExchange, owner: &User) -> TxResult {
        let ix = Instruction {
            program_id: sim_perp::ID,
            accounts: sim_perp::accounts::CreateMarginAccount {
                owner: owner.key(),
                payer: self.ctx.payer.pubkey(),
                exchange: x.exchange,
                margin_account: x.margin_account(&owner.key()),
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: sim_perp::instruction::CreateMarginAccount {}.data(),
        };
        self.process(&[ix], &[&owner.kp]).await
    }

    fn ix_perp_collateral(
        &self,
        x: &TestExchange,
        owner: &User,
        data: Vec<u8>,
        oracles: bool,
    ) -> Instruction {
        let mut accounts = sim_perp::accounts::MoveCollateral {
            owner: owner.key(),
            exchange: x.exchange,
            margin_account: x.margin_account(&owner.key()),
            collateral_vault: x.collateral_vault,
            owner_token: owner.base,
            collateral_mint: x.collateral_mint,
            token_program: SPL_TOKEN,
        }
        .to_account_metas(None);
        if oracles {
            accounts.extend(self.oracle_metas());
        }
        Instruction {
            program_id: sim_perp::ID,
            accounts,
            data,
        }
    }

    pub async fn perp_deposit(&mut self, x: &TestExchange, owner: &User, amount: u64) -> TxResult {
        let ix = self.ix_perp_collateral(
            x,
            owner,
            sim_perp::instruction::DepositCollateral { amount }.data(),
            false,
        );
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_withdraw(&mut self, x: &TestExchange, owner: &User, amount: u64) -> TxResult {
        let ix = self.ix_perp_collateral(
            x,
            owner,
            sim_perp::instruction::WithdrawCollateral { amount }.data(),
            true,
        );
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_trade(
        &mut self,
        x: &TestExchange,
        owner: &User,
        market: u8,
        base_delta: i64,
        limit_price: i128,
    ) -> TxResult {
        let mut accounts = sim_perp::accounts::Trade {
            owner: owner.key(),
            exchange: x.exchange,
            margin_account: x.margin_account(&owner.key()),
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        let ix = Instruction {
            program_id: sim_perp::ID,
            accounts,
            data: sim_perp::instruction::Trade {
                market,
                base_delta,
                limit_price,
            }
            .data(),
        };
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_liquidate(
        &mut self,
        x: &TestExchange,
        liquidator: &User,
        account: Pubkey,
        market: u8,
    ) -> TxResult {
        let mut accounts = sim_perp::accounts::Liquidate {
            liquidator: liquidator.key(),
            exchange: x.exchange,
            margin_account: account,
            collateral_vault: x.collateral_vault,
            liquidator_token: liquidator.base,
            collateral_mint: x.collateral_mint,
            token_program: SPL_TOKEN,
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        let ix = Instruction {
            program_id: sim_perp::ID,
            accounts,
            data: sim_perp::instruction::Liquidate { market }.data(),
        };
        self.process(&[ix], &[&liquidator.kp]).await
    }

    pub async fn margin_state(&mut self, account: &Pubkey) -> sim_perp::state::MarginAccount {
        let data = self.account(account).await.expect("margin account").data;
        anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap()
    }

    pub async fn exchange_state(&mut self, x: &TestExchange) -> sim_perp::state::Exchange {
        let data = self.account(&x.exchange).await.expect("exchange").data;
        anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap()
    }
}

// ---------------------------------------------------------------- the vault's hedge

use portfolio_vault::math::hedge::{plan_hedge, risk_report, HedgeTrade, RiskReport};
use portfolio_vault::math::Fx as VaultFx;
use portfolio_vault::state::{HedgeParamsArgs, ParamChange};
use solana_instruction::AccountMeta;

impl Harness {
    /// The vault authority's margin account on `x`.
    pub fn vault_margin(&self, x: &TestExchange) -> Pubkey {
        x.margin_account(&self.vault_authority)
    }

    /// Sets `x` as the hedge venue and `params` as the hedging limits through governance
    /// (propose, wait the timelock, apply), refreshes oracles and targets, and opens the
    /// vault's margin account.
    pub async fn govern_hedge(&mut self, x: &TestExchange, params: HedgeParamsArgs) {
        let margin = self.vault_margin(x);
        let venue = ParamChange::HedgeVenue {
            program_id: sim_perp::ID,
            exchange: x.exchange,
            margin_account: margin,
        };
        let a = self.propose(venue).await.expect("propose hedge venue");
        let b = self
            .propose(ParamChange::Hedge(params))
            .await
            .expect("propose hedge params");
        let timelock = self.vault_state().await.timelock_s as i64;
        self.warp_seconds(timelock + 1).await;
        self.apply(a).await.expect("apply hedge venue");
        self.apply(b).await.expect("apply hedge params");
        self.hedge = Some((x.exchange, margin));
        self.refresh_prices().await;
        if self.account(&self.risk()).await.is_some() {
            self.compute_targets().await.expect("compute_targets");
        }
        let ix = self.ix_init_hedge(x);
        self.process(&[ix], &[]).await.expect("init_hedge");
    }

    pub fn ix_init_hedge(&self, x: &TestExchange) -> Instruction {
        Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::InitHedge {
                payer: self.ctx.payer.pubkey(),
                vault: self.vault,
                vault_authority: self.vault_authority,
                hedge_program: sim_perp::ID,
                exchange: x.exchange,
                margin_account: self.vault_margin(x),
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::InitHedge {}.data(),
        }
    }

    pub fn ix_move_collateral(
        &self,
        keeper: &User,
        x: &TestExchange,
        amount: u64,
        to_venue: bool,
    ) -> Instruction {
        let mut accounts = portfolio_vault::accounts::MoveCollateral {
            keeper: keeper.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            hedge_program: sim_perp::ID,
            exchange: x.exchange,
            margin_account: self.vault_margin(x),
            collateral_vault: x.collateral_vault,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::MoveCollateral { amount, to_venue }.data(),
        }
    }

    pub fn ix_rebalance_hedge(
        &self,
        keeper: &User,
        x: &TestExchange,
        asset: u8,
        base_delta: i64,
    ) -> Instruction {
        let mut accounts = portfolio_vault::accounts::RebalanceHedge {
            keeper: keeper.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            hedge_program: sim_perp::ID,
            exchange: x.exchange,
            margin_account: self.vault_margin(x),
            base_vault: self.base_vault,
            base_mint: self.base_mint,
            keeper_base: keeper.base,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::RebalanceHedge { asset, base_delta }.data(),
        }
    }

    pub async fn open_hedge_claim(&mut self, owner: &Pubkey) -> TxResult {
        let ix = Instruction {
            program_id: portfolio_vault::ID,
            accounts: portfolio_vault::accounts::OpenHedgeClaim {
                payer: self.ctx.payer.pubkey(),
                owner: *owner,
                vault: self.vault,
                claim: self.hedge_claim(owner),
                system_program: anchor_lang::system_program::ID,
            }
            .to_account_metas(None),
            data: portfolio_vault::instruction::OpenHedgeClaim {}.data(),
        };
        self.process(&[ix], &[]).await
    }

    pub fn ix_settle_hedge_claim(
        &self,
        keeper: &User,
        x: &TestExchange,
        owner: &User,
    ) -> Instruction {
        let mut accounts = portfolio_vault::accounts::SettleHedgeClaim {
            keeper: keeper.key(),
            vault: self.vault,
            vault_authority: self.vault_authority,
            hedge_program: sim_perp::ID,
            exchange: x.exchange,
            margin_account: self.vault_margin(x),
            collateral_vault: x.collateral_vault,
            claim: self.hedge_claim(&owner.key()),
            claimant_base: owner.base,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            base_token_program: self.cfg.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.oracle_metas());
        Instruction {
            program_id: portfolio_vault::ID,
            accounts,
            data: portfolio_vault::instruction::SettleHedgeClaim {}.data(),
        }
    }

    pub async fn hedge_claim_units(&mut self, owner: &Pubkey) -> u64 {
        let key = self.hedge_claim(owner);
        let data = self.account(&key).await.expect("claim").data;
        let c: portfolio_vault::state::HedgeClaim =
            anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap();
        c.units
    }

    /// Mid-price equity of the vault's margin account and its share holders' part of it, as
    /// the program computes them (the venue's own math, funding accrued to now).
    pub async fn perp_equity_mid(&mut self, x: &TestExchange) -> (f64, f64) {
        let margin = self.vault_margin(x);
        if self.account(&margin).await.is_none() {
            return (0.0, 0.0);
        }
        let acc = self.margin_state(&margin).await;
        let ex = self.exchange_state(x).await;
        let now = self.now().await;
        let mut prices = [sim_perp::math::Fx::ZERO; sim_perp::state::MAX_MARKETS];
        let mut cums = prices;
        for i in 0..self.assets.len() {
            let p = self.mid_price(i).await;
            prices[i] = sim_perp::math::Fx::from_bits(p.to_bits());
            cums[i] =
                sim_perp::math::cumulative_funding_at(&ex.markets[i], prices[i], now).unwrap();
        }
        let e = sim_perp::math::equity(&acc, &prices, &cums)
            .unwrap()
            .to_num::<f64>();
        let v = self.vault_state().await;
        let owners = if v.hedge.units_total == 0 {
            0.0
        } else {
            e * v.hedge.owners_units() as f64 / v.hedge.units_total as f64
        };
        (e, owners)
    }

    /// The hedge risk report and the next hedge trade by the shared planner.
    pub async fn hedge_plan(&mut self, x: &TestExchange) -> (RiskReport, Option<HedgeTrade>) {
        let n = self.assets.len();
        let v = self.vault_state().await;
        let acc = self.margin_state(&self.vault_margin(x)).await;
        let mut prices = vec![];
        let mut spot = vec![];
        let mut perp = vec![];
        for i in 0..n {
            prices.push(self.mid_price(i).await);
            spot.push(v.assets[i].holdings);
            perp.push(acc.positions[i].base);
        }
        let (_, owners) = self.perp_equity_mid(x).await;
        let report = risk_report(
            &spot,
            &prices,
            v.idle_base,
            &perp,
            VaultFx::from_num(owners),
            VaultFx::ZERO,
            VaultFx::ZERO,
        )
        .unwrap();
        let p = v.hedge.params;
        let ratio = VaultFx::from_num(p.hedge_ratio_bps) / VaultFx::from_num(10_000);
        let band = VaultFx::from_num(p.delta_band_bps) / VaultFx::from_num(10_000);
        let plan = plan_hedge(&report, &spot, &prices, &perp, ratio, band).unwrap();
        (report, plan)
    }
}

/// A meta list helper for tests that substitute one account.
pub fn replace_account(ix: &mut Instruction, from: Pubkey, to: AccountMeta) {
    for m in ix.accounts.iter_mut() {
        if m.pubkey == from {
            *m = to.clone();
        }
    }
}
