// Program-derived addresses of the vault, with the seeds of `programs/portfolio-vault/src/constants.rs`.
import { PublicKey } from "@solana/web3.js";
import BN from "bn.js";
import { IDL as VAULT_IDL } from "./idl/portfolio_vault";
import { IDL as AMM_IDL } from "./idl/sim_amm";
import { IDL as PERP_IDL } from "./idl/sim_perp";

export const PORTFOLIO_VAULT_PROGRAM_ID = new PublicKey(VAULT_IDL.address);
export const SIM_AMM_PROGRAM_ID = new PublicKey(AMM_IDL.address);
export const SIM_PERP_PROGRAM_ID = new PublicKey(PERP_IDL.address);

const seed = (s: string) => Buffer.from(s, "utf8");
const u64le = (v: BN | bigint | number) => new BN(v.toString()).toArrayLike(Buffer, "le", 8);

function pda(seeds: Buffer[], programId: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync(seeds, programId)[0];
}

/** Every account a vault owns, from its creator, base mint and seed id. */
export interface VaultAddresses {
  vault: PublicKey;
  authority: PublicKey;
  shareMint: PublicKey;
  baseVault: PublicKey;
  deadOwner: PublicKey;
  deadShares: PublicKey;
  risk: PublicKey;
}

export function vaultAddress(
  creator: PublicKey,
  baseMint: PublicKey,
  seedId: BN | bigint | number,
  programId = PORTFOLIO_VAULT_PROGRAM_ID,
): PublicKey {
  return pda([seed("vault"), creator.toBuffer(), baseMint.toBuffer(), u64le(seedId)], programId);
}

export function vaultAddresses(
  creator: PublicKey,
  baseMint: PublicKey,
  seedId: BN | bigint | number,
  programId = PORTFOLIO_VAULT_PROGRAM_ID,
): VaultAddresses {
  const vault = vaultAddress(creator, baseMint, seedId, programId);
  const v = vault.toBuffer();
  return {
    vault,
    authority: pda([seed("authority"), v], programId),
    shareMint: pda([seed("shares"), v], programId),
    baseVault: vaultTokenAddress(vault, baseMint, programId),
    deadOwner: pda([seed("dead_owner"), v], programId),
    deadShares: pda([seed("dead_shares"), v], programId),
    risk: pda([seed("risk"), v], programId),
  };
}

/** The vault's token account for `mint` (base or asset). */
export function vaultTokenAddress(
  vault: PublicKey,
  mint: PublicKey,
  programId = PORTFOLIO_VAULT_PROGRAM_ID,
): PublicKey {
  return pda([seed("vault_token"), vault.toBuffer(), mint.toBuffer()], programId);
}

/** The vault's share escrow: shares of queued withdrawals. */
export function shareEscrowAddress(vault: PublicKey, programId = PORTFOLIO_VAULT_PROGRAM_ID): PublicKey {
  return pda([seed("share_escrow"), vault.toBuffer()], programId);
}

/** Request `id` of the vault's withdrawal queue. */
export function withdrawRequestAddress(
  vault: PublicKey,
  id: BN | bigint | number,
  programId = PORTFOLIO_VAULT_PROGRAM_ID,
): PublicKey {
  return pda([seed("withdraw_request"), vault.toBuffer(), u64le(id)], programId);
}

export function proposalAddress(
  vault: PublicKey,
  id: BN | bigint | number,
  programId = PORTFOLIO_VAULT_PROGRAM_ID,
): PublicKey {
  return pda([seed("proposal"), vault.toBuffer(), u64le(id)], programId);
}

/** SPL Token, the associated-token program and Pyth's push oracle. */
export const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
export const ASSOCIATED_TOKEN_PROGRAM_ID = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
export const PYTH_PUSH_ORACLE_ID = new PublicKey("pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT");

/** `owner`'s associated token account for `mint`. */
export function associatedTokenAddress(owner: PublicKey, mint: PublicKey, tokenProgram = TOKEN_PROGRAM_ID): PublicKey {
  return pda([owner.toBuffer(), tokenProgram.toBuffer(), mint.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID);
}

/** Where Pyth's push oracle keeps the price feed `feedId` (shard 0 by default). */
export function pythPushFeedAddress(feedId: Uint8Array, shard = 0): PublicKey {
  const s = Buffer.alloc(2);
  s.writeUInt16LE(shard);
  return pda([s, Buffer.from(feedId)], PYTH_PUSH_ORACLE_ID);
}
