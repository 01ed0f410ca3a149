// Encoding and decoding with Anchor's own coder, typed by the IDLs, plus a JSON form of every
// value (integers as decimal strings, keys in base58, bytes in hex) used by the test vectors.
import { BorshCoder, BN, Idl } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";
import { IDL as VAULT_IDL } from "./idl/portfolio_vault";
import { IDL as AMM_IDL } from "./idl/sim_amm";
import { IDL as PERP_IDL } from "./idl/sim_perp";

export const vaultCoder = new BorshCoder(VAULT_IDL as unknown as Idl);
export const ammCoder = new BorshCoder(AMM_IDL as unknown as Idl);
export const perpCoder = new BorshCoder(PERP_IDL as unknown as Idl);

export type ProgramName = "portfolio_vault" | "sim_amm" | "sim_perp";

export function idlOf(program: ProgramName): Idl {
  const idls = { portfolio_vault: VAULT_IDL, sim_amm: AMM_IDL, sim_perp: PERP_IDL };
  return idls[program] as unknown as Idl;
}

export function coderOf(program: ProgramName): BorshCoder {
  return { portfolio_vault: vaultCoder, sim_amm: ammCoder, sim_perp: perpCoder }[program];
}

/** Encodes an account (discriminator and data). Anchor's `accounts.encode` stops at 1,000
 * bytes, and the vault and risk accounts are zero-copy accounts of several kilobytes. */
export function encodeAccount(program: ProgramName, name: string, value: unknown): Buffer {
  const coder = coderOf(program);
  const size = coder.accounts.size(name);
  const layouts = (coder.accounts as unknown as { accountLayouts: Map<string, { discriminator: number[]; layout: { encode(v: unknown, b: Buffer): number } }> }).accountLayouts;
  const entry = layouts.get(name);
  if (!entry) throw new Error(`unknown account ${name}`);
  const buffer = Buffer.alloc(size);
  const disc = Buffer.from(entry.discriminator);
  disc.copy(buffer, 0);
  const len = entry.layout.encode(value, buffer.subarray(disc.length));
  return buffer.subarray(0, disc.length + len);
}

type IdlTypeJson = string | { [k: string]: unknown };

function typeDef(idl: Idl, name: string) {
  const def = (idl.types ?? []).find((t) => t.name === name);
  if (!def) throw new Error(`type ${name} not in the IDL`);
  return def;
}

function fieldsToCoder(idl: Idl, fields: unknown[] | undefined, json: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  (fields ?? []).forEach((f, i) => {
    if (typeof f === "object" && f !== null && "name" in f) {
      const field = f as { name: string; type: IdlTypeJson };
      out[field.name] = toCoder(idl, field.type, json[field.name]);
    } else {
      out[String(i)] = toCoder(idl, f as IdlTypeJson, json[String(i)]);
    }
  });
  return out;
}

function fieldsFromCoder(idl: Idl, fields: unknown[] | undefined, value: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  (fields ?? []).forEach((f, i) => {
    if (typeof f === "object" && f !== null && "name" in f) {
      const field = f as { name: string; type: IdlTypeJson };
      out[field.name] = fromCoder(idl, field.type, value[field.name]);
    } else {
      out[String(i)] = fromCoder(idl, f as IdlTypeJson, value[String(i)]);
    }
  });
  return out;
}

const SMALL = new Set(["u8", "i8", "u16", "i16", "u32", "i32"]);
const BIG = new Set(["u64", "i64", "u128", "i128"]);

/** The JSON form of a value -> what Anchor's coder takes. */
export function toCoder(idl: Idl, ty: IdlTypeJson, json: unknown): unknown {
  if (typeof ty === "string") {
    if (SMALL.has(ty)) return Number(json);
    if (BIG.has(ty)) return new BN(json as string);
    if (ty === "bool") return json as boolean;
    if (ty === "pubkey") return new PublicKey(json as string);
    if (ty === "bytes") return Buffer.from(json as string, "hex");
    throw new Error(`type ${ty} not covered`);
  }
  if ("array" in ty) return (json as unknown[]).map((v) => toCoder(idl, (ty.array as [IdlTypeJson, number])[0], v));
  if ("vec" in ty) return (json as unknown[]).map((v) => toCoder(idl, ty.vec as IdlTypeJson, v));
  if ("option" in ty) return json === null ? null : toCoder(idl, ty.option as IdlTypeJson, json);
  const def = typeDef(idl, (ty.defined as { name: string }).name);
  if (def.type.kind === "struct") {
    return fieldsToCoder(idl, def.type.fields as unknown[], json as Record<string, unknown>);
  }
  if (def.type.kind === "enum") {
    const [name, fields] = Object.entries(json as Record<string, Record<string, unknown>>)[0];
    const variant = def.type.variants.find((v) => v.name === name);
    if (!variant) throw new Error(`variant ${name} not in ${def.name}`);
    return { [name]: fieldsToCoder(idl, variant.fields as unknown[], fields) };
  }
  throw new Error(`type kind ${def.type.kind} not covered`);
}

/** What Anchor's coder returns -> the JSON form. */
export function fromCoder(idl: Idl, ty: IdlTypeJson, value: unknown): unknown {
  if (typeof ty === "string") {
    if (SMALL.has(ty)) return String(value);
    if (BIG.has(ty)) return (value as BN).toString();
    if (ty === "bool") return value as boolean;
    if (ty === "pubkey") return (value as PublicKey).toBase58();
    if (ty === "bytes") return Buffer.from(value as Uint8Array).toString("hex");
    throw new Error(`type ${ty} not covered`);
  }
  if ("array" in ty) return (value as unknown[]).map((v) => fromCoder(idl, (ty.array as [IdlTypeJson, number])[0], v));
  if ("vec" in ty) return (value as unknown[]).map((v) => fromCoder(idl, ty.vec as IdlTypeJson, v));
  if ("option" in ty) return value === null ? null : fromCoder(idl, ty.option as IdlTypeJson, value);
  const def = typeDef(idl, (ty.defined as { name: string }).name);
  if (def.type.kind === "struct") {
    return fieldsFromCoder(idl, def.type.fields as unknown[], value as Record<string, unknown>);
  }
  if (def.type.kind === "enum") {
    const [name, fields] = Object.entries(value as Record<string, Record<string, unknown>>)[0];
    const variant = def.type.variants.find((v) => v.name === name);
    if (!variant) throw new Error(`variant ${name} not in ${def.name}`);
    return { [name]: fieldsFromCoder(idl, variant.fields as unknown[], fields ?? {}) };
  }
  throw new Error(`type kind ${def.type.kind} not covered`);
}

/** Instruction data from arguments in JSON form. */
export function encodeInstructionJson(program: ProgramName, name: string, args: Record<string, unknown>): Buffer {
  const idl = idlOf(program);
  const ix = idl.instructions.find((i) => i.name === name);
  if (!ix) throw new Error(`instruction ${name} not in ${program}`);
  return coderOf(program).instruction.encode(name, fieldsToCoder(idl, ix.args as unknown[], args));
}

/** Instruction name and arguments in JSON form from instruction data. */
export function decodeInstructionJson(program: ProgramName, data: Buffer): { name: string; args: Record<string, unknown> } {
  const idl = idlOf(program);
  const decoded = coderOf(program).instruction.decode(data);
  if (!decoded) throw new Error("unknown instruction");
  const ix = idl.instructions.find((i) => i.name === decoded.name);
  if (!ix) throw new Error(`instruction ${decoded.name} not in ${program}`);
  return { name: decoded.name, args: fieldsFromCoder(idl, ix.args as unknown[], decoded.data as Record<string, unknown>) };
}

/** An account in JSON form from its data. */
export function decodeAccountJson(program: ProgramName, name: string, data: Buffer): unknown {
  const value = coderOf(program).accounts.decode(name, data);
  return fromCoder(idlOf(program), { defined: { name } }, value);
}
