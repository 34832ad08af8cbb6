/**
 * Names the platform derives from user input are injective: inputs that differ only in a
 * character the cleaning replaces, or only past the cut, get distinct names; an input that is
 * already a valid name keeps it as it is (the names of existing resources never change).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { serviceAccountCredentialName } from "../components/azure/workload-identity";
import { ciCredentialName } from "../components/azure/ci-identity";
import { scopeName } from "../components/tenant/identities";
import { synthesize } from "../synth/synthesize";
import { pinTestDay, stackFileWith } from "./helpers";

pinTestDay();

const CREDENTIAL_NAME = /^[A-Za-z0-9_-]{3,120}$/;
const SCOPE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

test("service account credential names: valid, unchanged where the input is already a name, distinct for '.' vs '-' and past the cut", () => {
  assert.equal(serviceAccountCredentialName({ namespace: "web", name: "frontend-azure" }), "web-frontend-azure");
  assert.equal(serviceAccountCredentialName({ namespace: "vault", name: "vault" }), "vault-vault");
  const long = "a".repeat(130);
  const pairs: [string, string][] = [
    ["my.app", "my-app"],
    ["a.b.c", "a-b.c"],
    [`${long}x`, `${long}y`],
    [`${"b".repeat(116)}`, `${"b".repeat(117)}`],
  ];
  for (const [one, two] of pairs) {
    const a = serviceAccountCredentialName({ namespace: "web", name: one });
    const b = serviceAccountCredentialName({ namespace: "web", name: two });
    assert.notEqual(a, b, `${one} and ${two}`);
    for (const name of [a, b]) assert.match(name, CREDENTIAL_NAME);
  }
});

const container = (account: string, name: string) =>
  `/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-gitops-dev/providers/Microsoft.Storage/storageAccounts/${account}/blobServices/default/containers/${name}`;

test("scope names: valid, unchanged for short ids, distinct where only the cut or the cleaning tells two scopes apart", () => {
  assert.equal(scopeName("keyVault"), "tenant-vault");
  assert.equal(scopeName(container("acmeplatformdev", "web-manifests")), "blob-web-manifests-acmeplatformdev");
  const long = "manifests-for-the-web-frontend-team";
  const pairs: [string, string][] = [
    [container("acct", `${long}-one`), container("acct", `${long}-two`)],
    [container("123", "logs"), container("23", "logs1")],
    [container("acct", "a.b"), container("acct", "a-b")],
  ];
  for (const [one, two] of pairs) {
    const a = scopeName(one);
    const b = scopeName(two);
    assert.notEqual(a, b, `${one} and ${two}`);
    for (const name of [a, b]) {
      assert.match(name, SCOPE_NAME);
      assert.doesNotMatch(name, /-\d+$/);
    }
  }
  assert.equal(scopeName(container("Acct", "Logs")), scopeName(container("acct", "logs")), "ARM ids compare case-insensitively");
});

test("a tenant identity with accounts that differ by '.' vs '-', and two grants of one role on containers alike for 40 characters, synthesizes with a credential and an assignment each", async () => {
  const long = "manifests-for-the-web-frontend-team-of-acme";
  const file = stackFileWith("dev", (platform) => {
    const web = (platform.tenants as Record<string, unknown>[])[0];
    web.identities = [
      {
        name: "reader",
        serviceAccounts: ["my.app", "my-app"],
        roles: [
          { role: "Storage Blob Data Reader", scope: container("acmeplatformdev", `${long}-one`) },
          { role: "Storage Blob Data Reader", scope: container("acmeplatformdev", `${long}-two`) },
        ],
      },
    ];
    web.ociRepositories = [];
    web.buckets = [];
  });
  const { run } = await synthesize({ stack: "dev", configFile: file });
  const credentials = run.resources.filter((r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential" && r.inputs.subject !== undefined && String(r.inputs.subject).startsWith("system:serviceaccount:web:my"));
  assert.deepEqual(credentials.map((r) => r.inputs.subject).sort(), ["system:serviceaccount:web:my-app", "system:serviceaccount:web:my.app"]);
  const assignments = run.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && String(r.inputs.scope).includes(long));
  assert.equal(assignments.length, 2);
});

test("CI credential names: unchanged for the environments stacks have, distinct for '.' or ' ' vs '-' and past the cut", () => {
  assert.equal(ciCredentialName("repo:acme/infra:environment:preview-dev"), "github-environment-preview-dev");
  assert.equal(ciCredentialName("repo:acme/infra:environment:production"), "github-environment-production");
  const long = "e".repeat(110);
  const pairs: [string, string][] = [
    ["drift.dev", "drift-dev"],
    ["drift dev", "drift-dev"],
    ["a.b c", "a-b-c"],
    [`${long}-one`, `${long}-two`],
  ];
  for (const [one, two] of pairs) {
    const a = ciCredentialName(`repo:acme/infra:environment:${one}`);
    const b = ciCredentialName(`repo:acme/infra:environment:${two}`);
    assert.notEqual(a, b, `${one} and ${two}`);
    for (const name of [a, b]) assert.match(name, CREDENTIAL_NAME);
  }
});

test("a preview environment that reads like the drift report's once cleaned (drift.dev, drift-dev) synthesizes with a credential each (it crashed with exit 3)", async () => {
  const file = stackFileWith("dev", (platform) => {
    (platform.ci as Record<string, unknown>).previewEnvironment = "drift.dev";
  });
  const { run } = await synthesize({ stack: "dev", configFile: file });
  const credentials = run.resources.filter((r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential" && String(r.inputs.subject).includes(":environment:drift"));
  assert.deepEqual(credentials.map((r) => r.inputs.subject).sort(), ["repo:acme-platform/platform-infra:environment:drift-dev", "repo:acme-platform/platform-infra:environment:drift.dev"]);
  assert.equal(new Set(credentials.map((r) => r.inputs.federatedIdentityCredentialResourceName)).size, 2);
});

test("logical names joined from config names with '-' that read alike are refused at the key path (the engine stopped with a duplicate URN, exit 3)", async () => {
  const { synthInProcess } = await import("./synth-in-process.js");
  const tenant = (name: string, identity: string) => ({ name, groups: { admins: ["8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e09"] }, identities: [{ name: identity, roles: [] }] });
  const cases: [string, (platform: Record<string, unknown>) => void, string][] = [
    ["tenant a with identity azure-x, tenant a-azure with identity x", (p) => (p.tenants as unknown[]).push(tenant("a", "azure-x"), tenant("a-azure", "x")), "tenants[3].identities[0].name: gives the logical name platform-a-azure-azure-x, which tenants[2].identities[0] already gives"],
    [
      "identity i with account web-x, identity i-web with account x",
      (p) => ((p.tenants as { identities: unknown[] }[])[0].identities.push({ name: "i", serviceAccounts: ["web-x"] }, { name: "i-web", serviceAccounts: ["x"] })),
      "tenants[0].identities[3].name: gives the logical name platform-web-azure-i-web-web-x, which tenants[0].identities[2] already gives",
    ],
  ];
  for (const [name, edit, problem] of cases) {
    const outcome = await synthInProcess("dev", stackFileWith("dev", edit));
    assert.equal(outcome.code, 1, `${name}: exit ${outcome.code}\n${outcome.stderr}`);
    assert.ok(outcome.stderr.includes(`  gitops-platform:platform.${problem}`), `${name}:\n${outcome.stderr}`);
  }
  const alike = await synthInProcess("dev", stackFileWith("dev", (p) => (p.tenants as unknown[]).push({ ...tenant("web-git", "q"), identities: [] }, tenant("b", "x-y"), tenant("b-x", "z"))));
  assert.equal(alike.code, 0, alike.stderr);
});
