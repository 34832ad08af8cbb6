import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { KeyVault } from "../components/azure/key-vault";
import { Flux, FluxArgs } from "../components/kubernetes/flux";
import { FluxNotifications } from "../components/kubernetes/notifications";
import { RECONCILER_SERVICE_ACCOUNT } from "../components/kubernetes/tenant";
import { REDACTED } from "../synth/redact";
import { validateKubernetesObjects } from "../synth/validate";
import { dependsOn, run, TestRun } from "./helpers";

const ISSUER = "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/3c2f/";
const WEBHOOK = "https://hooks.slack.com/services/T0PLANTED/B0PLANTED/xyzPLANTEDsecret";
const TEAMS_WEBHOOK = "https://example.webhook.office.com/webhookb2/PLANTED-TEAMS";

async function runFlux(overrides: Partial<FluxArgs> = {}, withSops = true): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", { resourceGroupName: "rg-platform-dev", location: "westeurope", environment: "dev" });
    const flux = new Flux("flux", {
      provider,
      install: "helm",
      version: "2.18.3",
      multitenancy: true,
      cluster: { name: "aks-dev", resourceGroupName: "rg-platform-dev", oidcIssuerUrl: ISSUER, location: "westeurope" },
      sops: withSops ? { keyVault } : undefined,
      notifications: [
        { name: "ops-slack", type: "slack", channel: "#flux", address: WEBHOOK },
        { name: "ops-teams", type: "msteams", address: TEAMS_WEBHOOK },
      ],
      ...overrides,
    });
    return { sopsKeyId: flux.sopsKeyId, sopsConfig: flux.sopsConfig, namespace: flux.namespace };
  });
}

const kubeObjects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind);

test("helm install: flux2 chart, pinned, multi-tenancy defaulting to the tenant reconciler", async () => {
  const r = await runFlux({}, false);
  const release = r.one("kubernetes:helm.sh/v3:Release");
  assert.equal(release.provider, r.one("pulumi:providers:kubernetes").urn);
  const v = release.values as Record<string, unknown>;
  assert.equal(v.chart, "flux2");
  assert.equal(v.version, "2.18.3");
  assert.deepEqual(v.repositoryOpts, { repo: "https://fluxcd-community.github.io/helm-charts" });
  assert.equal(v.namespace, "flux-system");
  assert.equal(v.createNamespace, true);
  assert.deepEqual(v.values, { multitenancy: { enabled: true, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT } });
  assert.equal(RECONCILER_SERVICE_ACCOUNT, "flux-reconciler");
  assert.equal(r.ofType("azure-native:keyvault:Key").length, 0, "no SOPS, no key");
  assert.equal(r.outputs.sopsKeyId, undefined);
});

test("SOPS: an encrypt/decrypt key, a kustomize-controller identity with Crypto User on that key only", async () => {
  const r = await runFlux();
  const key = r.one("azure-native:keyvault:Key");
  assert.deepEqual((key.values.properties as { keyOps: string[] }).keyOps, ["encrypt", "decrypt"]);
  assert.equal((key.values.properties as { kty: string }).kty, "RSA");

  const identity = r.one("azure-native:managedidentity:UserAssignedIdentity");
  const fic = r.one("azure-native:managedidentity:FederatedIdentityCredential");
  assert.equal(fic.values.subject, "system:serviceaccount:flux-system:kustomize-controller");
  assert.equal(fic.values.issuer, ISSUER);
  assert.equal(fic.values.resourceName, identity.outputs.name);

  const grants = r.ofType("azure-native:authorization:RoleAssignment");
  assert.equal(grants.length, 1);
  const grant = grants[0];
  assert.equal(grant.values.scope, key.id, "scoped to the SOPS key, not the vault");
  assert.match(String(grant.values.roleDefinitionId), /\/providers\/Microsoft\.Authorization\/roleDefinitions\/12338af0-0e69-4776-bea7-57ae8d297424$/);
  assert.equal(grant.values.principalId, identity.outputs.principalId);
  assert.equal(grant.values.principalType, "ServicePrincipal");

  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as { kustomizeController: { serviceAccount: { annotations: Record<string, string> }; labels: Record<string, string> } };
  assert.deepEqual(values.kustomizeController.serviceAccount.annotations, {
    "azure.workload.identity/client-id": identity.outputs.clientId,
    "azure.workload.identity/tenant-id": identity.outputs.tenantId,
  });
  assert.deepEqual(values.kustomizeController.labels, { "azure.workload.identity/use": "true" });
  // The controller only calls Key Vault when it decrypts, and retries: the install waits for the
  // identity (its client id is in the values), not for the grant's propagation.
  assert.ok(dependsOn(r, r.one("kubernetes:helm.sh/v3:Release"), identity), "installed once the identity exists");
  assert.ok(!dependsOn(r, r.one("kubernetes:helm.sh/v3:Release"), grant), "no propagation wait on the install's path");
});

test("SOPS outputs: the versioned key URI and a .sops.yaml naming it", async () => {
  const r = await runFlux();
  const key = r.one("azure-native:keyvault:Key");
  const keyId = String(key.outputs.keyUriWithVersion);
  assert.match(keyId, /^https:\/\/kv-dev-[a-z0-9]+\.vault\.azure\.net\/keys\/flux-sops-[a-z0-9]{6}\/[0-9a-f]{32}$/);
  assert.equal(r.outputs.sopsKeyId, keyId);
  const config = parse(String(r.outputs.sopsConfig)) as { creation_rules: Record<string, string>[] };
  assert.equal(config.creation_rules.length, 1);
  assert.equal(config.creation_rules[0].azure_keyvault, keyId);
  assert.equal(config.creation_rules[0].encrypted_regex, "^(data|stringData)$");
});

test("protect reaches the SOPS key", async () => {
  const r = await runFlux({ protect: true });
  assert.equal(r.one("azure-native:keyvault:Key").protect, true);
});

test("aks-extension install: microsoft.flux with multi-tenancy, no SOPS identity", async () => {
  const r = await runFlux({ install: "aks-extension", version: "1.15.1" }, false);
  assert.equal(r.ofType("kubernetes:helm.sh/v3:Release").length, 0);
  const ext = r.one("azure-native:kubernetesconfiguration:Extension");
  assert.equal(ext.values.extensionType, "microsoft.flux");
  assert.equal(ext.values.clusterRp, "Microsoft.ContainerService");
  assert.equal(ext.values.clusterResourceName, "managedClusters");
  assert.equal(ext.values.clusterName, "aks-dev");
  assert.equal(ext.values.resourceGroupName, "rg-platform-dev");
  assert.equal(ext.values.version, "1.15.1");
  assert.equal(ext.values.autoUpgradeMinorVersion, false);
  assert.deepEqual(ext.values.scope, { cluster: { releaseNamespace: "flux-system" } });
  assert.deepEqual(ext.values.configurationSettings, { "multiTenancy.enforce": "true" });
  assert.equal(r.ofType("azure-native:managedidentity:UserAssignedIdentity").length, 0);
  for (const x of kubeObjects(r, "Alert")) assert.ok(dependsOn(r, x, ext), "alerts wait for the extension");
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("aks-extension install refuses SOPS: the extension gives kustomize-controller no workload identity", async () => {
  await assert.rejects(
    runFlux({ install: "aks-extension" }, true),
    /Flux flux: sops is not supported with install "aks-extension".*source-controller and image-reflector-controller/,
  );
});

test("notifications: Secret + Provider + Alert per target in flux-system, after the install", async () => {
  const r = await runFlux();
  const release = r.one("kubernetes:helm.sh/v3:Release");
  const providers = kubeObjects(r, "Provider").map((x) => x.values as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> });
  assert.deepEqual(
    providers.map((p) => [p.metadata.namespace, p.metadata.name, p.spec]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ["flux-system", "ops-slack", { type: "slack", channel: "#flux", secretRef: { name: "ops-slack-webhook" } }],
      ["flux-system", "ops-teams", { type: "msteams", secretRef: { name: "ops-teams-webhook" } }],
    ],
  );
  const alert = kubeObjects(r, "Alert").find((x) => (x.values.metadata as { name: string }).name === "ops-slack")!;
  const spec = alert.values.spec as { providerRef: object; eventSeverity: string; eventSources: { kind: string; name: string; namespace?: string }[] };
  assert.deepEqual(spec.providerRef, { name: "ops-slack" });
  assert.equal(spec.eventSeverity, "error");
  assert.deepEqual(spec.eventSources.map((s) => s.kind).sort(), ["Bucket", "GitRepository", "HelmRelease", "HelmRepository", "Kustomization", "OCIRepository"]);
  assert.ok(spec.eventSources.every((s) => s.name === "*" && s.namespace === undefined));
  for (const x of [...kubeObjects(r, "Provider"), ...kubeObjects(r, "Alert")]) {
    assert.ok(dependsOn(r, x, release), `${x.name} waits for the CRDs`);
  }
  const secret = r.one("kubernetes:core/v1:Secret", "flux-notifications-ops-slack-webhook");
  assert.equal((secret.values.stringData as { address: string }).address, WEBHOOK, "the controller gets the address");
  // The release creates flux-system; the provider retries a create for about a minute only.
  assert.ok(dependsOn(r, secret, release), "the webhook Secret waits for the release that creates flux-system");
});

test("webhook addresses appear nowhere in inputs, outputs or stack outputs", async () => {
  for (const install of ["helm", "aks-extension"] as const) {
    const r = await runFlux({ install }, install === "helm");
    const printable = JSON.stringify([r.resources.map((x) => [x.inputs, x.outputs]), r.outputs]);
    assert.ok(!printable.includes("PLANTED"), `${install}: a webhook address leaked`);
    for (const name of ["flux-notifications-ops-slack-webhook", "flux-notifications-ops-teams-webhook"]) {
      const secret = r.one("kubernetes:core/v1:Secret", name);
      const data = secret.inputs.stringData as string | { address: string };
      assert.equal(typeof data === "string" ? data : data.address, REDACTED);
    }
  }
});

test("helm install objects pass their schemas", async () => {
  const r = await runFlux();
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("FluxNotifications on its own alerts in a tenant namespace, after whatever it is given to wait for", async () => {
  const r = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const install = new k8s.helm.v3.Release("flux", { chart: "flux2", repositoryOpts: { repo: "https://fluxcd-community.github.io/helm-charts" } }, { provider });
    new FluxNotifications("team-a-alerts", {
      provider,
      namespace: "team-a",
      severity: "info",
      notifications: [{ name: "team-hook", type: "generic", address: "https://hooks.example.com/PLANTED" }],
      fluxReady: [install],
    });
  });
  const alert = kubeObjects(r, "Alert")[0];
  assert.deepEqual(alert.values.metadata, { name: "team-hook", namespace: "team-a", labels: { "app.kubernetes.io/managed-by": "pulumi" } });
  assert.equal((alert.values.spec as { eventSeverity: string }).eventSeverity, "info");
  assert.ok(dependsOn(r, alert, r.one("kubernetes:helm.sh/v3:Release")));
  assert.ok(!JSON.stringify(r.resources.map((x) => [x.inputs, x.outputs])).includes("PLANTED"));
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});
