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
import { test } from "node:test";
import { parse, stringify } from "yaml";
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
  assert.deepEqual(deployedSettingsOf(config({ keyVault: { softDeleteRetentionDays: 30, purgeProtection: true } })).keyVault, {
    softDeleteRetentionDays: 30,
    purgeProtection: true,
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
