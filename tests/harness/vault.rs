//! The vault's user and keeper instructions, built by the client's builders (one home for
//! every account list); the tests tamper with the built instruction when they need to.

use anchor_lang::prelude::Pubkey;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_signer::Signer;
use vault_client::pda;

use crate::{Harness, TxResult, User};

/// Replaces every meta of `from` in `ix` with `to`.
pub fn replace_account(ix: &mut Instruction, from: Pubkey, to: AccountMeta) {
    for m in ix.accounts.iter_mut() {
        if m.pubkey == from {
            *m = to.clone();
        }
    }
}

impl Harness {
    pub fn ix_initialize(&self, args: portfolio_vault::state::InitializeVaultArgs) -> Instruction {
        vault_client::ix::initialize_vault(
            self.creator.pubkey(),
            self.base_mint,
            self.cfg.base_token_program,
            self.creator_base,
            args,
        )
    }

    pub async fn initialize(&mut self) -> TxResult {
        let ix = self.ix_initialize(self.init_args());
        let creator = self.creator.insecure_clone();
        self.process(&[ix], &[&creator]).await?;
        self.share_accounts.push(self.dead_shares);
        self.vault_live = true;
        self.check_invariants().await;
        let fee_owner = self.fee_recipient.pubkey();
        let share_mint = self.share_mint;
        self.fee_shares = self
            .create_token_account(&share_mint, &fee_owner, crate::SPL_TOKEN)
            .await;
        self.share_accounts.push(self.fee_shares);
        Ok(())
    }

    pub fn ix_deposit(&self, user: &User, amount: u64, min_shares_out: u64) -> Instruction {
        self.keys()
            .deposit(user.key(), user.base, user.shares, amount, min_shares_out)
    }

    pub async fn deposit(&mut self, user: &User, amount: u64, min_shares_out: u64) -> TxResult {
        let ix = self.ix_deposit(user, amount, min_shares_out);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    pub fn ix_withdraw(&self, user: &User, shares: u64, min_assets_out: u64) -> Instruction {
        self.keys()
            .withdraw(user.key(), user.shares, user.base, shares, min_assets_out)
    }

    pub async fn withdraw(&mut self, user: &User, shares: u64, min_assets_out: u64) -> TxResult {
        let ix = self.ix_withdraw(user, shares, min_assets_out);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    /// The remaining accounts of `redeem_in_kind` for `user` as the client builds them.
    pub fn redeem_remaining(&self, user: &User) -> Vec<AccountMeta> {
        let ix = self.ix_redeem_in_kind(user, 1);
        let fixed = ix.accounts.len() - self.redeem_remaining_len();
        ix.accounts[fixed..].to_vec()
    }

    fn redeem_remaining_len(&self) -> usize {
        self.assets.len() * portfolio_vault::instructions::REDEEM_ACCOUNTS_PER_ASSET
            + usize::from(self.hedge.is_some())
    }

    /// The user's claim account on the vault's margin account.
    pub fn hedge_claim(&self, owner: &Pubkey) -> Pubkey {
        pda::hedge_claim(&self.vault, owner)
    }

    pub fn oracle_metas(&self) -> Vec<AccountMeta> {
        self.keys().oracle_metas()
    }

    /// Oracles, then the hedge venue's exchange and margin account when the vault has one:
    /// the remaining accounts of every instruction that prices the vault.
    pub fn priced_metas(&self) -> Vec<AccountMeta> {
        self.keys().priced_metas()
    }

    /// `redeem_in_kind` with `remaining` in place of the accounts the client would pass.
    pub fn ix_redeem_in_kind_with(
        &self,
        user: &User,
        shares: u64,
        remaining: Vec<AccountMeta>,
    ) -> Instruction {
        let mut ix = self.ix_redeem_in_kind(user, shares);
        let fixed = ix.accounts.len() - self.redeem_remaining_len();
        ix.accounts.truncate(fixed);
        ix.accounts.extend(remaining);
        ix
    }

    pub fn ix_redeem_in_kind(&self, user: &User, shares: u64) -> Instruction {
        self.keys()
            .redeem_in_kind(user.key(), user.base, user.shares, &user.assets, shares)
    }

    pub async fn redeem_in_kind(&mut self, user: &User, shares: u64) -> TxResult {
        let ix = self.ix_redeem_in_kind(user, shares);
        self.process_auto(&[ix], &[&user.kp]).await
    }

    pub fn ix_accrue_fees(&self) -> Instruction {
        self.keys().accrue_fees(self.fee_shares)
    }

    pub async fn accrue_fees(&mut self) -> TxResult {
        let ix = self.ix_accrue_fees();
        self.process(&[ix], &[]).await
    }

    pub fn ix_set_pause(&self, signer: &Pubkey, flags: u8) -> Instruction {
        self.keys().set_pause(*signer, flags)
    }

    pub async fn set_pause(&mut self, flags: u8) -> TxResult {
        let admin = self.admin.insecure_clone();
        let ix = self.ix_set_pause(&admin.pubkey(), flags);
        self.process(&[ix], &[&admin]).await
    }

    /// `sweep_surplus` of `from` (normally the vault's account of `mint`) to `to`.
    pub fn ix_sweep_surplus(
        &self,
        signer: &Pubkey,
        mint: &Pubkey,
        program: Pubkey,
        from: &Pubkey,
        to: &Pubkey,
    ) -> Instruction {
        let mut ix = self.keys().sweep_surplus(*signer, *mint, program, *to);
        let derived = pda::vault_token(&self.vault, mint);
        replace_account(&mut ix, derived, AccountMeta::new(*from, false));
        ix
    }

    pub fn ix_add_asset(
        &self,
        asset: &crate::TestAsset,
        args: portfolio_vault::state::AddAssetArgs,
    ) -> Instruction {
        let mut ix = vault_client::ix::add_asset(
            self.vault,
            self.admin.pubkey(),
            self.ctx.payer.pubkey(),
            asset.mint,
            asset.token_program,
            args,
        );
        let derived = pda::vault_token(&self.vault, &asset.mint);
        replace_account(&mut ix, derived, AccountMeta::new(asset.vault_ta, false));
        ix
    }

    pub async fn open_hedge_claim(&mut self, owner: &Pubkey) -> TxResult {
        let ix = self
            .keys()
            .open_hedge_claim(self.ctx.payer.pubkey(), *owner);
        self.process(&[ix], &[]).await
    }

    /// Sends `ix` signed by `signer` (with the payer), the way most single-signer calls go.
    pub async fn send_as(&mut self, ix: Instruction, signer: &Keypair) -> TxResult {
        self.process(&[ix], &[signer]).await
    }
}
