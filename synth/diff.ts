/**
 * The difference between two synth graphs, as data and as a Markdown report for a pull request:
 * a summary line, counts per resource type, each changed resource with the input paths that
 * changed (secrets only as "changed"), and a Mermaid graph of what changed under which parent.
 */
import { PROJECT } from "../stacks/errors";
import type { GraphResource, SynthGraph } from "./synthesize";

export type ChangeKind = "added" | "removed" | "changed";

export interface ResourceChange {
  kind: ChangeKind;
  urn: string;
  type: string;
  name: string;
  /** Input paths whose values differ (changed resources only). */
  paths: string[];
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
      const added = change("added", resource);
      // An adopted resource (the import option) already exists: the engine reads it, it does not create it.
      if (resource.import) added.notes.push(`adopted, not created: imports \`${resource.import}\``);
      changes.push(added);
      continue;
    }
    const paths = changedPaths(normalize(old.inputs, base.stack), normalize(resource.inputs, head.stack));
    const secretPaths = changedSecrets(old.secrets ?? {}, resource.secrets ?? {});
    const notes: string[] = [];
    if (old.protect !== resource.protect) notes.push(`protect: ${old.protect} -> ${resource.protect}`);
    const sameRef = (a: string | null, b: string | null) => (a && resourceKey({ urn: a })) === (b && resourceKey({ urn: b }));
    if (!sameRef(old.parent, resource.parent)) notes.push("parent changed");
    if (!sameRef(old.provider, resource.provider)) notes.push("provider changed");
    const visiblePaths = paths.filter((p) => !secretPaths.some((s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`)));
    if (visiblePaths.length + secretPaths.length + notes.length === 0) unchanged++;
    else changes.push({ ...change("changed", resource), paths: visiblePaths, secretPaths, notes });
  }
  for (const [urn, resource] of before) if (!after.has(urn)) changes.push(change("removed", resource));
  changes.sort((a, b) => a.urn.localeCompare(b.urn));
  return { changes, unchanged };
}

/** Resource references inside inputs carry the stack name; compare them without it. */
function normalize(inputs: Record<string, unknown>, stack: string): unknown {
  return JSON.parse(JSON.stringify(inputs).split(`urn:pulumi:${stack}::`).join("urn:pulumi:*::"));
}

function change(kind: ChangeKind, r: GraphResource): ResourceChange {
  return { kind, urn: r.urn, type: r.type, name: r.name, paths: [], secretPaths: [], notes: [] };
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

export function renderDiffMarkdown(base: SynthGraph, head: SynthGraph, diff = diffGraphs(base, head)): string {
  const count = (kind: ChangeKind) => diff.changes.filter((c) => c.kind === kind).length;
  const title = base.stack === head.stack ? `\`${head.stack}\`` : `\`${base.stack}\` → \`${head.stack}\``;
  const lines = [
    `### Synth diff ${title}`,
    "",
    `**${count("added")} to add, ${count("changed")} to change, ${count("removed")} to remove, ${diff.unchanged} unchanged**`,
  ];
  if (diff.changes.length === 0) return [...lines, "", "No changes."].join("\n") + "\n";

  lines.push("", "| Resource type | Added | Changed | Removed |", "| --- | ---: | ---: | ---: |");
  const types = [...new Set(diff.changes.map((c) => c.type))].sort();
  for (const type of types) {
    const of = (kind: ChangeKind) => diff.changes.filter((c) => c.type === type && c.kind === kind).length;
    lines.push(`| \`${type}\` | ${of("added")} | ${of("changed")} | ${of("removed")} |`);
  }

  lines.push("", "<details><summary>Changes</summary>", "");
  for (const c of diff.changes) {
    lines.push(`- \`${SYMBOL[c.kind]}\` **${c.name}** \`${c.type}\``);
    for (const p of c.paths) lines.push(`  - \`${p}\``);
    for (const p of c.secretPaths) lines.push(`  - \`${p}\` (secret changed)`);
    for (const n of c.notes) lines.push(`  - ${n}`);
  }
  lines.push("", "</details>", "", "```mermaid", ...mermaidGraph(base, head, diff), "```");
  return lines.join("\n") + "\n";
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
