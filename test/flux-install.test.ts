import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { DECRYPTION_SERVICE_ACCOUNT, fluxExtensionSettings, fluxHelmValues, lockdownFlags, renderedControllerArgs, sopsConfig } from "../components/kubernetes/flux-install";

const KEY = "https://kv-dev-abc123.vault.azure.net/keys/flux-sops/0123456789abcdef0123456789abcdef";

test("helm values: the lockdown beyond what multitenancy.enabled renders goes into each controller's additionalArgs", () => {
  const values = fluxHelmValues({ multitenancy: true, defaultServiceAccount: "flux-reconciler" });
  assert.deepEqual(values.multitenancy, { enabled: true, defaultServiceAccount: "flux-reconciler" });
  const wi = ["--feature-gates=ObjectLevelWorkloadIdentity=true", "--default-service-account=flux-workload-identity"];
  assert.deepEqual(values, {
    multitenancy: { enabled: true, defaultServiceAccount: "flux-reconciler" },
    crds: { annotations: { "helm.sh/resource-policy": "keep" } },
    kustomizeController: {
      container: {
        additionalArgs: [
          "--no-remote-bases=true",
          "--feature-gates=ObjectLevelWorkloadIdentity=true",
          "--default-decryption-service-account=flux-decryption",
          "--default-kubeconfig-service-account=flux-workload-identity",
        ],
      },
    },
    helmController: { container: { additionalArgs: ["--feature-gates=ObjectLevelWorkloadIdentity=true", "--default-kubeconfig-service-account=flux-workload-identity"] } },
    sourceController: { container: { additionalArgs: wi } },
    notificationController: { container: { additionalArgs: wi } },
    imageReflectionController: { create: false, container: { additionalArgs: wi } },
    imageAutomationController: { create: false, container: { additionalArgs: wi } },
  });
  // What the chart renders from these values is exactly Flux's lockdown, nothing twice.
  const rendered = renderedControllerArgs(values);
  for (const [controller, flags] of Object.entries(lockdownFlags("flux-reconciler"))) {
    assert.deepEqual([...rendered[controller as keyof typeof rendered]].sort(), [...flags].sort(), controller);
  }
});

test("helm values: without the lockdown nothing is added, except the gate kustomize-controller needs for per-tenant SOPS", () => {
  assert.deepEqual(fluxHelmValues({ multitenancy: false, defaultServiceAccount: "x" }), {
    multitenancy: { enabled: false, defaultServiceAccount: "x" },
    crds: { annotations: { "helm.sh/resource-policy": "keep" } },
    imageReflectionController: { create: false },
    imageAutomationController: { create: false },
  });
  assert.deepEqual(fluxHelmValues({ multitenancy: false, defaultServiceAccount: "x", sops: true }).kustomizeController, {
    container: { additionalArgs: ["--feature-gates=ObjectLevelWorkloadIdentity=true"] },
  });
  assert.equal(DECRYPTION_SERVICE_ACCOUNT, "flux-decryption");
});

test("helm values: the image automation controllers (and their CRDs) only on request, locked down either way", () => {
  const off = fluxHelmValues({ multitenancy: true, defaultServiceAccount: "flux-reconciler" });
  const on = fluxHelmValues({ multitenancy: true, defaultServiceAccount: "flux-reconciler", imageAutomation: true });
  for (const key of ["imageReflectionController", "imageAutomationController"]) {
    assert.equal((off[key] as { create: boolean }).create, false, `${key} off by default (the chart's own default is on)`);
    assert.equal((on[key] as { create: boolean }).create, true, key);
  }
  const rendered = renderedControllerArgs(on);
  for (const controller of ["image-reflector-controller", "image-automation-controller"] as const) {
    assert.deepEqual([...rendered[controller]].sort(), [...lockdownFlags("flux-reconciler")[controller]].sort(), controller);
  }
  for (const key of ["kustomizeController", "sourceController"]) assert.deepEqual(on[key], off[key], `${key} is unchanged`);
});

test("rendered arguments follow the flux2 chart: multitenancy first, then additionalArgs", () => {
  const rendered = renderedControllerArgs({ multitenancy: { enabled: true, defaultServiceAccount: "" }, kustomizeController: { container: { additionalArgs: ["--x=1"] } } });
  assert.deepEqual(rendered["kustomize-controller"], ["--no-cross-namespace-refs=true", "--default-service-account=default", "--x=1"]);
  assert.deepEqual(rendered["source-controller"], [], "the chart gives source-controller no multi-tenancy flag");
  assert.deepEqual(rendered["notification-controller"], ["--no-cross-namespace-refs=true"]);
  assert.deepEqual(renderedControllerArgs({})["kustomize-controller"], []);
});

test("extension settings: multi-tenancy always stated (the documented opt-out); nothing else of the lockdown exists there", () => {
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
