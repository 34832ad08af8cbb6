/**
 * Every program or config in the README and docs/*.md works as written (issue 29, item 4; before,
 * issue 16 type-checked the README's components example only): TypeScript programs type-check
 * against the package's entry points and synthesize with no schema violation and no mandatory
 * policy or deploy-rule finding; stack-file excerpts, laid over the dev (or named) stack, pass
 * config validation, synth, the policies and the deploy rules; Kubernetes objects pass the schema
 * of their apiVersion. Which blocks are which: test/docs-blocks.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { platformJsonSchema } from "../../stacks/json-schema";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { checkResources, synthesizeProgram } from "../../synth/testing";
import { validateKubernetesObjects } from "../../synth/validate";
import { allCodeBlocks, BlockKind, classify, CodeBlock, codeBlocks, mergeExcerpt, where } from "../docs-blocks";
import { stackFileWith, TEST_TODAY } from "../helpers";

const PLATFORM_KEYS = new Set(Object.keys((platformJsonSchema().properties ?? {}) as Record<string, unknown>));
const blocks = allCodeBlocks().map((block) => ({ block, kind: classify(block, PLATFORM_KEYS) }));
const ofKind = <K extends BlockKind["kind"]>(kind: K) =>
  blocks.filter((b): b is { block: CodeBlock; kind: Extract<BlockKind, { kind: K }> } => b.kind.kind === kind);

function mandatoryFindings(resources: readonly RecordedResource[], environment: string): string[] {
  const { policyViolations, deployViolations } = checkResources(resources, environment);
  return [...policyViolations, ...deployViolations].filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}

test("every code block has a language tag, and every ts/yaml block is tested or marked a fragment", () => {
  const unknown = ofKind("unknown").map(({ block, kind }) => `${where(block)}: ${kind.why}`);
  assert.deepEqual(unknown, []);
  // The documents hold programs of each kind, so none of the tests below passes on nothing.
  for (const kind of ["program", "consumer-test", "stack-config", "kubernetes"] as const) assert.ok(ofKind(kind).length > 0, `some block is a ${kind}`);
  assert.equal(ofKind("consumer-test").length, 1, "one consumer test, in docs/testing.md");
  assert.equal(ofKind("consumer-test")[0].block.file, "docs/testing.md");
});

test("the classification refuses untagged blocks, unknown languages and yaml that is neither config nor objects", () => {
  const kinds = codeBlocks("x.md", "```\nplain\n```\n```python\nprint(1)\n```\n```yaml\npermissions: { contents: read }\n```\n```yaml fragment\npermissions: {}\n```\n")
    .map((b) => classify(b, PLATFORM_KEYS).kind);
  assert.deepEqual(kinds, ["unknown", "unknown", "unknown", "fragment"]);
  const [tenantEntry] = codeBlocks("x.md", "```yaml\n      - name: web\n        quota: { cpu: \"2\" }\n```\n");
  assert.deepEqual(classify(tenantEntry, PLATFORM_KEYS), { kind: "stack-config", stack: "dev", platform: { tenants: [{ name: "web", quota: { cpu: "2" } }] } });
  // Named entries merge by name, at any depth; other lists are replaced.
  const base = { tenants: [{ name: "web", identities: [{ name: "a", serviceAccounts: ["a"] }], quota: { cpu: "1", pods: 5 } }], tags: { x: "1" } };
  assert.deepEqual(mergeExcerpt(base, { tenants: [{ name: "web", identities: [{ name: "b" }], quota: { cpu: "2" } }, { name: "api" }] }), {
    tenants: [{ name: "web", identities: [{ name: "a", serviceAccounts: ["a"] }, { name: "b" }], quota: { cpu: "2", pods: 5 } }, { name: "api" }],
    tags: { x: "1" },
  });
});

test("the TypeScript blocks type-check against the package's entry points", (t) => {
  const typescript = [...ofKind("program"), ...ofKind("consumer-test")];
  // Inside the project, so the blocks resolve its node_modules; paths map the package's entry
  // points to their sources (relative to this tsconfig: the project has no baseUrl).
  const dir = mkdtempSync(path.join(PROJECT_ROOT, ".build-test-docs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = typescript.map(({ block }, i) => {
    const file = `block-${i + 1}.ts`;
    writeFileSync(path.join(dir, file), `// ${where(block)}\n${block.code}`);
    return file;
  });
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../tsconfig.json",
      compilerOptions: {
        noEmit: true,
        noUnusedLocals: false,
        rootDir: "..",
        paths: { "gitops-platform/components": ["../components/index.ts"], "gitops-platform/stacks": ["../stacks/index.ts"], "gitops-platform/testing": ["../synth/testing.ts"] },
      },
      include: [],
      files,
    }),
  );
  const tsc = path.join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc");
  const check = spawnSync(process.execPath, [tsc, "-p", dir], { cwd: PROJECT_ROOT, encoding: "utf8" });
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test("the TypeScript programs synthesize and pass the schemas, the policies and the deploy rules", async (t) => {
  const dir = mkdtempSync(path.join(PROJECT_ROOT, ".build-test-docs-run-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [i, { block }] of ofKind("program").entries()) {
    const file = path.join(dir, `program-${i + 1}.ts`);
    writeFileSync(file, block.code);
    const result = await synthesizeProgram(
      () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file);
      },
      { stack: "dev", today: TEST_TODAY },
    );
    assert.ok(result.resources.length > 1, `${where(block)} declares resources`);
    assert.deepEqual(result.failures, [], `${where(block)} fails what synth checks`);
  }
});

test("the stack-file excerpts, laid over their stack, validate, synthesize and pass the policies and deploy rules", async () => {
  const problems: string[] = [];
  for (const { block, kind } of ofKind("stack-config")) {
    const stack = kind.stack as "dev" | "prod";
    const file = stackFileWith(stack, (platform) => {
      const merged = mergeExcerpt(platform, kind.platform);
      for (const key of Object.keys(platform)) delete platform[key];
      Object.assign(platform, merged);
    });
    try {
      const result = await synthesize({ stack, configFile: file, today: TEST_TODAY });
      problems.push(...result.violations.map((v) => `${where(block)}: schema: ${v.message}`));
      problems.push(...mandatoryFindings(result.run.resources, stack).map((f) => `${where(block)}: ${f}`));
    } catch (error) {
      problems.push(`${where(block)}: ${(error as Error).message}`);
    }
  }
  assert.deepEqual(problems, []);
});

/**
 * API groups no schema package of the project covers: their objects are checked field by field
 * elsewhere (the Canary: test/readme-addons.test.ts) or only parsed (SecretProviderClass).
 */
const NO_SCHEMA_GROUPS = ["flagger.app/", "secrets-store.csi.x-k8s.io/"];

test("the Kubernetes objects in the docs pass the schema of their apiVersion", async () => {
  let validated = 0;
  for (const { block, kind } of ofKind("kubernetes")) {
    const objects = kind.objects.filter((o) => !NO_SCHEMA_GROUPS.some((group) => String(o.apiVersion).startsWith(group)));
    validated += objects.length;
    const recorded = objects.map(
      (o, i) =>
        ({ urn: `${where(block)}#${i}`, type: `kubernetes:${String(o.apiVersion)}:${String(o.kind)}`, name: `${where(block)}#${i}`, custom: true, values: o }) as unknown as RecordedResource,
    );
    assert.deepEqual(await validateKubernetesObjects(recorded), [], where(block));
  }
  assert.ok(validated >= 5, `the Deployments and Flux image objects are validated (${validated})`);
});
