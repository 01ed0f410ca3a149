//! Every address an instruction of a vault needs, derived from the decoded vault account and
//! from where its oracles live.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::constants::BASE_ASSET;
use portfolio_vault::state::{OracleKind, Vault};
use solana_instruction::AccountMeta;
use std::collections::HashMap;

use crate::pda;

/// Where each asset's price account lives. A legacy asset stores its account's address; a
/// pull-oracle asset stores a feed id, whose account is Pyth's push feed unless overridden.
#[derive(Clone, Debug, Default)]
pub struct OracleAddresses {
    pub by_feed_id: HashMap<[u8; 32], Pubkey>,
}

impl OracleAddresses {
    pub fn with(mut self, feed_id: [u8; 32], account: Pubkey) -> Self {
        self.by_feed_id.insert(feed_id, account);
        self
    }

    pub fn resolve(&self, kind: u8, oracle_id: &[u8; 32]) -> Pubkey {
        match OracleKind::from_u8(kind) {
            Some(OracleKind::Legacy) => Pubkey::new_from_array(*oracle_id),
            _ => self
                .by_feed_id
                .get(oracle_id)
                .copied()
                .unwrap_or_else(|| pda::pyth_push_feed(oracle_id)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetKeys {
    pub mint: Pubkey,
    pub token_account: Pubkey,
    pub token_program: Pubkey,
    pub oracle: Pubkey,
    pub decimals: u8,
}

/// The hedge venue: a sim-perp ABI program, its exchange and the vault's margin account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HedgeKeys {
    pub program_id: Pubkey,
    pub exchange: Pubkey,
    pub margin_account: Pubkey,
    pub collateral_vault: Pubkey,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultKeys {
    pub vault: Pubkey,
    pub authority: Pubkey,
    pub share_mint: Pubkey,
    pub base_mint: Pubkey,
    pub base_vault: Pubkey,
    pub base_token_program: Pubkey,
    pub share_token_program: Pubkey,
    pub fee_recipient: Pubkey,
    pub dead_shares: Pubkey,
    pub risk: Pubkey,
    pub assets: Vec<AssetKeys>,
    pub hedge: Option<HedgeKeys>,
}

impl VaultKeys {
    pub fn from_state(vault: Pubkey, v: &Vault, oracles: &OracleAddresses) -> Self {
        let assets = v
            .active_assets()
            .iter()
            .map(|a| AssetKeys {
                mint: a.mint,
                token_account: a.token_account,
                token_program: a.token_program,
                oracle: oracles.resolve(a.oracle.kind, &a.oracle.oracle_id),
                decimals: a.decimals,
            })
            .collect();
        let hedge = v.hedge.has_venue().then(|| HedgeKeys {
            program_id: v.hedge.program_id,
            exchange: v.hedge.exchange,
            margin_account: v.hedge.margin_account,
            collateral_vault: pda::perp::collateral_vault(&v.hedge.exchange),
        });
        Self {
            vault,
            authority: pda::authority(&vault),
            share_mint: v.share_mint,
            base_mint: v.base_mint,
            base_vault: v.base_vault,
            base_token_program: v.base_token_program,
            share_token_program: anchor_spl::token::ID,
            fee_recipient: v.fee_recipient,
            dead_shares: pda::dead_shares(&vault),
            risk: pda::risk(&vault),
            assets,
            hedge,
        }
    }

    pub fn n(&self) -> usize {
        self.assets.len()
    }

    /// These keys still describe `v` (same assets, hedge venue and base): deriving them again
    /// would give the same addresses, so a reader can keep them instead of re-deriving PDAs.
    pub fn matches(&self, vault: &Pubkey, v: &Vault) -> bool {
        self.vault == *vault
            && self.base_mint == v.base_mint
            && self.assets.len() == v.num_assets as usize
            && self
                .assets
                .iter()
                .zip(v.active_assets())
                .all(|(k, a)| k.mint == a.mint)
            && match &self.hedge {
                None => !v.hedge.has_venue(),
                Some(h) => {
                    v.hedge.has_venue()
                        && h.exchange == v.hedge.exchange
                        && h.program_id == v.hedge.program_id
                }
            }
    }

    /// One read-only oracle account per asset, in asset order.
    pub fn oracle_metas(&self) -> Vec<AccountMeta> {
        self.assets
            .iter()
            .map(|a| AccountMeta::new_readonly(a.oracle, false))
            .collect()
    }

    /// The remaining accounts of every instruction that prices the vault: the oracles, then
    /// the hedge venue's exchange and margin account when the vault has one.
    pub fn priced_metas(&self) -> Vec<AccountMeta> {
        let mut metas = self.oracle_metas();
        if let Some(h) = &self.hedge {
            metas.push(AccountMeta::new_readonly(h.exchange, false));
            metas.push(AccountMeta::new_readonly(h.margin_account, false));
        }
        metas
    }

    /// Mint of a portfolio slot (`n` is the base token).
    pub fn slot_mint(&self, slot: usize) -> Pubkey {
        self.assets
            .get(slot)
            .map(|a| a.mint)
            .unwrap_or(self.base_mint)
    }

    /// The vault's token account of a slot (`n` is the base token).
    pub fn slot_token_account(&self, slot: usize) -> Pubkey {
        self.assets
            .get(slot)
            .map(|a| a.token_account)
            .unwrap_or(self.base_vault)
    }

    pub fn slot_token_program(&self, slot: usize) -> Pubkey {
        self.assets
            .get(slot)
            .map(|a| a.token_program)
            .unwrap_or(self.base_token_program)
    }

    /// The asset index `rebalance_swap` names a slot by (255 is the base token).
    pub fn slot_index(&self, slot: usize) -> u8 {
        if slot >= self.n() {
            BASE_ASSET
        } else {
            slot as u8
        }
    }

    /// The vault's own accounts (no user's): what a keeper or front end puts in an address
    /// lookup table.
    pub fn static_accounts(&self) -> Vec<Pubkey> {
        let mut out = vec![
            self.vault,
            self.authority,
            self.share_mint,
            self.base_mint,
            self.base_vault,
            self.risk,
            anchor_spl::token::ID,
            anchor_spl::token_2022::ID,
            anchor_lang::system_program::ID,
            portfolio_vault::ID,
        ];
        for a in &self.assets {
            out.extend([a.mint, a.token_account, a.oracle]);
        }
        if let Some(h) = &self.hedge {
            out.extend([
                h.program_id,
                h.exchange,
                h.margin_account,
                h.collateral_vault,
            ]);
        }
        out
    }
}
