import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { fluxExtensionSettings, fluxHelmValues, sopsConfig } from "../components/kubernetes/flux-install";

const KEY = "https://kv-dev-abc123.vault.azure.net/keys/flux-sops/0123456789abcdef0123456789abcdef";

test("helm values: multi-tenancy and the default service account", () => {
  assert.deepEqual(fluxHelmValues({ multitenancy: true, defaultServiceAccount: "flux-reconciler" }), {
    multitenancy: { enabled: true, defaultServiceAccount: "flux-reconciler" },
  });
  assert.deepEqual(fluxHelmValues({ multitenancy: false, defaultServiceAccount: "x" }).multitenancy, { enabled: false, defaultServiceAccount: "x" });
});

test("helm values: SOPS identity on kustomize-controller's account and pod label", () => {
  const values = fluxHelmValues({ multitenancy: true, defaultServiceAccount: "r", sops: { clientId: "client-guid", tenantId: "tenant-guid" } });
  assert.deepEqual(values.kustomizeController, {
    serviceAccount: { annotations: { "azure.workload.identity/client-id": "client-guid", "azure.workload.identity/tenant-id": "tenant-guid" } },
    labels: { "azure.workload.identity/use": "true" },
  });
});

test("extension settings: multi-tenancy always stated (the documented opt-out), no workload identity for SOPS", () => {
  assert.deepEqual(fluxExtensionSettings({ multitenancy: false }), { "multiTenancy.enforce": "false" });
  assert.deepEqual(fluxExtensionSettings({ multitenancy: true }), { "multiTenancy.enforce": "true" });
});

test(".sops.yaml: one rule, Secret payloads only, the versioned key", () => {
  const config = parse(sopsConfig(KEY)) as { creation_rules: Record<string, string>[] };
  assert.deepEqual(config.creation_rules, [{ path_regex: ".*\\.ya?ml$", encrypted_regex: "^(data|stringData)$", azure_keyvault: KEY }]);
  assert.ok(new RegExp(config.creation_rules[0].encrypted_regex).test("stringData"));
  assert.ok(!new RegExp(config.creation_rules[0].encrypted_regex).test("metadata"));
});

test(".sops.yaml refuses a key URI without version (SOPS cannot parse it)", () => {
  assert.throws(() => sopsConfig("https://kv-dev-abc123.vault.azure.net/keys/flux-sops"), /versioned/);
});
