/**
 * Issue 25, items 3, 4 and 6 (the remainder): Kubernetes names, label values and sizes, Flux
 * objects of one kind and name from two source kinds, the Log Analytics daily cap, ARM ids and
 * the CI deploy identity's subscription; each refused at its key path (exit 1, no stack trace),
 * several cases a class, on the sample stacks changed by one edit.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { pinTestDay, stackFileWith } from "./helpers";
import { synthInProcess } from "./synth-in-process";
import { labelKeyProblem } from "../stacks/rules-kubernetes";
import { labelValueProblem, objectNameProblem } from "../policy/deploy/kubernetes-objects";

pinTestDay();

const P = "gitops-platform:platform";
type Platform = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const web = (platform: Platform): Platform => platform.tenants[0];
const SUBSCRIPTION = "00000000-0000-4000-8000-000000000001";

interface Case {
  name: string;
  stack?: "dev" | "prod";
  edit: (platform: Platform) => void;
  /** `<key path>: <start of the message>` lines stderr must hold. */
  problems: string[];
}

async function refusesAll(cases: Case[]): Promise<void> {
  for (const c of cases) {
    const outcome = await synthInProcess(c.stack ?? "dev", stackFileWith(c.stack ?? "dev", c.edit));
    assert.equal(outcome.code, 1, `${c.name}: exit ${outcome.code}\n${outcome.stderr}`);
    assert.doesNotMatch(outcome.stderr, /\n\s+at /, `${c.name}: a stack trace`);
    for (const problem of c.problems) assert.ok(outcome.stderr.includes(`  ${P}.${problem}`), `${c.name}: no "${problem}" in\n${outcome.stderr}`);
  }
}

const helmRelease = (values: Record<string, unknown>) => ({ name: "big", repository: "https://charts.example.com", chart: "app", version: "1.0.0", values });

test("item 6: two Flux objects of one kind and name from different source kinds (the Git sync is named after the repository)", () =>
  refusesAll([
    { name: "an OCI source named like the Git repository", edit: (p) => (web(p).ociRepositories[0].name = "web-frontend-config"), problems: ['tenants[0].ociRepositories[0].name: the Kustomization "web-frontend-config" that would sync this source is the one that syncs tenants[0].git'] },
    { name: "a bucket named like the Git repository", edit: (p) => (web(p).buckets[0].name = "web-frontend-config"), problems: ['tenants[0].buckets[0].name: the Kustomization "web-frontend-config"'] },
    {
      name: "a repository whose cleaned name is an OCI source's",
      edit: (p) => (web(p).git.repository = "acme-platform/Web.Config"),
      problems: ['tenants[0].ociRepositories[0].name: the Kustomization "web-config"'],
    },
    { name: "a repository name with no letter or digit (the component threw)", edit: (p) => (web(p).git.repository = "acme-platform/..."), problems: ['tenants[0].git.repository: "acme-platform/..." gives no Kubernetes object name'] },
    { name: "a repository name of '_' only", edit: (p) => (web(p).git.repository = "_"), problems: ['tenants[0].git.repository: "_" gives no Kubernetes object name'] },
  ]));

test("item 6: an object over the API server's request limit (Helm values) and node labels Kubernetes refuses", () =>
  refusesAll([
    { name: "2 MB of Helm values", edit: (p) => (web(p).helmReleases = [helmRelease({ blob: "x".repeat(2_000_000) })]), problems: ["tenants[0].helmReleases[0].values: 2000011 bytes of values"] },
    { name: "1.55 MiB of Helm values in many keys", edit: (p) => (web(p).helmReleases = [helmRelease(Object.fromEntries(Array.from({ length: 1700 }, (_, i) => [`k${i}`, "y".repeat(950)])))]), problems: ["tenants[0].helmReleases[0].values: "] },
    {
      name: "a node label key with a space, a value of 64 characters, a prefix in upper case",
      edit: (p) => (p.cluster = { ...p.cluster, userPools: [{ name: "apps", labels: { "team name": "a", tier: "v".repeat(64), "Acme.io/tier": "web" } }] }),
      problems: ['cluster.userPools[0].labels.team name: Kubernetes refuses the node label "team name"', "cluster.userPools[0].labels.tier: Kubernetes refuses the node label's value: is 64 characters", 'cluster.userPools[0].labels.Acme.io/tier: Kubernetes refuses the node label "Acme.io/tier": the prefix'],
    },
  ]));

test("item 6: Helm values just under the limit pass", async () => {
  const outcome = await synthInProcess("dev", stackFileWith("dev", (p) => (web(p).helmReleases = [helmRelease({ blob: "x".repeat(1_400_000) })])));
  assert.equal(outcome.code, 0, outcome.stderr);
});

test("item 4: the Log Analytics daily cap minimum, ARM ids with a subscription that is no GUID, scopes of the platform's group in another subscription", () =>
  refusesAll([
    { name: "a daily cap of 0.01 GB", edit: (p) => (p.monitoring.dailyCapGb = 0.01), problems: ["monitoring.dailyCapGb: 0.01 GB is below the smallest daily cap Log Analytics takes (0.023 GB)"] },
    { name: "a daily cap of 0.0229 GB", edit: (p) => (p.monitoring.dailyCapGb = 0.0229), problems: ["monitoring.dailyCapGb: 0.0229 GB is below"] },
    {
      name: "a scope whose subscription is a name",
      edit: (p) => (web(p).identities[1].roles[1].scope = String(web(p).identities[1].roles[1].scope).replace(SUBSCRIPTION, "my-subscription")),
      problems: ['tenants[0].identities[1].roles[1].scope: "/subscriptions/my-subscription/'],
    },
    {
      name: "an action group id with an empty segment",
      edit: (p) => (p.monitoring.alertActionGroupIds = [`/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/oncall`.replace("/providers/", "//providers/")]),
      problems: ["monitoring.alertActionGroupIds[0]: "],
    },
    {
      name: "the bucket's storage account in rg-gitops-dev of another subscription than the grant's",
      edit: (p) => (web(p).buckets[0].storageAccountId = String(web(p).buckets[0].storageAccountId).replace(SUBSCRIPTION, "00000000-0000-4000-8000-000000000002")),
      problems: ["tenants[0].buckets[0].storageAccountId: names rg-gitops-dev in subscription 00000000-0000-4000-8000-000000000002, but tenants[0].identities[1].roles[1].scope names it in 00000000-0000-4000-8000-000000000001"],
    },
    {
      name: "a second grant on rg-gitops-dev in another subscription (case of the GUID does not matter)",
      edit: (p) => {
        const scope = String(web(p).identities[1].roles[1].scope);
        web(p).buckets[0].storageAccountId = String(web(p).buckets[0].storageAccountId).replace(SUBSCRIPTION, SUBSCRIPTION.toUpperCase());
        web(p).identities[0].roles.push({ role: "Storage Blob Data Reader", scope: scope.replace(SUBSCRIPTION, "00000000-0000-4000-8000-0000000000ff") });
      },
      problems: ["tenants[0].identities[0].roles[1].scope: names rg-gitops-dev in subscription 00000000-0000-4000-8000-0000000000ff"],
    },
  ]));

test("the name and label checks the rules share with the deploy rule", () => {
  assert.equal(objectNameProblem("Namespace", "n".repeat(63)), undefined);
  assert.match(objectNameProblem("Namespace", "n".repeat(64))!, /at most 63/);
  assert.equal(objectNameProblem("ServiceAccount", `${"a".repeat(100)}.${"b".repeat(152)}`), undefined);
  assert.match(objectNameProblem("ServiceAccount", "a".repeat(254))!, /at most 253/);
  assert.match(objectNameProblem("Secret", "web_config")!, /no DNS-1123 subdomain/);
  assert.equal(objectNameProblem("ClusterRole", "system:flux:Reader"), undefined);
  assert.match(objectNameProblem("RoleBinding", "..")!, /no path segment/);
  assert.equal(labelValueProblem(""), undefined);
  assert.equal(labelValueProblem("v1.2_a-b"), undefined);
  assert.match(labelValueProblem("-x")!, /no label value/);
  assert.equal(labelKeyProblem("kubernetes.azure.com/mode"), undefined);
  assert.match(labelKeyProblem("a/b/c")!, /prefix/);
  assert.match(labelKeyProblem("")!, /1-63/);
});
