//! Builders for every instruction of the vault program. Each takes the accounts a caller
//! chooses (signers, their token accounts) and derives the rest from [`VaultKeys`] and the
//! program's seeds.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{InstructionData, ToAccountMetas};
use portfolio_vault::state::{
    AddAssetArgs, DeriskAction, InitializeVaultArgs, ParamChange, RebalanceSwapArgs, RiskParamsArgs,
};
use solana_instruction::{AccountMeta, Instruction};

use crate::keys::VaultKeys;
use crate::pda;

use super::{SPL_TOKEN, SYSTEM, TOKEN_2022};

fn vault_ix(accounts: Vec<AccountMeta>, data: Vec<u8>) -> Instruction {
    Instruction {
        program_id: portfolio_vault::ID,
        accounts,
        data,
    }
}

/// `initialize_vault`: the creator's `initial_deposit` of base from `creator_base` becomes
/// the dead shares.
pub fn initialize_vault(
    creator: Pubkey,
    base_mint: Pubkey,
    base_token_program: Pubkey,
    creator_base: Pubkey,
    args: InitializeVaultArgs,
) -> Instruction {
    let vault = pda::vault(&creator, &base_mint, args.seed_id);
    let accounts = portfolio_vault::accounts::InitializeVault {
        creator,
        vault,
        vault_authority: pda::authority(&vault),
        base_mint,
        base_vault: pda::vault_token(&vault, &base_mint),
        share_mint: pda::share_mint(&vault),
        dead_shares_owner: pda::dead_owner(&vault),
        dead_shares: pda::dead_shares(&vault),
        creator_base,
        token_program: SPL_TOKEN,
        base_token_program,
        system_program: SYSTEM,
    }
    .to_account_metas(None);
    vault_ix(
        accounts,
        portfolio_vault::instruction::InitializeVault { args }.data(),
    )
}

/// `add_asset` on the vault `vault` (before its keys include the asset).
pub fn add_asset(
    vault: Pubkey,
    admin: Pubkey,
    payer: Pubkey,
    mint: Pubkey,
    token_program: Pubkey,
    args: AddAssetArgs,
) -> Instruction {
    let accounts = portfolio_vault::accounts::AddAsset {
        admin,
        payer,
        vault,
        vault_authority: pda::authority(&vault),
        asset_mint: mint,
        asset_vault: pda::vault_token(&vault, &mint),
        risk: pda::risk(&vault),
        token_program,
        system_program: SYSTEM,
    }
    .to_account_metas(None);
    vault_ix(
        accounts,
        portfolio_vault::instruction::AddAsset { args }.data(),
    )
}

/// `initialize_risk` (admin).
pub fn initialize_risk(
    vault: Pubkey,
    admin: Pubkey,
    payer: Pubkey,
    args: RiskParamsArgs,
) -> Instruction {
    let accounts = portfolio_vault::accounts::InitializeRisk {
        admin,
        payer,
        vault,
        risk: pda::risk(&vault),
        system_program: SYSTEM,
    }
    .to_account_metas(None);
    vault_ix(
        accounts,
        portfolio_vault::instruction::InitializeRisk { args }.data(),
    )
}

/// The sim-amm pool a venue trade of two slots goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AmmRoute {
    pub program_id: Pubkey,
    pub pool: Pubkey,
    /// The pool's token accounts of the sold and the bought mint.
    pub pool_sell: Pubkey,
    pub pool_buy: Pubkey,
    pub token_program: Pubkey,
}

impl AmmRoute {
    /// The sim-amm pool of the two mints (its PDA), for a venue running the sim-amm program.
    pub fn sim_amm(program_id: Pubkey, mint_sell: Pubkey, mint_buy: Pubkey) -> Self {
        let pool = pda::amm::pool(&mint_sell, &mint_buy);
        Self {
            program_id,
            pool,
            pool_sell: pda::amm::pool_vault(&pool, &mint_sell),
            pool_buy: pda::amm::pool_vault(&pool, &mint_buy),
            token_program: SPL_TOKEN,
        }
    }
}

impl VaultKeys {
    fn with_remaining(
        &self,
        mut metas: Vec<AccountMeta>,
        extra: Vec<AccountMeta>,
    ) -> Vec<AccountMeta> {
        metas.extend(extra);
        metas
    }

    /// `deposit(amount, min_shares_out)`: base from `user_base`, shares to `receiver_shares`.
    pub fn deposit(
        &self,
        user: Pubkey,
        user_base: Pubkey,
        receiver_shares: Pubkey,
        amount: u64,
        min_shares_out: u64,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::Deposit {
            user,
            vault: self.vault,
            vault_authority: self.authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            user_base,
            share_mint: self.share_mint,
            receiver_shares,
            token_program: self.share_token_program,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.priced_metas()),
            portfolio_vault::instruction::Deposit {
                amount,
                min_shares_out,
            }
            .data(),
        )
    }

    /// `withdraw(shares, min_assets_out)`: burns from `user_shares`, base to `receiver_base`.
    pub fn withdraw(
        &self,
        user: Pubkey,
        user_shares: Pubkey,
        receiver_base: Pubkey,
        shares: u64,
        min_assets_out: u64,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::Withdraw {
            user,
            vault: self.vault,
            vault_authority: self.authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            receiver_base,
            share_mint: self.share_mint,
            user_shares,
            token_program: self.share_token_program,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.priced_metas()),
            portfolio_vault::instruction::Withdraw {
                shares,
                min_assets_out,
            }
            .data(),
        )
    }

    /// `request_withdraw(shares, min_owed)` as request `id` (the vault's `queue_next`): the
    /// shares leave `owner_shares` for the escrow; every payment goes to `receiver_base`.
    pub fn request_withdraw(
        &self,
        owner: Pubkey,
        owner_shares: Pubkey,
        receiver_base: Pubkey,
        id: u64,
        shares: u64,
        min_owed: u64,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::RequestWithdraw {
            owner,
            vault: self.vault,
            vault_authority: self.authority,
            base_mint: self.base_mint,
            receiver_base,
            share_mint: self.share_mint,
            owner_shares,
            share_escrow: pda::share_escrow(&self.vault),
            request: pda::withdraw_request(&self.vault, id),
            token_program: self.share_token_program,
            system_program: SYSTEM,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.priced_metas()),
            portfolio_vault::instruction::RequestWithdraw { shares, min_owed }.data(),
        )
    }

    /// `fill_withdraw`: pays request `id` (the head of the queue) from the idle base.
    pub fn fill_withdraw(&self, id: u64) -> Instruction {
        let accounts = portfolio_vault::accounts::FillWithdraw {
            vault: self.vault,
            vault_authority: self.authority,
            base_vault: self.base_vault,
            share_mint: self.share_mint,
            share_escrow: pda::share_escrow(&self.vault),
            request: pda::withdraw_request(&self.vault, id),
            token_program: self.share_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.priced_metas()),
            portfolio_vault::instruction::FillWithdraw {}.data(),
        )
    }

    /// `claim_withdraw`: sends what request `id` has been paid to `receiver_base` (the
    /// receiver it named), closing it to `owner` when it is done.
    pub fn claim_withdraw(&self, id: u64, owner: Pubkey, receiver_base: Pubkey) -> Instruction {
        let accounts = portfolio_vault::accounts::ClaimWithdraw {
            vault: self.vault,
            vault_authority: self.authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            receiver_base,
            owner,
            request: pda::withdraw_request(&self.vault, id),
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::ClaimWithdraw {}.data(),
        )
    }

    /// `cancel_withdraw`: `owner` takes back what is left of request `id` into
    /// `receiver_shares`.
    pub fn cancel_withdraw(&self, owner: Pubkey, receiver_shares: Pubkey, id: u64) -> Instruction {
        let accounts = portfolio_vault::accounts::CancelWithdraw {
            owner,
            vault: self.vault,
            vault_authority: self.authority,
            share_mint: self.share_mint,
            share_escrow: pda::share_escrow(&self.vault),
            receiver_shares,
            request: pda::withdraw_request(&self.vault, id),
            token_program: self.share_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::CancelWithdraw {}.data(),
        )
    }

    /// `redeem_in_kind(shares)`: `user_assets[i]` receives asset `i`; with a hedge venue the
    /// user's claim account (see [`VaultKeys::open_hedge_claim`]) records their part of it.
    pub fn redeem_in_kind(
        &self,
        user: Pubkey,
        user_base: Pubkey,
        user_shares: Pubkey,
        user_assets: &[Pubkey],
        shares: u64,
    ) -> Instruction {
        let mut accounts = portfolio_vault::accounts::RedeemInKind {
            user,
            vault: self.vault,
            vault_authority: self.authority,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            user_base,
            share_mint: self.share_mint,
            user_shares,
            token_program: SPL_TOKEN,
            token_2022_program: TOKEN_2022,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        for (a, user_ta) in self.assets.iter().zip(user_assets) {
            accounts.push(AccountMeta::new(a.token_account, false));
            accounts.push(AccountMeta::new(*user_ta, false));
            accounts.push(AccountMeta::new_readonly(a.mint, false));
        }
        if self.hedge.is_some() {
            accounts.push(AccountMeta::new(
                pda::hedge_claim(&self.vault, &user),
                false,
            ));
        }
        vault_ix(
            accounts,
            portfolio_vault::instruction::RedeemInKind { shares }.data(),
        )
    }

    /// `accrue_fees`: fee shares to `fee_recipient_shares` (a share account of the recipient).
    pub fn accrue_fees(&self, fee_recipient_shares: Pubkey) -> Instruction {
        let accounts = portfolio_vault::accounts::AccrueFees {
            vault: self.vault,
            vault_authority: self.authority,
            share_mint: self.share_mint,
            fee_recipient_shares,
            token_program: self.share_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.priced_metas()),
            portfolio_vault::instruction::AccrueFees {}.data(),
        )
    }

    pub fn update_risk(&self) -> Instruction {
        let accounts = portfolio_vault::accounts::UpdateRisk {
            vault: self.vault,
            risk: self.risk,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.oracle_metas()),
            portfolio_vault::instruction::UpdateRisk {}.data(),
        )
    }

    pub fn compute_targets(&self) -> Instruction {
        let accounts = portfolio_vault::accounts::ComputeTargets {
            vault: self.vault,
            risk: self.risk,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::ComputeTargets {}.data(),
        )
    }

    pub fn propose_change(
        &self,
        admin: Pubkey,
        payer: Pubkey,
        id: u64,
        change: ParamChange,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::ProposeChange {
            admin,
            payer,
            vault: self.vault,
            proposal: pda::proposal(&self.vault, id),
            risk: self.risk,
            system_program: SYSTEM,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::ProposeChange { id, change }.data(),
        )
    }

    pub fn cancel_proposal(&self, signer: Pubkey, id: u64) -> Instruction {
        let accounts = portfolio_vault::accounts::CancelProposal {
            signer,
            vault: self.vault,
            proposal: pda::proposal(&self.vault, id),
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::CancelProposal {}.data(),
        )
    }

    /// `apply_proposal` of proposal `id` (the risk account is checked when it exists).
    pub fn apply_proposal(&self, id: u64) -> Instruction {
        let accounts = portfolio_vault::accounts::ApplyProposal {
            vault: self.vault,
            proposal: pda::proposal(&self.vault, id),
            risk: self.risk,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::ApplyProposal {}.data(),
        )
    }

    pub fn derisk(&self, signer: Pubkey, action: DeriskAction) -> Instruction {
        let accounts = portfolio_vault::accounts::Derisk {
            signer,
            vault: self.vault,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::Derisk { action }.data(),
        )
    }

    pub fn accept_admin(&self, new_admin: Pubkey) -> Instruction {
        let accounts = portfolio_vault::accounts::AcceptAdmin {
            new_admin,
            vault: self.vault,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::AcceptAdmin {}.data(),
        )
    }

    pub fn set_pause(&self, admin: Pubkey, flags: u8) -> Instruction {
        let accounts = portfolio_vault::accounts::SetPause {
            admin,
            vault: self.vault,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::SetPause { flags }.data(),
        )
    }

    /// `sweep_surplus` of the vault token account of `mint` to `destination`.
    pub fn sweep_surplus(
        &self,
        admin: Pubkey,
        mint: Pubkey,
        token_program: Pubkey,
        destination: Pubkey,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::SweepSurplus {
            admin,
            vault: self.vault,
            vault_authority: self.authority,
            mint,
            vault_token_account: pda::vault_token(&self.vault, &mint),
            destination,
            token_program,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::SweepSurplus {}.data(),
        )
    }

    /// The accounts of `rebalance_swap` before the venue's own (keeper, vault, risk, ...,
    /// priced accounts, venue program).
    fn rebalance_swap_head(
        &self,
        keeper: Pubkey,
        keeper_base: Pubkey,
        sell: usize,
        buy: usize,
        venue_program: Pubkey,
    ) -> Vec<AccountMeta> {
        let mut accounts = portfolio_vault::accounts::RebalanceSwap {
            keeper,
            vault: self.vault,
            risk: self.risk,
            vault_authority: self.authority,
            vault_sell_token: self.slot_token_account(sell),
            vault_buy_token: self.slot_token_account(buy),
            base_vault: self.base_vault,
            base_mint: self.base_mint,
            keeper_base,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        accounts.extend(self.priced_metas());
        accounts.push(AccountMeta::new_readonly(venue_program, false));
        accounts
    }

    /// `rebalance_swap` through a sim-amm-ABI venue (`venue` is its whitelist index): sells
    /// `amount_in` of slot `sell` for at least `min_amount_out` of slot `buy` (slot `n` is the
    /// base token); the bounty goes to `keeper_base`.
    #[allow(clippy::too_many_arguments)]
    pub fn rebalance_swap_amm(
        &self,
        keeper: Pubkey,
        keeper_base: Pubkey,
        venue: u8,
        route: &AmmRoute,
        sell: usize,
        buy: usize,
        amount_in: u64,
        min_amount_out: u64,
    ) -> Instruction {
        let mut accounts =
            self.rebalance_swap_head(keeper, keeper_base, sell, buy, route.program_id);
        let (sell_ta, buy_ta) = (self.slot_token_account(sell), self.slot_token_account(buy));
        accounts.extend([
            AccountMeta::new_readonly(route.pool, false),
            AccountMeta::new_readonly(self.authority, false),
            AccountMeta::new(sell_ta, false),
            AccountMeta::new(buy_ta, false),
            AccountMeta::new(route.pool_sell, false),
            AccountMeta::new(route.pool_buy, false),
            AccountMeta::new_readonly(self.slot_mint(sell), false),
            AccountMeta::new_readonly(self.slot_mint(buy), false),
            AccountMeta::new_readonly(route.token_program, false),
        ]);
        self.rebalance_swap_data(
            accounts,
            sell,
            buy,
            amount_in,
            min_amount_out,
            venue,
            vec![],
        )
    }

    /// `rebalance_swap` through a whitelisted aggregator route: the keeper supplies the
    /// route's instruction data and accounts; the vault applies the same checks.
    #[allow(clippy::too_many_arguments)]
    pub fn rebalance_swap_route(
        &self,
        keeper: Pubkey,
        keeper_base: Pubkey,
        venue: u8,
        venue_program: Pubkey,
        sell: usize,
        buy: usize,
        amount_in: u64,
        min_amount_out: u64,
        route_data: Vec<u8>,
        route_accounts: Vec<AccountMeta>,
    ) -> Instruction {
        let mut accounts = self.rebalance_swap_head(keeper, keeper_base, sell, buy, venue_program);
        accounts.extend(route_accounts);
        self.rebalance_swap_data(
            accounts,
            sell,
            buy,
            amount_in,
            min_amount_out,
            venue,
            route_data,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn rebalance_swap_data(
        &self,
        accounts: Vec<AccountMeta>,
        sell: usize,
        buy: usize,
        amount_in: u64,
        min_amount_out: u64,
        venue: u8,
        route_data: Vec<u8>,
    ) -> Instruction {
        vault_ix(
            accounts,
            portfolio_vault::instruction::RebalanceSwap {
                args: RebalanceSwapArgs {
                    sell: self.slot_index(sell),
                    buy: self.slot_index(buy),
                    amount_in,
                    min_amount_out,
                    venue,
                    route_data,
                },
            }
            .data(),
        )
    }

    fn hedge_keys(&self) -> &crate::keys::HedgeKeys {
        self.hedge
            .as_ref()
            .expect("the vault has no hedge venue: check `keys.hedge` first")
    }

    /// The hedge venue's accounts every hedge instruction composes.
    fn hedge_venue(&self) -> portfolio_vault::accounts::HedgeVenue {
        let h = self.hedge_keys();
        portfolio_vault::accounts::HedgeVenue {
            hedge_program: h.program_id,
            exchange: h.exchange,
            margin_account: h.margin_account,
        }
    }

    /// `init_hedge`: opens the vault authority's margin account on the hedge venue.
    pub fn init_hedge(&self, payer: Pubkey) -> Instruction {
        let accounts = portfolio_vault::accounts::InitHedge {
            payer,
            vault: self.vault,
            vault_authority: self.authority,
            venue: self.hedge_venue(),
            system_program: SYSTEM,
        }
        .to_account_metas(None);
        vault_ix(accounts, portfolio_vault::instruction::InitHedge {}.data())
    }

    pub fn move_collateral(&self, keeper: Pubkey, amount: u64, to_venue: bool) -> Instruction {
        let accounts = portfolio_vault::accounts::MoveCollateral {
            keeper,
            vault: self.vault,
            vault_authority: self.authority,
            venue: self.hedge_venue(),
            collateral_vault: self.hedge_keys().collateral_vault,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.oracle_metas()),
            portfolio_vault::instruction::MoveCollateral { amount, to_venue }.data(),
        )
    }

    /// `rebalance_hedge(asset, base_delta)`: changes asset `asset`'s perp position by
    /// `base_delta` asset units (negative sells); the bounty goes to `keeper_base`.
    pub fn rebalance_hedge(
        &self,
        keeper: Pubkey,
        keeper_base: Pubkey,
        asset: u8,
        base_delta: i64,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::RebalanceHedge {
            keeper,
            vault: self.vault,
            vault_authority: self.authority,
            venue: self.hedge_venue(),
            base_vault: self.base_vault,
            base_mint: self.base_mint,
            keeper_base,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.oracle_metas()),
            portfolio_vault::instruction::RebalanceHedge { asset, base_delta }.data(),
        )
    }

    pub fn open_hedge_claim(&self, payer: Pubkey, owner: Pubkey) -> Instruction {
        let accounts = portfolio_vault::accounts::OpenHedgeClaim {
            payer,
            owner,
            vault: self.vault,
            claim: pda::hedge_claim(&self.vault, &owner),
            system_program: SYSTEM,
        }
        .to_account_metas(None);
        vault_ix(
            accounts,
            portfolio_vault::instruction::OpenHedgeClaim {}.data(),
        )
    }

    /// `settle_hedge_claim` of `owner`'s claim, paid to `claimant_base`.
    pub fn settle_hedge_claim(
        &self,
        keeper: Pubkey,
        owner: Pubkey,
        claimant_base: Pubkey,
    ) -> Instruction {
        let accounts = portfolio_vault::accounts::SettleHedgeClaim {
            keeper,
            vault: self.vault,
            vault_authority: self.authority,
            venue: self.hedge_venue(),
            collateral_vault: self.hedge_keys().collateral_vault,
            claim: pda::hedge_claim(&self.vault, &owner),
            claimant_base,
            base_mint: self.base_mint,
            base_vault: self.base_vault,
            base_token_program: self.base_token_program,
        }
        .to_account_metas(None);
        vault_ix(
            self.with_remaining(accounts, self.oracle_metas()),
            portfolio_vault::instruction::SettleHedgeClaim {}.data(),
        )
    }
}
