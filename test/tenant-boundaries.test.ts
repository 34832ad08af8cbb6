/**
 * Issue 22, items 5, 8 and 11 on the config side: each attack a tenant's stack config could make,
 * refused at the key path the user has to change, before any resource exists.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { claimOn, CLUSTER_NAMESPACES, platformNamespaces, reservedNamespaces } from "../stacks/names";
import { Platform, problemsOf, refusedAt } from "./config-probe";

test("the sample stacks parse (the fixtures the attacks below start from)", () => {
  assert.deepEqual(problemsOf(() => {}, "dev"), []);
  assert.deepEqual(problemsOf(() => {}, "prod"), []);
});

const web = (p: Platform) => p.tenants[0];

test("item 5: a tenant named or namespaced sealed-secrets with Sealed Secrets on is refused (its admins would read the sealing keys)", () => {
  // The attack: a tenant takes the controller's namespace.
  refusedAt((p) => { p.sealedSecrets = { enabled: true }; web(p).name = "sealed-secrets"; delete web(p).keyVault; delete web(p).identities; delete web(p).ociRepositories; delete web(p).buckets; }, "tenants[0].name", /"sealed-secrets" is a system namespace \(Sealed Secrets, with sealedSecrets\.enabled: whoever administers it reads the sealing keys\); tenants need their own/);
  refusedAt((p) => { p.sealedSecrets = { enabled: true }; web(p).namespace = "sealed-secrets"; }, "tenants[0].namespace", /Sealed Secrets/);
  // Without the controller the namespace is nobody's.
  assert.deepEqual(problemsOf((p) => { web(p).namespace = "sealed-secrets"; }), []);
});

test("item 5: every namespace a component that is on creates is refused to tenants; off, it is free", () => {
  refusedAt((p) => (web(p).namespace = "flux-system"), "tenants[0].namespace", /Flux's controllers/);
  refusedAt((p) => (web(p).namespace = "vault"), "tenants[0].namespace", /HashiCorp Vault/);
  assert.deepEqual(problemsOf((p) => { p.vault = { enabled: false }; web(p).namespace = "vault"; }), []);
  // A namespace config sets for a component is reported at that key.
  refusedAt((p) => { p.flagger = { enabled: true }; web(p).namespace = "flagger-system"; }, "flagger.namespace", /is a tenant's namespace/);
  refusedAt((p) => { p.flagger = { enabled: true, namespace: "canaries" }; web(p).namespace = "canaries"; }, "flagger.namespace", /is a tenant's namespace/);
  assert.deepEqual(problemsOf((p) => { p.flagger = { enabled: true, namespace: "canaries" }; web(p).namespace = "flagger-system"; }), []);
});

test("item 5: AKS's and Kubernetes' own namespaces are refused to tenants", () => {
  for (const namespace of ["default", "kube-system", "kube-node-lease", "kube-anything", "aks-command", "aks-istio-system", "azure-arc", "gatekeeper-system", "app-routing-system", "calico-system", "tigera-operator"]) {
    refusedAt((p) => (web(p).namespace = namespace), "tenants[0].namespace", /Kubernetes|AKS/);
  }
  assert.deepEqual(problemsOf((p) => (web(p).namespace = "web-kube")), []);
});

test("item 5: a component's configured namespace collides neither with AKS's nor with another component's", () => {
  for (const namespace of ["kube-system", "aks-command", "gatekeeper-system", "tigera-operator", "default"]) {
    refusedAt((p) => (p.flagger = { enabled: true, namespace }), "flagger.namespace", /is a system namespace \(.*\); Flagger needs its own/);
  }
  refusedAt((p) => (p.flagger = { enabled: true, namespace: "flux-system" }), "flagger.namespace", /Flux's controllers/);
  refusedAt((p) => (p.flagger = { enabled: true, namespace: "vault" }), "flagger.namespace", /HashiCorp Vault/);
  refusedAt((p) => { p.sealedSecrets = { enabled: true }; p.flagger = { enabled: true, namespace: "sealed-secrets" }; }, "flagger.namespace", /Sealed Secrets/);
  assert.deepEqual(problemsOf((p) => (p.flagger = { enabled: true, namespace: "flagger-system" })), []);
});

test("item 5: the reserved namespaces are derived from the components that are on", () => {
  const on = { vault: { enabled: true }, flagger: { enabled: true, namespace: "canaries" }, sealedSecrets: { enabled: true }, monitoring: { enabled: true, prometheus: true } } as Parameters<typeof platformNamespaces>[0];
  assert.deepEqual(platformNamespaces(on).map((c) => c.namespace), ["flux-system", "vault", "canaries", "sealed-secrets", "kube-system"]);
  const off = { vault: { enabled: false }, flagger: { enabled: false, namespace: "canaries" }, sealedSecrets: { enabled: false }, monitoring: { enabled: false, prometheus: true } } as Parameters<typeof platformNamespaces>[0];
  assert.deepEqual(platformNamespaces(off).map((c) => c.namespace), ["flux-system"]);
  assert.equal(claimOn("web", reservedNamespaces(on)), undefined);
  assert.equal(claimOn("kube-public", CLUSTER_NAMESPACES)?.namespace, "kube-");
  // The components' fixed namespaces differ from each other (only configured ones are checked in config).
  const fixed = platformNamespaces(on).filter((c) => !c.path && !claimOn(c.namespace, CLUSTER_NAMESPACES)).map((c) => c.namespace);
  assert.equal(new Set(fixed).size, fixed.length);
});

test("item 5: a tenant's repository is never ci.repository, in any spelling, bare or owner/name", () => {
  // The attack: the tenant names the infrastructure repository and, with image automation, gets a write key there.
  refusedAt((p) => (web(p).git.repository = "acme-platform/platform-infra"), "tenants[0].git.repository", /is ci\.repository.*a deploy key/);
  refusedAt((p) => (web(p).git.repository = "platform-infra"), "tenants[0].git.repository", /is ci\.repository/);
  refusedAt((p) => (web(p).git.repository = "ACME-Platform/Platform-Infra"), "tenants[0].git.repository", /is ci\.repository/);
  refusedAt((p) => (web(p).git.repository = "acme-platform/platform-infra"), "tenants[0].git.repository", /a write deploy key \(imageAutomation\)/, "prod");
  assert.deepEqual(problemsOf((p) => (web(p).git.repository = "acme-platform/platform-infra-web")), []);
});

test("item 5: two tenants never share a repository (GitHub names compare case-insensitively)", () => {
  // The attack: api names web's repository and reconciles (and decrypts) web's manifests.
  refusedAt((p) => (p.tenants[1].git.repository = "web-frontend-config"), "tenants[1].git.repository", /also tenants\[0\]\.git\.repository/);
  refusedAt((p) => (p.tenants[1].git.repository = "acme-platform/web-frontend-config"), "tenants[1].git.repository", /also tenants\[0\]/);
  refusedAt((p) => (p.tenants[1].git.repository = "Acme-Platform/WEB-frontend-config"), "tenants[1].git.repository", /case-insensitively/);
  refusedAt((p) => (p.tenants[2].git.repository = "web-frontend-config"), "tenants[2].git.repository", /a write deploy key|a deploy key/, "prod");
  // Same name under another owner is another repository.
  assert.deepEqual(problemsOf((p) => (p.tenants[1].git.repository = "someone-else/web-frontend-config")), []);
});

test("item 11: no source address carries user:password@ or token@, each refused at its key path with the secret-based way", () => {
  const oci = (url: string) => (p: Platform) => (web(p).ociRepositories[0].url = url);
  refusedAt(oci("oci://flux:s3cret@acrwebdev4k2x9q.azurecr.io/web/config"), "tenants[0].ociRepositories[0].url", /plain text.*provider: azure with serviceAccountName/);
  refusedAt(oci("oci://ghp_token@ghcr.io/acme/web"), "tenants[0].ociRepositories[0].url", /spec\.secretRef/);
  refusedAt(oci("oci://:pw@ghcr.io/acme/web"), "tenants[0].ociRepositories[0].url", /user:password@/);
  const helm = (repository: string, values: Record<string, unknown> = {}) => (p: Platform) => (web(p).helmReleases = [{ name: "redis", repository, chart: "redis", version: "1.0.0", values }]);
  refusedAt(helm("https://user:token@charts.example.com/stable"), "tenants[0].helmReleases[0].repository", /spec\.secretRef naming a Secret/);
  refusedAt(helm("oci://robot@registry.example.com/charts"), "tenants[0].helmReleases[0].repository", /plain text/);
  refusedAt(helm("https://charts.example.com", { upstream: { url: "postgres://app:hunter2@db.example.com:5432/app" } }), "tenants[0].helmReleases[0].values.upstream.url", /Helm values/);
  refusedAt(helm("https://charts.example.com", { args: ["--proxy=https://u:p@proxy.example.com"] }), "tenants[0].helmReleases[0].values.args[0]", /existing-secret/);
  const bucket = (endpoint: string, provider = "generic") => (p: Platform) => (web(p).buckets = [{ name: "b", bucketName: "manifests", endpoint, provider }]);
  refusedAt(bucket("minio:minio123@minio.example.com:9000"), "tenants[0].buckets[0].endpoint", /workload identity/);
  refusedAt(bucket("https://key@acmeplatformdev.blob.core.windows.net", "azure"), "tenants[0].buckets[0].endpoint", /user:password@/);
  // An @ in the path is no userinfo: an OCI digest, an address in Helm values that is not a URL.
  assert.deepEqual(problemsOf(oci("oci://acrwebdev4k2x9q.azurecr.io/web/config@sha256:0123")), []);
  assert.deepEqual(problemsOf(helm("https://charts.example.com/a@b", { email: "ops@example.com", url: "https://charts.example.com/x?y=@z" })), []);
});
