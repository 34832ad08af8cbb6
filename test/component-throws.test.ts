/**
 * Issue 25 item 3: every error a component raises for input a user can write is found by config
 * validation first (exit 1 with the key path), never a crash after validation passed (exit 3,
 * a stack trace). Each `throw` in components/ is listed here: with a config that would reach it
 * and the key path validation reports, or with why no stack config reaches it. A throw added to
 * a component without an entry fails the audit test.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { pinTestDay, stackFileWith } from "./helpers";
import { synthInProcess } from "./synth-in-process";
import { PROJECT_ROOT } from "../synth/synthesize";

pinTestDay();

const P = "gitops-platform:platform";
type Platform = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const web = (platform: Platform): Platform => platform.tenants[0];

interface Reached {
  /** components/<file> and a fragment of the throw's line (its message). */
  file: string;
  fragment: string;
  stack?: "dev" | "prod";
  edit: (platform: Platform) => void;
  /** `<key path>: <start of the message>` that stderr must hold. */
  problem: string;
}

interface Unreached {
  file: string;
  fragment: string;
  /** Why no stack config reaches it. */
  because: string;
}

const REACHED: Reached[] = [
  { file: "kubernetes/flux.ts", fragment: "sops is not supported with install", edit: (p) => (p.flux = { ...p.flux, install: "aks-extension", sops: true }), problem: "flux.sops: must be false with install aks-extension" },
  {
    file: "kubernetes/flux.ts",
    fragment: "imageAutomation is not supported with install",
    edit: (p) => ((p.flux = { ...p.flux, install: "aks-extension", sops: false }), (web(p).imageAutomation = { enabled: true })),
    problem: "tenants[0].imageAutomation.enabled: ",
  },
  { file: "kubernetes/sealed-secrets-config.ts", fragment: "sealing key generation must be", edit: (p) => (p.sealedSecrets = { enabled: true, keyGenerations: 0 }), problem: "sealedSecrets.keyGenerations: " },
  { file: "kubernetes/sealed-secrets.ts", fragment: "keyGenerations must be an integer", edit: (p) => (p.sealedSecrets = { enabled: true, keyGenerations: 21 }), problem: "sealedSecrets.keyGenerations: " },
  { file: "kubernetes/vault-bootstrap.ts", fragment: "Vault bootstrap: ${message}", edit: (p) => (p.vault = { ...p.vault, kvMount: "Secret/kv" }), problem: "vault.kvMount: must be a mount path" },
  {
    file: "kubernetes/vault-oidc.ts",
    fragment: "Vault OIDC: ${message}",
    stack: "prod",
    edit: (p) => (p.vault.oidc.adminGroups = [web(p).groups.admins[0]]),
    problem: "tenants[0].groups.admins[0]: 8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01 is also in vault.oidc.adminGroups",
  },
  { file: "tenant/namespace-policy.ts", fragment: "names no port", edit: (p) => (web(p).egress = [{ cidr: "198.51.100.0/24", ports: [] }]), problem: "tenants[0].egress[0].ports: must have at least 1" },
  {
    file: "tenant/identities.ts",
    fragment: "may not get ${role} on",
    edit: (p) => (web(p).identities[0].roles = [{ role: "AcrPull", scope: "keyVault" }]),
    problem: "tenants[0].identities[0].roles[0].role: AcrPull goes on",
  },
  {
    file: "tenant/identities.ts",
    fragment: "names the tenant's Key Vault, which is not enabled",
    edit: (p) => (web(p).keyVault = { enabled: false }),
    problem: "tenants[0].identities[0].roles[0].scope: keyVault is the tenant's own Key Vault",
  },
  {
    file: "tenant/identities.ts",
    fragment: "names the tenant's registry, which does not exist",
    edit: (p) => ((p.registry = { enabled: false }), delete web(p).registry),
    problem: "tenants[0].identities[1].roles[0].scope: registry is the tenant's own container registry",
  },
  {
    file: "tenant/git-source.ts",
    fragment: "image automation cannot push to",
    edit: (p) => ((web(p).git = { ...web(p).git, repository: "acme-platform/web-frontend-config", create: true }), (web(p).imageAutomation = { enabled: true, pushBranch: "main" })),
    problem: "tenants[0].imageAutomation.pushBranch: ",
  },
  { file: "kubernetes/flux-manifests.ts", fragment: "cannot make a Kubernetes object name", edit: (p) => (web(p).git.repository = "acme-platform/..."), problem: "tenants[0].git.repository: " },
  { file: "kubernetes/flux-manifests.ts", fragment: "GitHub repository must be owner/name", edit: (p) => (web(p).git.repository = "acme platform/web"), problem: "tenants[0].git.repository: must be a GitHub repository" },
  { file: "kubernetes/flux-manifests.ts", fragment: "needs exactly one of tag or semver", edit: (p) => (web(p).ociRepositories[0].semver = "1.x"), problem: "tenants[0].ociRepositories[0]: needs exactly one of tag or semver" },
  {
    file: "tenant/gitops-tenant.ts",
    fragment: "no webhook address for tenant",
    edit: (p) => (web(p).notifications = [{ name: "team", type: "slack", channel: "alerts", addressSecret: "webTeamWebhook" }]),
    problem: "tenants[0].notifications[0].addressSecret: config key gitops-platform:webTeamWebhook is not set",
  },
  {
    file: "platform.ts",
    fragment: "no webhook address for notification",
    edit: (p) => (p.flux = { ...p.flux, notifications: [{ name: "ops", type: "slack", channel: "ops", addressSecret: "opsWebhook" }] }),
    problem: "flux.notifications[0].addressSecret: config key gitops-platform:opsWebhook is not set",
  },
  { file: "azure/ci-identity.ts", fragment: "repository \"${repository}\" must be owner/name", edit: (p) => (p.ci.repository = "platform-infra"), problem: "ci.repository: must be the infrastructure repository as owner/name" },
  { file: "azure/ci-identity.ts", fragment: "previewEnvironment \"${previewEnvironment}\" must differ", edit: (p) => (p.ci.previewEnvironment = "Production"), problem: "ci.previewEnvironment: " },
  { file: "azure/ci-identity.ts", fragment: "driftEnvironment \"${drift}\" must differ", edit: (p) => (p.ci.previewEnvironment = "Drift-dev"), problem: "ci.driftReport: the drift report's environment \"drift-dev\" is also" },
  { file: "azure/ci-identity.ts", fragment: "deployEnvironment \"${deploy}\" must differ", edit: (p) => (p.ci.previewEnvironment = "DEV"), problem: "ci.previewEnvironment: must differ from \"dev\"" },
  { file: "azure/ci-identity.ts", fragment: "reviewers must name at least one", edit: (p) => (p.ci.reviewers = { users: [], teams: [] }), problem: "ci.reviewers: must name at least one user or team" },
  {
    file: "azure/container-registry.ts",
    fragment: "pushers; Azure allows at most",
    edit: (p) => (web(p).registry = { push: Array.from({ length: 21 }, (_, i) => ({ repository: `acme/app${i}`, branch: "main" })) }),
    problem: "tenants[0].registry.push: 21 pushers",
  },
  { file: "azure/container-registry.ts", fragment: "${(error as Error).message}", edit: (p) => (web(p).registry = { push: [{ repository: "acme/web", environment: "prod east" }] }), problem: "tenants[0].registry.push[0].environment: " },
  { file: "azure/container-registry.ts", fragment: "a pusher is listed twice", edit: (p) => (web(p).registry = { push: [{ repository: "acme/web", branch: "main" }, { repository: "acme/web", branch: "main" }] }), problem: "tenants[0].registry.push[1]: duplicate pusher" },
  { file: "azure/container-registry-push.ts", fragment: "registry pusher ${JSON.stringify(pusher)}", edit: (p) => (web(p).registry = { push: [{ repository: "acme/web", branch: "ma:in" }] }), problem: "tenants[0].registry.push[0].branch: " },
  {
    file: "azure/key-vault.ts",
    fragment: "is given twice",
    edit: (p) => (p.cluster.adminGroupObjectIds = ["5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f", "5D8C1F3E-2B7A-4C9D-8E6F-0A1B2C3D4E5F"]),
    problem: "cluster.adminGroupObjectIds[1]: ",
  },
  {
    file: "azure/workload-identity.ts",
    fragment: "federated credentials requested",
    edit: (p) => (web(p).identities[0].serviceAccounts = Array.from({ length: 21 }, (_, i) => `app${i}`)),
    problem: "tenants[0].identities[0].serviceAccounts: at most 20 service accounts",
  },
  {
    file: "azure/workload-identity.ts",
    fragment: "again under the same name as roles",
    edit: (p) => web(p).identities[1].roles.push({ ...web(p).identities[1].roles[1], scope: String(web(p).identities[1].roles[1].scope).toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/") }),
    problem: "tenants[0].identities[1].roles[2]: Storage Blob Data Reader on this scope is already granted above",
  },
  { file: "azure/monitoring.ts", fragment: "retentionDays must be a whole number", edit: (p) => (p.monitoring.retentionDays = 29), problem: "monitoring.retentionDays: " },
  { file: "azure/monitoring.ts", fragment: "dailyCapGb must be more than 0", edit: (p) => (p.monitoring.dailyCapGb = 0), problem: "monitoring.dailyCapGb: " },
  { file: "kubernetes/flux.ts", fragment: "version (the flux2 chart version) is required", edit: (p) => (p.flux = { ...p.flux, install: "helm", version: "" }), problem: "flux.version: " },
];

const UNREACHED: Unreached[] = [
  { file: "azure/tenant-deployer.ts", fragment: "production tenant stacks deploy after a reviewer", because: "ci.reviewers must name at least one user or team (checkCiWiring), whatever the environment" },
  { file: "azure/tenant-deployer.ts", fragment: "more namespaces than", because: "40 tags of 256 characters hold 150 or more DNS-label namespaces; the limit is Azure's, not the config's" },
  { file: "kubernetes/vault-rollout.ts", fragment: "is not a DNS label", because: "the namespace and StatefulSet are the platform's own names (vault, vault), not config" },
  { file: "kubernetes/vault-config.ts", fragment: "has characters outside", because: "the values are the platform's: its tenant id, generated Key Vault and key names, fixed paths" },
  { file: "kubernetes/vault-config.ts", fragment: "which the chart rewrites", because: "as above: no config value reaches the HCL" },
  { file: "kubernetes/vault-config.ts", fragment: "replicas must be >= 1", because: "vault.replicas is an integer 1-7 in the schema" },
  { file: "kubernetes/flux-install.ts", fragment: "SOPS needs a versioned Key Vault key URI", because: "the key id is the Key Vault key's output" },
  { file: "kubernetes/known-hosts.ts", fragment: "no host keys", because: "host keys come from GitHub's meta API (an invoke), not config" },
  { file: "kubernetes/known-hosts.ts", fragment: "cannot parse host key", because: "as above" },
  { file: "kubernetes/known-hosts.ts", fragment: "key is for", because: "as above" },
  { file: "platform.ts", fragment: "no tenant", because: "grantPull is called with the platform's own tenant names" },
  { file: "tenant/load-tester.ts", fragment: "is not a DNS-1123 label", because: "tenants[].namespace is a DNS-1123 label (config-shape.ts), refused before any component runs" },
  { file: "azure/kubeconfig.ts", fragment: "no --server-id", because: "the kubeconfig is what AKS returns" },
  { file: "azure/kubeconfig.ts", fragment: "not a YAML mapping", because: "as above" },
  { file: "azure/kubeconfig.ts", fragment: "no user kubeconfig", because: "as above" },
  { file: "azure/container-registry-push.ts", fragment: "container registry name", because: "acr, then tenant and environment cleaned and cut to fit, then the random suffix: always 5-50 letters and digits" },
  { file: "azure/ci-identity.ts", fragment: "needs the GitHub provider", because: "the platform always hands CiIdentity a GitHub provider (its own for the CI repository's owner)" },
  { file: "azure/key-vault-name.ts", fragment: "Key Vault name", because: "made from environment (a DNS label, cut to fit) and a random suffix: always valid" },
  { file: "azure/ci-identity.ts", fragment: "deployEnvironment is required unless production", because: "the platform always passes the stack's environment as deployEnvironment" },
  { file: "azure/ci-identity.ts", fragment: "roleAssignmentCondition: at least one role", because: "the roles are the platform's fixed list" },
  { file: "azure/ci-identity.ts", fragment: "is not a GUID", because: "the role ids are built-in role GUIDs" },
  { file: "azure/ci-identity.ts", fragment: "exclude at least the grant's own principal", because: "the platform always excludes the deploy identity itself" },
  { file: "azure/ci-identity.ts", fragment: "is not an ARM resource group id", because: "the resource group id is the resource group's output" },
  { file: "azure/container-registry.ts", fragment: "pull grant key", because: "keys are the platform's own (kubelet, tenant names as DNS labels)" },
  { file: "azure/container-registry.ts", fragment: "pull grant \"${key}\" is given twice", because: "tenant names are unique (duplicate name rule)" },
  { file: "azure/key-vault.ts", fragment: "must be lowercase letters, digits and '-'", because: "keys are admins-<lower-cased GUID> and deployer" },
  { file: "azure/aks-cluster.ts", fragment: "a ReadOnly lock", because: "the platform sets CanNotDelete or no lock; config has no lock kind" },
  { file: "azure/aks-cluster.ts", fragment: "is missing from what Azure returned", because: "an ARM output" },
  { file: "azure/workload-identity.ts", fragment: "oidcIssuerUrl is required", because: "the platform always passes the cluster's issuer" },
  { file: "azure/workload-identity.ts", fragment: "would share the federated credential name", because: "credential names are injective (test/derived-names.test.ts)" },
  { file: "azure/workload-identity.ts", fragment: "scopeName", because: "scope names come from scopeName(), always valid (test/derived-names.test.ts)" },
  { file: "azure/app-routing-access.ts", fragment: "is not an Azure DNS zone id", because: "ingress.dnsZoneIds entries must match DNS_ZONE_ID_PATTERN in the schema (config-ingress.ts)" },
];

function componentThrows(): { file: string; line: string }[] {
  const root = path.join(PROJECT_ROOT, "components");
  const found: { file: string; line: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) {
        const lines = readFileSync(full, "utf8").split("\n");
        lines.forEach((line, i) => {
          // A throw's message may start on the next line.
          if (/\bthrow new\b/.test(line)) found.push({ file: path.relative(root, full), line: `${line}\n${lines[i + 1] ?? ""}` });
        });
      }
    }
  };
  walk(root);
  return found;
}

test("every throw in components/ is listed: reached by a config case below, or with why no config reaches it", () => {
  const listed = [...REACHED, ...UNREACHED];
  const throws = componentThrows();
  const unlisted = throws.filter((t) => !listed.some((entry) => entry.file === t.file && t.line.includes(entry.fragment)));
  assert.deepEqual(unlisted.map((t) => `${t.file}: ${t.line.trim()}`), []);
  for (const entry of listed) assert.ok(throws.some((t) => t.file === entry.file && t.line.includes(entry.fragment)), `no throw "${entry.fragment}" in ${entry.file} any more`);
});

test("what a component would throw for a user's input is refused by validation first, at the key path", async () => {
  const failures: string[] = [];
  for (const c of REACHED) {
    const outcome = await synthInProcess(c.stack ?? "dev", stackFileWith(c.stack ?? "dev", c.edit));
    const label = `${c.file} "${c.fragment}"`;
    if (outcome.code !== 1) failures.push(`${label}: exit ${outcome.code}\n${outcome.stderr.slice(0, 1500)}`);
    else if (/\n\s+at /.test(outcome.stderr)) failures.push(`${label}: a stack trace`);
    else if (!outcome.stderr.includes(`  ${P}.${c.problem}`)) failures.push(`${label}: no "${c.problem}" in\n${outcome.stderr}`);
  }
  assert.deepEqual(failures, []);
});
