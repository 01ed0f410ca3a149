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

    fn ix_move_collateral(
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
        let ix = self.ix_move_collateral(
            x,
            owner,
            sim_perp::instruction::DepositCollateral { amount }.data(),
            false,
        );
        self.process(&[ix], &[&owner.kp]).await
    }

    pub async fn perp_withdraw(&mut self, x: &TestExchange, owner: &User, amount: u64) -> TxResult {
        let ix = self.ix_move_collateral(
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
