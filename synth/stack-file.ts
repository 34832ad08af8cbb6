/**
 * Reading a stack config file (`Pulumi.<stack>.yaml` form) into what `pulumi config` would hand
 * the program. Without the stack's secrets provider, `secure:` values cannot be decrypted: synth
 * gives each one a placeholder, still marked secret, so the program treats it exactly as a secret.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseDocument, YAMLParseError } from "yaml";

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
 * How many times aliases may expand while a stack file is read: the `yaml` package's default,
 * its guard against "billion laughs" documents (a few lines of nested aliases that expand to
 * millions of nodes). Named here so that the message can say it.
 */
export const MAX_ALIAS_EXPANSIONS = 100;

function syntaxError(fileName: string, error: YAMLParseError): StackFileError {
  const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : "";
  return new StackFileError(`${fileName}: YAML syntax error${where}: ${error.message.split("\n")[0]}`);
}

/**
 * The document as plain data. The parser reports syntax errors as YAMLParseError, but alias
 * problems only surface when aliases are resolved, as a plain ReferenceError: an alias past the
 * expansion limit, or one whose anchor is missing (yaml's nodes/Alias.js).
 */
function readYaml(text: string, fileName: string): unknown {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) throw syntaxError(fileName, error);
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const unresolved = /^Unresolved alias.*: (.+)$/.exec(error.message);
    if (unresolved) {
      throw new StackFileError(`${fileName}: YAML syntax error: alias *${unresolved[1]} has no anchor &${unresolved[1]} before it`);
    }
    throw new StackFileError(
      `${fileName}: YAML aliases expand more than ${MAX_ALIAS_EXPANSIONS} times, which the parser refuses as a resource exhaustion attack: write the repeated values out instead of nesting aliases`,
    );
  }
}

/**
 * Parses the text of a stack file. `secretValues` supplies decrypted values by config key
 * (tests use it to plant known secrets); otherwise each secret gets a placeholder.
 */
/**
 * YAML's `.inf`, `-.inf` and `.nan` are numbers JSON cannot hold: the engine's JSON would carry
 * them as null, and validation would report "got null" for what the user wrote. Each is named at
 * its key path, as written.
 */
function nonFiniteNumbers(value: unknown, path: string): string[] {
  if (typeof value === "number") {
    if (Number.isFinite(value)) return [];
    const written = Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
    return [`${path}: must be a finite number, got ${written}`];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => nonFiniteNumbers(item, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, `${path}.${key}`));
  return [];
}

export function parseStackFile(text: string, fileName: string, secretValues: Record<string, string> = {}): StackConfig {
  const document = readYaml(text, fileName);
  if (document === null || document === undefined) return { config: {}, secretKeys: [] };
  if (typeof document !== "object" || Array.isArray(document)) {
    throw new StackFileError(`${fileName}: must be a YAML mapping with a config: section`);
  }
  const section = (document as Record<string, unknown>).config ?? {};
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    throw new StackFileError(`${fileName}: config: must be a mapping of config keys`);
  }
  const nonFinite = Object.entries(section).flatMap(([key, raw]) => nonFiniteNumbers(raw, key));
  if (nonFinite.length > 0) throw new StackFileError(`${fileName}:\n${nonFinite.map((problem) => `  ${problem}`).join("\n")}`);
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
