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
import { pinTestDay } from "./helpers";

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

