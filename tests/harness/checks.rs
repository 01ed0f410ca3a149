//! What the tests assert after every step: the global invariants (the client's one check),
//! account snapshots that prove a refused transaction changed nothing, and exact error codes.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::error::VaultError;
use solana_account::Account;
use solana_instruction::error::InstructionError;
use solana_program_test::BanksClientError;
use solana_transaction_error::TransactionError;

use crate::{Harness, TxResult};

impl Harness {
    /// The global invariants (`vault_client::invariants`): share supply equals the sum of
    /// every share balance (dead and fee shares included), internal accounting never exceeds
    /// the real token balances, and the vault's own invariant holds.
    pub async fn check_invariants(&mut self) {
        let keys = self.keys();
        let wanted = vault_client::invariants::accounts(&keys, &self.share_accounts);
        let mut fetched = Vec::with_capacity(wanted.len());
        for k in &wanted {
            fetched.push(self.account(k).await);
        }
        if let Err(e) =
            vault_client::invariants::check_accounts(&keys, &self.share_accounts, &fetched)
        {
            panic!("global invariant broken: {e}");
        }
    }

    /// Raw bytes and lamports of the vault, its token accounts, the share mint and `extra`.
    pub async fn snapshot(&mut self, extra: &[Pubkey]) -> Snapshot {
        let mut keys = vec![self.vault, self.base_vault, self.share_mint];
        keys.extend(self.assets.iter().map(|a| a.vault_ta));
        keys.extend(self.share_accounts.iter().copied());
        if self.account(&self.risk()).await.is_some() {
            keys.push(self.risk());
        }
        if let Some((exchange, margin)) = self.hedge {
            keys.extend([exchange, margin]);
        }
        keys.extend_from_slice(extra);
        let mut accounts = vec![];
        for k in keys {
            accounts.push((k, self.account(&k).await));
        }
        Snapshot { accounts }
    }

    pub async fn assert_unchanged(&mut self, before: &Snapshot) {
        for (k, acc) in &before.accounts {
            let now = self.account(k).await;
            assert_eq!(
                &now, acc,
                "account {k} changed although the transaction failed"
            );
        }
        self.check_invariants().await;
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub accounts: Vec<(Pubkey, Option<Account>)>,
}

/// The custom error code a failed transaction returned.
pub fn custom_code(res: &TxResult) -> u32 {
    match res {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(c),
        ))) => *c,
        Err(BanksClientError::SimulationError {
            err: TransactionError::InstructionError(_, InstructionError::Custom(c)),
            ..
        }) => *c,
        other => panic!("expected a custom program error, got {other:?}"),
    }
}

pub fn vault_code(e: VaultError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// The custom error code of a sim-perp error.
pub fn perp_code(e: sim_perp::error::PerpError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// The custom error code of a sim-amm error.
pub fn amm_code(e: sim_amm::error::AmmError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

#[track_caller]
pub fn assert_vault_error(res: TxResult, e: VaultError) {
    let code = custom_code(&res);
    assert_eq!(
        code,
        vault_code(e),
        "expected {e:?} ({}), got code {code}",
        vault_code(e)
    );
}

#[track_caller]
pub fn assert_anchor_error(res: TxResult, e: anchor_lang::error::ErrorCode) {
    let code = custom_code(&res);
    assert_eq!(
        code, e as u32,
        "expected anchor {e:?} ({}), got code {code}",
        e as u32
    );
}

/// A failure that is not a custom code (e.g. a missing signature or an account check of the
/// runtime): returns the instruction error.
pub fn instruction_error(res: &TxResult) -> InstructionError {
    match res {
        Err(BanksClientError::TransactionError(TransactionError::InstructionError(_, e))) => {
            e.clone()
        }
        other => panic!("expected an instruction error, got {other:?}"),
    }
}
