// The TypeScript client against the local node (`vault-localnet`, started here as a separate
// process and stopped by its pid): a fresh wallet deposits through `Program.methods` over
// `Connection`, confirmed over the node's WebSocket, and reads the result back.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, ChildProcess } from "node:child_process";
import { AnchorProvider, BN, Program, Wallet } from "@anchor-lang/core";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { IDL, PortfolioVault } from "../src/idl/portfolio_vault";
import {
  associatedTokenAddress,
  createAssociatedIdempotentIx,
  depositIx,
  pricedAccounts,
  vaultKeysFromAccount,
  PORTFOLIO_VAULT_PROGRAM_ID,
} from "../src";

// Compiled to app/ts/dist/test: the workspace's target folder is four levels up.
const BIN = path.join(__dirname, "../../../../target/debug/vault-localnet");

/** Starts the node on free ports; resolves with what it printed (`rpc`, `websocket`, `vault`,
 * `user keypair`, ...) once it is ready. */
function startNode(): Promise<{ child: ChildProcess; fields: Record<string, string> }> {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} is missing: run \`cargo build --locked -p vault-localnet\` (scripts/test.sh does)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vault-localnet-ts-"));
  const child = spawn(BIN, ["--port", "0", "--speed", "60", "--assets", "2", "--dir", dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("vault-localnet did not start in 180 s")), 180_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let i;
      while ((i = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        const m = line.match(/^([^:(]+?)(?: \(.*\))?: (.*)$/);
        if (m) fields[m[1]] = m[2];
        if (line.startsWith("keeper config:")) {
          clearTimeout(timer);
          resolve({ child, fields });
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`vault-localnet exited with ${code}`)));
  });
}

test("a fresh wallet deposits through Program.methods over Connection against vault-localnet", async () => {
  const { child, fields } = await startNode();
  const connection = new Connection(fields["rpc"], { commitment: "confirmed", wsEndpoint: fields["websocket"] });
  try {
    const secret = JSON.parse(fs.readFileSync(fields["user keypair"], "utf8")) as number[];
    const user = Keypair.fromSecretKey(Uint8Array.from(secret));
    const provider = new AnchorProvider(connection, new Wallet(user), { commitment: "confirmed" });
    const program = new Program<PortfolioVault>(IDL as unknown as PortfolioVault, provider);
    const vault = new PublicKey(fields["vault"]);
    const info = await connection.getAccountInfo(vault);
    assert.ok(info, "the vault account");
    assert.ok(info.owner.equals(PORTFOLIO_VAULT_PROGRAM_ID));
    const keys = vaultKeysFromAccount(vault, info.data);
    const userBase = associatedTokenAddress(user.publicKey, keys.baseMint, keys.baseTokenProgram);
    const shares = associatedTokenAddress(user.publicKey, keys.shareMint, keys.shareTokenProgram);
    assert.equal(await connection.getAccountInfo(shares), null, "no share account yet");

    const accounts = {
      user: user.publicKey,
      vault,
      vaultAuthority: keys.authority,
      baseMint: keys.baseMint,
      baseVault: keys.baseVault,
      userBase,
      shareMint: keys.shareMint,
      receiverShares: shares,
      tokenProgram: keys.shareTokenProgram,
      baseTokenProgram: keys.baseTokenProgram,
    };
    const amount = new BN(1_000_000_000); // 1,000 base tokens
    const method = program.methods
      .deposit(amount, new BN(1))
      .accountsPartial(accounts)
      .remainingAccounts(pricedAccounts(keys))
      .preInstructions([createAssociatedIdempotentIx(user.publicKey, user.publicKey, keys.shareMint)]);
    // Program.methods and the client's builder make the same instruction.
    const built = depositIx(keys, { user: user.publicKey, userBase, receiverShares: shares, amount, minSharesOut: 1 });
    const viaProgram = await method.instruction();
    assert.deepEqual(viaProgram.keys, built.keys);
    assert.equal(viaProgram.data.toString("hex"), built.data.toString("hex"));

    // An account subscription sees the deposit take the base tokens.
    let listener = 0;
    const baseChanged = new Promise<bigint>((resolve) => {
      listener = connection.onAccountChange(userBase, (a) => resolve(a.data.readBigUInt64LE(64)), { commitment: "confirmed" });
    });
    // The subscription is set up asynchronously: give it a moment before the change.
    await new Promise((r) => setTimeout(r, 300));
    const baseBefore = (await connection.getAccountInfo(userBase))!.data.readBigUInt64LE(64);
    const signature = await method.rpc();
    const baseAfter = await Promise.race([
      baseChanged,
      new Promise<bigint>((_, reject) => setTimeout(() => reject(new Error("no accountNotification in 20 s")), 20_000)),
    ]);
    await connection.removeAccountChangeListener(listener);
    assert.equal(baseBefore - baseAfter, 1_000_000_000n);
    const account = await connection.getAccountInfo(shares);
    assert.ok(account, "the share account exists");
    const minted = account.data.readBigUInt64LE(64);
    assert.ok(minted > 0n, `shares minted: ${minted}`);
    const tx = await connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    assert.equal(tx?.meta?.err, null);
    assert.ok(tx?.meta?.logMessages?.some((l) => l.includes(`${PORTFOLIO_VAULT_PROGRAM_ID.toBase58()} success`)));
    const vaultAfter = await program.account.vault.fetch(vault);
    assert.ok(vaultAfter.idleBase.gte(amount), "the deposit is idle base");
  } finally {
    // Close the client's WebSocket (web3.js keeps no public handle on it) before the node
    // stops, or it reconnects forever and keeps the test process alive.
    const ws = (connection as unknown as { _rpcWebSocket: { setAutoReconnect(on: boolean): void; close(): void } })._rpcWebSocket;
    ws.setAutoReconnect(false);
    ws.close();
    await new Promise((r) => setTimeout(r, 200));
    child.kill();
  }
});
