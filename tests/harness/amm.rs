//! The sim-amm venue in the harness: pools at the oracle price, venue whitelisting through
//! governance, and the `rebalance_swap` instruction with the venue's accounts.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::math::rebalance::{plan_rebalance, PlannedTrade, Portfolio};
use portfolio_vault::math::Fx;
use portfolio_vault::oracle::{validate, RawPrice};
use portfolio_vault::state::{ParamChange, RebalancePatch, Venue};
use solana_instruction::{AccountMeta, Instruction};
use solana_signer::Signer;
use vault_client::ix::AmmRoute;

use crate::{Harness, TxResult, User, SPL_TOKEN};

/// One sim-amm pool: its address and its account as created (mints, vaults, LP mint, token
/// program, fee), read through `Deref`.
#[derive(Clone, Debug)]
pub struct TestPool {
    pub pool: Pubkey,
    pub state: sim_amm::state::Pool,
}

impl std::ops::Deref for TestPool {
    type Target = sim_amm::state::Pool;
    fn deref(&self) -> &Self::Target {
        &self.state
    }
}

impl TestPool {
    pub fn vault_for(&self, mint: &Pubkey) -> Pubkey {
        if *mint == self.mint_a {
            self.vault_a
        } else {
            assert_eq!(*mint, self.mint_b);
            self.vault_b
        }
    }
}

/// A trader outside the vault with accounts for the base token and every asset.
pub struct Trader {
    pub user: User,
}

impl Harness {
    /// Mint of a portfolio slot (`n` = base).
    pub fn slot_mint(&self, slot: usize) -> Pubkey {
        self.keys().slot_mint(slot)
    }

    /// The vault's token account of a slot (`n` = base).
    pub fn slot_vault_ta(&self, slot: usize) -> Pubkey {
        self.keys().slot_token_account(slot)
    }

    /// Asset index of a slot as `rebalance_swap` names it (255 = base).
    pub fn slot_index(&self, slot: usize) -> u8 {
        self.keys().slot_index(slot)
    }

    /// Creates a pool for two mints with `fee_bps` and seeds it with `amount_x` of `mint_x`
    /// and `amount_y` of `mint_y` from the payer (the pool authority).
    pub async fn create_pool(
        &mut self,
        mint_x: Pubkey,
        mint_y: Pubkey,
        fee_bps: u16,
        amount_x: u64,
        amount_y: u64,
    ) -> TestPool {
        let (mint_a, mint_b, amount_a, amount_b) = if mint_x.to_bytes() < mint_y.to_bytes() {
            (mint_x, mint_y, amount_x, amount_y)
        } else {
            (mint_y, mint_x, amount_y, amount_x)
        };
        let pool = vault_client::pda::amm::pool(&mint_a, &mint_b);
        let lp_mint = vault_client::pda::amm::lp_mint(&pool);
        let payer = self.ctx.payer.pubkey();
        let create = vault_client::ix::amm::create_pool(payer, mint_a, mint_b, fee_bps);
        self.process(&[create], &[]).await.expect("create_pool");
        let user_a = self.create_token_account(&mint_a, &payer, SPL_TOKEN).await;
        let user_b = self.create_token_account(&mint_b, &payer, SPL_TOKEN).await;
        let user_lp = self.create_token_account(&lp_mint, &payer, SPL_TOKEN).await;
        self.mint_to(&mint_a, &user_a, amount_a).await;
        self.mint_to(&mint_b, &user_b, amount_b).await;
        let add = vault_client::ix::amm::add_liquidity(
            payer, mint_a, mint_b, user_a, user_b, user_lp, amount_a, amount_b,
        );
        self.process(&[add], &[]).await.expect("add_liquidity");
        let data = self.account(&pool).await.expect("pool account").data;
        let state = anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap();
        TestPool { pool, state }
    }

    /// Validated mid price of asset `i` (base units per asset unit), exactly as the program
    /// normalises it.
    pub async fn mid_price(&mut self, i: usize) -> Fx {
        let v = self.vault_state().await;
        let now = self.now().await;
        let p = self.assets[i].price;
        let raw = RawPrice {
            price: p.price,
            conf: p.conf,
            exponent: p.expo,
            ema_price: p.ema_price,
            publish_time: p.publish_time.min(now),
        };
        let mut slot = v.assets[i];
        slot.last_price_ts = 0;
        validate(&slot, &raw, v.base_decimals, now)
            .expect("valid price")
            .price
    }

    /// A pool of two portfolio slots (`n` = base) at the oracle prices, each side worth
    /// `depth` base units.
    pub async fn create_pool_at_oracle(
        &mut self,
        x: usize,
        y: usize,
        fee_bps: u16,
        depth: u64,
    ) -> TestPool {
        let mut amounts = [0u64; 2];
        for (k, slot) in [x, y].into_iter().enumerate() {
            let price = if slot == self.assets.len() {
                Fx::ONE
            } else {
                self.mid_price(slot).await
            };
            amounts[k] = (Fx::from_num(depth) / price).to_num::<u64>();
        }
        let (mx, my) = (self.slot_mint(x), self.slot_mint(y));
        self.create_pool(mx, my, fee_bps, amounts[0], amounts[1])
            .await
    }

    /// Oracle mid price of a mint in base units per unit (base itself is 1).
    async fn mint_price(&mut self, mint: &Pubkey) -> f64 {
        if *mint == self.base_mint {
            return 1.0;
        }
        let i = self
            .assets
            .iter()
            .position(|a| a.mint == *mint)
            .expect("mint of the vault");
        self.mid_price(i).await.to_num::<f64>()
    }

    /// An arbitrageur trades `pool` back to the oracle price (within its fee), as arbitrage
    /// does on a live market after the oracle moves. Fails when the pool does (a misbehaving
    /// pool may refuse the swap).
    pub async fn arbitrage(&mut self, pool: &TestPool) -> TxResult {
        let (pa, pb) = (
            self.mint_price(&pool.mint_a).await,
            self.mint_price(&pool.mint_b).await,
        );
        let (ra, rb) = (
            self.balance(&pool.vault_a).await as f64,
            self.balance(&pool.vault_b).await as f64,
        );
        let fee = self.pool_fee_bps(pool).await as f64 / 10_000.0;
        let k = ra * rb;
        let ra_target = (k * pb / pa).sqrt();
        let rb_target = (k * pa / pb).sqrt();
        let (mint_in, mint_out, amount) = if ra_target > ra {
            (pool.mint_a, pool.mint_b, (ra_target - ra) / (1.0 - fee))
        } else {
            (pool.mint_b, pool.mint_a, (rb_target - rb) / (1.0 - fee))
        };
        let amount = amount as u64;
        if amount == 0 {
            return Ok(());
        }
        let trader = self.new_user(0).await;
        let account_of = |h: &Harness, mint: &Pubkey| {
            if *mint == h.base_mint {
                trader.base
            } else {
                let i = h.assets.iter().position(|a| a.mint == *mint).unwrap();
                trader.assets[i]
            }
        };
        let (from, to) = (account_of(self, &mint_in), account_of(self, &mint_out));
        self.mint_to(&mint_in, &from, amount).await;
        self.pool_swap(&trader, pool, mint_in, mint_out, from, to, amount)
            .await
    }

    pub async fn pool_fee_bps(&mut self, pool: &TestPool) -> u16 {
        let data = self.account(&pool.pool).await.expect("pool").data;
        let p: sim_amm::state::Pool =
            anchor_lang::AccountDeserialize::try_deserialize(&mut &data[..]).unwrap();
        p.fee_bps
    }

    /// The portfolio as `rebalance_swap` judges it (`operations::rebalance::portfolio`).
    pub async fn portfolio(&mut self) -> Portfolio {
        self.vault_snapshot().await.portfolio().expect("portfolio")
    }

    /// The next trade by the shared planner, for a venue charging `venue_fee_bps` (the limits
    /// of `operations::rebalance::limits`, windows rolled to now).
    pub async fn plan(&mut self, venue_fee_bps: u16) -> Option<PlannedTrade> {
        let s = self.vault_snapshot().await;
        let p = s.portfolio().ok()?;
        let venue = Venue {
            program_id: sim_amm::ID,
            fee_bps: venue_fee_bps,
            kind: portfolio_vault::constants::VENUE_KIND_AMM,
            _pad: [0; 5],
        };
        let lim = s.trade_limits(p.nav().ok()?, &venue)?;
        plan_rebalance(&p, &lim)
    }

    /// Whitelists venues and sets the rebalancing limits through governance (propose, wait
    /// the timelock, apply), then refreshes the oracles and the targets.
    pub async fn govern_rebalancing(
        &mut self,
        venues: &[(Pubkey, u8, u16)],
        params: Option<RebalancePatch>,
    ) {
        let mut changes: Vec<ParamChange> = venues
            .iter()
            .map(|&(program_id, kind, fee_bps)| ParamChange::AddVenue {
                program_id,
                kind,
                fee_bps,
            })
            .collect();
        changes.extend(params.map(ParamChange::Rebalance));
        self.govern(&changes).await;
        self.refresh_prices().await;
        self.compute_targets().await.expect("compute_targets");
    }

    /// `rebalance_swap` through a sim-amm pool (the client's builder); `extra` venue accounts
    /// are appended, and `route_data` (an aggregator's instruction data) replaces the AMM's.
    #[allow(clippy::too_many_arguments)]
    pub fn ix_rebalance_swap(
        &self,
        keeper: &User,
        pool: &TestPool,
        sell: usize,
        buy: usize,
        amount_in: u64,
        min_amount_out: u64,
        venue: u8,
        route_data: Vec<u8>,
        extra: &[AccountMeta],
    ) -> Instruction {
        let (mint_in, mint_out) = (self.slot_mint(sell), self.slot_mint(buy));
        let route = AmmRoute {
            program_id: sim_amm::ID,
            pool: pool.pool,
            pool_sell: pool.vault_for(&mint_in),
            pool_buy: pool.vault_for(&mint_out),
            token_program: pool.token_program,
        };
        let mut ix = self.keys().rebalance_swap_amm(
            keeper.key(),
            keeper.base,
            venue,
            &route,
            sell,
            buy,
            amount_in,
            min_amount_out,
        );
        ix.accounts.extend_from_slice(extra);
        if !route_data.is_empty() {
            let mut args = <portfolio_vault::instruction::RebalanceSwap as anchor_lang::AnchorDeserialize>::deserialize(&mut &ix.data[8..]).expect("args");
            args.args.route_data = route_data;
            ix.data = anchor_lang::InstructionData::data(&args);
        }
        ix
    }

    /// Sends a planned trade through `pool` (venue 0) at the oracle floor.
    pub async fn rebalance(
        &mut self,
        keeper: &User,
        pool: &TestPool,
        t: &PlannedTrade,
    ) -> TxResult {
        let ix = self.ix_rebalance_swap(
            keeper,
            pool,
            t.sell,
            t.buy,
            t.amount_in,
            t.check.min_out,
            0,
            vec![],
            &[],
        );
        self.process_auto(&[ix], &[&keeper.kp]).await
    }

    /// Switches a pool's misbehaviour (`sim_amm::state::Misbehaviour` as a byte).
    pub async fn set_misbehaviour(&mut self, pool: &TestPool, mode: u8, bps: u16) {
        let ix =
            vault_client::ix::amm::set_misbehaviour(self.ctx.payer.pubkey(), pool.pool, mode, bps);
        self.process(&[ix], &[]).await.expect("set_misbehaviour");
    }

    /// A plain swap by `trader` (who must hold `mint_in` in `from` and `mint_out` in `to`).
    #[allow(clippy::too_many_arguments)]
    pub async fn pool_swap(
        &mut self,
        trader: &User,
        _pool: &TestPool,
        mint_in: Pubkey,
        mint_out: Pubkey,
        from: Pubkey,
        to: Pubkey,
        amount_in: u64,
    ) -> TxResult {
        let ix =
            vault_client::ix::amm::swap(trader.key(), mint_in, mint_out, from, to, amount_in, 0);
        self.process(&[ix], &[&trader.kp]).await
    }
}
