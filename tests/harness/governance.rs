//! Governance: proposals, de-risking, the admin transfer, built by the client's builders.

use anchor_lang::prelude::Pubkey;
use portfolio_vault::state::{DeriskAction, ParamChange, Proposal};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_program_test::BanksClientError;
use solana_signer::Signer;
use vault_client::pda;

use portfolio_vault::error::VaultError;

use crate::{assert_vault_error, Harness, TxResult};

impl Harness {
    pub fn proposal_pda(&self, id: u64) -> Pubkey {
        pda::proposal(&self.vault, id)
    }

    pub fn ix_propose(&self, signer: &Pubkey, id: u64, change: ParamChange) -> Instruction {
        self.keys()
            .propose_change(*signer, self.ctx.payer.pubkey(), id, change)
    }

    /// Proposes `change` as the admin; returns its id.
    pub async fn propose(&mut self, change: ParamChange) -> Result<u64, BanksClientError> {
        let id = self.vault_state().await.next_proposal_id;
        let admin = self.admin.insecure_clone();
        let ix = self.ix_propose(&admin.pubkey(), id, change);
        self.process(&[ix], &[&admin]).await.map(|_| id)
    }

    pub fn ix_cancel(&self, signer: &Pubkey, id: u64) -> Instruction {
        self.keys().cancel_proposal(*signer, id)
    }

    /// `apply_proposal` (the risk account is always passed; the program reads it when it
    /// exists).
    pub fn ix_apply(&self, id: u64) -> Instruction {
        self.keys().apply_proposal(id)
    }

    pub async fn apply(&mut self, id: u64) -> TxResult {
        let ix = self.ix_apply(id);
        self.process(&[ix], &[]).await
    }

    /// Applying proposal `id` fails with `e` and changes nothing (the proposal included).
    pub async fn apply_fails(&mut self, id: u64, e: VaultError) {
        let before = self.snapshot(&[self.proposal_pda(id)]).await;
        let res = self.apply(id).await;
        assert_vault_error(res, e);
        self.assert_unchanged(&before).await;
    }

    /// Proposing `change` as `signer` fails with `e`, changes nothing and creates no account.
    pub async fn propose_fails(&mut self, signer: &Keypair, change: ParamChange, e: VaultError) {
        let id = self.vault_state().await.next_proposal_id;
        let ix = self.ix_propose(&signer.pubkey(), id, change);
        let before = self.snapshot(&[]).await;
        let res = self.process(&[ix], &[signer]).await;
        assert_vault_error(res, e);
        self.assert_unchanged(&before).await;
        let p = self.proposal_pda(id);
        assert!(
            self.account(&p).await.is_none(),
            "no proposal account created"
        );
    }

    /// Proposes every change, waits the timelock, applies them in order.
    pub async fn govern(&mut self, changes: &[ParamChange]) {
        let mut ids = vec![];
        for c in changes {
            ids.push(self.propose(*c).await.expect("propose"));
        }
        let timelock = self.vault_state().await.timelock_s as i64;
        self.warp_seconds(timelock + 1).await;
        for id in ids {
            self.apply(id).await.expect("apply");
        }
    }

    pub fn ix_derisk(&self, signer: &Pubkey, action: DeriskAction) -> Instruction {
        self.keys().derisk(*signer, action)
    }

    pub async fn derisk(&mut self, signer: &Keypair, action: DeriskAction) -> TxResult {
        let ix = self.ix_derisk(&signer.pubkey(), action);
        self.process(&[ix], &[signer]).await
    }

    pub fn ix_accept_admin(&self, signer: &Pubkey) -> Instruction {
        self.keys().accept_admin(*signer)
    }

    pub async fn proposal(&mut self, id: u64) -> Proposal {
        use anchor_lang::AccountDeserialize;
        let key = self.proposal_pda(id);
        let data = self.account(&key).await.expect("proposal account").data;
        Proposal::try_deserialize(&mut &data[..]).unwrap()
    }
}
