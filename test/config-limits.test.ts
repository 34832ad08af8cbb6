/**
 * Limits of the real services, each refused at its key path before any resource is created (exit
 * 1, no stack trace): one test per class, several cases each, on the sample stacks changed by one
 * edit. docs/config-limits.md lists them.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { test } from "node:test";
import { pinTestDay, stackFileWith } from "./helpers";
import { synthInProcess } from "./synth-in-process";
import { TENANT_TAG } from "../components/kubernetes/labels";

pinTestDay();

const P = "gitops-platform:platform";
type Platform = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const web = (platform: Platform): Platform => platform.tenants[0];

interface Case {
  name: string;
  stack?: "dev" | "prod";
  edit: (platform: Platform) => void;
  /** `<key path>: <start of the message>` lines stderr must hold. */
  problems: string[];
}

async function refuses(c: Case): Promise<void> {
  const outcome = await synthInProcess(c.stack ?? "dev", stackFileWith(c.stack ?? "dev", c.edit));
  assert.equal(outcome.code, 1, `${c.name}: exit ${outcome.code}\n${outcome.stderr}`);
  assert.doesNotMatch(outcome.stderr, /\n\s+at /, `${c.name}: a stack trace`);
  for (const problem of c.problems) assert.ok(outcome.stderr.includes(`  ${P}.${problem}`), `${c.name}: no "${problem}" in\n${outcome.stderr}`);
}

async function refusesAll(cases: Case[]): Promise<void> {
  for (const c of cases) await refuses(c);
}

const container = (name: string) =>
  `/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.Storage/storageAccounts/acmeplatformdev/blobServices/default/containers/${name}`;

test("item 3: what a component checks on user input is refused by validation first (registry pushers)", () =>
  refusesAll([
    { name: "a pusher environment with a space", edit: (p) => (web(p).registry = { push: [{ repository: "acme/web", environment: "prod east" }] }), problems: ["tenants[0].registry.push[0].environment: branch or environment must be non-empty"] },
    { name: "a pusher environment with a '*'", edit: (p) => (web(p).registry = { push: [{ repository: "acme/web", environment: "prod*" }] }), problems: ["tenants[0].registry.push[0].environment: branch or environment must be non-empty"] },
    {
      name: "one repository in two spellings",
      edit: (p) => (web(p).registry = { push: [{ repository: "acme/Web", branch: "main" }, { repository: "Acme/web", branch: "main" }] }),
      problems: ["tenants[0].registry.push[1].repository: GitHub repository names compare case-insensitively"],
    },
  ]));

test("item 4: tag names compare case-insensitively, with each other and with the platform's; empty tag names", () =>
  refusesAll([
    { name: "two spellings of one tag", edit: (p) => (p.tags = { ...p.tags, Owner: "x" }), problems: ['tags.Owner: Azure compares tag names case-insensitively: "Owner" is the same tag as "owner"'] },
    { name: "a spelling of a platform tag", edit: (p) => (p.tags = { ...p.tags, Environment: "x" }), problems: ["tags.Environment: Azure compares tag names case-insensitively"] },
    { name: "a spelling of the tenant tag", edit: (p) => (p.tags = { ...p.tags, [TENANT_TAG.toUpperCase()]: "x" }), problems: [`tags.${TENANT_TAG.toUpperCase()}: Azure compares tag names case-insensitively`] },
    { name: "an empty tag name", edit: (p) => (p.tags = { ...p.tags, "": "x" }), problems: ["tags: a tag name is empty"] },
    { name: "a blank tag name", edit: (p) => (p.tags = { ...p.tags, "  ": "x" }), problems: ["tags: a tag name is empty"] },
  ]));

test("item 4: managed identity names fit 128 characters with the platform's prefix; ARM ids have no '..' or empty segments", () =>
  refusesAll([
    {
      name: "tenant and identity names at their 63-character maximum",
      edit: (p) => Object.assign(web(p), { name: "w".repeat(63) }).identities[0].name = "i".repeat(63),
      problems: ["tenants[0].identities[0].name: the managed identity's Azure name"],
    },
    {
      name: "a scope with '..'",
      edit: (p) => (web(p).identities[1].roles[1].scope = container("web-manifests").replace("/resourceGroups/rg-gitops-dev/", "/resourceGroups/../")),
      problems: ["tenants[0].identities[1].roles[1].scope: "],
    },
    {
      name: "a storage account id with '.'",
      edit: (p) => (web(p).buckets[0].storageAccountId = String(web(p).buckets[0].storageAccountId).replace("/resourceGroups/rg-gitops-dev/", "/resourceGroups/./")),
      problems: ["tenants[0].buckets[0].storageAccountId: "],
    },
  ]));

test("item 5: AKS-reserved ranges, the service range's size, the node subnet's room, at most 200 authorized ranges", () =>
  refusesAll([
    { name: "pods in 169.254.0.0/16", edit: (p) => (p.cluster.network = { ...p.cluster.network, podCidr: "169.254.0.0/16" }), problems: ["cluster.network.podCidr: 169.254.0.0/16 overlaps 169.254.0.0/16, which AKS reserves"] },
    { name: "services in 172.30.0.0/16", edit: (p) => (p.cluster.network = { ...p.cluster.network, serviceCidr: "172.30.0.0/16", dnsServiceIp: "172.30.0.10" }), problems: ["cluster.network.serviceCidr: 172.30.0.0/16 overlaps"] },
    { name: "a pod range around 172.31.0.0/16", edit: (p) => (p.cluster.network = { ...p.cluster.network, podCidr: "172.16.0.0/12" }), problems: ["cluster.network.podCidr: 172.16.0.0/12 overlaps 172.30.0.0/16"] },
    {
      name: "a VNet over 192.0.2.0/24",
      stack: "prod",
      edit: (p) => (p.cluster = { ...p.cluster, network: { ...p.cluster.network, vnet: { addressSpace: "192.0.0.0/16", nodeSubnet: "192.0.0.0/24" } } }),
      problems: ["cluster.network.vnet.addressSpace: 192.0.0.0/16 overlaps 192.0.2.0/24"],
    },
    { name: "a /8 service range", edit: (p) => (p.cluster.network = { ...p.cluster.network, serviceCidr: "10.0.0.0/8", podCidr: "100.64.0.0/16" }), problems: ["cluster.network.serviceCidr: /8 is larger than Kubernetes allows"] },
    {
      name: "a /30 node subnet",
      stack: "prod",
      edit: (p) => (p.cluster = { ...p.cluster, network: { ...p.cluster.network, vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/30" } } }),
      problems: ["cluster.network.vnet.nodeSubnet: /30 is smaller than Azure's smallest subnet"],
    },
    {
      name: "a /28 node subnet for pools of up to 10 nodes",
      stack: "prod",
      edit: (p) => (p.cluster = { ...p.cluster, systemPool: { ...p.cluster.systemPool, maxCount: 10 }, network: { ...p.cluster.network, vnet: { addressSpace: "10.224.0.0/12", nodeSubnet: "10.224.0.0/28" } } }),
      problems: ["cluster.network.vnet.nodeSubnet: holds 11 nodes"],
    },
    {
      name: "201 authorized ranges",
      stack: "prod",
      edit: (p) => (p.cluster = { ...p.cluster, authorizedIpRanges: Array.from({ length: 201 }, (_, i) => `203.0.${Math.floor(i / 64)}.${(i % 64) * 4}/30`) }),
      problems: ["cluster.authorizedIpRanges: 201 ranges; AKS takes at most 200"],
    },
  ]));

test("item 7: Vault's reserved mount paths, and roles bound to the default service account", () =>
  refusesAll([
    ...["sys", "cubbyhole", "identity", "auth"].map((mount) => ({ name: `kvMount ${mount}`, edit: (p: Platform) => (p.vault = { ...p.vault, kvMount: mount }), problems: [`vault.kvMount: "${mount}" is a path Vault reserves`] })),
    { name: "a role for default", edit: (p) => (web(p).vault.roles[0].serviceAccounts = ["frontend", "default"]), problems: ['tenants[0].vault.roles[0].serviceAccounts[1]: "default" is the account of every pod that names none'] },
  ]));

test("item 8: a generic, aws or gcp Bucket endpoint is host[:port]", () =>
  refusesAll(
    ["https://minio.example.com", "minio.example.com/path", "minio.example.com:99999", "minio example.com"].map((endpoint) => ({
      name: `endpoint ${endpoint}`,
      edit: (p: Platform) => (web(p).buckets = [{ name: "generic", bucketName: "manifests", endpoint, provider: "generic", path: "./" }]),
      problems: ["tenants[0].buckets[0].endpoint: must be host[:port]"],
    })),
  ));

test("item 9: .inf, -.inf and .nan are named as written, not as null", async () => {
  for (const [text, written] of [[".inf", ".inf"], ["-.inf", "-.inf"], [".nan", ".nan"], [".Inf", ".inf"]]) {
    const file = stackFileWith("dev", () => undefined);
    writeFileSync(file, `config:\n  azure-native:location: westeurope\n  ${P}:\n    environment: dev\n    monitoring:\n      dailyCapGb: ${text}\n`);
    const outcome = await synthInProcess("dev", file);
    assert.equal(outcome.code, 1, outcome.stderr);
    assert.ok(outcome.stderr.includes(`${P}.monitoring.dailyCapGb: must be a finite number, got ${written}`), outcome.stderr);
    assert.doesNotMatch(outcome.stderr, /null/);
  }
});

test("generative find: one Entra group twice, in any case, is refused at its key path (it crashed KeyVault's administrator grants)", () =>
  refusesAll([
    {
      name: "an admin group in upper case again",
      edit: (p) => p.cluster.adminGroupObjectIds.push(String(p.cluster.adminGroupObjectIds[0]).toUpperCase()),
      problems: ["cluster.adminGroupObjectIds[1]: 5D8C1F3E-2B7A-4C9D-8E6F-0A1B2C3D4E5F is the group at index 0 again"],
    },
    { name: "an admin group again", edit: (p) => p.cluster.adminGroupObjectIds.push(p.cluster.adminGroupObjectIds[0]), problems: ["cluster.adminGroupObjectIds[1]: "] },
    { name: "a tenant's admins", edit: (p) => web(p).groups.admins.push(String(web(p).groups.admins[0]).toUpperCase()), problems: ["tenants[0].groups.admins[1]: "] },
    { name: "a tenant's viewers", edit: (p) => web(p).groups.viewers.push(web(p).groups.viewers[0]), problems: ["tenants[0].groups.viewers[1]: "] },
  ]));
