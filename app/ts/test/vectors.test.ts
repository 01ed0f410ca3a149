// Cross-language vectors written by `tests/ts_vectors.rs`: the TypeScript client must encode
// the same values to the same bytes, and decode the same bytes to the same values.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PublicKey } from "@solana/web3.js";
import {
  cancelWithdrawIx,
  claimWithdrawIx,
  depositIx,
  redeemInKindIx,
  vaultKeysFromAccount,
  withdrawIx,
  fillWithdrawIx,
  requestWithdrawIx,
  vaultInstruction,
  VaultKeys,
  decodeAccountJson,
  decodeInstructionJson,
  encodeAccount,
  encodeInstructionJson,
  fromCoder,
  idlOf,
  ProgramName,
  coderOf,
  proposalAddress,
  shareEscrowAddress,
  withdrawRequestAddress,
  sharesForDepositFloor,
  toCoder,
  valueForSharesFloor,
  vaultAddresses,
  vaultTokenAddress,
  PORTFOLIO_VAULT_PROGRAM_ID,
  SIM_AMM_PROGRAM_ID,
  SIM_PERP_PROGRAM_ID,
} from "../src";

// Compiled to dist/test; the vectors stay beside the sources.
const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "../../test/vectors.json"), "utf8"));

test("program ids come from the IDLs", () => {
  assert.equal(PORTFOLIO_VAULT_PROGRAM_ID.toBase58(), vectors.programs.portfolio_vault);
  assert.equal(SIM_AMM_PROGRAM_ID.toBase58(), vectors.programs.sim_amm);
  assert.equal(SIM_PERP_PROGRAM_ID.toBase58(), vectors.programs.sim_perp);
});

test("every instruction encodes and decodes byte for byte", () => {
  assert.ok(vectors.instructions.length >= 39);
  for (const v of vectors.instructions) {
    const program = v.program as ProgramName;
    const data = encodeInstructionJson(program, v.name, v.args);
    assert.equal(data.toString("hex"), v.data, `${program}::${v.name} encoding`);
    const decoded = decodeInstructionJson(program, Buffer.from(v.data, "hex"));
    assert.equal(decoded.name, v.name);
    assert.deepEqual(decoded.args, v.args, `${program}::${v.name} decoding`);
  }
});

test("every account type encodes and decodes byte for byte", () => {
  const names = vectors.accounts.map((a: { name: string }) => a.name);
  assert.deepEqual(names, ["Vault", "RiskState", "Proposal", "HedgeClaim", "Pool", "Exchange", "MarginAccount"]);
  for (const a of vectors.accounts) {
    const program = a.program as ProgramName;
    const bytes = Buffer.from(a.data, "hex");
    assert.deepEqual(decodeAccountJson(program, a.name, bytes), a.value, `${a.name} decoding`);
    const value = toCoder(idlOf(program), { defined: { name: a.name } }, a.value);
    const encoded = encodeAccount(program, a.name, value);
    assert.equal(encoded.toString("hex"), a.data, `${a.name} encoding`);
    // And through Anchor's own entry point, re-read as JSON.
    const back = fromCoder(idlOf(program), { defined: { name: a.name } }, coderOf(program).accounts.decode(a.name, encoded));
    assert.deepEqual(back, a.value);
  }
});

test("decoded vault fields carry the scenario's values", () => {
  const vault = vectors.accounts.find((a: { name: string }) => a.name === "Vault");
  const v = decodeAccountJson("portfolio_vault", "Vault", Buffer.from(vault.data, "hex")) as Record<string, any>;
  assert.equal(v.idle_base, "123456789");
  assert.equal(v.num_assets, "2");
  assert.equal(v.assets[0].holdings, String(2n ** 40n));
  assert.equal(v.rebalance.band_bps, "200");
  assert.equal(v.venues[0].program_id, vectors.programs.sim_amm);
  assert.equal(v.hedge.program_id, vectors.programs.sim_perp);
  assert.equal(v.hedge.units_total, "2500000000");
  assert.equal(v.admin, new PublicKey(Buffer.alloc(32, 2)).toBase58());
});

test("PDAs match the program's seeds", () => {
  const p = vectors.pdas;
  const a = vaultAddresses(new PublicKey(p.creator), new PublicKey(p.base_mint), BigInt(p.seed_id));
  assert.equal(a.vault.toBase58(), p.vault);
  assert.equal(a.authority.toBase58(), p.authority);
  assert.equal(a.shareMint.toBase58(), p.share_mint);
  assert.equal(a.baseVault.toBase58(), p.base_vault);
  assert.equal(a.deadOwner.toBase58(), p.dead_owner);
  assert.equal(a.deadShares.toBase58(), p.dead_shares);
  assert.equal(a.risk.toBase58(), p.risk);
  assert.equal(proposalAddress(a.vault, BigInt(p.proposal_id)).toBase58(), p.proposal);
  assert.equal(shareEscrowAddress(a.vault).toBase58(), p.share_escrow);
  assert.equal(withdrawRequestAddress(a.vault, BigInt(p.request_id)).toBase58(), p.withdraw_request);
  assert.equal(vaultTokenAddress(a.vault, new PublicKey(p.asset_mint)).toBase58(), p.asset_vault);
});

test("share math matches the program's", () => {
  for (const c of vectors.shares) {
    const [amount, tv, ts] = [BigInt(c.amount), BigInt(c.total_value), BigInt(c.total_shares)];
    assert.equal(sharesForDepositFloor(amount, tv, ts).toString(), c.shares_for_deposit);
    const shares = amount < ts ? amount : ts;
    assert.equal(valueForSharesFloor(shares, tv, ts).toString(), c.value_for_shares);
  }
});

test("vault keys from the account bytes match the Rust client's", () => {
  const v = vectors.keys_from_vault_account;
  const account = vectors.accounts.find((a: { name: string }) => a.name === "Vault");
  const k = vaultKeysFromAccount(new PublicKey(v.vault), Buffer.from(account.data, "hex"));
  const json = {
    vault: k.vault.toBase58(),
    authority: k.authority.toBase58(),
    base_mint: k.baseMint.toBase58(),
    share_mint: k.shareMint.toBase58(),
    base_vault: k.baseVault.toBase58(),
    base_token_program: k.baseTokenProgram.toBase58(),
    share_token_program: k.shareTokenProgram.toBase58(),
    oracles: k.oracles.map((o) => o.toBase58()),
    assets: k.assets.map((a) => ({ mint: a.mint.toBase58(), token_account: a.tokenAccount.toBase58(), token_program: a.tokenProgram.toBase58() })),
    hedge: k.hedge ? { exchange: k.hedge.exchange.toBase58(), margin_account: k.hedge.marginAccount.toBase58() } : null,
  };
  assert.deepEqual(json, v.keys);
});

test("the builders make the Rust client's instructions", () => {
  const k = vectors.builders.keys;
  const pk = (s: string) => new PublicKey(s);
  const keys: VaultKeys = {
    vault: pk(k.vault),
    authority: pk(k.authority),
    baseMint: pk(k.base_mint),
    shareMint: pk(k.share_mint),
    baseVault: pk(k.base_vault),
    baseTokenProgram: pk(k.base_token_program),
    shareTokenProgram: pk(k.share_token_program),
    oracles: k.oracles.map(pk),
    assets: k.assets.map((a: Record<string, string>) => ({ mint: pk(a.mint), tokenAccount: pk(a.token_account), tokenProgram: pk(a.token_program) })),
    hedge: { exchange: pk(k.hedge.exchange), marginAccount: pk(k.hedge.margin_account) },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const build: Record<string, (i: any) => ReturnType<typeof fillWithdrawIx>> = {
    withdraw: (i) =>
      withdrawIx(keys, {
        user: pk(i.user),
        userShares: pk(i.user_shares),
        receiverBase: pk(i.receiver_base),
        shares: i.shares,
        minAssetsOut: i.min_assets_out,
      }),
    redeem_in_kind: (i) =>
      redeemInKindIx(keys, {
        user: pk(i.user),
        userBase: pk(i.user_base),
        userShares: pk(i.user_shares),
        userAssets: i.user_assets.map(pk),
        shares: i.shares,
      }),
    deposit: (i) =>
      depositIx(keys, {
        user: pk(i.user),
        userBase: pk(i.user_base),
        receiverShares: pk(i.receiver_shares),
        amount: i.amount,
        minSharesOut: i.min_shares_out,
      }),
    request_withdraw: (i) =>
      requestWithdrawIx(keys, {
        owner: pk(i.owner),
        ownerShares: pk(i.owner_shares),
        receiverBase: pk(i.receiver_base),
        id: i.id,
        shares: i.shares,
        minOwed: i.min_owed,
      }),
    fill_withdraw: (i) => fillWithdrawIx(keys, i.id),
    claim_withdraw: (i) => claimWithdrawIx(keys, { id: i.id, owner: pk(i.owner), receiverBase: pk(i.receiver_base) }),
    cancel_withdraw: (i) => cancelWithdrawIx(keys, { owner: pk(i.owner), receiverShares: pk(i.receiver_shares), id: i.id }),
  };
  assert.equal(vectors.builders.cases.length, 7);
  for (const c of vectors.builders.cases) {
    const ix = build[c.name](c.input);
    assert.equal(ix.programId.toBase58(), c.program, c.name);
    const accounts = ix.keys.map((m) => ({ pubkey: m.pubkey.toBase58(), signer: m.isSigner, writable: m.isWritable }));
    assert.deepEqual(accounts, c.accounts, `${c.name} accounts`);
    assert.equal(ix.data.toString("hex"), c.data, `${c.name} data`);
  }
});

test("a builder names the account it is missing or the instruction it does not know", () => {
  const vault = new PublicKey(vectors.builders.keys.vault);
  assert.throws(() => vaultInstruction("fill_withdraw", {}, { vault }), /^Error: fill_withdraw: account vault_authority is missing$/);
  assert.throws(() => vaultInstruction("fill_withdrawal", {}, {}), /instruction fill_withdrawal is not in the vault's IDL/);
});
