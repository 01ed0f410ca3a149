//! The sim-perp venue in the harness: an exchange on the vault's base mint with one market per
//! asset (priced by the same Pyth accounts), margin accounts, trades and liquidations, and the
//! vault's hedge instructions. Everything is built by the client's builders.

use anchor_lang::prelude::Pubkey;
use anchor_lang::InstructionData;
use portfolio_vault::math::hedge::{HedgeTrade, RiskReport};
use portfolio_vault::state::{HedgePatch, ParamChange};
use sim_perp::MarketArgs;
use solana_instruction::Instruction;
use solana_signer::Signer;
use vault_client::ix::perp as pix;
use vault_client::pda;

use crate::{Harness, OracleFormat, TxResult, User};

/// An exchange whose authority is the harness payer.
#[derive(Clone, Debug)]
pub struct TestExchange {
    pub exchange: Pubkey,
    pub collateral_vault: Pubkey,
    pub collateral_mint: Pubkey,
}

impl TestExchange {
    pub fn margin_account(&self, owner: &Pubkey) -> Pubkey {
        pda::perp::margin(&self.exchange, owner)
    }
}

impl Harness {
    fn oracle_keys(&self) -> Vec<Pubkey> {
        self.assets.iter().map(|a| a.oracle).collect()
    }

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
        let exchange = pda::perp::exchange(&payer, &mint);
        let collateral_vault = pda::perp::collateral_vault(&exchange);
        self.process(&[pix::create_exchange(payer, mint)], &[])
            .await
            .expect("create_exchange");
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
        let mut ix = pix::set_halted(self.ctx.payer.pubkey(), x.exchange, false);
        ix.data = data;
        self.process(&[ix], &[]).await
    }

    pub async fn create_margin_account(&mut self, x: &TestExchange, owner: &User) -> TxResult {
        let ix = pix::create_margin_account(owner.key(), self.ctx.payer.pubkey(), x.exchange);
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_deposit(&mut self, x: &TestExchange, owner: &User, amount: u64) -> TxResult {
        let ix = pix::deposit_collateral(
            owner.key(),
            x.exchange,
            x.collateral_mint,
            owner.base,
            amount,
        );
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_withdraw(&mut self, x: &TestExchange, owner: &User, amount: u64) -> TxResult {
        let oracles = self.oracle_keys();
        let ix = pix::withdraw_collateral(
            owner.key(),
            x.exchange,
            x.collateral_mint,
            owner.base,
            &oracles,
            amount,
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
        let oracles = self.oracle_keys();
        let ix = pix::trade(
            owner.key(),
            x.exchange,
            &oracles,
            market,
            base_delta,
            limit_price,
        );
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_liquidate(
        &mut self,
        x: &TestExchange,
        liquidator: &User,
        account: Pubkey,
        market: u8,
    ) -> TxResult {
        let oracles = self.oracle_keys();
        let ix = pix::liquidate(
            liquidator.key(),
            x.exchange,
            x.collateral_mint,
            account,
            liquidator.base,
            &oracles,
            market,
        );
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

    // ------------------------------------------------------------ the vault's hedge

    /// The vault authority's margin account on `x`.
    pub fn vault_margin(&self, x: &TestExchange) -> Pubkey {
        x.margin_account(&self.vault_authority)
    }

    /// Sets `x` as the hedge venue and `params` as the hedging limits through governance
    /// (propose, wait the timelock, apply), refreshes oracles and targets, and opens the
    /// vault's margin account.
    pub async fn govern_hedge(&mut self, x: &TestExchange, params: HedgePatch) {
        let margin = self.vault_margin(x);
        let venue = ParamChange::HedgeVenue {
            program_id: sim_perp::ID,
            exchange: x.exchange,
            margin_account: margin,
        };
        self.govern(&[venue, ParamChange::Hedge(params)]).await;
        self.hedge = Some((x.exchange, margin));
        self.refresh_prices().await;
        if self.account(&self.risk()).await.is_some() {
            self.compute_targets().await.expect("compute_targets");
        }
        let ix = self.ix_init_hedge(x);
        self.process(&[ix], &[]).await.expect("init_hedge");
    }

    /// The keys with `x` as the hedge venue (before governance has set it too).
    fn keys_with(&self, x: &TestExchange) -> vault_client::VaultKeys {
        let mut keys = self.keys();
        keys.hedge = Some(vault_client::keys::HedgeKeys {
            program_id: sim_perp::ID,
            exchange: x.exchange,
            margin_account: self.vault_margin(x),
            collateral_vault: x.collateral_vault,
        });
        keys
    }

    pub fn ix_init_hedge(&self, x: &TestExchange) -> Instruction {
        self.keys_with(x).init_hedge(self.ctx.payer.pubkey())
    }

    pub fn ix_move_collateral(
        &self,
        keeper: &User,
        x: &TestExchange,
        amount: u64,
        to_venue: bool,
    ) -> Instruction {
        self.keys_with(x)
            .move_collateral(keeper.key(), amount, to_venue)
    }

    pub fn ix_rebalance_hedge(
        &self,
        keeper: &User,
        x: &TestExchange,
        asset: u8,
        base_delta: i64,
    ) -> Instruction {
        self.keys_with(x)
            .rebalance_hedge(keeper.key(), keeper.base, asset, base_delta)
    }

    pub fn ix_settle_hedge_claim(
        &self,
        keeper: &User,
        x: &TestExchange,
        owner: &User,
    ) -> Instruction {
        self.keys_with(x)
            .settle_hedge_claim(keeper.key(), owner.key(), owner.base)
    }

    pub async fn hedge_claim_state(
        &mut self,
        owner: &Pubkey,
    ) -> portfolio_vault::state::HedgeClaim {
        let key = self.hedge_claim(owner);
        let data = self.account(&key).await.expect("claim").data;
        anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap()
    }

    pub async fn hedge_claim_units(&mut self, owner: &Pubkey) -> u64 {
        self.hedge_claim_state(owner).await.units
    }

    /// Mid-price equity of the vault's margin account and its share holders' part of it, as
    /// the program computes them (`PricedVault`, the venue's own math, funding to now).
    pub async fn perp_equity_mid(&mut self, x: &TestExchange) -> (f64, f64) {
        let margin = self.vault_margin(x);
        if self.account(&margin).await.is_none() {
            return (0.0, 0.0);
        }
        let s = self.vault_snapshot().await;
        let book = s.book().expect("hedge venue");
        let prices = s.all_prices().expect("prices");
        let n = self.assets.len();
        let m = portfolio_vault::hedge_book::marked(&book, n, &prices[..n], s.now).unwrap();
        let owners = s
            .hedge_value(portfolio_vault::math::nav::PriceSide::Mid)
            .unwrap();
        (m.equity.to_num::<f64>(), owners as f64)
    }

    /// The hedge risk report and the next hedge trade by the shared planner.
    pub async fn hedge_plan(&mut self, _x: &TestExchange) -> (RiskReport, Option<HedgeTrade>) {
        let s = self.vault_snapshot().await;
        (s.hedge_report().expect("report"), s.plan_hedge().ok())
    }
}
