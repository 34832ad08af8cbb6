/**
 * A tenant's own Key Vault in prod (issue 14, item 2): the platform vault's posture, reachable
 * from the nodes, and every policy and deploy rule passing; without the node subnet the deploy
 * rule that models Key Vault's firewall refuses it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { DEPLOY_RULES } from "../../policy/deploy";
import { evaluatePolicies, PLATFORM_POLICIES } from "../../policy/evaluate";
import { checkedFromRecord } from "../../policy/from-synth";
import { synthesize } from "../../synth/synthesize";
import { inlineStackDocument } from "../environments";
import { pinTestDay, withFinders } from "../helpers";

pinTestDay();

async function prodWithTenantVault() {
  const document = inlineStackDocument("prod");
  const web = document.config["gitops-platform:platform"].tenants.find((t: { name: string }) => t.name === "web");
  web.keyVault = { enabled: true };
  web.identities = [...(web.identities ?? []), { name: "app", roles: [{ role: "Key Vault Secrets User", scope: "keyVault" }] }];
  const file = path.join(mkdtempSync(path.join(tmpdir(), "tenant-vault-")), "prod.yaml");
  writeFileSync(file, stringify(document));
  return withFinders((await synthesize({ stack: "prod", configFile: file })).run);
}

test("prod: a tenant's vault denies by default, admits the nodes' subnet and the allowed ranges, is protected and purge-protected; all rules pass", async () => {
  const run = await prodWithTenantVault();
  const platformVault = run.one("azure-native:keyvault:Vault", "platform-kv");
  const vault = run.one("azure-native:keyvault:Vault", "platform-web-azure-kv");
  const acls = (properties: unknown) => (properties as { networkAcls: unknown }).networkAcls;
  assert.deepEqual(acls(vault.values.properties), acls(platformVault.values.properties), "the platform vault's firewall");
  assert.equal((acls(vault.values.properties) as { defaultAction: string }).defaultAction, "Deny");
  assert.equal((vault.values.properties as { enablePurgeProtection: boolean }).enablePurgeProtection, true);
  assert.equal(vault.protect, true);
  const resources = run.resources.map(checkedFromRecord);
  const context = { environment: "prod", production: true };
  assert.deepEqual(evaluatePolicies(resources, context, [...PLATFORM_POLICIES, ...DEPLOY_RULES]).filter((v) => v.enforcement === "mandatory"), []);

  const shut = resources.map((r) => structuredClone(r));
  const tenantVault = shut.find((r) => r.name === "platform-web-azure-kv" && r.type === "azure-native:keyvault:Vault")!;
  (tenantVault.props as { properties: { networkAcls: { virtualNetworkRules: unknown[] } } }).properties.networkAcls.virtualNetworkRules = [];
  const findings = evaluatePolicies(shut, context, DEPLOY_RULES).map((v) => `${v.policy}: ${v.message}`);
  assert.equal(findings.length, 1, findings.join("\n"));
  assert.match(findings[0], /^in-cluster-key-vault-callers-can-reach-it: identity platform-web-azure-app\w+ calls Key Vault kv-prod-web-\w+ from the cluster, but the vault denies by default/);
});
