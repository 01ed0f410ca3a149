// Instruction builders of the vault over its IDL: the accounts in the order and with the
// signer and writable flags the IDL lists (no accounts struct is restated here), addresses the
// IDL fixes (programs) filled in, the data by Anchor's coder, then the remaining accounts.
// The Rust client's builders (`app/client/src/ix/vault.rs`) make the same instructions from
// the same keys: `test/vectors.json` holds both and the tests compare them.
import { AccountMeta, PublicKey, TransactionInstruction } from "@solana/web3.js";
import BN from "bn.js";
import { vaultCoder } from "./coder";
import { IDL } from "./idl/portfolio_vault";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  associatedTokenAddress,
  PORTFOLIO_VAULT_PROGRAM_ID,
  pythPushFeedAddress,
  shareEscrowAddress,
  TOKEN_PROGRAM_ID,
  withdrawRequestAddress,
} from "./pda";
import { SystemProgram } from "@solana/web3.js";

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
  /** The assets in order: mint, the vault's token account, token program. */
  assets: { mint: PublicKey; tokenAccount: PublicKey; tokenProgram: PublicKey }[];
  hedge?: { exchange: PublicKey; marginAccount: PublicKey };
}

/** Oracle kinds of `state::OracleKind`. */
const ORACLE_PULL_V2 = 0;
const ORACLE_LEGACY = 1;

/** The keys of the vault at `vault` from its account data, as `VaultKeys::from_state` (Rust)
 * derives them: a pull feed's price account is Pyth's push-feed address unless `pullFeeds`
 * (feed id in hex -> account) names another; a legacy feed's id is its account. */
export function vaultKeysFromAccount(vault: PublicKey, data: Buffer, pullFeeds: Map<string, PublicKey> = new Map()): VaultKeys {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const v = vaultCoder.accounts.decode("Vault", data) as any;
  const n = Number(v.num_assets);
  type Asset = { mint: PublicKey; token_account: PublicKey; token_program: PublicKey; oracle: { kind: number; oracle_id: number[] } };
  const active = (v.assets as Asset[]).slice(0, n);
  const oracles = active.map((a) => {
    const id = Buffer.from(a.oracle.oracle_id);
    if (a.oracle.kind === ORACLE_LEGACY) return new PublicKey(id);
    if (a.oracle.kind !== ORACLE_PULL_V2) throw new Error(`unknown oracle kind ${a.oracle.kind}`);
    return pullFeeds.get(id.toString("hex")) ?? pythPushFeedAddress(id);
  });
  const h = v.hedge as { program_id: PublicKey; exchange: PublicKey; margin_account: PublicKey };
  return {
    vault,
    authority: PublicKey.findProgramAddressSync([Buffer.from("authority"), vault.toBuffer()], PORTFOLIO_VAULT_PROGRAM_ID)[0],
    baseMint: v.base_mint,
    shareMint: v.share_mint,
    baseVault: v.base_vault,
    baseTokenProgram: v.base_token_program,
    shareTokenProgram: TOKEN_PROGRAM_ID,
    oracles,
    assets: active.map((a) => ({ mint: a.mint, tokenAccount: a.token_account, tokenProgram: a.token_program })),
    hedge: h.program_id.equals(PublicKey.default) ? undefined : { exchange: h.exchange, marginAccount: h.margin_account },
  };
}

/** Creates `owner`'s associated token account for `mint` unless it exists (the
 * associated-token program's `CreateIdempotent`), paid by `payer`. */
export function createAssociatedIdempotentIx(
  payer: PublicKey,
  owner: PublicKey,
  mint: PublicKey,
  tokenProgram = TOKEN_PROGRAM_ID,
): TransactionInstruction {
  const w = (pubkey: PublicKey, isSigner = false) => ({ pubkey, isSigner, isWritable: true });
  const r = (pubkey: PublicKey) => ({ pubkey, isSigner: false, isWritable: false });
  return new TransactionInstruction({
    programId: ASSOCIATED_TOKEN_PROGRAM_ID,
    keys: [w(payer, true), w(associatedTokenAddress(owner, mint, tokenProgram)), r(owner), r(mint), r(SystemProgram.programId), r(tokenProgram)],
    data: Buffer.from([1]),
  });
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
    // An address the IDL fixes (a program) wins over one given under the same name.
    const pubkey = a.address ? new PublicKey(a.address) : accounts[a.name];
    if (!pubkey) throw new Error(`${name}: account ${a.name} is missing`);
    return { pubkey, isSigner: !!a.signer, isWritable: !!a.writable };
  });
  return new TransactionInstruction({
    programId: PORTFOLIO_VAULT_PROGRAM_ID,
    keys: [...keys, ...remaining],
    data: vaultCoder.instruction.encode(name, args),
  });
}

/** The vault's own accounts by their IDL names: each builder passes them all and
 * `vaultInstruction` takes those its instruction lists. */
function vaultAccounts(k: VaultKeys): Record<string, PublicKey> {
  return {
    vault: k.vault,
    vault_authority: k.authority,
    base_mint: k.baseMint,
    base_vault: k.baseVault,
    share_mint: k.shareMint,
    share_escrow: shareEscrowAddress(k.vault),
    token_program: k.shareTokenProgram,
    base_token_program: k.baseTokenProgram,
  };
}

/** The remaining accounts of every instruction that prices the vault: the oracles, then the
 * hedge venue's exchange and margin account. */
export function pricedAccounts(k: VaultKeys): AccountMeta[] {
  const ro = (pubkey: PublicKey) => ({ pubkey, isSigner: false, isWritable: false });
  const metas = k.oracles.map(ro);
  if (k.hedge) metas.push(ro(k.hedge.exchange), ro(k.hedge.marginAccount));
  return metas;
}

/** `deposit(amount, min_shares_out)`: base from `userBase`, shares to `receiverShares`. */
export function depositIx(
  k: VaultKeys,
  a: { user: PublicKey; userBase: PublicKey; receiverShares: PublicKey; amount: Int; minSharesOut: Int },
): TransactionInstruction {
  return vaultInstruction(
    "deposit",
    { amount: bn(a.amount), min_shares_out: bn(a.minSharesOut) },
    {
      ...vaultAccounts(k),
      user: a.user,
      user_base: a.userBase,
      receiver_shares: a.receiverShares,
    },
    pricedAccounts(k),
  );
}

/** `withdraw(shares, min_assets_out)`: base from the idle buffer to `receiverBase`. */
export function withdrawIx(
  k: VaultKeys,
  a: { user: PublicKey; userShares: PublicKey; receiverBase: PublicKey; shares: Int; minAssetsOut: Int },
): TransactionInstruction {
  return vaultInstruction(
    "withdraw",
    { shares: bn(a.shares), min_assets_out: bn(a.minAssetsOut) },
    {
      ...vaultAccounts(k),
      user: a.user,
      receiver_base: a.receiverBase,
      user_shares: a.userShares,
    },
    pricedAccounts(k),
  );
}

/** `redeem_in_kind(shares)`: a slice of every holding; `userAssets[i]` receives asset `i`.
 * With a hedge venue, the user's claim account (see `open_hedge_claim`) records their part of
 * it. Needs no oracle. */
export function redeemInKindIx(
  k: VaultKeys,
  a: { user: PublicKey; userBase: PublicKey; userShares: PublicKey; userAssets: PublicKey[]; shares: Int },
): TransactionInstruction {
  if (a.userAssets.length !== k.assets.length) {
    throw new Error(`redeem_in_kind: ${a.userAssets.length} asset accounts for ${k.assets.length} assets`);
  }
  const w = (pubkey: PublicKey) => ({ pubkey, isSigner: false, isWritable: true });
  const r = (pubkey: PublicKey) => ({ pubkey, isSigner: false, isWritable: false });
  const perAsset = k.assets.flatMap((asset, i) => [w(asset.tokenAccount), w(a.userAssets[i]), r(asset.mint)]);
  const claim = k.hedge
    ? [w(PublicKey.findProgramAddressSync([Buffer.from("hedge_claim"), k.vault.toBuffer(), a.user.toBuffer()], PORTFOLIO_VAULT_PROGRAM_ID)[0])]
    : [];
  return vaultInstruction(
    "redeem_in_kind",
    { shares: bn(a.shares) },
    {
      ...vaultAccounts(k),
      user: a.user,
      user_base: a.userBase,
      user_shares: a.userShares,
    },
    [...perAsset, ...claim],
  );
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
      ...vaultAccounts(k),
      owner: a.owner,
      receiver_base: a.receiverBase,
      owner_shares: a.ownerShares,
      request: withdrawRequestAddress(k.vault, bn(a.id)),
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
      ...vaultAccounts(k),
      request: withdrawRequestAddress(k.vault, bn(id)),
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
      ...vaultAccounts(k),
      receiver_base: a.receiverBase,
      owner: a.owner,
      request: withdrawRequestAddress(k.vault, bn(a.id)),
    },
  );
}

/** `cancel_withdraw`: `owner` takes back what is left of request `id` into `receiverShares`. */
export function cancelWithdrawIx(k: VaultKeys, a: { owner: PublicKey; receiverShares: PublicKey; id: Int }): TransactionInstruction {
  return vaultInstruction(
    "cancel_withdraw",
    {},
    {
      ...vaultAccounts(k),
      owner: a.owner,
      receiver_shares: a.receiverShares,
      request: withdrawRequestAddress(k.vault, bn(a.id)),
    },
  );
}
