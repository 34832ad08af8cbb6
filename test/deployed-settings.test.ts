/**
 * Changes Azure cannot apply to an existing Key Vault (soft-delete retention is fixed at creation,
 * purge protection can never be turned off) are config errors. The program learns what is
 * deployed from its own stack's previous outputs, through a StackReference to itself; synth
 * models that with the previous outputs it is given.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test, TestContext } from "node:test";
import { parse, stringify } from "yaml";
import { main } from "../synth/cli";
import { RecordedResource } from "../synth/engine";
import { PROJECT_ROOT, synthesize } from "../synth/synthesize";
import { ConfigError } from "../stacks/load";
import { DEPLOYED_SETTINGS_OUTPUT, deployedSettingsOf, immutableChangeProblems, readDeployedSettings } from "../stacks/deployed";
import { parsePlatformConfig } from "../stacks/parse";
import { pinTestDay, TEST_TODAY } from "./helpers";

pinTestDay();

const workdir = mkdtempSync(path.join(tmpdir(), "deployed-settings-"));
const P = "gitops-platform:platform";

function config(raw: object, stack = "dev") {
  const parsed = parsePlatformConfig(raw, stack, { today: TEST_TODAY });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
  return parsed.config;
}

/** The prod stack file with its platform config changed, written to a temporary file. */
function prodFile(change: (platform: Record<string, Record<string, unknown>>) => void = () => undefined): string {
  const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8"));
  change(document.config[P]);
  const file = path.join(workdir, `prod-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(document));
  return file;
}

test("what is recorded: the vault's creation-time settings, read back tolerantly", () => {
  assert.deepEqual(deployedSettingsOf(config({ keyVault: { softDeleteRetentionDays: 30, purgeProtection: true } })), {
    keyVault: { softDeleteRetentionDays: 30, purgeProtection: true },
  });
  assert.deepEqual(readDeployedSettings({ keyVault: { softDeleteRetentionDays: 30, purgeProtection: false } }), {
    keyVault: { softDeleteRetentionDays: 30, purgeProtection: false },
  });
  // A stack deployed before this record existed, or one never deployed, has nothing to compare with.
  assert.equal(readDeployedSettings(undefined), undefined);
  assert.equal(readDeployedSettings("[secret]"), undefined);
  assert.deepEqual(readDeployedSettings({ keyVault: { softDeleteRetentionDays: "x" } }), {});
});

test("a retention change and purge protection turned off are refused, saying what to do instead", () => {
  const deployed = { keyVault: { softDeleteRetentionDays: 90, purgeProtection: true } };
  assert.deepEqual(immutableChangeProblems(config({ keyVault: { softDeleteRetentionDays: 90, purgeProtection: true } }), deployed), []);
  assert.deepEqual(immutableChangeProblems(config({ keyVault: { softDeleteRetentionDays: 30, purgeProtection: false } }), deployed), [
    `${P}.keyVault.softDeleteRetentionDays: is 90 on the deployed vault, and Azure fixes it when the vault is created; set it back to 90 (another retention needs a new vault: a new stack, or destroying this one)`,
    `${P}.keyVault.purgeProtection: is on for the deployed vault, and Azure never turns it off again; set it back to true (a vault without it needs a new stack)`,
  ]);
  // Turning purge protection on later is what Azure allows.
  assert.deepEqual(immutableChangeProblems(config({ keyVault: { softDeleteRetentionDays: 7, purgeProtection: true } }), { keyVault: { softDeleteRetentionDays: 7, purgeProtection: false } }), []);
  assert.deepEqual(immutableChangeProblems(config({}), undefined), [], "a first deployment");
});

test("the program records the settings as a stack output and reads them from a reference to its own stack", async () => {
  const { run, graph } = await synthesize({ stack: "prod" });
  assert.deepEqual(graph.outputs[DEPLOYED_SETTINGS_OUTPUT], { keyVault: { softDeleteRetentionDays: 90, purgeProtection: true } });
  const reference = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
  assert.equal(reference?.values.name, "organization/gitops-platform/prod", "the stack itself");
  assert.deepEqual(reference?.outputs.outputs, {}, "no previous deployment: a first up");
  // The next run, with this run's outputs as the previous deployment, passes and records the same.
  const next = await synthesize({ stack: "prod", previousOutputs: graph.outputs });
  assert.deepEqual(next.graph.outputs[DEPLOYED_SETTINGS_OUTPUT], graph.outputs[DEPLOYED_SETTINGS_OUTPUT]);
});

test("a change Azure cannot apply fails before any Azure resource is registered", async () => {
  const previousOutputs = { [DEPLOYED_SETTINGS_OUTPUT]: { keyVault: { softDeleteRetentionDays: 90, purgeProtection: true } } };
  const registered: RecordedResource[] = [];
  const file = prodFile((p) => (p.keyVault = { ...p.keyVault, softDeleteRetentionDays: 30 }));
  await assert.rejects(synthesize({ stack: "prod", configFile: file, previousOutputs, registered }), (e) => {
    assert.ok(ConfigError.isConfigError(e));
    assert.deepEqual(e.problems, [
      `${P}.keyVault.softDeleteRetentionDays: is 90 on the deployed vault, and Azure fixes it when the vault is created; set it back to 90 (another retention needs a new vault: a new stack, or destroying this one)`,
    ]);
    return true;
  });
  assert.deepEqual(registered.map((r) => r.type), ["pulumi:pulumi:Stack", "pulumi:pulumi:StackReference"], "only the root stack and the reference to it");
});

async function cli(t: TestContext, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    t.mock.restoreAll();
  }
}

test("synth --previous FILE: a previous synth graph or `pulumi stack output --json` as the deployed stack", async (t) => {
  const graphFile = path.join(workdir, "base.json");
  assert.equal((await cli(t, ["dev", "--json", graphFile])).code, 0);
  const stackOutputs = path.join(workdir, "outputs.json");
  writeFileSync(stackOutputs, JSON.stringify({ environment: "dev", [DEPLOYED_SETTINGS_OUTPUT]: { keyVault: { softDeleteRetentionDays: 7, purgeProtection: true } } }));
  const dev = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  dev.config[P].keyVault = { softDeleteRetentionDays: 14 };
  const changed = path.join(workdir, "dev-changed.yaml");
  writeFileSync(changed, stringify(dev));

  const fromGraph = await cli(t, ["dev", "--config", changed, "--previous", graphFile]);
  assert.equal(fromGraph.code, 1, fromGraph.err);
  assert.equal(fromGraph.out, "");
  assert.deepEqual(fromGraph.err.split("\n"), [
    "Invalid stack config for dev (1 problem(s)):",
    `  ${P}.keyVault.softDeleteRetentionDays: is 7 on the deployed vault, and Azure fixes it when the vault is created; set it back to 7 (another retention needs a new vault: a new stack, or destroying this one)`,
  ]);
  const fromOutputs = await cli(t, ["dev", "--config", changed, "--previous", stackOutputs]);
  assert.equal(fromOutputs.code, 1);
  assert.match(fromOutputs.err, /keyVault\.purgeProtection: is on for the deployed vault, and Azure never turns it off again/);
  assert.doesNotMatch(fromOutputs.err, /\n\s+at /, "no stack trace");
  const missing = await cli(t, ["dev", "--previous", path.join(workdir, "nope.json")]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.json: cannot read the previous deployment's outputs/);
});
