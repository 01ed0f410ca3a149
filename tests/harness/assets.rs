//! Assets and their oracles.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::state::AddAssetArgs;

use crate::oracle::{self, OracleFormat, PriceState};
use crate::{default_asset_args, vault_token_account, Harness, TestAsset, TxResult, SPL_TOKEN};

impl Harness {
    /// Creates a mint and its oracle, then adds it as an asset with default limits.
    pub async fn create_and_add_asset(&mut self, format: OracleFormat) -> TxResult {
        let mint = self
            .create_mint(self.cfg.asset_decimals, SPL_TOKEN, None)
            .await;
        let idx = self.assets.len();
        let asset = self.new_test_asset(mint, SPL_TOKEN, format, idx).await;
        let args = default_asset_args(format, asset.oracle_id());
        self.add_prepared_asset(asset, args).await
    }

    /// A [`TestAsset`] for `mint` with an oracle account written at the config's price.
    pub async fn new_test_asset(
        &mut self,
        mint: Pubkey,
        program: Pubkey,
        format: OracleFormat,
        salt: usize,
    ) -> TestAsset {
        let decimals = self.mint_decimals(&mint).await;
        let now = self.now().await;
        let mut feed_id = [0u8; 32];
        feed_id[..8].copy_from_slice(&(salt as u64 + 1).to_le_bytes());
        feed_id[8..16].copy_from_slice(&mint.to_bytes()[..8]);
        let price = PriceState {
            price: self.cfg.asset_price,
            conf: (self.cfg.asset_price as u64) * self.cfg.conf_bps / 10_000,
            expo: self.cfg.expo,
            ema_price: self.cfg.asset_price,
            publish_time: now,
        };
        let asset = TestAsset {
            mint,
            decimals,
            token_program: program,
            vault_ta: vault_token_account(&self.vault, &mint),
            oracle: Pubkey::new_unique(),
            format,
            feed_id,
            price,
        };
        oracle::write(&mut self.ctx, &asset, &asset.price);
        asset
    }

    pub async fn add_prepared_asset(&mut self, asset: TestAsset, args: AddAssetArgs) -> TxResult {
        let ix = self.ix_add_asset(&asset, args);
        let admin = self.admin.insecure_clone();
        self.process(&[ix], &[&admin]).await?;
        self.assets.push(asset);
        Ok(())
    }

    /// Rewrites asset `i`'s oracle account with `price`.
    pub fn set_price(&mut self, i: usize, price: PriceState) {
        self.assets[i].price = price;
        let a = self.assets[i].clone();
        oracle::write(&mut self.ctx, &a, &price);
    }

    /// Moves every oracle's publish time to now, keeping its price.
    pub async fn refresh_prices(&mut self) {
        let now = self.now().await;
        for i in 0..self.assets.len() {
            let mut p = self.assets[i].price;
            p.publish_time = now;
            self.set_price(i, p);
        }
    }

    /// Sets asset `i` to a new whole-token price (same exponent), conf and EMA following it.
    pub async fn move_price(&mut self, i: usize, new_price: i64) {
        let now = self.now().await;
        let p = PriceState {
            price: new_price,
            conf: new_price as u64 * self.cfg.conf_bps / 10_000,
            ema_price: new_price,
            publish_time: now,
            ..self.assets[i].price
        };
        self.set_price(i, p);
    }
}
