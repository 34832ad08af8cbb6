/**
 * Synthesizing an environment reads each stack file once (stacks/tenant-stacks.ts,
 * readingStackFilesOnce): every tenant stack validates its tenants with the whole environment's,
 * and done afresh for each of N tenant stacks that was N^2 file parses and N validations of the
 * environment (issue 26, item 9). Outside the scope, as under the real engine, files are read anew.
 */
import assert from "node:assert/strict";
import fs, { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { mock, test } from "node:test";
import { parse } from "yaml";
import { parseWithTenantStacks } from "../stacks/load";
import { parseTenantStack } from "../stacks/load-tenants";
import { PLATFORM_STACK_KEY, readingStackFilesOnce, stackFileScope, TENANTS_KEY } from "../stacks/tenant-stacks";
import { PROJECT_ROOT } from "../synth/synthesize";
import { TEST_TODAY } from "./helpers";

function prodProject(): { root: string; stacks: string[] } {
  const root = mkdtempSync(path.join(tmpdir(), "stack-file-scope-"));
  cpSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), path.join(root, "Pulumi.prod.yaml"));
  const files = readdirSync(path.join(PROJECT_ROOT, "tenants")).filter((f) => /^Pulumi\.prod-.+\.yaml$/.test(f));
  fs.mkdirSync(path.join(root, "tenants"));
  for (const f of files) cpSync(path.join(PROJECT_ROOT, "tenants", f), path.join(root, "tenants", f));
  return { root, stacks: files.map((f) => f.slice("Pulumi.".length, -".yaml".length)) };
}

/** What the engine hands each tenant stack's program: its file's two keys. */
function ownConfig(root: string, stack: string) {
  const config = parse(fs.readFileSync(path.join(root, "tenants", `Pulumi.${stack}.yaml`), "utf8")).config;
  return { tenants: config[TENANTS_KEY], platformStack: config[PLATFORM_STACK_KEY] };
}

/** Each tenant stack's validation, and how many times a file of the project was read. */
function validateAll(root: string, stacks: string[]) {
  const own = stacks.map((stack) => ownConfig(root, stack));
  const reads = mock.method(fs, "readFileSync");
  try {
    const tenants = stacks.map((stack, i) => parseTenantStack(root, stack, own[i], { today: TEST_TODAY }).tenants);
    const fileReads = reads.mock.calls.filter((call) => String(call.arguments[0]).startsWith(root)).length;
    return { tenants, fileReads };
  } finally {
    reads.mock.restore();
  }
}

test("in the scope, N tenant stacks' validations read each of the environment's files once and give what they give alone", async () => {
  const { root, stacks } = prodProject();
  assert.ok(stacks.length >= 2, "prod has tenant stacks");
  const alone = validateAll(root, stacks);
  // Alone, each stack reads the platform file and every tenant stack file.
  assert.equal(alone.fileReads, stacks.length * (1 + stacks.length));
  const scoped = await readingStackFilesOnce(async () => validateAll(root, stacks));
  assert.equal(scoped.fileReads, 1 + stacks.length);
  assert.deepEqual(scoped.tenants, alone.tenants);
  assert.ok(scoped.tenants.every((t) => t.length > 0));
});

test("a tenant stack whose engine config differs from its file is validated afresh, in the scope too", async () => {
  const { root, stacks } = prodProject();
  const [first] = stacks;
  const own = ownConfig(root, first);
  const renamed = { ...own, tenants: [{ ...own.tenants[0], name: "PLATFORM" }] };
  await readingStackFilesOnce(async () => {
    parseTenantStack(root, first, own, { today: TEST_TODAY });
    assert.throws(() => parseTenantStack(root, first, renamed, { today: TEST_TODAY }), /tenants\[0\]\.name/);
  });
});

test("outside the scope a file changed on disk is read anew", () => {
  const { root, stacks } = prodProject();
  const [first, second] = stacks;
  const own = ownConfig(root, first);
  parseTenantStack(root, first, own, { today: TEST_TODAY });
  // The second stack's tenant takes the first's name: the environment's names must be unique.
  const file = path.join(root, "tenants", `Pulumi.${second}.yaml`);
  const text = fs.readFileSync(file, "utf8");
  const secondName = String(ownConfig(root, second).tenants[0].name);
  fs.writeFileSync(file, text.replace(`name: ${secondName}`, `name: ${String(own.tenants[0].name)}`));
  assert.throws(() => parseTenantStack(root, first, own, { today: TEST_TODAY }), /name/);
});

/** The platform stack file's `gitops-platform:platform`, as the engine hands it to the platform program. */
function platformConfig(root: string): unknown {
  return parse(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")).config["gitops-platform:platform"];
}

test("in the scope, the platform stack and its tenant stacks validate the environment once, per day and config", async () => {
  const { root, stacks } = prodProject();
  const alone = parseWithTenantStacks(platformConfig(root), "prod", { projectRoot: root, today: TEST_TODAY });
  await readingStackFilesOnce(async () => {
    const environmentParses = () => [...stackFileScope()!.memo.keys()].filter((key) => key.startsWith("environment-parse\n")).length;
    const platform = parseWithTenantStacks(platformConfig(root), "prod", { projectRoot: root, today: TEST_TODAY });
    assert.deepEqual(platform, alone);
    for (const stack of stacks) parseTenantStack(root, stack, ownConfig(root, stack), { today: TEST_TODAY });
    assert.equal(environmentParses(), 1, "one validation for the platform stack and every tenant stack");
    const nextYear = new Date(TEST_TODAY.getTime() + 365 * 24 * 3600 * 1000);
    parseWithTenantStacks(platformConfig(root), "prod", { projectRoot: root, today: nextYear });
    const other = platformConfig(root) as { cluster: Record<string, unknown> };
    other.cluster = { ...other.cluster, nodeCount: 99 };
    parseWithTenantStacks(other, "prod", { projectRoot: root, today: TEST_TODAY });
    assert.equal(environmentParses(), 3, "another day or another config is validated afresh");
  });
});
