/**
 * Issue 29 items 1-3: the pull-request diff shows values (before -> after, secrets masked, long
 * values shortened), added resources' inputs collapsed, what needs attention at the top, one
 * section per stack; and a report cut to fit a comment stays valid Markdown.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { cutMarkdown, cutPoints, diffGraphs, inlineCode, MAX_VALUE_CHARS, renderDiffMarkdown, valuePair } from "../synth/diff";
import { main as diffMain, recordRefusals } from "../synth/diff-cli";
import type { GraphResource, SynthGraph } from "../synth/synthesize";
import { PROJECT_ROOT } from "../synth/synthesize";
import { graphResource, pinTestDay } from "./helpers";

pinTestDay();

const stackUrn = (stack: string) => `urn:pulumi:${stack}::gitops-platform::pulumi:pulumi:Stack::gitops-platform-${stack}`;
function resource(stack: string, type: string, name: string, inputs: Record<string, unknown>, extra: Partial<GraphResource> = {}): GraphResource {
  return graphResource({ urn: `urn:pulumi:${stack}::gitops-platform::pulumi:pulumi:Stack$${type}::${name}`, type, name, parent: stackUrn(stack), inputs, ...extra });
}
function graph(stack: string, resources: GraphResource[], outputs: Record<string, unknown> = {}): SynthGraph {
  const root = graphResource({ urn: stackUrn(stack), type: "pulumi:pulumi:Stack", name: `gitops-platform-${stack}`, custom: false });
  return { project: "gitops-platform", stack, resources: [root, ...resources], outputs };
}

const NS = "kubernetes:core/v1:Namespace";
const SECRET = "kubernetes:core/v1:Secret";
const VAULT = "azure-native:keyvault:Vault";
const CM = "kubernetes:core/v1:ConfigMap";

/** Whether every code fence closes and every <details> closes, as a Markdown renderer reads them. */
function markdownProblems(markdown: string): string[] {
  let fence: string | null = null;
  let details = 0;
  const problems: string[] = [];
  for (const line of markdown.split("\n")) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null && marker) fence = marker;
    else if (fence !== null && marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    else if (fence === null) {
      details += (line.match(/<details[\s>]/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
      if (details < 0) problems.push("a </details> without <details>");
    }
  }
  if (fence !== null) problems.push(`an unclosed code fence ${fence}`);
  if (details > 0) problems.push(`${details} unclosed <details>`);
  return problems;
}

test("a changed input shows before -> after; a secret only that it changed; inline code survives backticks in values", () => {
  const base = graph("dev", [
    resource("dev", NS, "web", { metadata: { labels: { tier: "a", gone: "x" } } }),
    resource("dev", SECRET, "hook", { stringData: "[secret]" }, { secrets: { stringData: "aaaaaaaaaaaa" } }),
    resource("dev", CM, "tricky", { data: { note: "use `kubectl`" } }),
  ]);
  const head = graph("dev", [
    resource("dev", NS, "web", { metadata: { labels: { tier: "b", added: "y" } } }),
    resource("dev", SECRET, "hook", { stringData: "[secret]" }, { secrets: { stringData: "bbbbbbbbbbbb" } }),
    resource("dev", CM, "tricky", { data: { note: "use ``kubectl`` now" } }),
  ]);
  const markdown = renderDiffMarkdown(base, head);
  assert.match(markdown, /^ {2}- `metadata\.labels\.tier`: `"a"` → `"b"`$/m);
  assert.match(markdown, /^ {2}- `metadata\.labels\.gone`: `"x"` → `\(absent\)`$/m);
  assert.match(markdown, /^ {2}- `metadata\.labels\.added`: `\(absent\)` → `"y"`$/m);
  assert.match(markdown, /^ {2}- `stringData` \(secret changed\)$/m);
  assert.doesNotMatch(markdown, /aaaaaaaaaaaa|bbbbbbbbbbbb/);
  assert.match(markdown, /^ {2}- `data\.note`: ``"use `kubectl`"`` → ```"use ``kubectl`` now"```$/m);
  assert.equal(inlineCode("`x`"), "`` `x` ``");
});

test("a secret's value never shows, even when the graph's input were to hold it: the path is masked by its fingerprint", () => {
  // Synth writes "[secret]" for secret inputs; should a value slip through at a secret path, the
  // path is listed as a secret change and its value left out.
  const base = graph("dev", [resource("dev", SECRET, "s", { stringData: { token: "old-plain" } }, { secrets: { stringData: "111111111111" } })]);
  const head = graph("dev", [resource("dev", SECRET, "s", { stringData: { token: "new-plain" } }, { secrets: { stringData: "222222222222" } })]);
  const markdown = renderDiffMarkdown(base, head);
  assert.doesNotMatch(markdown, /old-plain|new-plain/);
  assert.match(markdown, /`stringData` \(secret changed\)/);
});

test("long values are shortened: two long strings show where they differ, with context; other long values their ends", () => {
  const manifest = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\n${"metadata: x\n".repeat(40)}spec:\n  replicas: ${replicas}\n${"  template: y\n".repeat(40)}`;
  const [before, after] = valuePair(manifest(1), manifest(3));
  assert.match(before, /replicas: 1/);
  assert.match(after, /replicas: 3/);
  assert.ok(before.length < MAX_VALUE_CHARS + 60 && after.length < MAX_VALUE_CHARS + 60, `${before.length}, ${after.length}`);
  assert.match(before, /^….*… \(\d+ characters\)$/);
  const [list] = valuePair(Array.from({ length: 100 }, (_, i) => `item-${i}`), []);
  assert.match(list, /^\["item-0",.*….*"item-99"\] \(\d+ characters\)$/);
  assert.deepEqual(valuePair(1, 2), ["1", "2"]);
});

test("an added resource's inputs, collapsed in <details>, secrets masked, long strings shortened", () => {
  const head = graph("dev", [resource("dev", SECRET, "new", { metadata: { name: "n" }, stringData: "[secret]", data: { big: "z".repeat(5000) } })]);
  const markdown = renderDiffMarkdown(graph("dev", []), head);
  assert.match(markdown, /^- `\+` \*\*new\*\* `kubernetes:core\/v1:Secret`\n\n {2}<details><summary>inputs<\/summary>\n\n {2}```json\n {2}\{\n {4}"metadata": \{$/m);
  assert.match(markdown, /^ {6}"big": "z+…z+ \(5000 characters\)"$/m);
  assert.match(markdown, /"stringData": "\[secret\]"/);
  assert.deepEqual(markdownProblems(markdown), []);
});

test("at the top: a replacement of a stateful resource, the deletion of a protected or stateful one, what the record refuses", () => {
  const base = graph("prod", [
    resource("prod", VAULT, "platform-kv", { vaultName: "kv-prod-abc", location: "westeurope" }, { protect: true }),
    resource("prod", NS, "keep", {}, { protect: true }),
    resource("prod", "azure-native:containerregistry:Registry", "platform-web-acr", { registryName: "acrwebprod" }),
    resource("prod", NS, "plain", {}),
  ]);
  const head = graph("prod", [resource("prod", VAULT, "platform-kv", { vaultName: "kv-prod-xyz", location: "westeurope" }, { protect: true })]);
  const refusal = "gitops-platform:platform.keyVault.softDeleteRetentionDays: is 90 on the deployed vault";
  const markdown = renderDiffMarkdown(base, head, diffGraphs(base, head), { refusals: [refusal] });
  const top = markdown.slice(0, markdown.indexOf("| Resource type |"));
  assert.match(top, /^#### Needs attention$/m);
  assert.match(top, /^- :warning: \*\*replaces\*\* the Key Vault \*\*platform-kv\*\* `azure-native:keyvault:Vault` in `prod` \(delete, then create\): `vaultName` changed$/m);
  assert.match(top, /^- :warning: \*\*deletes\*\* \*\*keep\*\* `kubernetes:core\/v1:Namespace` in `prod` \(protected\)$/m);
  assert.match(top, /^- :warning: \*\*deletes\*\* \*\*platform-web-acr\*\* .* \(stateful: container registry\)$/m);
  assert.match(top, new RegExp(`^- :no_entry: \\*\\*the previous deployment's record refuses\\*\\*: \`${refusal.replace(/\./g, "\\.")}\`$`, "m"));
  assert.doesNotMatch(top, /plain/, "an unprotected, stateless deletion is not singled out");
  // A tag on the vault is an update, not a replacement.
  const tagged = graph("prod", [resource("prod", VAULT, "platform-kv", { vaultName: "kv-prod-abc", location: "westeurope", tags: { a: "b" } }, { protect: true })]);
  assert.doesNotMatch(renderDiffMarkdown(graph("prod", [base.resources[1]]), tagged), /Needs attention/);
});

test("with layered stacks: one section per stack the pull request touches, the others named as unchanged", () => {
  const tenantRoot = (stack: string) =>
    graphResource({ urn: `urn:pulumi:${stack}::gitops-platform-tenants::pulumi:pulumi:Stack::gitops-platform-tenants-${stack}`, type: "pulumi:pulumi:Stack", name: `gitops-platform-tenants-${stack}`, custom: false, stack });
  const source = (stack: string, branch: string) =>
    graphResource({
      urn: `urn:pulumi:${stack}::gitops-platform-tenants::pulumi:pulumi:Stack$kubernetes:source.toolkit.fluxcd.io/v1:GitRepository::git`,
      type: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
      name: "git",
      inputs: { spec: { ref: { branch } } },
      stack,
    });
  const platformNs = (labels: Record<string, string>) => ({ ...resource("stage", NS, "payments", { metadata: { labels } }), stack: "stage" });
  const environment = (branch: string, labels: Record<string, string>) =>
    graph("stage", [platformNs(labels), tenantRoot("stage-commerce"), source("stage-commerce", "main"), tenantRoot("stage-payments"), source("stage-payments", branch)]);
  const markdown = renderDiffMarkdown(environment("main", { a: "1" }), environment("release", { a: "2" }));
  const sections = [...markdown.matchAll(/^#### Stack (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(sections, ["`stage` (platform)", "`stage-payments` (tenant stack)"]);
  assert.match(markdown, /^Stacks without changes: `stage-commerce`$/m);
  const payments = markdown.slice(markdown.indexOf("#### Stack `stage-payments`"));
  assert.match(payments, /^ {2}- `spec\.ref\.branch`: `"main"` → `"release"`$/m);
  assert.doesNotMatch(payments, /metadata\.labels/, "the platform's change is in the platform's section");
  assert.equal([...markdown.matchAll(/^```mermaid$/gm)].length, 2, "a graph per section");
});

/** A report as the workflow builds it: per stack a heading, the diff, advisory findings and errors in <details>. */
function bigReport(): string {
  const added = Array.from({ length: 300 }, (_, i) => resource("prod", CM, `cm-${i}`, { data: { text: `line\n\`\`\`\n${"x".repeat(200 + i)}` } }));
  const diff = renderDiffMarkdown(graph("prod", []), graph("prod", added));
  const extra = ["<details><summary>Advisory policy findings</summary>", "", "````text", "finding ```", "````", "</details>"].join("\n");
  return ["## Synth diff", "", "### `dev`: ok", "", diff, extra, "", "### `prod`: ok", "", diff, extra].join("\n");
}

test("the cut: on a section boundary, never inside a code fence or <details>, saying what was left out and where the full report is", () => {
  const report = bigReport();
  assert.ok(report.length > 120_000, String(report.length));
  assert.deepEqual(markdownProblems(report), []);
  // The check finds a broken cut: a plain slice leaves a fence or <details> open.
  assert.notDeepEqual(markdownProblems(report.slice(0, 60_000)), []);
  const url = "[artifact `synth-diff-full`](https://github.com/o/r/actions/runs/1/artifacts/2)";
  const cut = cutMarkdown(report, 60_000, url);
  assert.ok(cut.length <= 60_000, String(cut.length));
  assert.ok(cut.length > 55_000, "it keeps what fits");
  assert.deepEqual(markdownProblems(cut), []);
  assert.match(cut, /\*\*Cut to fit a comment \(60,000 characters\)\*\*: left out \d+ resource entries and what follows in: .*`prod`: ok.*\. The full report: \[artifact `synth-diff-full`\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\/artifacts\/2\)\.$/m);
  assert.ok(report.startsWith(cut.slice(0, cut.indexOf("\n---\n\n**Cut"))), "what is kept is the report's beginning, unchanged");
  // Every limit gives valid Markdown within the limit.
  for (let limit = 1_000; limit < 130_000; limit += 7_919) {
    const text = cutMarkdown(report, limit, url);
    assert.ok(text.length <= limit, `${limit}: ${text.length}`);
    assert.deepEqual(markdownProblems(text), [], String(limit));
  }
  assert.equal(cutMarkdown("short", 60_000, url), "short");
  // No cut point inside a fence or <details>.
  for (const point of cutPoints(report)) assert.deepEqual(markdownProblems(report.slice(0, point)), [], String(point));
});

test("synth:diff --cut reads a report file and cuts it; bad arguments exit 1 with the usage", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "diff-cut-"));
  const file = path.join(dir, "report.md");
  writeFileSync(file, bigReport());
  const out: string[] = [];
  const { write } = process.stdout;
  const { error } = console;
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
  console.error = () => undefined;
  try {
    assert.equal(diffMain(["--cut", file, "--limit", "60000", "--full-report-at", "the artifact"]), 0);
    assert.equal(diffMain(["--cut", file, "--limit", "x", "--full-report-at", "the artifact"]), 1);
    assert.equal(diffMain(["a.json"]), 1);
  } finally {
    process.stdout.write = write;
    console.error = error;
  }
  assert.ok(out.join("").length <= 60_000);
  assert.match(out.join(""), /The full report: the artifact\.\n$/);
});

test("what the record of the base's deployment refuses in the head's config is listed (and nothing when it allows it)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "diff-record-"));
  const dev = readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
  const file = path.join(dir, "Pulumi.dev.yaml");
  writeFileSync(file, dev.replace("    location: westeurope\n", "    location: westeurope\n    keyVault:\n      softDeleteRetentionDays: 30\n"));
  const base = graph("dev", [], { deployedSettings: { keyVault: { softDeleteRetentionDays: 7, purgeProtection: false }, placement: { environment: "dev", location: "westeurope" } } });
  const refusals = recordRefusals(base, file, "dev");
  assert.equal(refusals.length, 1, refusals.join("\n"));
  assert.match(refusals[0], /^gitops-platform:platform\.keyVault\.softDeleteRetentionDays: is 7 on the deployed vault/);
  writeFileSync(file, dev);
  assert.deepEqual(recordRefusals(base, file, "dev"), []);
  assert.deepEqual(recordRefusals(graph("dev", []), file, "dev"), [], "no record: a first deployment");
});
