// Anchor's deploy script: creates and configures a vault from a config file through the
// TypeScript client (app/ts). `anchor migrate` calls the exported function with the provider
// of the cluster in Anchor.toml; the config path comes from VAULT_CONFIG (default:
// migrations/vault.example.json). Type-checked in CI (`npm run typecheck` in app/ts); running
// it needs a cluster with the programs deployed.
//
// What it does, in order: initialize_vault (the provider's wallet is the creator and pays the
// first deposit from `creator_base`), add_asset for every asset, initialize_risk, then one
// timelocked proposal per venue, one for the rebalancing limits and, if `final_admin` is set,
// the nomination of the final admin (a multisig), who then calls accept_admin.
import * as fs from "fs";
import * as path from "path";
import { AnchorProvider, BN, Program } from "@anchor-lang/core";
import { PublicKey, SystemProgram } from "@solana/web3.js";
import { IDL, PortfolioVault } from "../app/ts/src/idl/portfolio_vault";
import { proposalAddress, vaultAddresses, vaultTokenAddress } from "../app/ts/src/pda";

const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

export interface AssetConfig {
  mint: string;
  token_program?: string;
  /** 0 = Pyth PriceUpdateV2 (oracle_id: feed id, hex), 1 = legacy price account (base58). */
  oracle_kind: 0 | 1;
  oracle_id: string;
  max_age_s: number;
  max_conf_bps: number;
  max_ema_dev_bps: number;
  min_weight_bps: number;
  max_weight_bps: number;
}

export interface VaultConfig {
  seed_id: number;
  base_mint: string;
  base_token_program?: string;
  /** The creator's base token account; pays `initial_deposit`. */
  creator_base: string;
  guardian: string;
  fee_recipient: string;
  timelock_s: number;
  deposit_cap: string;
  min_deposit: string;
  management_fee_bps: number;
  performance_fee_bps: number;
  initial_deposit: string;
  assets: AssetConfig[];
  risk: {
    strategy: number;
    ewma_decay_bps: number;
    ewma_short_decay_bps: number;
    shrinkage_bps: number;
    regime_ratio_bps: number;
    regime_vol_scale_bps: number;
    vol_target_bps: number;
    min_interval_s: number;
    min_samples: number;
    fixed_weights_bps: number[];
  };
  venues: { program_id: string; kind: number; fee_bps: number }[];
  rebalance?: Record<string, number | string>;
  final_admin?: string;
}

function oracleId(kind: 0 | 1, id: string): number[] {
  const bytes = kind === 0 ? Buffer.from(id.replace(/^0x/, ""), "hex") : new PublicKey(id).toBuffer();
  if (bytes.length !== 32) throw new Error(`oracle id ${id} is not 32 bytes`);
  return Array.from(bytes);
}

function camel(obj: Record<string, number | string>): Record<string, number | BN> {
  const out: Record<string, number | BN> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[key] = typeof v === "string" ? new BN(v) : v;
  }
  return out;
}

export async function deploy(provider: AnchorProvider, config: VaultConfig): Promise<PublicKey> {
  const program = new Program<PortfolioVault>(IDL as unknown as PortfolioVault, provider);
  const creator = provider.wallet.publicKey;
  const baseMint = new PublicKey(config.base_mint);
  const baseTokenProgram = new PublicKey(config.base_token_program ?? TOKEN_PROGRAM_ID);
  const a = vaultAddresses(creator, baseMint, config.seed_id, program.programId);

  await program.methods
    .initializeVault({
      seedId: new BN(config.seed_id),
      admin: creator,
      guardian: new PublicKey(config.guardian),
      feeRecipient: new PublicKey(config.fee_recipient),
      timelockS: config.timelock_s,
      depositCap: new BN(config.deposit_cap),
      minDeposit: new BN(config.min_deposit),
      managementFeeBps: config.management_fee_bps,
      performanceFeeBps: config.performance_fee_bps,
      initialDeposit: new BN(config.initial_deposit),
    })
    .accountsPartial({
      creator,
      vault: a.vault,
      baseMint,
      baseVault: a.baseVault,
      shareMint: a.shareMint,
      deadSharesOwner: a.deadOwner,
      deadShares: a.deadShares,
      creatorBase: new PublicKey(config.creator_base),
      baseTokenProgram,
    })
    .rpc();
  console.log(`vault ${a.vault.toBase58()} (share mint ${a.shareMint.toBase58()})`);

  for (const asset of config.assets) {
    const mint = new PublicKey(asset.mint);
    await program.methods
      .addAsset({
        oracleKind: asset.oracle_kind,
        oracleId: oracleId(asset.oracle_kind, asset.oracle_id),
        maxAgeS: asset.max_age_s,
        maxConfBps: asset.max_conf_bps,
        maxEmaDevBps: asset.max_ema_dev_bps,
        minWeightBps: asset.min_weight_bps,
        maxWeightBps: asset.max_weight_bps,
      })
      .accountsPartial({
        admin: creator,
        payer: creator,
        vault: a.vault,
        assetMint: mint,
        assetVault: vaultTokenAddress(a.vault, mint, program.programId),
        tokenProgram: new PublicKey(asset.token_program ?? TOKEN_PROGRAM_ID),
      })
      .rpc();
    console.log(`asset ${asset.mint} added`);
  }

  const r = config.risk;
  await program.methods
    .initializeRisk({
      strategy: r.strategy,
      ewmaDecayBps: r.ewma_decay_bps,
      ewmaShortDecayBps: r.ewma_short_decay_bps,
      shrinkageBps: r.shrinkage_bps,
      regimeRatioBps: r.regime_ratio_bps,
      regimeVolScaleBps: r.regime_vol_scale_bps,
      volTargetBps: r.vol_target_bps,
      minIntervalS: r.min_interval_s,
      minSamples: r.min_samples,
      fixedWeightsBps: Array.from({ length: 16 }, (_, i) => r.fixed_weights_bps[i] ?? 0),
    })
    .accountsPartial({ admin: creator, payer: creator, vault: a.vault, risk: a.risk })
    .rpc();
  console.log(`risk account ${a.risk.toBase58()}`);

  // Timelocked changes: venues, rebalancing limits, the final admin.
  type Change = Parameters<typeof program.methods.proposeChange>[1];
  const changes: Change[] = config.venues.map((v) => ({
    addVenue: { programId: new PublicKey(v.program_id), kind: v.kind, feeBps: v.fee_bps },
  }));
  if (config.rebalance) {
    changes.push({ rebalance: { "0": camel(config.rebalance) } } as unknown as Change);
  }
  if (config.final_admin) {
    changes.push({ nominateAdmin: { "0": new PublicKey(config.final_admin) } });
  }
  let id = (await program.account.vault.fetch(a.vault)).nextProposalId;
  for (const change of changes) {
    const proposal = proposalAddress(a.vault, id, program.programId);
    await program.methods
      .proposeChange(id, change)
      .accountsPartial({ admin: creator, payer: creator, vault: a.vault, proposal, systemProgram: SystemProgram.programId })
      .rpc();
    console.log(`proposal ${id.toString()} (${Object.keys(change)[0]}): apply after ${config.timelock_s} s`);
    id = id.addn(1);
  }
  return a.vault;
}

module.exports = async function (provider: AnchorProvider) {
  const file = process.env.VAULT_CONFIG ?? path.join(__dirname, "vault.example.json");
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as VaultConfig;
  await deploy(provider, config);
};
