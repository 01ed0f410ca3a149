// Instruction builders of the vault over its IDL: the accounts in the order and with the
// signer and writable flags the IDL lists (no accounts struct is restated here), addresses the
// IDL fixes (programs) filled in, the data by Anchor's coder, then the remaining accounts.
// The Rust client's builders (`app/client/src/ix/vault.rs`) make the same instructions from
// the same keys: `test/vectors.json` holds both and the tests compare them.
import { AccountMeta, PublicKey, TransactionInstruction } from "@solana/web3.js";
import BN from "bn.js";
import { vaultCoder } from "./coder";
import { IDL } from "./idl/portfolio_vault";
import { PORTFOLIO_VAULT_PROGRAM_ID, shareEscrowAddress, withdrawRequestAddress } from "./pda";

/** The addresses of a vault its instructions take. `oracles` are the assets' price accounts
 * in asset order; `hedge` is the perp venue's exchange and the vault's margin account, when
 * the vault has one. */
export interface VaultKeys {
  vault: PublicKey;
  authority: PublicKey;
  baseMint: PublicKey;
  shareMint: PublicKey;
  baseVault: PublicKey;
  baseTokenProgram: PublicKey;
  shareTokenProgram: PublicKey;
  oracles: PublicKey[];
  hedge?: { exchange: PublicKey; marginAccount: PublicKey };
}

type IdlAccount = { name: string; writable?: boolean; signer?: boolean; address?: string; accounts?: unknown };

type Int = BN | bigint | number | string;
const bn = (v: Int) => new BN(v.toString());

/** Instruction `name` of the vault with `accounts` by their IDL names; throws naming the
 * first account the IDL lists that is neither given nor fixed by the IDL. */
export function vaultInstruction(
  name: string,
  args: Record<string, unknown>,
  accounts: Record<string, PublicKey>,
  remaining: AccountMeta[] = [],
): TransactionInstruction {
  const ix = IDL.instructions.find((i) => i.name === name);
  if (!ix) throw new Error(`instruction ${name} is not in the vault's IDL`);
  const keys = (ix.accounts as unknown as IdlAccount[]).map((a) => {
    if (a.accounts) throw new Error(`${name}: account group ${a.name} is not supported`);
    const pubkey = accounts[a.name] ?? (a.address ? new PublicKey(a.address) : undefined);
    if (!pubkey) throw new Error(`${name}: account ${a.name} is missing`);
    return { pubkey, isSigner: !!a.signer, isWritable: !!a.writable };
  });
  return new TransactionInstruction({
    programId: PORTFOLIO_VAULT_PROGRAM_ID,
    keys: [...keys, ...remaining],
    data: vaultCoder.instruction.encode(name, args),
  });
}

/** The remaining accounts of every instruction that prices the vault: the oracles, then the
 * hedge venue's exchange and margin account. */
export function pricedAccounts(k: VaultKeys): AccountMeta[] {
  const ro = (pubkey: PublicKey) => ({ pubkey, isSigner: false, isWritable: false });
  const metas = k.oracles.map(ro);
  if (k.hedge) metas.push(ro(k.hedge.exchange), ro(k.hedge.marginAccount));
  return metas;
}

/** `request_withdraw(shares, min_owed)` as request `id` (the vault's `queue_next`): the shares
 * leave `ownerShares` for the escrow; every payment goes to `receiverBase`. */
export function requestWithdrawIx(
  k: VaultKeys,
  a: { owner: PublicKey; ownerShares: PublicKey; receiverBase: PublicKey; id: Int; shares: Int; minOwed: Int },
): TransactionInstruction {
  return vaultInstruction(
    "request_withdraw",
    { shares: bn(a.shares), min_owed: bn(a.minOwed) },
    {
      owner: a.owner,
      vault: k.vault,
      vault_authority: k.authority,
      base_mint: k.baseMint,
      receiver_base: a.receiverBase,
      share_mint: k.shareMint,
      owner_shares: a.ownerShares,
      share_escrow: shareEscrowAddress(k.vault),
      request: withdrawRequestAddress(k.vault, bn(a.id)),
      token_program: k.shareTokenProgram,
    },
    pricedAccounts(k),
  );
}

/** `fill_withdraw`: pays request `id` (the head of the queue) from the idle base. */
export function fillWithdrawIx(k: VaultKeys, id: Int): TransactionInstruction {
  return vaultInstruction(
    "fill_withdraw",
    {},
    {
      vault: k.vault,
      vault_authority: k.authority,
      base_vault: k.baseVault,
      share_mint: k.shareMint,
      share_escrow: shareEscrowAddress(k.vault),
      request: withdrawRequestAddress(k.vault, bn(id)),
      token_program: k.shareTokenProgram,
    },
    pricedAccounts(k),
  );
}

/** `claim_withdraw`: sends what request `id` has been paid to `receiverBase` (the receiver it
 * named), closing it to `owner` when it is done. */
export function claimWithdrawIx(k: VaultKeys, a: { id: Int; owner: PublicKey; receiverBase: PublicKey }): TransactionInstruction {
  return vaultInstruction(
    "claim_withdraw",
    {},
    {
      vault: k.vault,
      vault_authority: k.authority,
      base_mint: k.baseMint,
      base_vault: k.baseVault,
      receiver_base: a.receiverBase,
      owner: a.owner,
      request: withdrawRequestAddress(k.vault, bn(a.id)),
      base_token_program: k.baseTokenProgram,
    },
  );
}

/** `cancel_withdraw`: `owner` takes back what is left of request `id` into `receiverShares`. */
export function cancelWithdrawIx(k: VaultKeys, a: { owner: PublicKey; receiverShares: PublicKey; id: Int }): TransactionInstruction {
  return vaultInstruction(
    "cancel_withdraw",
    {},
    {
      owner: a.owner,
      vault: k.vault,
      vault_authority: k.authority,
      share_mint: k.shareMint,
      share_escrow: shareEscrowAddress(k.vault),
      receiver_shares: a.receiverShares,
      request: withdrawRequestAddress(k.vault, bn(a.id)),
      token_program: k.shareTokenProgram,
    },
  );
}
