//! The simulated chain: the three programs in one in-process bank, a USDC-like base mint,
//! one mint, Pyth account (alternating pull and legacy formats) and sim-amm pool per asset,
//! optionally a sim-perp exchange, a vault configured through its real governance path
//! (proposals, timelock, apply), a funded arbitrageur, depositors and a keeper.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::{MAX_ASSETS, VENUE_KIND_AMM};
use portfolio_vault::state::{
    AddAssetArgs, HedgePatch, InitializeVaultArgs, OracleKind, ParamChange, RebalancePatch,
    RiskParamsArgs,
};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use vault_client::chain::bank::BankChain;
use vault_client::ix::{self, token};
use vault_client::oracle::{account_for, PriceState};
use vault_client::{pda, ChainClient, ClientError, OracleAddresses, VaultKeys};

/// Base token decimals (a USD stablecoin).
pub const BASE_DECIMALS: u8 = 6;
/// Pyth exponent the simulated feeds publish with.
pub const EXPO: i32 = -8;
/// Published confidence, bps of the price.
pub const CONF_BPS: f64 = 5.0;
/// Start of the simulated clock.
pub const T0: i64 = 1_700_000_000;

/// How the vault and its venues are configured.
#[derive(Clone, Debug)]
pub struct Setup {
    pub strategy: u8,
    pub vol_target_bps: u32,
    pub band_bps: u16,
    pub tracking_aversion_bps: u32,
    pub venue_fee_bps: u16,
    /// Value of each side of every pool, whole base tokens.
    pub pool_depth: f64,
    /// Delta-neutral hedge of this fraction of the spot holdings (0 = no hedge venue).
    pub hedge_ratio_bps: u16,
    pub management_fee_bps: u16,
    pub performance_fee_bps: u16,
    /// The risk model's sampling interval (`min_interval_s`): the data's step.
    pub sample_interval_s: u32,
    /// Half-lives of the EWMA covariance and of the short variance the regime flag uses, in
    /// seconds: the decays per sample follow from the sampling interval.
    pub ewma_half_life_s: f64,
    pub short_half_life_s: f64,
    /// Base the targets keep as cash (bps of NAV): withdrawals paid from it and deposits
    /// that refill it need no trade.
    pub cash_buffer_bps: u16,
}

impl Setup {
    /// `0.5^(interval / half-life)` in bps, within the program's bounds.
    pub fn decay_bps(&self, half_life_s: f64, min_bps: u16) -> u16 {
        let d = 0.5f64.powf(self.sample_interval_s as f64 / half_life_s.max(1.0));
        ((d * 1e4).round() as u16).clamp(min_bps, portfolio_vault::constants::MAX_EWMA_DECAY_BPS)
    }
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            strategy: 2,
            vol_target_bps: 0,
            band_bps: 400,
            tracking_aversion_bps: 10_000,
            venue_fee_bps: 30,
            pool_depth: 50_000_000.0,
            hedge_ratio_bps: 0,
            management_fee_bps: 50,
            performance_fee_bps: 1_000,
            sample_interval_s: 3_600,
            // Targets that move with the risk, not with each sample's noise: a ten-day
            // half-life for the covariance (λ = 0.9971 an hour), a day for the regime flag.
            ewma_half_life_s: 10.0 * 86_400.0,
            short_half_life_s: 86_400.0,
            cash_buffer_bps: 1_000,
        }
    }
}

/// Above it the world sends v0 through its lookup table.
pub use vault_client::chain::MAX_LEGACY_ACCOUNTS;

/// Every asset's weight cap in the simulated vault.
pub const MAX_WEIGHT_BPS: u16 = 4_000;

pub struct SimAsset {
    pub mint: Pubkey,
    pub decimals: u8,
    pub kind: OracleKind,
    pub feed_id: [u8; 32],
    pub oracle: Pubkey,
    /// The EMA the feed publishes (Pyth's is about an hour long).
    pub ema: std::cell::Cell<f64>,
}

/// Someone holding a base account, a share account and one account per asset.
pub struct Holder {
    pub kp: Keypair,
    pub base: Pubkey,
    pub shares: Pubkey,
    pub assets: Vec<Pubkey>,
}

pub struct World {
    pub chain: BankChain,
    pub setup: Setup,
    pub base_mint: Pubkey,
    pub assets: Vec<SimAsset>,
    pub vault: Pubkey,
    pub keys: VaultKeys,
    pub oracles: OracleAddresses,
    pub fee_shares: Pubkey,
    pub dead_shares: Pubkey,
    pub arb: Holder,
    pub keeper: Holder,
    pub guardian: Keypair,
    pub exchange: Option<Pubkey>,
    /// Every pool, as its two portfolio slots (slot `n` is the base token): one for every
    /// pair of assets and every asset against the base, so any trade the planner picks has a
    /// venue. The arbitrageur's LP account of each.
    pub pools: Vec<(usize, usize)>,
    /// Each pool's token accounts of its slot `x` and slot `y` mints.
    pub pool_vaults: Vec<(Pubkey, Pubkey)>,
    pub pool_lp: Vec<Pubkey>,
    /// Derived addresses of the vault, kept between reads.
    pub keys_cache: vault_client::KeysCache,
    /// Every share account (for the supply invariant).
    pub share_accounts: Vec<Pubkey>,
    /// The vault's address lookup table: transactions past the runtime's legacy limit of 38
    /// static accounts (an exit in kind from 11 assets up) go as v0 through it.
    pub tables: Vec<solana_message::AddressLookupTableAccount>,
    rent_mint: u64,
    rent_account: u64,
}

fn to_units(x: f64, decimals: u8) -> u64 {
    (x * 10f64.powi(decimals as i32)).round().max(0.0) as u64
}

/// Asset decimals: a mix of 9 (SOL-like), 8 (BTC-like) and 6, moved so that a base unit is
/// worth between 1e-10 and 0.01 quote where 0 to 9 decimals allow (as a micro-cap's or a
/// high-priced token's mint would choose): pools hold their depth within u64 units, and
/// rounding a trade to whole units costs nothing that counts.
fn asset_decimals(i: usize, first_price: f64) -> u8 {
    let e = first_price.log10();
    let most = (e.floor() + 10.0).clamp(0.0, 9.0) as u8;
    let least = ((e.ceil() + 2.0).clamp(0.0, 9.0) as u8).min(most);
    [9, 8, 6][i % 3].clamp(least, most)
}

/// A Pyth exponent for `price` that keeps the mantissa between 1e8 and 1e17 (well inside
/// `i64`) where the exponent range allows: prices from 1e-10 to 1e12 keep full precision.
pub fn pyth_expo(price: f64) -> i32 {
    let mut e = EXPO;
    while price * 10f64.powi(-e) > 1e17 && e < 12 {
        e += 1;
    }
    while price * 10f64.powi(-e) < 1e8 && e > -18 {
        e -= 1;
    }
    e
}

impl World {
    fn payer(&self) -> &Keypair {
        self.chain.payer()
    }

    pub fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<(), ClientError> {
        let payer = self.payer().pubkey();
        let keys = solana_message::Message::new(ixs, Some(&payer))
            .account_keys
            .len();
        let tables: &[_] = if keys >= MAX_LEGACY_ACCOUNTS {
            &self.tables
        } else {
            &[]
        };
        self.chain.send_with(ixs, signers, tables).map(|_| ())
    }

    /// A fresh read of the vault.
    pub fn snapshot(&self) -> Result<vault_client::VaultSnapshot, ClientError> {
        vault_client::VaultSnapshot::load_cached(
            &self.chain,
            self.vault,
            &self.oracles,
            &self.keys_cache,
        )
    }

    pub fn now(&self) -> i64 {
        self.chain.clock().expect("clock").unix_timestamp
    }

    fn new_mint(&self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.payer().pubkey();
        self.send(
            &token::create_mint(payer, mint.pubkey(), payer, decimals, self.rent_mint),
            &[&mint],
        )
        .expect("create mint");
        mint.pubkey()
    }

    /// Token accounts of `owner` for `mints`, created in batches.
    pub fn new_accounts(&self, owner: &Pubkey, mints: &[Pubkey]) -> Vec<Pubkey> {
        let payer = self.payer().pubkey();
        let kps: Vec<Keypair> = mints.iter().map(|_| Keypair::new()).collect();
        for chunk in kps.iter().zip(mints).collect::<Vec<_>>().chunks(6) {
            let mut ixs = vec![];
            let mut signers: Vec<&Keypair> = vec![];
            for (kp, mint) in chunk {
                ixs.extend(token::create_account(
                    payer,
                    kp.pubkey(),
                    **mint,
                    *owner,
                    self.rent_account,
                ));
                signers.push(kp);
            }
            self.send(&ixs, &signers).expect("create token accounts");
        }
        kps.iter().map(|k| k.pubkey()).collect()
    }

    pub fn mint_to(&self, mint: &Pubkey, to: &Pubkey, amount: u64) {
        let payer = self.payer().pubkey();
        self.send(&[token::mint_to(*mint, *to, payer, amount)], &[])
            .expect("mint_to");
    }

    /// A funded holder with accounts for the base token, the shares and every asset.
    pub fn new_holder(&mut self, sol: u64) -> Holder {
        let kp = Keypair::new();
        let payer = self.payer().pubkey();
        self.send(
            &[anchor_lang::solana_program::system_instruction::transfer(
                &payer,
                &kp.pubkey(),
                sol,
            )],
            &[],
        )
        .expect("fund holder");
        let mut mints = vec![self.base_mint, self.keys.share_mint];
        mints.extend(self.assets.iter().map(|a| a.mint));
        let accs = self.new_accounts(&kp.pubkey(), &mints);
        self.share_accounts.push(accs[1]);
        Holder {
            kp,
            base: accs[0],
            shares: accs[1],
            assets: accs[2..].to_vec(),
        }
    }

    /// Writes asset `i`'s oracle account: `price` per whole token (in base currency), with the
    /// EMA following it, published at `publish_time`.
    pub fn post_price(&self, i: usize, price: f64, publish_time: i64, ema_alpha: f64) {
        let a = &self.assets[i];
        let prev = a.ema.get();
        a.ema.set(if prev == 0.0 {
            price
        } else {
            prev + ema_alpha * (price - prev)
        });
        let expo = pyth_expo(price);
        let scale = 10f64.powi(-expo);
        let p = PriceState {
            price: (price * scale).round() as i64,
            conf: (price * scale * CONF_BPS / 1e4).round().max(1.0) as u64,
            expo,
            ema_price: (a.ema.get() * scale).round() as i64,
            publish_time,
        };
        let acc = account_for(a.kind, a.feed_id, &p);
        self.chain.set_account(&a.oracle, acc);
    }

    /// Posts every asset's price at `t` (EMA moving by `ema_alpha`).
    pub fn post_all(&self, prices: &[f64], t: i64, ema_alpha: f64) {
        for (i, &p) in prices.iter().enumerate() {
            self.post_price(i, p, t, ema_alpha);
        }
    }

    /// Builds the world at the first prices of a path: the assets and their oracles, the vault
    /// with its assets and risk account, the pools and (hedged) the perp exchange, then the
    /// governance that whitelists them.
    pub fn build(setup: Setup, first_prices: &[f64]) -> Self {
        let n = first_prices.len();
        assert!((1..=MAX_ASSETS).contains(&n), "1 to 16 assets");
        let mut w = Self::empty(setup);
        w.base_mint = w.new_mint(BASE_DECIMALS);
        w.create_assets(first_prices);
        w.create_vault();
        w.init_risk(n);
        // Pools: every pair of assets and every asset against the base token, at the oracle.
        w.arb = w.fund_arbitrageur();
        for x in 0..=n {
            for y in x + 1..=n {
                w.create_pool(x, y, first_prices);
            }
        }
        if w.setup.hedge_ratio_bps > 0 {
            w.create_exchange();
        }
        w.govern();
        // Governance waited out the timelock: publish the opening prices again, fresh.
        let now = w.now();
        for (i, &p) in first_prices.iter().enumerate() {
            w.post_price(i, p, now, 1.0);
        }
        w.keeper = w.new_holder(10_000_000_000);
        let table = w
            .chain
            .create_lookup_table(&w.keys.static_accounts())
            .expect("lookup table");
        w.tables = vec![table];
        w
    }

    /// A bank with nothing of the vault's yet.
    fn empty(setup: Setup) -> Self {
        let chain = BankChain::start();
        chain.set_unix_timestamp(T0);
        let rent_mint = chain
            .minimum_balance_for_rent_exemption(token::MINT_LEN)
            .unwrap();
        let rent_account = chain
            .minimum_balance_for_rent_exemption(token::ACCOUNT_LEN)
            .unwrap();
        let dummy = Holder {
            kp: Keypair::new(),
            base: Pubkey::default(),
            shares: Pubkey::default(),
            assets: vec![],
        };
        World {
            chain,
            setup: setup.clone(),
            base_mint: Pubkey::default(),
            assets: vec![],
            vault: Pubkey::default(),
            keys: VaultKeys {
                vault: Pubkey::default(),
                authority: Pubkey::default(),
                share_mint: Pubkey::default(),
                base_mint: Pubkey::default(),
                base_vault: Pubkey::default(),
                base_token_program: anchor_lang::prelude::Pubkey::default(),
                share_token_program: Pubkey::default(),
                fee_recipient: Pubkey::default(),
                dead_shares: Pubkey::default(),
                risk: Pubkey::default(),
                assets: vec![],
                hedge: None,
            },
            oracles: OracleAddresses::default(),
            fee_shares: Pubkey::default(),
            dead_shares: Pubkey::default(),
            arb: dummy,
            keeper: Holder {
                kp: Keypair::new(),
                base: Pubkey::default(),
                shares: Pubkey::default(),
                assets: vec![],
            },
            guardian: Keypair::new(),
            exchange: None,
            pools: vec![],
            pool_vaults: vec![],
            pool_lp: vec![],
            keys_cache: Default::default(),
            tables: vec![],
            share_accounts: vec![],
            rent_mint,
            rent_account,
        }
    }

    /// One mint and oracle per asset (alternating pull and legacy feeds) at `first_prices`.
    fn create_assets(&mut self, first_prices: &[f64]) {
        let w = self;
        for (i, &p) in first_prices.iter().enumerate() {
            let mint = w.new_mint(asset_decimals(i, p));
            let kind = if i % 2 == 0 {
                OracleKind::PullV2
            } else {
                OracleKind::Legacy
            };
            let mut feed_id = [0u8; 32];
            feed_id[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            feed_id[8..16].copy_from_slice(&mint.to_bytes()[..8]);
            // Pull feeds live at Pyth's push-feed address, so every tool finds them unaided.
            let oracle = match kind {
                OracleKind::PullV2 => pda::pyth_push_feed(&feed_id),
                OracleKind::Legacy => Keypair::new().pubkey(),
            };
            w.assets.push(SimAsset {
                mint,
                decimals: asset_decimals(i, p),
                kind,
                feed_id,
                oracle,
                ema: std::cell::Cell::new(0.0),
            });
            w.post_price(i, p, T0, 1.0);
        }
    }

    /// The vault (the payer creates it and is its admin; a multisig in production), its assets
    /// and the fee recipient's share account.
    fn create_vault(&mut self) {
        let w = self;
        let payer = w.payer().pubkey();
        let setup = w.setup.clone();
        let creator_base = w.new_accounts(&payer, &[w.base_mint])[0];
        w.mint_to(
            &w.base_mint.clone(),
            &creator_base,
            to_units(10_000.0, BASE_DECIMALS),
        );
        let fee_recipient = Keypair::new();
        let args = InitializeVaultArgs {
            seed_id: 0,
            admin: payer,
            guardian: w.guardian.pubkey(),
            fee_recipient: fee_recipient.pubkey(),
            timelock_s: 86_400,
            deposit_cap: u64::MAX / 4,
            min_deposit: to_units(10.0, BASE_DECIMALS),
            management_fee_bps: setup.management_fee_bps,
            performance_fee_bps: setup.performance_fee_bps,
            initial_deposit: to_units(1_000.0, BASE_DECIMALS),
        };
        w.send(
            &[ix::initialize_vault(
                payer,
                w.base_mint,
                anchor_spl_token(),
                creator_base,
                args,
            )],
            &[],
        )
        .expect("initialize_vault");
        w.vault = pda::vault(&payer, &w.base_mint, 0);
        for (i, a) in w.assets.iter().enumerate() {
            let args = AddAssetArgs {
                oracle_kind: a.kind as u8,
                oracle_id: match a.kind {
                    OracleKind::PullV2 => a.feed_id,
                    OracleKind::Legacy => a.oracle.to_bytes(),
                },
                max_age_s: 300,
                max_conf_bps: 100,
                max_ema_dev_bps: 1_000,
                min_weight_bps: 0,
                max_weight_bps: MAX_WEIGHT_BPS,
            };
            w.send(
                &[ix::add_asset(
                    w.vault,
                    payer,
                    payer,
                    a.mint,
                    anchor_spl_token(),
                    args,
                )],
                &[],
            )
            .unwrap_or_else(|e| panic!("add_asset {i}: {e}"));
        }
        w.refresh_keys();
        w.dead_shares = w.keys.dead_shares;
        w.fee_shares = w.new_accounts(&fee_recipient.pubkey(), &[w.keys.share_mint])[0];
        w.share_accounts.extend([w.dead_shares, w.fee_shares]);
    }

    /// The risk account: equal warm-up weights, each within the assets' caps (the rest cash).
    fn init_risk(&mut self, n: usize) {
        let w = self;
        let payer = w.payer().pubkey();
        let setup = w.setup.clone();
        let mut fixed = [0u16; MAX_ASSETS];
        for f in fixed.iter_mut().take(n) {
            *f = (10_000 / n as u16).min(MAX_WEIGHT_BPS);
        }
        let risk = RiskParamsArgs {
            strategy: setup.strategy,
            ewma_decay_bps: setup.decay_bps(
                setup.ewma_half_life_s,
                portfolio_vault::constants::MIN_EWMA_DECAY_BPS,
            ),
            ewma_short_decay_bps: setup.decay_bps(
                setup.short_half_life_s,
                portfolio_vault::constants::MIN_EWMA_SHORT_DECAY_BPS,
            ),
            shrinkage_bps: 1_000,
            regime_ratio_bps: 15_000,
            regime_vol_scale_bps: 5_000,
            vol_target_bps: setup.vol_target_bps,
            min_interval_s: setup.sample_interval_s,
            min_samples: 24,
            fixed_weights_bps: fixed,
        };
        w.send(&[ix::initialize_risk(w.vault, payer, payer, risk)], &[])
            .expect("initialize_risk");
    }

    pub fn refresh_keys(&mut self) {
        let v =
            vault_client::decode::vault(&self.chain.account(&self.vault).unwrap().data).unwrap();
        self.keys = VaultKeys::from_state(self.vault, &v, &self.oracles);
    }

    /// The arbitrageur: accounts for every token; each pool's liquidity is minted to it as the
    /// pool is created (its trades are modelled off-chain).
    fn fund_arbitrageur(&mut self) -> Holder {
        let arb = self.new_holder(10_000_000_000);
        self.share_accounts.pop();
        arb
    }

    /// Mint, decimals and the arbitrageur's account of a slot (`n` is the base token).
    pub fn slot(&self, slot: usize) -> (Pubkey, u8, Pubkey) {
        match self.assets.get(slot) {
            Some(a) => (a.mint, a.decimals, self.arb.assets[slot]),
            None => (self.base_mint, BASE_DECIMALS, self.arb.base),
        }
    }

    /// A pool of slots `x` and `y` at the oracle prices, `pool_depth` base tokens a side.
    fn create_pool(&mut self, x: usize, y: usize, prices: &[f64]) {
        let payer = self.payer().pubkey();
        let depth = self.setup.pool_depth;
        let price = |s: usize| prices.get(s).copied().unwrap_or(1.0);
        let (mx, dx, ax) = self.slot(x);
        let (my, dy, ay) = self.slot(y);
        self.send(
            &[ix::amm::create_pool(
                payer,
                mx,
                my,
                self.setup.venue_fee_bps,
            )],
            &[],
        )
        .expect("create_pool");
        let pool = pda::amm::pool(&mx, &my);
        let lp = self.new_accounts(&self.arb.kp.pubkey(), &[pda::amm::lp_mint(&pool)])[0];
        // Each side at most 2^58 units, whatever the price and decimals (a cheap token with 9
        // decimals would otherwise pass u64 across its pools): the pool is shallower instead.
        const MAX_SIDE: f64 = (1u64 << 58) as f64;
        let side = |s: usize, d: u8| depth / price(s) * 10f64.powi(d as i32);
        let depth = depth * (MAX_SIDE / side(x, dx).max(side(y, dy))).min(1.0);
        let (amt_x, amt_y) = (
            to_units(depth / price(x), dx),
            to_units(depth / price(y), dy),
        );
        self.mint_to(&mx, &ax, amt_x);
        self.mint_to(&my, &ay, amt_y);
        let (mint_a, mint_b) = pda::amm::ordered(mx, my);
        let (src_a, src_b, amt_a, amt_b) = if mint_a == mx {
            (ax, ay, amt_x, amt_y)
        } else {
            (ay, ax, amt_y, amt_x)
        };
        let arb = self.arb.kp.insecure_clone();
        self.send(
            &[ix::amm::add_liquidity(
                arb.pubkey(),
                mint_a,
                mint_b,
                src_a,
                src_b,
                lp,
                amt_a,
                amt_b,
            )],
            &[&arb],
        )
        .expect("add_liquidity");
        self.pools.push((x, y));
        self.pool_vaults.push((
            pda::amm::pool_vault(&pool, &mx),
            pda::amm::pool_vault(&pool, &my),
        ));
        self.pool_lp.push(lp);
    }

    fn create_exchange(&mut self) {
        let payer = self.payer().pubkey();
        self.send(&[ix::perp::create_exchange(payer, self.base_mint)], &[])
            .expect("create_exchange");
        let exchange = pda::perp::exchange(&payer, &self.base_mint);
        for a in &self.assets {
            let args = ix::perp::MarketArgs {
                oracle_kind: a.kind as u8,
                oracle_id: match a.kind {
                    OracleKind::PullV2 => a.feed_id,
                    OracleKind::Legacy => a.oracle.to_bytes(),
                },
                asset_decimals: a.decimals,
                max_age_s: 300,
                fee_bps: 5,
                initial_margin_bps: 1_000,
                maintenance_margin_bps: 500,
                liquidation_fee_bps: 100,
                funding_rate_bps_per_day: 1,
                premium_bps_per_day: 0,
            };
            self.send(&[ix::perp::add_market(payer, exchange, args)], &[])
                .expect("add_market");
        }
        // An insurance fund that pays winners.
        self.mint_to(
            &self.base_mint.clone(),
            &pda::perp::collateral_vault(&exchange),
            to_units(5_000_000.0, BASE_DECIMALS),
        );
        self.exchange = Some(exchange);
    }

    /// The venue whitelist, rebalancing limits and (optionally) the hedge venue and limits,
    /// through governance: propose, wait out the timelock, apply.
    fn govern(&mut self) {
        let payer = self.payer().pubkey();
        let s = self.setup.clone();
        let mut changes = vec![
            ParamChange::AddVenue {
                program_id: sim_amm_id(),
                kind: VENUE_KIND_AMM,
                fee_bps: s.venue_fee_bps,
            },
            ParamChange::Rebalance(RebalancePatch {
                band_bps: Some(s.band_bps),
                max_slippage_bps: Some(50),
                min_trade_bps: Some(10),
                notional_cap_bps: Some(5_000),
                slippage_budget_bps: Some(100),
                bounty_share_bps: Some(1_000),
                cap_interval_s: Some(86_400),
                budget_period_s: Some(86_400),
                cooldown_s: Some(60),
                max_targets_age_s: Some(
                    (2 * s.sample_interval_s)
                        .clamp(7_200, portfolio_vault::constants::MAX_TARGETS_AGE_S),
                ),
                tracking_aversion_bps: Some(s.tracking_aversion_bps),
                bounty_cap_per_call: Some(to_units(5.0, BASE_DECIMALS)),
                bounty_cap_per_interval: Some(to_units(100.0, BASE_DECIMALS)),
                cash_buffer_bps: Some(s.cash_buffer_bps),
                max_withdraw_wait_s: None,
            }),
        ];
        if let Some(exchange) = self.exchange {
            let authority = pda::authority(&self.vault);
            changes.push(ParamChange::HedgeVenue {
                program_id: sim_perp_id(),
                exchange,
                margin_account: pda::perp::margin(&exchange, &authority),
            });
            changes.push(ParamChange::Hedge(HedgePatch {
                mode: Some(portfolio_vault::constants::HEDGE_MODE_DELTA_NEUTRAL),
                max_leverage_bps: Some(10_000),
                min_margin_ratio_bps: Some(20_000),
                max_collateral_bps: Some(3_000),
                delta_band_bps: Some(200),
                hedge_ratio_bps: Some(s.hedge_ratio_bps),
                max_fee_bps: Some(50),
                cooldown_s: Some(60),
            }));
        }
        let first = 0u64;
        for (k, c) in changes.iter().enumerate() {
            let ixs = [self.keys.propose_change(payer, payer, first + k as u64, *c)];
            self.send(&ixs, &[]).expect("propose");
        }
        let t = self.now() + 86_401;
        self.chain.set_unix_timestamp(t);
        for k in 0..changes.len() {
            self.send(&[self.keys.apply_proposal(first + k as u64)], &[])
                .expect("apply");
        }
        self.refresh_keys();
        if self.keys.hedge.is_some() {
            self.send(&[self.keys.init_hedge(payer)], &[])
                .expect("init_hedge");
        }
    }
}

fn anchor_spl_token() -> Pubkey {
    anchor_lang::pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
}

fn sim_amm_id() -> Pubkey {
    vault_client::sim_amm::ID
}

fn sim_perp_id() -> Pubkey {
    vault_client::sim_perp::ID
}
