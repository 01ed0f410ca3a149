//! Sending transactions: legacy, or v0 through the vault's lookup table when they are too
//! large; every one followed by the global invariant check.

use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::{Harness, TxResult, MAX_LEGACY_STATIC_ACCOUNTS, MEMO_PROGRAM};

impl Harness {
    /// Sends `ixs` signed by the payer and `signers`. A memo with a counter keeps otherwise
    /// identical transactions distinct.
    pub async fn process(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        self.tx_counter += 1;
        let mut all = ixs.to_vec();
        all.push(Instruction {
            program_id: MEMO_PROGRAM,
            accounts: vec![],
            data: format!("tx {}", self.tx_counter).into_bytes(),
        });
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        let bh = self.ctx.banks_client.get_latest_blockhash().await.unwrap();
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, bh);
        let res = self.ctx.banks_client.process_transaction(tx).await;
        self.after_transaction().await;
        res
    }

    /// The global invariants hold after every step, failed or not.
    async fn after_transaction(&mut self) {
        if self.vault_live {
            self.check_invariants().await;
        }
    }

    /// Creates an address lookup table holding `addresses`, and waits a slot so it is usable.
    pub async fn create_lookup_table(
        &mut self,
        addresses: Vec<Pubkey>,
    ) -> solana_message::AddressLookupTableAccount {
        use solana_address_lookup_table_interface::instruction::{
            create_lookup_table, extend_lookup_table,
        };
        let payer = self.ctx.payer.insecure_clone();
        let now = self.now().await;
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 2).unwrap();
        let (create, table) = create_lookup_table(payer.pubkey(), payer.pubkey(), slot + 1);
        self.process(&[create], &[]).await.unwrap();
        for chunk in addresses.chunks(20) {
            let ix =
                extend_lookup_table(table, payer.pubkey(), Some(payer.pubkey()), chunk.to_vec());
            self.process(&[ix], &[]).await.unwrap();
        }
        let slot = self.clock().await.slot;
        self.ctx.warp_to_slot(slot + 2).unwrap();
        // Warping moves the clock; put the test's time back.
        self.set_time(now).await;
        solana_message::AddressLookupTableAccount {
            key: table,
            addresses,
        }
    }

    /// The vault's own accounts (not any user's): what a keeper or front end puts in a table
    /// (the client's list, plus the fee recipient's share account the harness made).
    pub fn vault_static_accounts(&self) -> Vec<Pubkey> {
        let mut addresses = self.keys().static_accounts();
        addresses.push(self.fee_shares);
        addresses
    }

    pub async fn vault_lookup_table(&mut self) -> solana_message::AddressLookupTableAccount {
        let wanted = self.vault_static_accounts();
        match &self.vault_alt {
            Some(alt) if alt.addresses == wanted => alt.clone(),
            _ => {
                let alt = self.create_lookup_table(wanted).await;
                self.vault_alt = Some(alt.clone());
                alt
            }
        }
    }

    /// Sends `ixs` as a legacy transaction when it fits this runtime's static-account limit,
    /// otherwise as a v0 transaction through the vault's lookup table.
    pub async fn process_auto(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxResult {
        let payer = self.ctx.payer.pubkey();
        let legacy = solana_message::Message::new(ixs, Some(&payer));
        if legacy.account_keys.len() < MAX_LEGACY_STATIC_ACCOUNTS {
            return self.process(ixs, signers).await;
        }
        let alt = self.vault_lookup_table().await;
        self.process_v0(ixs, signers, &alt).await
    }

    pub async fn process_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        alt: &solana_message::AddressLookupTableAccount,
    ) -> TxResult {
        self.tx_counter += 1;
        let mut all = ixs.to_vec();
        all.push(Instruction {
            program_id: MEMO_PROGRAM,
            accounts: vec![],
            data: format!("tx {}", self.tx_counter).into_bytes(),
        });
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend_from_slice(signers);
        let bh = self.ctx.banks_client.get_latest_blockhash().await.unwrap();
        let msg = solana_message::v0::Message::try_compile(
            &payer.pubkey(),
            &all,
            std::slice::from_ref(alt),
            bh,
        )
        .unwrap();
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(
            solana_message::VersionedMessage::V0(msg),
            &keys,
        )
        .unwrap();
        let res = self.ctx.banks_client.process_transaction(tx).await;
        self.after_transaction().await;
        res
    }
}
