// The typed `Program<PortfolioVault>` path (camelCase names, Anchor's account resolution)
// builds the same instruction data as the Rust program, offline.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { AnchorProvider, BN, Program, Wallet } from "@anchor-lang/core";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { IDL, PortfolioVault } from "../src/idl/portfolio_vault";
import { vaultAddresses } from "../src";

const vectors = JSON.parse(fs.readFileSync(path.join(__dirname, "../../test/vectors.json"), "utf8"));
const vector = (name: string) => vectors.instructions.find((v: { name: string }) => v.name === name);

function program(): Program<PortfolioVault> {
  // Never contacted: building an instruction needs no cluster.
  const provider = new AnchorProvider(new Connection("http://127.0.0.1:8899"), new Wallet(Keypair.generate()), {});
  return new Program<PortfolioVault>(IDL as unknown as PortfolioVault, provider);
}

test("deposit through Program.methods matches the Rust bytes", async () => {
  const v = vector("deposit");
  const p = vectors.pdas;
  const a = vaultAddresses(new PublicKey(p.creator), new PublicKey(p.base_mint), BigInt(p.seed_id));
  const user = Keypair.generate().publicKey;
  const ix = await program()
    .methods.deposit(new BN(v.args.amount), new BN(v.args.min_shares_out))
    .accountsPartial({
      user,
      vault: a.vault,
      vaultAuthority: a.authority,
      baseMint: new PublicKey(p.base_mint),
      baseVault: a.baseVault,
      userBase: Keypair.generate().publicKey,
      shareMint: a.shareMint,
      receiverShares: Keypair.generate().publicKey,
      baseTokenProgram: new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"),
    })
    .instruction();
  assert.equal(ix.data.toString("hex"), v.data);
  assert.ok(ix.keys[0].pubkey.equals(user) && ix.keys[0].isSigner);
});

test("rebalance_swap through Program.methods matches the Rust bytes", async () => {
  const v = vector("rebalance_swap");
  const any = () => Keypair.generate().publicKey;
  const ix = await program()
    .methods.rebalanceSwap({
      sell: Number(v.args.args.sell),
      buy: Number(v.args.args.buy),
      amountIn: new BN(v.args.args.amount_in),
      minAmountOut: new BN(v.args.args.min_amount_out),
      venue: Number(v.args.args.venue),
      routeData: Buffer.from(v.args.args.route_data, "hex"),
    })
    .accountsPartial({
      keeper: any(),
      vault: any(),
      risk: any(),
      vaultAuthority: any(),
      vaultSellToken: any(),
      vaultBuyToken: any(),
      baseVault: any(),
      baseMint: any(),
      keeperBase: any(),
      baseTokenProgram: any(),
    })
    .instruction();
  assert.equal(ix.data.toString("hex"), v.data);
});
