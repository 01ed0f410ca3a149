//! Mints, token accounts, balances and the depositors the tests create.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::{program_pack::Pack, system_instruction};
use anchor_spl::token_2022::spl_token_2022;
use solana_account::Account;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use portfolio_vault::state::Vault;
use solana_account::AccountSharedData;

use crate::{Harness, TxResult, User, SPL_TOKEN, TOKEN_2022};

impl Harness {
    pub async fn create_mint(
        &mut self,
        decimals: u8,
        program: Pubkey,
        freeze: Option<Pubkey>,
    ) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let space = spl_token_2022::state::Mint::LEN;
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent,
                space as u64,
                &program,
            ),
            spl_token_2022::instruction::initialize_mint2(
                &program,
                &mint.pubkey(),
                &payer.pubkey(),
                freeze.as_ref(),
                decimals,
            )
            .unwrap(),
        ];
        self.process(&ixs, &[&mint]).await.unwrap();
        mint.pubkey()
    }

    /// A Token-2022 mint carrying `extensions`, initialised by `init_ixs` before the mint.
    pub async fn create_mint_2022_with(
        &mut self,
        decimals: u8,
        extensions: &[spl_token_2022::extension::ExtensionType],
        init_ixs: impl Fn(&Pubkey) -> Vec<Instruction>,
    ) -> Pubkey {
        let mint = Keypair::new();
        self.create_mint_2022_at(&mint, decimals, extensions, init_ixs)
            .await
            .unwrap();
        mint.pubkey()
    }

    /// [`Self::create_mint_2022_with`] at the address of `mint` (its creator can re-create a
    /// closed mint there), the payer as mint authority.
    pub async fn create_mint_2022_at(
        &mut self,
        mint: &Keypair,
        decimals: u8,
        extensions: &[spl_token_2022::extension::ExtensionType],
        init_ixs: impl Fn(&Pubkey) -> Vec<Instruction>,
    ) -> TxResult {
        let payer = self.ctx.payer.insecure_clone();
        let space = spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
            spl_token_2022::state::Mint,
        >(extensions)
        .unwrap();
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let mut ixs = vec![system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent,
            space as u64,
            &TOKEN_2022,
        )];
        ixs.extend(init_ixs(&mint.pubkey()));
        ixs.push(
            spl_token_2022::instruction::initialize_mint2(
                &TOKEN_2022,
                &mint.pubkey(),
                &payer.pubkey(),
                None,
                decimals,
            )
            .unwrap(),
        );
        self.process(&ixs, &[mint]).await
    }

    pub async fn create_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        program: Pubkey,
    ) -> Pubkey {
        let acc = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let space = if program == TOKEN_2022 {
            // Token-2022 accounts of mints with extensions may need more room.
            let data = self.account(mint).await.unwrap().data;
            let state = spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data).unwrap();
            use spl_token_2022::extension::BaseStateWithExtensions;
            let mint_exts = state.get_extension_types().unwrap();
            let acct_exts =
                spl_token_2022::extension::ExtensionType::get_required_init_account_extensions(
                    &mint_exts,
                );
            spl_token_2022::extension::ExtensionType::try_calculate_account_len::<
                spl_token_2022::state::Account,
            >(&acct_exts)
            .unwrap()
        } else {
            spl_token_2022::state::Account::LEN
        };
        let rent = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(space);
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &acc.pubkey(),
                rent,
                space as u64,
                &program,
            ),
            spl_token_2022::instruction::initialize_account3(&program, &acc.pubkey(), mint, owner)
                .unwrap(),
        ];
        self.process(&ixs, &[&acc]).await.unwrap();
        acc.pubkey()
    }

    pub async fn mint_to(&mut self, mint: &Pubkey, account: &Pubkey, amount: u64) {
        let program = self.account(mint).await.unwrap().owner;
        let payer = self.ctx.payer.insecure_clone();
        let ix = spl_token_2022::instruction::mint_to(
            &program,
            mint,
            account,
            &payer.pubkey(),
            &[],
            amount,
        )
        .unwrap();
        self.process(&[ix], &[]).await.unwrap();
    }

    /// A plain transfer signed by `owner` (used for donations).
    pub async fn transfer(
        &mut self,
        mint: &Pubkey,
        from: &Pubkey,
        to: &Pubkey,
        owner: &Keypair,
        amount: u64,
    ) {
        let program = self.account(mint).await.unwrap().owner;
        let decimals = self.mint_decimals(mint).await;
        let ix = spl_token_2022::instruction::transfer_checked(
            &program,
            from,
            mint,
            to,
            &owner.pubkey(),
            &[],
            amount,
            decimals,
        )
        .unwrap();
        self.process(&[ix], &[owner]).await.unwrap();
    }

    pub async fn account(&mut self, key: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*key).await.unwrap()
    }

    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        let data = self
            .account(token_account)
            .await
            .expect("token account")
            .data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Account>::unpack(
            &data,
        )
        .unwrap()
        .base
        .amount
    }

    pub async fn supply(&mut self, mint: &Pubkey) -> u64 {
        let data = self.account(mint).await.expect("mint").data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .unwrap()
            .base
            .supply
    }

    pub async fn mint_decimals(&mut self, mint: &Pubkey) -> u8 {
        let data = self.account(mint).await.expect("mint").data;
        spl_token_2022::extension::StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)
            .unwrap()
            .base
            .decimals
    }

    pub async fn share_supply(&mut self) -> u64 {
        let m = self.share_mint;
        self.supply(&m).await
    }

    pub async fn vault_state(&mut self) -> Vault {
        self.vault_state_of(&self.vault.clone()).await
    }

    pub async fn vault_state_of(&mut self, vault: &Pubkey) -> Vault {
        let data = self.account(vault).await.expect("vault account").data;
        *bytemuck::from_bytes::<Vault>(&data[8..8 + Vault::SIZE])
    }

    /// Overwrites the vault account's data through `f` (test set-up only).
    pub async fn patch_vault(&mut self, f: impl FnOnce(&mut Vault)) {
        let key = self.vault;
        let mut acc = self.account(&key).await.unwrap();
        let mut v = *bytemuck::from_bytes::<Vault>(&acc.data[8..8 + Vault::SIZE]);
        f(&mut v);
        acc.data[8..8 + Vault::SIZE].copy_from_slice(bytemuck::bytes_of(&v));
        self.ctx.set_account(&key, &AccountSharedData::from(acc));
    }

    /// Puts `amount` of asset `i` into the vault as if a rebalance had bought it: real tokens
    /// in the vault's token account and the same amount in internal accounting. Rebalancing
    /// instructions arrive with their own issue; this lets the accounting tests cover holdings.
    pub async fn give_holdings(&mut self, i: usize, amount: u64) {
        let (mint, ta) = (self.assets[i].mint, self.assets[i].vault_ta);
        self.mint_to(&mint, &ta, amount).await;
        self.patch_vault(|v| v.assets[i].holdings += amount).await;
    }

    pub async fn new_user(&mut self, base_amount: u64) -> User {
        let kp = Keypair::new();
        let payer = self.ctx.payer.insecure_clone();
        let ix = system_instruction::transfer(&payer.pubkey(), &kp.pubkey(), 1_000_000_000);
        self.process(&[ix], &[]).await.unwrap();
        let (base_mint, share_mint, prog) =
            (self.base_mint, self.share_mint, self.cfg.base_token_program);
        let base = self
            .create_token_account(&base_mint, &kp.pubkey(), prog)
            .await;
        if base_amount > 0 {
            self.mint_to(&base_mint, &base, base_amount).await;
        }
        let shares = self
            .create_token_account(&share_mint, &kp.pubkey(), SPL_TOKEN)
            .await;
        self.share_accounts.push(shares);
        let mut assets = vec![];
        for a in self.assets.clone() {
            assets.push(
                self.create_token_account(&a.mint, &kp.pubkey(), a.token_program)
                    .await,
            );
        }
        User {
            kp,
            base,
            shares,
            assets,
        }
    }
}
