import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alert,
  bucket,
  CHANGE_EVENT_PATTERNS,
  changesAlert,
  githubSshUrl,
  gitRepository,
  helmRelease,
  helmReleaseDriftDetection,
  helmRepository,
  kustomization,
  notificationProvider,
  objectName,
  ociRepository,
} from "../components/kubernetes/flux-manifests";

test("object names are DNS-1123 labels", () => {
  assert.equal(objectName("Team.Apps_v2"), "team-apps-v2");
  assert.equal(objectName("--x--"), "x");
  assert.equal(objectName("a".repeat(80)).length, 63);
  assert.throws(() => objectName("..."), /cannot make/);
});

test("GitHub SSH URLs use the ssh:// form Flux accepts", () => {
  assert.equal(githubSshUrl("acme/apps"), "ssh://git@github.com/acme/apps");
  assert.equal(githubSshUrl("acme/apps.git"), "ssh://git@github.com/acme/apps");
  assert.throws(() => githubSshUrl("apps"), /owner\/name/);
  assert.throws(() => githubSshUrl("git@github.com:acme/apps"), /owner\/name/);
});

test("GitRepository: url, branch, interval, secret", () => {
  const repo = gitRepository({ url: "ssh://git@github.com/acme/apps", branch: "main", interval: "1m", secretName: "apps-git" });
  assert.equal(repo.apiVersion, "source.toolkit.fluxcd.io/v1");
  assert.deepEqual(repo.spec, { url: "ssh://git@github.com/acme/apps", ref: { branch: "main" }, interval: "1m", secretRef: { name: "apps-git" } });
});

test("Kustomization: prune, wait, impersonation, target namespace, SOPS as the namespace's own decryption account", () => {
  const k = kustomization({
    source: { kind: "OCIRepository", name: "m" },
    path: "./",
    interval: "5m",
    timeout: "3m",
    serviceAccountName: "flux-reconciler",
    targetNamespace: "team-a",
    sops: true,
  });
  assert.equal(k.apiVersion, "kustomize.toolkit.fluxcd.io/v1");
  assert.deepEqual(k.spec.sourceRef, { kind: "OCIRepository", name: "m" });
  assert.equal(k.spec.prune, true);
  assert.equal(k.spec.wait, true);
  assert.equal(k.spec.serviceAccountName, "flux-reconciler");
  assert.equal(k.spec.targetNamespace, "team-a");
  assert.deepEqual(k.spec.decryption, { provider: "sops", serviceAccountName: "flux-decryption" });
});

test("HelmRepository: oci:// becomes type oci", () => {
  assert.deepEqual(helmRepository({ url: "oci://ghcr.io/acme/charts", interval: "10m" }).spec, { url: "oci://ghcr.io/acme/charts", interval: "10m", type: "oci" });
  assert.equal(helmRepository({ url: "https://charts.example.com", interval: "10m" }).spec.type, undefined);
});

test("HelmRelease: chart from the same-namespace repository, impersonating, values only when given", () => {
  const hr = helmRelease({ chart: "c", version: "1.x", repositoryName: "r", interval: "10m", values: {}, serviceAccountName: "sa", targetNamespace: "ns" });
  assert.equal(hr.apiVersion, "helm.toolkit.fluxcd.io/v2");
  assert.deepEqual((hr.spec.chart as { spec: { sourceRef: object } }).spec.sourceRef, { kind: "HelmRepository", name: "r" });
  assert.equal(hr.spec.serviceAccountName, "sa");
  assert.equal(hr.spec.targetNamespace, "ns");
  assert.equal(hr.spec.values, undefined);
});

test("OCIRepository needs exactly one of tag and semver", () => {
  assert.deepEqual(ociRepository({ url: "oci://r/x", semver: ">=1.0.0", provider: "azure", interval: "5m" }).spec.ref, { semver: ">=1.0.0" });
  assert.throws(() => ociRepository({ url: "oci://r/x", provider: "generic", interval: "5m" }), /exactly one/);
  assert.throws(() => ociRepository({ url: "oci://r/x", tag: "a", semver: "1", provider: "generic", interval: "5m" }), /exactly one/);
});

test("Bucket carries endpoint and provider", () => {
  assert.deepEqual(bucket({ bucketName: "b", endpoint: "e", provider: "azure", interval: "5m" }).spec, { bucketName: "b", endpoint: "e", provider: "azure", interval: "5m" });
});

test("OCIRepository and Bucket with provider azure name the account whose identity reads (object-level workload identity); generic never does", () => {
  assert.equal(ociRepository({ url: "oci://r.azurecr.io/x", tag: "1", provider: "azure", interval: "5m", serviceAccountName: "flux-oci" }).spec.serviceAccountName, "flux-oci");
  assert.ok(!("serviceAccountName" in ociRepository({ url: "oci://r/x", tag: "1", provider: "azure", interval: "5m" }).spec));
  assert.equal(bucket({ bucketName: "b", endpoint: "e", provider: "azure", interval: "5m", serviceAccountName: "flux-oci" }).spec.serviceAccountName, "flux-oci");
  // The Bucket CRD refuses serviceAccountName with the generic provider (x-kubernetes-validations).
  assert.ok(!("serviceAccountName" in bucket({ bucketName: "b", endpoint: "e", provider: "generic", interval: "5m", serviceAccountName: "flux-oci" }).spec));
});

test("notification Provider never carries an address; Alert covers its own namespace", () => {
  const provider = notificationProvider({ type: "generic", secretName: "hook" });
  assert.equal(provider.apiVersion, "notification.toolkit.fluxcd.io/v1beta3");
  assert.deepEqual(provider.spec, { type: "generic", secretRef: { name: "hook" } });
  const a = alert({ providerName: "hook", severity: "error" });
  const sources = a.spec.eventSources as { kind: string; name: string; namespace?: string }[];
  assert.equal(sources.length, 6);
  assert.ok(sources.every((s) => s.name === "*" && !("namespace" in s)));
});

test("HelmRelease drift detection: on by default with the autoscaler's replicas left alone; warn; disabled leaves the field out", () => {
  const base = { chart: "c", version: "1.x", repositoryName: "r", interval: "10m", values: {}, serviceAccountName: "sa", targetNamespace: "ns" };
  const ignore = [{ paths: ["/spec/replicas"], target: { kind: "^(Deployment|StatefulSet)$" } }];
  assert.deepEqual(helmRelease(base).spec.driftDetection, { mode: "enabled", ignore });
  assert.deepEqual(helmRelease({ ...base, driftDetection: "warn" }).spec.driftDetection, { mode: "warn", ignore });
  assert.equal(helmRelease({ ...base, driftDetection: "disabled" }).spec.driftDetection, undefined);
  assert.equal(helmReleaseDriftDetection("disabled"), undefined);
  // The target kind is a regular expression (helm-controller "Ignore rules"): it selects the two scalable kinds only.
  const kind = new RegExp(ignore[0].target.kind);
  assert.deepEqual(["Deployment", "StatefulSet", "DaemonSet", "DeploymentX"].filter((k) => kind.test(k)), ["Deployment", "StatefulSet"]);
});

/**
 * Event messages as the controllers write them (format strings from kustomize-controller
 * kustomization_controller.go, fluxcd/pkg ssa ChangeSetEntry.String, helm-controller reconcile/*.go
 * and diff/summarize.go). The patterns use only what RE2 and JavaScript read alike.
 */
const CHANGE_MESSAGES = [
  "Deployment/web/app configured",
  "ConfigMap/web/settings created\nDeployment/web/app configured\nService/web/app created",
  "ConfigMap/web/old deleted",
  "Cluster state of release web/app.v3 has been corrected:\nDeployment/web/app configured",
  "Helm install succeeded for release web/app.v1 with chart app@1.2.3",
  "Helm upgrade succeeded for release web/app.v4 with chart app@1.2.4",
  "Helm uninstall succeeded for release web/app.v4 with chart app@1.2.4",
  "Helm rollback to previous release web/app.v3 with chart app@1.2.3 succeeded",
];
const NOISE = [
  "Reconciliation finished in 1.234s, next run in 5m0s",
  "Health check passed in 2.1s",
  "Dependencies do not meet ready condition, retrying in 30s",
  "stored artifact for commit 'Merge pull request #7'",
  "Health checks canceled due to new reconciliation triggered by GitRepository/web/web",
  "Helm test succeeded for release web/app.v4 with chart app@1.2.4: 1 test hook completed successfully",
  // The detection is a Warning (an error for every target), not a change: it must not come twice.
  "Cluster state of release web/app.v3 has drifted from the desired state:\nDeployment/web/app changed (0 additions, 1 changes, 0 removals)\nService/web/app removed",
  "Deployment/web/app unchanged",
];

test("the changes Alert: info events of Kustomizations and HelmReleases, only those that say Flux changed something", () => {
  const a = changesAlert({ providerName: "hook" });
  assert.equal(a.apiVersion, "notification.toolkit.fluxcd.io/v1beta3");
  assert.equal(a.spec.eventSeverity, "info");
  assert.deepEqual(a.spec.providerRef, { name: "hook" });
  assert.deepEqual(a.spec.eventSources, [{ kind: "Kustomization", name: "*" }, { kind: "HelmRelease", name: "*" }]);
  assert.deepEqual(a.spec.inclusionList, [...CHANGE_EVENT_PATTERNS]);
  const included = (message: string) => CHANGE_EVENT_PATTERNS.some((p) => new RegExp(p).test(message));
  for (const message of CHANGE_MESSAGES) assert.ok(included(message), message);
  for (const message of NOISE) assert.ok(!included(message), message);
  // Nothing RE2 lacks (lookaround, backreferences), so notification-controller compiles them as tested.
  for (const p of CHANGE_EVENT_PATTERNS) assert.ok(!/\(\?[=!<]|\\[1-9]/.test(p), p);
});
