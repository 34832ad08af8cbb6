import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { KeyVault } from "../components/azure/key-vault";
import { Flux, FluxArgs } from "../components/kubernetes/flux";
import { fluxHelmValues, renderedControllerArgs } from "../components/kubernetes/flux-install";
import { FluxNotifications } from "../components/kubernetes/notifications";
import { RECONCILER_SERVICE_ACCOUNT } from "../components/tenant/namespace";
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
      install: "helm",
      version: "2.18.3",
      multitenancy: true,
      cluster: { name: "aks-dev", resourceGroupName: "rg-platform-dev", oidcIssuerUrl: ISSUER, location: "westeurope", provider },
      sops: withSops ? { keyVault, sharedKey: true } : undefined,
      notifications: [
        { name: "ops-slack", type: "slack", channel: "#flux", address: WEBHOOK },
        { name: "ops-teams", type: "msteams", address: TEAMS_WEBHOOK },
      ],
      ...overrides,
    });
    return { sopsKeyId: flux.sopsKeyId, namespace: flux.namespace };
  });
}

const kubeObjects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind);

test("helm install: flux2 chart, pinned, locked down, impersonation defaulting to the tenant reconciler", async () => {
  const r = await runFlux({}, false);
  const release = r.one("kubernetes:helm.sh/v3:Release");
  assert.equal(release.provider, r.one("pulumi:providers:kubernetes").urn);
  const v = release.values as Record<string, unknown>;
  assert.equal(v.chart, "flux2");
  assert.equal(v.version, "2.18.3");
  assert.deepEqual(v.repositoryOpts, { repo: "https://fluxcd-community.github.io/helm-charts" });
  assert.equal(v.namespace, "flux-system");
  assert.equal(v.createNamespace, true);
  assert.deepEqual(v.values, fluxHelmValues({ multitenancy: true, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT }));
  assert.deepEqual((v.values as { multitenancy: object }).multitenancy, { enabled: true, defaultServiceAccount: RECONCILER_SERVICE_ACCOUNT });
  assert.ok(renderedControllerArgs(v.values as Record<string, unknown>)["kustomize-controller"].includes("--no-remote-bases=true"));
  assert.equal(RECONCILER_SERVICE_ACCOUNT, "flux-reconciler");
  assert.equal(r.ofType("azure-native:keyvault:Key").length, 0, "no SOPS, no key");
  assert.equal(r.outputs.sopsKeyId, undefined);
});

test("imageAutomation installs the image controllers through the chart; the extension refuses it", async () => {
  const r = await runFlux({ imageAutomation: true }, false);
  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as Record<string, { create?: boolean }>;
  assert.equal(values.imageAutomationController.create, true);
  assert.equal(values.imageReflectionController.create, true);
  const off = (await runFlux({}, false)).one("kubernetes:helm.sh/v3:Release").values.values as Record<string, { create?: boolean }>;
  assert.equal(off.imageAutomationController.create, false);
  await assert.rejects(runFlux({ install: "aks-extension", version: undefined, imageAutomation: true }, false), /imageAutomation is not supported with install "aks-extension"/);
});

test("SOPS: kustomize-controller gets object-level workload identity and no Azure identity of its own", async () => {
  const r = await runFlux({}, true);
  assert.equal(r.ofType("azure-native:managedidentity:UserAssignedIdentity").length, 0, "no controller identity");
  assert.equal(r.ofType("azure-native:managedidentity:FederatedIdentityCredential").length, 0);
  assert.equal(r.ofType("azure-native:authorization:RoleAssignment").length, 0, "nobody may decrypt with the shared key");
  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as Record<string, unknown>;
  const args = renderedControllerArgs(values)["kustomize-controller"];
  assert.ok(args.includes("--feature-gates=ObjectLevelWorkloadIdentity=true"));
  assert.ok(args.includes("--default-decryption-service-account=flux-decryption"));
  assert.equal(JSON.stringify(values).includes("azure.workload.identity"), false, "no identity annotation or pod label on the controller");
});

test("SOPS without multi-tenancy still turns on the gate tenants decrypt through", async () => {
  const r = await runFlux({ multitenancy: false }, true);
  const values = r.one("kubernetes:helm.sh/v3:Release").values.values as Record<string, unknown>;
  assert.deepEqual(renderedControllerArgs(values)["kustomize-controller"], ["--feature-gates=ObjectLevelWorkloadIdentity=true"]);
});

test("the shared SOPS key of earlier versions is kept on request, encrypt/decrypt, for re-encrypting", async () => {
  const r = await runFlux();
  const key = r.one("azure-native:keyvault:Key");
  assert.equal(key.name, "flux-sops-key", "its logical name (and URN) is the one earlier versions created");
  assert.deepEqual((key.values.properties as { keyOps: string[] }).keyOps, ["encrypt", "decrypt"]);
  assert.match(String(r.outputs.sopsKeyId), /^https:\/\/kv-dev-[a-z0-9]+\.vault\.azure\.net\/keys\/flux-sops-[a-z0-9]{6}\/[0-9a-f]{32}$/);
  const without = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", { resourceGroupName: "rg", location: "westeurope", environment: "dev" });
    new Flux("flux", { install: "helm", version: "2.18.3", multitenancy: true, cluster: { name: "aks", resourceGroupName: "rg", oidcIssuerUrl: ISSUER, location: "westeurope", provider }, sops: { keyVault } });
  });
  assert.equal(without.ofType("azure-native:keyvault:Key").length, 0);
});

test("protect reaches the shared SOPS key and the install (issue 24 item 9)", async () => {
  const r = await runFlux({ protect: true });
  assert.equal(r.one("azure-native:keyvault:Key").protect, true);
  assert.equal(r.one("kubernetes:helm.sh/v3:Release").protect, true, "uninstalling Flux stops every tenant");
  assert.equal((await runFlux({ install: "aks-extension", version: "1.15.1", protect: true }, false)).one("azure-native:kubernetesconfiguration:Extension").protect, true);
  assert.equal((await runFlux({}, false)).one("kubernetes:helm.sh/v3:Release").protect, false, "unprotected unless asked");
});

test("the flux2 chart keeps its CRDs when the release is uninstalled or replaced (issue 24 item 9)", async () => {
  const values = (await runFlux({}, false)).one("kubernetes:helm.sh/v3:Release").values.values as Record<string, unknown>;
  // charts/flux2 templates/*.crds.yaml put `crds.annotations` on every CRD; Helm skips deleting objects annotated keep.
  assert.deepEqual(values.crds, { annotations: { "helm.sh/resource-policy": "keep" } });
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
  assert.deepEqual(ext.values.configurationSettings, { "multiTenancy.enforce": "true" }, "the only lockdown setting the extension has");
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
  assert.deepEqual(alert.values.metadata, { name: "team-hook", namespace: "team-a", labels: { "app.kubernetes.io/managed-by": "pulumi", "gitops-platform/guardrail": "true" } });
  assert.equal((alert.values.spec as { eventSeverity: string }).eventSeverity, "info");
  assert.ok(dependsOn(r, alert, r.one("kubernetes:helm.sh/v3:Release")));
  assert.ok(!JSON.stringify(r.resources.map((x) => [x.inputs, x.outputs])).includes("PLANTED"));
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("FluxNotifications with events: changes adds a changes Alert beside the errors Alert, which keeps its name", async () => {
  const r = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    new FluxNotifications("team-a-alerts", {
      provider,
      namespace: "team-a",
      notifications: [
        { name: "loud", type: "generic", address: "https://hooks.example.com/PLANTED", events: "changes" },
        { name: "quiet", type: "generic", address: "https://hooks.example.com/PLANTED2" },
      ],
    });
  });
  const alerts = kubeObjects(r, "Alert").map((x) => [x.name, (x.values.metadata as { name: string }).name, (x.values.spec as { eventSeverity: string }).eventSeverity]);
  assert.deepEqual(alerts.sort(), [
    ["team-a-alerts-loud-alert", "loud", "error"],
    ["team-a-alerts-loud-changes-alert", "loud-changes", "info"],
    ["team-a-alerts-quiet-alert", "quiet", "error"],
  ]);
  const changes = kubeObjects(r, "Alert").find((x) => x.name === "team-a-alerts-loud-changes-alert")!;
  assert.deepEqual((changes.values.spec as { providerRef: object }).providerRef, { name: "loud" });
  assert.ok(dependsOn(r, changes, kubeObjects(r, "Provider").find((x) => x.name === "team-a-alerts-loud-provider")!));
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});
