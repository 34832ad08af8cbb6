/**
 * Key Vault key names in the platform: a key that is deleted and created again (SOPS or Vault off,
 * then on) must not meet its soft-deleted namesake (409 Conflict; with purge protection the name
 * stays blocked for the retention period), and the keys existing stacks have keep their names.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { RecordedResource } from "../../synth/engine";
import { PROJECT_ROOT, synthesize } from "../../synth/synthesize";
import { pinTestDay } from "../helpers";

pinTestDay();

const KEY = "azure-native:keyvault:Key";
const RANDOM = "random:index/randomString:RandomString";
const workdir = mkdtempSync(path.join(tmpdir(), "key-names-"));

async function devWith(change: (platform: Record<string, Record<string, unknown>>) => void): Promise<RecordedResource[]> {
  const document = parse(readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8"));
  change(document.config["gitops-platform:platform"]);
  const file = path.join(workdir, `dev-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(document));
  return (await synthesize({ stack: "dev", configFile: file })).run.resources;
}

test("new keys get a name with a random suffix; existing keys keep theirs (keyName is ignored on them)", async () => {
  const { run } = await synthesize({ stack: "dev" });
  const keys = run.resources.filter((r) => r.type === KEY);
  assert.deepEqual(
    keys.map((k) => String(k.values.keyName).replace(/-[a-z0-9]{6}$/, "-<suffix>")).sort(),
    ["flux-sops-<suffix>", "platform-vault-unseal-<suffix>", "sops-api-<suffix>", "sops-web-<suffix>"],
  );
  for (const key of keys) {
    assert.ok(key.ignoreChanges.includes("keyName"), `${key.name}: an existing key keeps its name`);
    const suffix = run.resources.find((r) => r.type === RANDOM && r.name === `${key.name}-name-suffix`);
    assert.ok(suffix, `${key.name} has its own suffix`);
    assert.equal(key.values.keyName, `${String(key.values.keyName).slice(0, -7)}-${String(suffix.outputs.result)}`);
  }
});

test("turning SOPS or Vault off drops the key and its suffix, so turning it on again makes a new name", async () => {
  const off = await devWith((p) => ((p.flux = { ...p.flux, sops: false }), (p.vault = { ...p.vault, enabled: false })));
  assert.deepEqual(off.filter((r) => r.type === KEY), []);
  assert.deepEqual(
    off.filter((r) => r.type === RANDOM).map((r) => r.name).sort(),
    ["platform-api-acr-suffix", "platform-kv-suffix", "platform-web-acr-suffix", "platform-web-azure-kv-suffix"],
    "only the vaults' own suffixes (the platform's and web's) and the registries' stay",
  );
});
