/**
 * The fenced code blocks of the README and docs/*.md, and which of them the tests run (issue 29,
 * item 4). The language tag decides, and nothing else:
 *
 * - a tag in NOT_PROGRAMS (shell, query languages, diagrams, output) is not a program: not run;
 * - `ts` and `yaml` blocks are tested, unless the info string also says `fragment` (an excerpt
 *   that is not whole on its own, such as part of a workflow);
 * - `ts consumer-test` is the example test of docs/testing.md, run against the packed package;
 * - a yaml block says by its content what it is: Kubernetes objects (every document has
 *   `apiVersion` and `kind`), or an excerpt of a stack file (`gitops-platform:platform`, keys of the
 *   platform config, or a list of tenant entries), merged into the dev stack (or the one its info
 *   string names with `stack=<name>`);
 * - any other tag, no tag, or a yaml block that is neither, fails the test.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../synth/synthesize";

export const NOT_PROGRAMS: ReadonlySet<string> = new Set(["sh", "console", "text", "kusto", "promql", "mermaid", "json", "diff"]);
export const PROGRAM_LANGUAGES: ReadonlySet<string> = new Set(["ts", "yaml"]);

export interface CodeBlock {
  /** Relative to the project root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  language: string;
  flags: string[];
  code: string;
}

export function where(block: CodeBlock): string {
  return `${block.file}:${block.line}`;
}

/** The documents whose blocks are tested: the README and every docs/*.md. */
export function documentFiles(): string[] {
  const docs = readdirSync(path.join(PROJECT_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** Every fenced block of a Markdown text, with its info string split into language and flags. */
export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [language = "", ...flags] = open[2].trim().split(/\s+/).filter(Boolean);
    const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block that never closes`);
    blocks.push({ file, line: i + 1, language, flags, code: lines.slice(i + 1, end).join("\n") + "\n" });
    i = end;
  }
  return blocks;
}

export function allCodeBlocks(): CodeBlock[] {
  return documentFiles().flatMap((file) => codeBlocks(file, readFileSync(path.join(PROJECT_ROOT, file), "utf8")));
}

export type BlockKind =
  | { kind: "not-a-program" }
  | { kind: "fragment" }
  | { kind: "consumer-test" }
  | { kind: "program" }
  | { kind: "kubernetes"; objects: Record<string, unknown>[] }
  | { kind: "stack-config"; stack: string; platform: Record<string, unknown> }
  | { kind: "unknown"; why: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNamedList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => isRecord(v) && typeof v.name === "string");
}

/** Removes the indentation every line shares (an excerpt of a nested stack-file section). */
export function dedent(code: string): string {
  const lines = code.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const shared = Math.min(...indents);
  return lines.map((l) => l.slice(shared)).join("\n");
}

/** What a block is, and what the tests do with it. `platformKeys` are the top-level keys of the platform config. */
export function classify(block: CodeBlock, platformKeys: ReadonlySet<string>): BlockKind {
  if (!block.language) return { kind: "unknown", why: "no language tag: tag it (sh, text, ts, yaml, ...)" };
  if (NOT_PROGRAMS.has(block.language)) return { kind: "not-a-program" };
  if (!PROGRAM_LANGUAGES.has(block.language)) return { kind: "unknown", why: `language "${block.language}" is neither a program language (${[...PROGRAM_LANGUAGES].join(", ")}) nor one of ${[...NOT_PROGRAMS].join(", ")}` };
  if (block.flags.includes("fragment")) return { kind: "fragment" };
  if (block.language === "ts") return block.flags.includes("consumer-test") ? { kind: "consumer-test" } : { kind: "program" };
  let documents: unknown[];
  try {
    documents = parseAllDocuments(dedent(block.code)).map((d) => {
      if (d.errors.length > 0) throw new Error(d.errors[0].message);
      return d.toJS() as unknown;
    });
  } catch (error) {
    return { kind: "unknown", why: `not YAML: ${(error as Error).message}` };
  }
  const stack = block.flags.find((f) => f.startsWith("stack="))?.slice("stack=".length) ?? "dev";
  if (documents.length > 0 && documents.every((d) => isRecord(d) && typeof d.apiVersion === "string" && typeof d.kind === "string")) {
    return { kind: "kubernetes", objects: documents as Record<string, unknown>[] };
  }
  if (documents.length !== 1) return { kind: "unknown", why: "several YAML documents that are not all Kubernetes objects" };
  const [document] = documents;
  if (isRecord(document) && isRecord(document["gitops-platform:platform"]) && Object.keys(document).length === 1) {
    return { kind: "stack-config", stack, platform: document["gitops-platform:platform"] };
  }
  if (isRecord(document) && Object.keys(document).length > 0 && Object.keys(document).every((k) => platformKeys.has(k))) {
    return { kind: "stack-config", stack, platform: document };
  }
  if (Array.isArray(document) && document.length > 0 && document.every((t) => isRecord(t) && typeof t.name === "string")) {
    return { kind: "stack-config", stack, platform: { tenants: document } };
  }
  return { kind: "unknown", why: "neither Kubernetes objects nor an excerpt of a stack file: mark it ```yaml fragment if it is not whole" };
}

/**
 * A stack's platform config with an excerpt laid over it: objects merge key by key, lists of
 * named entries (tenants, identities, roles of Vault, ...) entry by entry by name (an unknown name
 * is a new entry), other lists are replaced.
 */
export function mergeExcerpt(base: Record<string, unknown>, excerpt: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(excerpt)) {
    const current = merged[key];
    if (isNamedList(value) && isNamedList(current)) {
      const entries = [...current];
      for (const entry of value) {
        const at = entries.findIndex((t) => t.name === entry.name);
        if (at < 0) entries.push(entry);
        else entries[at] = mergeExcerpt(entries[at], entry);
      }
      merged[key] = entries;
    } else if (isRecord(value) && isRecord(current)) {
      merged[key] = mergeExcerpt(current, value);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}
