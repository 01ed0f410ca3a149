//! CPIs into the hedge venue (sim-perp ABI), signed by the vault authority.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_lang::InstructionData;
use sim_perp::Order;

/// The venue's program and the two accounts every hedge CPI writes.
pub struct VenueAccounts<'a, 'info> {
    pub program: &'a AccountInfo<'info>,
    pub authority: &'a AccountInfo<'info>,
    pub exchange: &'a AccountInfo<'info>,
    pub margin: &'a AccountInfo<'info>,
}

/// The token side of a collateral move: the exchange's collateral vault, the vault's base
/// account, the base mint and its token program.
pub struct CollateralAccounts<'a, 'info> {
    pub collateral_vault: &'a AccountInfo<'info>,
    pub base_vault: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
}

fn invoke<'info>(
    program: &AccountInfo<'info>,
    metas: Vec<AccountMeta>,
    infos: Vec<AccountInfo<'info>>,
    data: impl InstructionData,
    signer_seeds: &[&[u8]],
) -> Result<()> {
    let ix = Instruction {
        program_id: *program.key,
        accounts: metas,
        data: data.data(),
    };
    let mut all = infos;
    all.push(program.clone());
    invoke_signed(&ix, &all, &[signer_seeds]).map_err(Into::into)
}

impl<'a, 'info> VenueAccounts<'a, 'info> {
    fn head(&self) -> (Vec<AccountMeta>, Vec<AccountInfo<'info>>) {
        (
            vec![
                AccountMeta::new_readonly(*self.authority.key, true),
                AccountMeta::new(*self.exchange.key, false),
                AccountMeta::new(*self.margin.key, false),
            ],
            vec![
                self.authority.clone(),
                self.exchange.clone(),
                self.margin.clone(),
            ],
        )
    }

    fn with_oracles(
        (mut metas, mut infos): (Vec<AccountMeta>, Vec<AccountInfo<'info>>),
        oracles: &[AccountInfo<'info>],
    ) -> (Vec<AccountMeta>, Vec<AccountInfo<'info>>) {
        for o in oracles {
            metas.push(AccountMeta::new_readonly(*o.key, false));
            infos.push(o.clone());
        }
        (metas, infos)
    }

    fn collateral_head(
        &self,
        c: &CollateralAccounts<'a, 'info>,
    ) -> (Vec<AccountMeta>, Vec<AccountInfo<'info>>) {
        let (mut metas, mut infos) = self.head();
        metas.extend([
            AccountMeta::new(*c.collateral_vault.key, false),
            AccountMeta::new(*c.base_vault.key, false),
            AccountMeta::new_readonly(*c.mint.key, false),
            AccountMeta::new_readonly(*c.token_program.key, false),
        ]);
        infos.extend([
            c.collateral_vault.clone(),
            c.base_vault.clone(),
            c.mint.clone(),
            c.token_program.clone(),
        ]);
        (metas, infos)
    }

    /// `trade_many` with `orders` (one per market at most).
    pub fn trade(
        &self,
        oracles: &[AccountInfo<'info>],
        orders: Vec<Order>,
        seeds: &[&[u8]],
    ) -> Result<()> {
        let (metas, infos) = Self::with_oracles(self.head(), oracles);
        invoke(
            self.program,
            metas,
            infos,
            sim_perp::instruction::TradeMany { orders },
            seeds,
        )
    }

    /// `deposit_collateral` of `amount` base units from the vault's base account.
    pub fn deposit(
        &self,
        c: &CollateralAccounts<'a, 'info>,
        amount: u64,
        seeds: &[&[u8]],
    ) -> Result<()> {
        let (metas, infos) = self.collateral_head(c);
        invoke(
            self.program,
            metas,
            infos,
            sim_perp::instruction::DepositCollateral { amount },
            seeds,
        )
    }

    /// `withdraw_collateral` of `amount` base units into the vault's base account.
    pub fn withdraw(
        &self,
        c: &CollateralAccounts<'a, 'info>,
        oracles: &[AccountInfo<'info>],
        amount: u64,
        seeds: &[&[u8]],
    ) -> Result<()> {
        let (metas, infos) = Self::with_oracles(self.collateral_head(c), oracles);
        invoke(
            self.program,
            metas,
            infos,
            sim_perp::instruction::WithdrawCollateral { amount },
            seeds,
        )
    }

    /// `create_margin_account` for the vault authority, paid by `payer`.
    pub fn create_margin_account(
        &self,
        payer: &AccountInfo<'info>,
        system_program: &AccountInfo<'info>,
        seeds: &[&[u8]],
    ) -> Result<()> {
        invoke(
            self.program,
            vec![
                AccountMeta::new_readonly(*self.authority.key, true),
                AccountMeta::new(*payer.key, true),
                AccountMeta::new_readonly(*self.exchange.key, false),
                AccountMeta::new(*self.margin.key, false),
                AccountMeta::new_readonly(*system_program.key, false),
            ],
            vec![
                self.authority.clone(),
                payer.clone(),
                self.exchange.clone(),
                self.margin.clone(),
                system_program.clone(),
            ],
            sim_perp::instruction::CreateMarginAccount {},
            seeds,
        )
    }
}
