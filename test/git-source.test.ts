import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as github from "@pulumi/github";
import { Flux } from "../components/kubernetes/flux";
import { GitSource, GitSourceArgs } from "../components/tenant/git-source";
import { parseKnownHostsLine } from "../components/kubernetes/known-hosts";
import { FluxSources } from "../components/tenant/sources";
import { RECONCILER_SERVICE_ACCOUNT, Tenant } from "../components/tenant/namespace";
import { REDACTED } from "../synth/redact";
import { validateKubernetesObjects } from "../synth/validate";
import { dependsOn, run, TestRun } from "./helpers";
import { teamTenantArgs } from "./admission-cel";

const NAMESPACE = "team-a-dev";

/** A tenant with Flux (helm), a GitSource and the other source kinds, as the platform wires them. */
async function runTenantSources(git: Partial<GitSourceArgs> = {}): Promise<TestRun> {
  return run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const gh = new github.Provider("github", { owner: "acme" });
    const flux = new Flux("flux", {
      install: "helm",
      version: "2.18.3",
      multitenancy: true,
      cluster: { name: "aks-dev", resourceGroupName: "rg", oidcIssuerUrl: "https://issuer.example/", location: "westeurope", provider },
    });
    const tenant = new Tenant("team-a", teamTenantArgs(provider, NAMESPACE));
    const fluxReady = [...flux.ready, ...tenant.ready];
    const source = new GitSource("team-a-git", {
      provider,
      repository: "acme/Team.Apps",
      branch: "main",
      path: "./envs/dev",
      interval: "5m",
      namespace: tenant.namespace,
      serviceAccountName: tenant.serviceAccountName,
      sops: true,
      fluxReady,
      clusterName: "aks-dev",
      ...git,
    }, { providers: { github: gh } });
    new FluxSources("team-a-sources", {
      provider,
      namespace: tenant.namespace,
      serviceAccountName: tenant.serviceAccountName,
      sops: false,
      fluxReady,
      helmReleases: [{ name: "podinfo", repository: "https://stefanprodan.github.io/podinfo", chart: "podinfo", version: "6.x", values: { replicaCount: 2 }, interval: "10m" }],
      ociRepositories: [{ name: "manifests", url: "oci://ghcr.io/acme/manifests", tag: "v1.2.0", provider: "generic", path: "./", interval: "5m" }],
      buckets: [{ name: "blobs", bucketName: "team-a", endpoint: "stacme.blob.core.windows.net", provider: "azure", path: "./deploy", interval: "15m" }],
    });
    return {
      repositoryUrl: source.repositoryUrl,
      deployKeyPublic: source.deployKeyPublic,
      gitRepositoryName: source.gitRepositoryName,
      kustomizationName: source.kustomizationName,
    };
  });
}

type Obj = { kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
const objects = (r: TestRun, kind: string) => r.resources.filter((x) => x.custom && x.values.kind === kind);

test("a read-only ED25519 deploy key on the repository, through the given GitHub provider", async () => {
  const r = await runTenantSources();
  const key = r.one("tls:index/privateKey:PrivateKey");
  assert.equal(key.values.algorithm, "ED25519");
  const deployKey = r.one("github:index/repositoryDeployKey:RepositoryDeployKey");
  assert.equal(deployKey.values.readOnly, true);
  assert.equal(deployKey.values.repository, "Team.Apps");
  assert.equal(deployKey.values.key, key.outputs.publicKeyOpenssh);
  assert.equal(deployKey.values.title, `flux aks-dev/${NAMESPACE}`);
  assert.equal(deployKey.provider, r.one("pulumi:providers:github").urn);
  assert.equal(r.outputs.deployKeyPublic, key.outputs.publicKeyOpenssh);
  assert.equal(r.ofType("github:index/repository:Repository").length, 0, "create is off");
});

test("the SSH Secret waits for the tenant namespace even when the namespace is given as a plain string", async () => {
  // The platform passes the name as a string so the deploy key need not wait for the cluster.
  const r = await runTenantSources({ namespace: NAMESPACE });
  const secret = r.one("kubernetes:core/v1:Secret", "team-a-git-git-secret");
  const namespace = r.one("kubernetes:core/v1:Namespace");
  assert.equal((secret.values.metadata as { namespace: string }).namespace, NAMESPACE);
  assert.ok(dependsOn(r, secret, namespace), "the Secret is created after its namespace");
  const deployKey = r.one("github:index/repositoryDeployKey:RepositoryDeployKey");
  assert.ok(!dependsOn(r, deployKey, namespace), "the deploy key still does not wait for the cluster");
});

test("the SSH Secret: a redacted private key and known_hosts lines that parse", async () => {
  const r = await runTenantSources();
  const secret = r.one("kubernetes:core/v1:Secret", "team-a-git-git-secret");
  const metadata = secret.values.metadata as { name: string; namespace: string };
  assert.deepEqual([metadata.namespace, metadata.name], [NAMESPACE, "team-apps-git"]);
  const inputs = secret.inputs.stringData as string | Record<string, string>;
  assert.equal(typeof inputs === "string" ? inputs : inputs.identity, REDACTED);
  const data = secret.values.stringData as { identity: string; known_hosts: string };
  assert.match(data.identity, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  const lines = data.known_hosts.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  const parsed = lines.map(parseKnownHostsLine);
  assert.ok(parsed.every((p) => p !== undefined && p.hosts.join() === "github.com"));
  assert.deepEqual(parsed.map((p) => p!.keyType).sort(), ["ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"]);
  const printable = JSON.stringify(r.resources.map((x) => [x.inputs, x.outputs]));
  assert.ok(!printable.includes("PRIVATE KEY"), "no private key in printable state");
});

test("GitRepository and Kustomization in the tenant namespace, impersonating the reconciler", async () => {
  const r = await runTenantSources();
  const repo = objects(r, "GitRepository")[0].values as Obj;
  assert.equal(repo.metadata.namespace, NAMESPACE);
  assert.equal(repo.metadata.name, "team-apps");
  assert.deepEqual(repo.spec, { url: "ssh://git@github.com/acme/Team.Apps", ref: { branch: "main" }, interval: "5m", secretRef: { name: "team-apps-git" } });
  const sync = r.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "team-a-git-sync").values as Obj;
  assert.equal(sync.metadata.namespace, NAMESPACE);
  assert.deepEqual(sync.spec, {
    sourceRef: { kind: "GitRepository", name: "team-apps" },
    path: "./envs/dev",
    prune: true,
    wait: true,
    interval: "5m",
    timeout: "5m",
    serviceAccountName: RECONCILER_SERVICE_ACCOUNT,
    targetNamespace: NAMESPACE,
    decryption: { provider: "sops", serviceAccountName: "flux-decryption" },
  });
  assert.deepEqual(r.outputs, {
    repositoryUrl: "ssh://git@github.com/acme/Team.Apps",
    deployKeyPublic: r.outputs.deployKeyPublic,
    gitRepositoryName: "team-apps",
    kustomizationName: "team-apps",
  });
});

test("without sops, no decryption block", async () => {
  const r = await runTenantSources({ sops: false });
  const sync = r.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "team-a-git-sync").values as Obj;
  assert.equal(sync.spec.decryption, undefined);
});

test("every tenant Flux object: reconciler account, own namespace as target, no cross-namespace refs, after the install", async () => {
  const r = await runTenantSources();
  const release = r.one("kubernetes:helm.sh/v3:Release");
  const reconcilerBinding = r.one("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "team-a-reconciler");
  const flux = r.resources.filter((x) => x.custom && String(x.values.apiVersion ?? "").includes(".fluxcd.io/"));
  assert.deepEqual(
    [...new Set(flux.map((x) => x.values.kind))].sort(),
    ["Bucket", "GitRepository", "HelmRelease", "HelmRepository", "Kustomization", "OCIRepository"],
  );
  for (const x of flux) {
    const o = x.values as Obj;
    assert.equal(o.metadata.namespace, NAMESPACE, x.name);
    assert.ok(dependsOn(r, x, release), `${x.name} waits for the Flux install`);
    assert.ok(dependsOn(r, x, reconcilerBinding), `${x.name} waits for the tenant RBAC`);
    const refs = [o.spec.sourceRef, (o.spec.chart as { spec?: { sourceRef?: unknown } } | undefined)?.spec?.sourceRef].filter(Boolean);
    for (const ref of refs) assert.equal((ref as { namespace?: string }).namespace, undefined, `${x.name}: sourceRef without namespace`);
    if (o.kind === "Kustomization" || o.kind === "HelmRelease") {
      assert.equal(o.spec.serviceAccountName, RECONCILER_SERVICE_ACCOUNT, x.name);
      assert.equal(o.spec.targetNamespace, NAMESPACE, x.name);
    }
  }
  assert.equal(objects(r, "Kustomization").length, 3, "git, oci, bucket");
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("helm, OCI and bucket sources carry their config", async () => {
  const r = await runTenantSources();
  const spec = (kind: string) => (objects(r, kind)[0].values as Obj).spec;
  assert.deepEqual(spec("HelmRepository"), { url: "https://stefanprodan.github.io/podinfo", interval: "10m" });
  const hr = spec("HelmRelease") as { chart: { spec: object }; values: object };
  assert.deepEqual(hr.chart.spec, { chart: "podinfo", version: "6.x", sourceRef: { kind: "HelmRepository", name: "podinfo" }, interval: "10m" });
  assert.deepEqual(hr.values, { replicaCount: 2 });
  // Drift detection on (FluxSources' default), with the replicas an autoscaler owns left alone.
  assert.deepEqual((hr as { driftDetection?: object }).driftDetection, { mode: "enabled", ignore: [{ paths: ["/spec/replicas"], target: { kind: "^(Deployment|StatefulSet)$" } }] });
  assert.deepEqual(spec("OCIRepository"), { url: "oci://ghcr.io/acme/manifests", ref: { tag: "v1.2.0" }, provider: "generic", interval: "5m" });
  assert.deepEqual(spec("Bucket"), { bucketName: "team-a", endpoint: "stacme.blob.core.windows.net", provider: "azure", interval: "15m" });
  const bucketSync = r.one("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization", "team-a-sources-blobs-sync").values as Obj;
  assert.deepEqual(bucketSync.spec.sourceRef, { kind: "Bucket", name: "blobs" });
  assert.equal(bucketSync.spec.path, "./deploy");
});

test("create: a private repository with a reviewed-PR default branch, before the deploy key", async () => {
  const r = await runTenantSources({ create: true });
  const repo = r.one("github:index/repository:Repository");
  assert.equal(repo.values.name, "Team.Apps");
  assert.equal(repo.values.visibility, "private");
  assert.equal(repo.values.autoInit, true);
  const protection = r.one("github:index/branchProtection:BranchProtection");
  assert.equal(protection.values.pattern, "main");
  assert.equal(protection.values.repositoryId, repo.outputs.nodeId);
  const reviews = protection.values.requiredPullRequestReviews as { requiredApprovingReviewCount: number }[];
  assert.equal(reviews[0].requiredApprovingReviewCount, 1);
  const deployKey = r.one("github:index/repositoryDeployKey:RepositoryDeployKey");
  assert.ok(dependsOn(r, deployKey, repo));
  assert.equal(deployKey.values.readOnly, true);
  assert.equal(r.ofType("github:index/branchDefault:BranchDefault").length, 0, "main is already the default");
  for (const x of [repo, protection, deployKey]) assert.equal(x.provider, r.one("pulumi:providers:github").urn);
});

test("create with another branch renames the default branch before protecting it", async () => {
  const r = await runTenantSources({ create: true, branch: "production" });
  const rename = r.one("github:index/branchDefault:BranchDefault");
  assert.equal(rename.values.branch, "production");
  assert.equal(rename.values.rename, true);
  const protection = r.one("github:index/branchProtection:BranchProtection");
  assert.equal(protection.values.pattern, "production");
  assert.ok(dependsOn(r, protection, rename));
});

test("image automation: a write deploy key, and a push branch of its own beside the protected one", async () => {
  const r = await runTenantSources({ create: true, imageAutomation: {} });
  assert.equal(r.one("github:index/repositoryDeployKey:RepositoryDeployKey").values.readOnly, false);
  assert.equal(r.one("github:index/branchProtection:BranchProtection").values.pattern, "main", "the followed branch stays protected");
  const withBranch = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const source = new GitSource("s", {
      provider,
      repository: "acme/apps",
      branch: "main",
      path: "./",
      interval: "5m",
      namespace: NAMESPACE,
      serviceAccountName: RECONCILER_SERVICE_ACCOUNT,
      sops: false,
      imageAutomation: { pushBranch: "bots/images" },
    });
    return { branch: source.imageUpdateBranch };
  });
  assert.equal(withBranch.outputs.branch, "bots/images");
});

test("image automation cannot push to the branch create protects", async () => {
  await assert.rejects(runTenantSources({ create: true, imageAutomation: { pushBranch: "main" } }), /image automation cannot push to main.*flux\/image-updates/);
});

test("the write key is a key pair of its own, so switching modes never re-adds the same public key to GitHub", async () => {
  const readOnly = await runTenantSources();
  const write = await runTenantSources({ imageAutomation: {} });
  const names = (r: TestRun) => [...r.ofType("tls:index/privateKey:PrivateKey"), ...r.ofType("github:index/repositoryDeployKey:RepositoryDeployKey")].map((x) => x.name);
  assert.deepEqual(names(readOnly), ["team-a-git-deploy-key", "team-a-git-deploy-key"]);
  assert.deepEqual(names(write), ["team-a-git-write-deploy-key", "team-a-git-write-deploy-key"]);
});
