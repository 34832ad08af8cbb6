/**
 * Reading a stack config file (`Pulumi.<stack>.yaml` form) into what `pulumi config` would hand
 * the program. Without the stack's secrets provider, `secure:` values cannot be decrypted: synth
 * gives each one a placeholder, still marked secret, so the program treats it exactly as a secret.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";

export class StackFileError extends Error {}

export interface StackConfig {
  /** `project:key` -> value as the engine passes it (objects and arrays as JSON). */
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * The value synth hands the program for a `secure:` config value. It carries a digest of the
 * (public) ciphertext, so re-encrypting a new value shows up in a synth diff as a change.
 */
export function secretPlaceholder(key: string, ciphertext = ""): string {
  const digest = createHash("sha256").update(ciphertext).digest("hex").slice(0, 12);
  return `https://synth.invalid/secret/${key.replace(/[^A-Za-z0-9_-]/g, "-")}/${digest}`;
}

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces nested `secure:` values; reports whether there were any. */
function replaceSecure(value: unknown, key: string, overrides: Record<string, string>): [unknown, boolean] {
  if (isSecure(value)) return [overrides[key] ?? secretPlaceholder(key, value.secure), true];
  if (Array.isArray(value)) {
    const items = value.map((v, i) => replaceSecure(v, `${key}[${i}]`, overrides));
    return [items.map(([v]) => v), items.some(([, s]) => s)];
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, ...replaceSecure(v, `${key}.${k}`, overrides)] as const);
    return [Object.fromEntries(entries.map(([k, v]) => [k, v])), entries.some(([, , s]) => s)];
  }
  return [value, false];
}

/**
 * Parses the text of a stack file. `secretValues` supplies decrypted values by config key
 * (tests use it to plant known secrets); otherwise each secret gets a placeholder.
 */
export function parseStackFile(text: string, fileName: string, secretValues: Record<string, string> = {}): StackConfig {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : "";
      throw new StackFileError(`${fileName}: YAML syntax error${where}: ${error.message.split("\n")[0]}`);
    }
    throw error;
  }
  if (document === null || document === undefined) return { config: {}, secretKeys: [] };
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new StackFileError(`${fileName}: must be a YAML mapping with a config: section`);
  }
  const section = (document as Record<string, unknown>).config ?? {};
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    throw new StackFileError(`${fileName}: config: must be a mapping of config keys`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(section)) {
    const [value, secret] = replaceSecure(raw, key, secretValues);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

export function readStackFile(path: string, secretValues?: Record<string, string>): StackConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new StackFileError(`${path}: cannot read the stack config file`);
  }
  return parseStackFile(text, path, secretValues);
}
