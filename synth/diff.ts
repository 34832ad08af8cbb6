/**
 * The difference between two synth graphs, as data and as a Markdown report for a pull request:
 * a summary line; at the top what needs a reviewer's attention (replacements, deletions of
 * protected or stateful resources, changes the previous deployment's record refuses); then one
 * section per stack with counts per resource type, each changed input before -> after (secrets
 * only as "changed"), the inputs of each added resource (collapsed), and a Mermaid graph of what
 * changed under which parent. `cutMarkdown` fits a report into a comment on a section boundary.
 */
import { PROJECT } from "../stacks/errors";
import { replacingPaths, statefulKindOf } from "./stateful";
import type { GraphResource, SynthGraph } from "./synthesize";

export type ChangeKind = "added" | "removed" | "changed";

/** One changed input: its value before and after (undefined: absent). Secrets never come here. */
export interface ValueChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceChange {
  kind: ChangeKind;
  urn: string;
  type: string;
  name: string;
  /** The stack it belongs to (a tenant stack's, in an environment's graph). */
  stack: string;
  protect: boolean;
  /** Input paths whose values differ (changed resources only). */
  paths: string[];
  /** The values of `paths`, before and after (the graph's inputs: secrets are already "[secret]"). */
  values: ValueChange[];
  /** The inputs of an added resource (secrets "[secret]"). */
  inputs?: Record<string, unknown>;
  /** For a stateful resource (synth/stateful.ts): what it is, and the changed paths that replace it. */
  stateful?: { what: string; replacing: string[] };
  /** Secret input paths whose fingerprints differ, appeared or disappeared. */
  secretPaths: string[];
  /** Other changes: protect, parent, provider; for an added resource, that it is adopted. */
  notes: string[];
}

export interface GraphDiff {
  changes: ResourceChange[];
  unchanged: number;
}

/**
 * What identifies a resource across two graphs: its URN without the stack segment, so that
 * dev and prod (or a renamed stack) compare resource by resource.
 */
export function resourceKey(resource: Pick<GraphResource, "urn">): string {
  const [prefix, project, ...rest] = resource.urn.split("::");
  const stack = prefix.slice("urn:pulumi:".length);
  const key = rest.join("::");
  // Every tenant stack of an environment holds its own providers, references and root: keyed by
  // its name after the environment (stage-payments: payments), so that two environments compare.
  if (project !== PROJECT) return `${project}::${stack.slice(stack.indexOf("-") + 1)}::${key}`;
  return /^pulumi:pulumi:Stack::[^:]*$/.test(key) ? "pulumi:pulumi:Stack" : `${project}::${key}`;
}

export function diffGraphs(base: SynthGraph, head: SynthGraph): GraphDiff {
  const before = new Map(base.resources.map((r) => [resourceKey(r), r]));
  const after = new Map(head.resources.map((r) => [resourceKey(r), r]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const [urn, resource] of after) {
    const old = before.get(urn);
    if (!old) {
      const added = { ...change("added", resource, head.stack), inputs: resource.inputs };
      // An adopted resource (the import option) already exists: the engine reads it, it does not create it.
      if (resource.import) added.notes.push(`adopted, not created: imports \`${resource.import}\``);
      changes.push(added);
      continue;
    }
    const [oldInputs, newInputs] = [normalize(old.inputs, base.stack), normalize(resource.inputs, head.stack)];
    const paths = changedPaths(oldInputs, newInputs);
    const secretPaths = changedSecrets(old.secrets ?? {}, resource.secrets ?? {});
    const notes: string[] = [];
    if (old.protect !== resource.protect) notes.push(`protect: ${old.protect} -> ${resource.protect}`);
    const sameRef = (a: string | null, b: string | null) => (a && resourceKey({ urn: a })) === (b && resourceKey({ urn: b }));
    if (!sameRef(old.parent, resource.parent)) notes.push("parent changed");
    if (!sameRef(old.provider, resource.provider)) notes.push("provider changed");
    const visiblePaths = paths.filter((p) => !secretPaths.some((s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`)));
    if (visiblePaths.length + secretPaths.length + notes.length === 0) {
      unchanged++;
      continue;
    }
    const values = visiblePaths.map((p) => ({ path: p, before: valueAt(oldInputs, p), after: valueAt(newInputs, p) }));
    const kind = statefulKindOf(resource);
    const replacing = kind ? replacingPaths(kind, [...visiblePaths, ...secretPaths]) : [];
    changes.push({
      ...change("changed", resource, head.stack),
      paths: visiblePaths,
      values,
      secretPaths,
      notes,
      ...(kind ? { stateful: { what: kind.what, replacing } } : {}),
    });
  }
  for (const [urn, resource] of before) {
    if (after.has(urn)) continue;
    const kind = statefulKindOf(resource);
    changes.push({ ...change("removed", resource, head.stack), ...(kind ? { stateful: { what: kind.what, replacing: [] } } : {}) });
  }
  changes.sort((a, b) => a.urn.localeCompare(b.urn));
  return { changes, unchanged };
}

/** Resource references inside inputs carry the stack name; compare them without it. */
function normalize(inputs: Record<string, unknown>, stack: string): unknown {
  return JSON.parse(JSON.stringify(inputs).split(`urn:pulumi:${stack}::`).join("urn:pulumi:*::"));
}

/** `graphStack`: the head's, for a resource of the graph's own stack (it has no `stack`). */
function change(kind: ChangeKind, r: GraphResource, graphStack: string): ResourceChange {
  return { kind, urn: r.urn, type: r.type, name: r.name, stack: r.stack ?? graphStack, protect: r.protect, paths: [], values: [], secretPaths: [], notes: [] };
}

/** The value at a path as changedPaths writes it (`a.b[0].c`; "(inputs)" for the whole). */
function valueAt(value: unknown, path: string): unknown {
  if (path === "(inputs)") return value;
  const keys = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => m[1] ?? Number(m[2]));
  return keys.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), value);
}

/** Leaf paths where two JSON values differ (`spec.ref.branch`, `agentPoolProfiles[0].maxCount`). */
export function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    const paths: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) paths.push(...changedPaths(a[i], b[i], `${path}[${i}]`));
    return paths;
  }
  if (isObject(a) && isObject(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    return keys.flatMap((k) => changedPaths(x[k], y[k], path ? `${path}.${k}` : k));
  }
  return [path || "(inputs)"];
}

function changedSecrets(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => a[k] !== b[k]);
}

const SYMBOL: Record<ChangeKind, string> = { added: "+", removed: "-", changed: "~" };

export interface RenderOptions {
  /** Config changes the previous deployment's record refuses (stacks/deployed.ts), as config rules word them. */
  refusals?: readonly string[];
}

/** A value longer than this is shortened in the report. */
export const MAX_VALUE_CHARS = 160;
/** Characters kept around the part of a long string that changed. */
const CONTEXT_CHARS = 40;
/** Strings in an added resource's inputs longer than this are shortened. */
export const MAX_INPUT_STRING_CHARS = 400;

/** Inline code that holds any text: a delimiter longer than every run of backticks in it. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") || text === "" ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fence for a code block that holds `text`: longer than every run of backticks in it. */
function fenceFor(text: string): string {
  return "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
}

const show = (value: unknown) => (value === undefined ? "(absent)" : JSON.stringify(value));

function shorten(text: string, max = MAX_VALUE_CHARS): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 1) / 2);
  return `${text.slice(0, keep)}…${text.slice(-keep)} (${text.length} characters)`;
}

/**
 * Before and after as the report shows them. Two long strings (a manifest, a policy document)
 * show the part that differs with some context on either side, not their first characters.
 */
export function valuePair(before: unknown, after: unknown): [string, string] {
  const [a, b] = [show(before), show(after)];
  if (a.length <= MAX_VALUE_CHARS && b.length <= MAX_VALUE_CHARS) return [a, b];
  if (typeof before !== "string" || typeof after !== "string") return [shorten(a), shorten(b)];
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const from = Math.max(0, prefix - CONTEXT_CHARS);
  const part = (text: string) => {
    const to = Math.min(text.length, text.length - suffix + CONTEXT_CHARS);
    const middle = shorten(text.slice(from, to), MAX_VALUE_CHARS);
    return `${from > 0 ? "…" : ""}${middle}${to < text.length ? "…" : ""} (${text.length} characters)`;
  };
  return [part(a), part(b)];
}

/** An added resource's inputs with long strings shortened (a manifest stays readable). */
function shortenedInputs(value: unknown): unknown {
  if (typeof value === "string") return value.length > MAX_INPUT_STRING_CHARS ? shorten(value, MAX_INPUT_STRING_CHARS) : value;
  if (Array.isArray(value)) return value.map(shortenedInputs);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shortenedInputs(v)]));
  return value;
}

/** What a reviewer must not miss: one line each. */
export function attentionLines(diff: GraphDiff, options: RenderOptions = {}): string[] {
  const where = (c: ResourceChange) => `**${c.name}** ${inlineCode(c.type)} in ${inlineCode(c.stack)}`;
  const lines: string[] = [];
  for (const c of diff.changes) {
    if (c.kind === "changed" && c.stateful && c.stateful.replacing.length > 0) {
      lines.push(`- :warning: **replaces** the ${c.stateful.what} ${where(c)} (delete, then create): ${c.stateful.replacing.map(inlineCode).join(", ")} changed`);
    }
    if (c.kind === "removed" && (c.protect || c.stateful)) {
      const what = [c.protect ? "protected" : "", c.stateful ? `stateful: ${c.stateful.what}` : ""].filter(Boolean).join(", ");
      lines.push(`- :warning: **deletes** ${where(c)} (${what})`);
    }
  }
  for (const refusal of options.refusals ?? []) lines.push(`- :no_entry: **the previous deployment's record refuses**: ${inlineCode(refusal)}`);
  return lines;
}

function changeLines(c: ResourceChange): string[] {
  const lines = [`- ${inlineCode(SYMBOL[c.kind])} **${c.name}** ${inlineCode(c.type)}`];
  for (const v of c.values) {
    const [before, after] = valuePair(v.before, v.after);
    lines.push(`  - ${inlineCode(v.path)}: ${inlineCode(before)} → ${inlineCode(after)}`);
  }
  for (const p of c.secretPaths) lines.push(`  - ${inlineCode(p)} (secret changed)`);
  for (const n of c.notes) lines.push(`  - ${n}`);
  if (c.kind === "added" && c.inputs !== undefined && Object.keys(c.inputs).length > 0) {
    const json = JSON.stringify(shortenedInputs(c.inputs), null, 2);
    const fence = fenceFor(json);
    lines.push("", "  <details><summary>inputs</summary>", "", `  ${fence}json`, ...json.split("\n").map((l) => `  ${l}`), `  ${fence}`, "", "  </details>", "");
  }
  return lines;
}

function countLine(changes: readonly ResourceChange[], unchanged?: number): string {
  const count = (kind: ChangeKind) => changes.filter((c) => c.kind === kind).length;
  return `**${count("added")} to add, ${count("changed")} to change, ${count("removed")} to remove${unchanged === undefined ? "" : `, ${unchanged} unchanged`}**`;
}

/** The stacks in the order the report shows them: the graph's own (the platform stack) first. */
function stacksOf(base: SynthGraph, head: SynthGraph): string[] {
  // A resource without a stack is the graph's own; dev against prod is one stack, shown as the head's.
  const all = new Set([...base.resources, ...head.resources].map((r) => r.stack ?? head.stack));
  const own = [head.stack, base.stack].filter((s) => all.has(s));
  return [...new Set([...own, ...[...all].filter((s) => !own.includes(s)).sort()])];
}

export function renderDiffMarkdown(base: SynthGraph, head: SynthGraph, diff = diffGraphs(base, head), options: RenderOptions = {}): string {
  const title = base.stack === head.stack ? inlineCode(head.stack) : `${inlineCode(base.stack)} → ${inlineCode(head.stack)}`;
  const lines = [`### Synth diff ${title}`, "", countLine(diff.changes, diff.unchanged)];
  const attention = attentionLines(diff, options);
  if (attention.length > 0) lines.push("", "#### Needs attention", "", ...attention);
  if (diff.changes.length === 0) return [...lines, "", "No changes."].join("\n") + "\n";

  const stacks = stacksOf(base, head);
  const touched = stacks.filter((stack) => diff.changes.some((c) => c.stack === stack));
  const layered = stacks.length > 1;
  if (layered && touched.length < stacks.length) {
    lines.push("", `Stacks without changes: ${stacks.filter((s) => !touched.includes(s)).map(inlineCode).join(", ")}`);
  }
  for (const stack of touched) {
    const changes = diff.changes.filter((c) => c.stack === stack);
    if (layered) lines.push("", `#### Stack ${inlineCode(stack)}${stack === head.stack ? " (platform)" : " (tenant stack)"}`, "", countLine(changes));
    lines.push("", "| Resource type | Added | Changed | Removed |", "| --- | ---: | ---: | ---: |");
    for (const type of [...new Set(changes.map((c) => c.type))].sort()) {
      const of = (kind: ChangeKind) => changes.filter((c) => c.type === type && c.kind === kind).length;
      lines.push(`| ${inlineCode(type)} | ${of("added")} | ${of("changed")} | ${of("removed")} |`);
    }
    lines.push("");
    for (const c of changes) lines.push(...changeLines(c));
    lines.push("", "```mermaid", ...mermaidGraph(base, head, { changes, unchanged: 0 }), "```");
  }
  return lines.join("\n") + "\n";
}

/** Where a report may be cut: before a heading or a top-level list item, outside every code block and <details>. */
export function cutPoints(markdown: string): number[] {
  const points: number[] = [];
  let fence: string | null = null;
  let depth = 0;
  let offset = 0;
  for (const line of markdown.split("\n")) {
    const trimmed = line.trimStart();
    if (fence === null && depth === 0 && /^(#{1,6} |- )/.test(line)) points.push(offset);
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) fence = marker;
    else if (fence !== null && marker && marker[0] === fence[0] && marker.length >= fence.length && trimmed.slice(marker.length).trim() === "") fence = null;
    else if (fence === null) {
      depth += (trimmed.match(/<details[\s>]/g) ?? []).length;
      depth = Math.max(0, depth - (trimmed.match(/<\/details>/g) ?? []).length);
    }
    offset += line.length + 1;
  }
  return points;
}

/**
 * The report cut to `limit` characters at the last cut point that leaves room for a note saying
 * what was left out (the headings of the sections cut, the number of resource entries) and where
 * the full report is.
 */
export function cutMarkdown(markdown: string, limit: number, fullReportAt: string): string {
  if (markdown.length <= limit) return markdown;
  const note = (rest: string) => {
    const headings = [...rest.matchAll(/^#{1,6} (.*)$/gm)].map((m) => m[1]);
    const entries = cutPoints(rest).filter((p) => rest.startsWith("- ", p)).length;
    const sections = headings.length > 0 ? ` and what follows in: ${headings.slice(0, 12).join("; ")}${headings.length > 12 ? `; ${headings.length - 12} more` : ""}` : "";
    return `\n---\n\n**Cut to fit a comment (${limit.toLocaleString("en")} characters)**: left out ${entries} resource entr${entries === 1 ? "y" : "ies"}${sections}. The full report: ${fullReportAt}.\n`;
  };
  const points = cutPoints(markdown).filter((p) => p > 0).reverse();
  for (const point of points) {
    const kept = markdown.slice(0, point);
    const text = `${kept.trimEnd()}\n${note(markdown.slice(point))}`;
    if (text.length <= limit) return text;
  }
  return note(markdown).trimStart();
}

/** The changed resources with their chain of parents, colored by kind of change. */
function mermaidGraph(base: SynthGraph, head: SynthGraph, diff: GraphDiff): string[] {
  const all = new Map<string, GraphResource>([...base.resources, ...head.resources].map((r) => [r.urn, r]));
  const ids = new Map<string, string>();
  const id = (urn: string) => {
    if (!ids.has(urn)) ids.set(urn, `r${ids.size}`);
    return ids.get(urn)!;
  };
  const nodes = new Map<string, string>();
  const edges = new Set<string>();
  const kinds = new Map(diff.changes.map((c) => [c.urn, c.kind]));
  for (const c of diff.changes) {
    let urn: string | null = c.urn;
    while (urn) {
      const resource = all.get(urn);
      if (!resource) break;
      const label = `${resource.name}<br/><small>${resource.type}</small>`.replace(/"/g, "'");
      nodes.set(urn, `  ${id(urn)}["${label}"]${kinds.has(urn) ? `:::${kinds.get(urn)}` : ""}`);
      if (resource.parent && all.has(resource.parent)) edges.add(`  ${id(resource.parent)} --> ${id(urn)}`);
      urn = resource.parent;
    }
  }
  return [
    "graph LR",
    ...nodes.values(),
    ...edges,
    "  classDef added fill:#d4f8d4,stroke:#2da44e",
    "  classDef removed fill:#ffd7d5,stroke:#cf222e",
    "  classDef changed fill:#fff3c4,stroke:#bf8700",
  ];
}
