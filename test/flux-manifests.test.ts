import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alert,
  bucket,
  githubSshUrl,
  gitRepository,
  helmRelease,
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
