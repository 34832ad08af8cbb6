import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "@cdktf/hcl2json";
import { KeyVault } from "../components/azure/key-vault";
import { BUILT_IN_ROLES } from "../components/azure/roles";
import { BOOTSTRAP_SERVICE_ACCOUNT, Vault, VAULT_DEFAULTS, VAULT_RELEASE_NAME } from "../components/kubernetes/vault";
import { serverServiceAccountName, TLS_FILES, TLS_MOUNT_PATH } from "../components/kubernetes/vault-config";
import type { VaultConfig } from "../stacks/schema";
import { validateKubernetesObjects } from "../synth/validate";
import { REDACTED } from "../synth/redact";
import { dependsOn, run, TestRun } from "./helpers";

// The oidc section is the component's oidc args, not config (stacks/component-args.ts maps it).
const SETTINGS: Omit<VaultConfig, "oidc"> = {
  enabled: true,
  version: "1.20.4",
  chartVersion: "0.31.0",
  replicas: 3,
  storageSize: "20Gi",
  auditStorageSize: "10Gi",
  recoveryShares: 5,
  recoveryThreshold: 3,
  ui: false,
  kvMount: "secret",
};

const TENANTS = [
  { name: "alpha", namespace: "alpha", namespaceWide: true },
  { name: "beta", namespace: "team-beta", roles: [{ name: "app", serviceAccounts: ["app"], paths: ["app/*"] }] },
];

function program(settings: Partial<Omit<VaultConfig, "oidc">> = {}, protect = false) {
  return () => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", { resourceGroupName: "rg-platform", location: "westeurope", environment: "test", protect });
    const vault = new Vault("vault", {
      cluster: { name: "aks", resourceGroupName: "rg-platform", location: "westeurope", oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/", provider },
      ...SETTINGS,
      ...settings,
      keyVault,
      resourceGroupName: "rg-platform",
      location: "westeurope",
      tenants: TENANTS,
      protect,
    });
    return { address: vault.address, caCertificate: vault.caCertificate, sealKeyName: vault.sealKeyName };
  };
}

// Parsed HCL and chart values are deep, loosely typed JSON that the tests index into.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

type Values = { values: { server: Record<string, Json>; global: Record<string, Json>; injector: Record<string, Json>; ui: Record<string, Json> } };

function releaseValues(result: TestRun) {
  return (result.one("kubernetes:helm.sh/v3:Release").values as unknown as Values).values;
}

async function serverHcl(result: TestRun) {
  const server = releaseValues(result).server;
  return (await parse("server.hcl", server.ha.raft.config as string)) as Record<string, Json>;
}

function identityOf(result: TestRun, componentName: string) {
  const component = result.one("gitops-platform:azure:WorkloadIdentity", componentName);
  const identity = result.ofType("azure-native:managedidentity:UserAssignedIdentity").find((r) => r.parent === component.urn);
  assert.ok(identity, `no identity in ${componentName}`);
  return identity;
}

test("the seal stanza names the Key Vault and key recorded in the run, and retry_join covers every replica", async () => {
  for (const replicas of [1, 3]) {
    const result = await run(program({ replicas }));
    const key = result.one("azure-native:keyvault:Key");
    const vault = result.one("azure-native:keyvault:Vault");
    const hcl = await serverHcl(result);
    const seal = hcl.seal.azurekeyvault[0];
    assert.equal(seal.vault_name, vault.outputs.name);
    assert.equal(seal.key_name, key.outputs.name);
    assert.equal(seal.key_name, (key.values as { keyName: string }).keyName);
    assert.equal(seal.tenant_id, (vault.values.properties as { tenantId: string }).tenantId);

    const joins = hcl.storage.raft[0].retry_join as Record<string, string>[];
    assert.equal(joins.length, replicas);
    assert.deepEqual(
      joins.map((j) => j.leader_api_addr),
      Array.from({ length: replicas }, (_, i) => `https://vault-${i}.vault-internal:8200`),
    );
    for (const join of joins) assert.equal(join.leader_ca_cert_file, `${TLS_MOUNT_PATH}/${TLS_FILES.ca}`);
    assert.equal(releaseValues(result).server.ha.replicas, replicas);
  }
});

test("the seal key is RSA wrap/unwrap only, protected with the platform", async () => {
  const result = await run(program({}, true));
  const key = result.one("azure-native:keyvault:Key");
  const properties = key.values.properties as { kty: string; keySize: number; keyOps: string[] };
  assert.equal(properties.kty, "RSA");
  assert.ok([2048, 3072].includes(properties.keySize));
  assert.deepEqual(properties.keyOps, ["wrapKey", "unwrapKey"]);
  assert.equal(key.protect, true);
  assert.equal(result.one("kubernetes:core/v1:Namespace").protect, true);
  assert.equal(result.one("kubernetes:helm.sh/v3:Release").protect, true);
  const unprotected = await run(program());
  assert.equal(unprotected.one("azure-native:keyvault:Key").protect, false);
});

test("Vault's identity: a credential for the chart's service account and Crypto Service Encryption User on the key alone", async () => {
  const result = await run(program());
  const identity = identityOf(result, "vault-server");
  const credentials = result.ofType("azure-native:managedidentity:FederatedIdentityCredential").filter((c) => c.values.resourceName === identity.outputs.name);
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].values.subject, `system:serviceaccount:vault:${serverServiceAccountName(VAULT_RELEASE_NAME)}`);
  assert.equal(credentials[0].values.subject, "system:serviceaccount:vault:vault");
  assert.equal(credentials[0].values.issuer, "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/");

  const key = result.one("azure-native:keyvault:Key");
  const grants = result.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.values.principalId === identity.outputs.principalId);
  assert.equal(grants.length, 1, "the server identity has exactly one role");
  assert.equal(grants[0].values.scope, key.id);
  assert.match(String(grants[0].values.roleDefinitionId), /\/roleDefinitions\/e147488a-f6f5-4113-8e2d-b22465e65bf6$/);
  assert.equal(grants[0].values.principalType, "ServicePrincipal");

  const server = releaseValues(result).server;
  assert.equal(server.serviceAccount.annotations["azure.workload.identity/client-id"], identity.outputs.clientId);
  assert.equal(server.extraLabels["azure.workload.identity/use"], "true");
  assert.equal(server.serviceAccount.name, undefined, "the chart names the account, as serverServiceAccountName computes");
});

test("the bootstrap identity's only role is Key Vault Secrets Officer on the vault", async () => {
  const result = await run(program());
  const identity = identityOf(result, "vault-bootstrap");
  const vault = result.one("azure-native:keyvault:Vault");
  const grants = result.ofType("azure-native:authorization:RoleAssignment").filter((r) => r.values.principalId === identity.outputs.principalId);
  assert.equal(grants.length, 1);
  assert.equal(grants[0].values.scope, vault.id);
  assert.match(String(grants[0].values.roleDefinitionId), new RegExp(`/roleDefinitions/${BUILT_IN_ROLES["Key Vault Secrets Officer"]}$`));

  const credential = result
    .ofType("azure-native:managedidentity:FederatedIdentityCredential")
    .filter((c) => c.values.resourceName === identity.outputs.name);
  assert.deepEqual(
    credential.map((c) => c.values.subject),
    [`system:serviceaccount:vault:${BOOTSTRAP_SERVICE_ACCOUNT}`],
  );
  const sa = result.one("kubernetes:core/v1:ServiceAccount", "vault-bootstrap").values as { metadata: { name: string; annotations: Record<string, string> } };
  assert.equal(sa.metadata.name, BOOTSTRAP_SERVICE_ACCOUNT);
  assert.equal(sa.metadata.annotations["azure.workload.identity/client-id"], identity.outputs.clientId);
});

test("TLS only: the listener serves the mounted secret's files, the chart speaks https", async () => {
  const result = await run(program());
  const hcl = await serverHcl(result);
  const listener = hcl.listener.tcp[0];
  const values = releaseValues(result);
  const server = values.server;
  const mount = (server.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "tls");
  const volume = (server.volumes as { name: string; secret: { secretName: string } }[]).find((v) => v.name === "tls");
  assert.ok(mount && volume);
  const secret = result.one("kubernetes:core/v1:Secret").values as { type: string; metadata: { name: string }; stringData: Record<string, string> };
  assert.equal(volume.secret.secretName, secret.metadata.name);
  assert.equal(secret.type, "kubernetes.io/tls");
  assert.deepEqual(Object.keys(secret.stringData).sort(), ["ca.crt", "tls.crt", "tls.key"]);
  assert.equal(listener.tls_cert_file, `${mount.mountPath}/tls.crt`);
  assert.equal(listener.tls_key_file, `${mount.mountPath}/tls.key`);
  assert.equal(listener.tls_disable, 0);
  assert.equal(values.global.tlsDisable, false);
  assert.equal(server.extraEnvironmentVars.VAULT_CACERT, `${mount.mountPath}/ca.crt`);
  assert.match(server.ha.apiAddr, /^https:\/\//);
  assert.ok(!/http:\/\//.test(server.ha.raft.config), "no plain-HTTP address anywhere in the config");
  assert.equal(result.outputs.address, "https://vault.vault.svc:8200");

  const ca = result.one("tls:index/selfSignedCert:SelfSignedCert").values as { isCaCertificate: boolean; allowedUses: string[] };
  assert.equal(ca.isCaCertificate, true);
  assert.deepEqual(ca.allowedUses, ["cert_signing", "crl_signing"]);
  assert.equal(secret.stringData["ca.crt"], result.outputs.caCertificate);

  const csr = result.one("tls:index/certRequest:CertRequest").values as { dnsNames: string[]; ipAddresses: string[] };
  for (const name of ["vault", "vault.vault", "vault.vault.svc", "vault.vault.svc.cluster.local", "vault-active.vault.svc", "*.vault-internal", "localhost"]) {
    assert.ok(csr.dnsNames.includes(name), `certificate lacks ${name}`);
  }
  for (const join of hcl.storage.raft[0].retry_join as { leader_tls_servername: string }[]) {
    assert.ok(csr.dnsNames.includes(join.leader_tls_servername), `certificate lacks ${join.leader_tls_servername}`);
  }
  assert.deepEqual(csr.ipAddresses, ["127.0.0.1"]);
});

test("HA raft with storage, audit storage, disruption budget, injector on and UI off by default", async () => {
  const result = await run(program());
  const values = releaseValues(result);
  const hcl = await serverHcl(result);
  const release = result.one("kubernetes:helm.sh/v3:Release").values as Record<string, Json>;
  assert.equal(release.name, VAULT_RELEASE_NAME);
  assert.equal(release.chart, "vault");
  assert.equal(release.version, SETTINGS.chartVersion);
  assert.equal(release.repositoryOpts.repo, "https://helm.releases.hashicorp.com");
  assert.equal(release.namespace, "vault");
  assert.equal(values.server.image.tag, SETTINGS.version);
  assert.equal(values.server.ha.enabled, true);
  assert.equal(values.server.ha.raft.enabled, true);
  assert.equal(values.server.ha.disruptionBudget.enabled, true);
  assert.deepEqual([values.server.dataStorage.enabled, values.server.dataStorage.size], [true, "20Gi"]);
  assert.deepEqual([values.server.auditStorage.enabled, values.server.auditStorage.size], [true, "10Gi"]);
  assert.deepEqual(hcl.service_registration, { kubernetes: [{}] });
  assert.equal(values.injector.enabled, true);
  assert.equal(values.ui.enabled, false);
  assert.equal(hcl.ui, false);

  const withUi = await run(program({ ui: true }));
  assert.equal(releaseValues(withUi).ui.enabled, true);
  assert.equal((await serverHcl(withUi)).ui, true);
});

test("synth shows every piece, the Job waits for the release, and Kubernetes objects use the provider and pass their schemas", async () => {
  const result = await run(program());
  const component = result.one("gitops-platform:kubernetes:Vault");
  const provider = result.one("pulumi:providers:kubernetes");
  for (const type of [
    "azure-native:keyvault:Key",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:managedidentity:FederatedIdentityCredential",
    "azure-native:authorization:RoleAssignment",
    "kubernetes:core/v1:Namespace",
    "kubernetes:helm.sh/v3:Release",
    "kubernetes:core/v1:Secret",
    "kubernetes:batch/v1:Job",
    "kubernetes:core/v1:ConfigMap",
  ]) {
    assert.ok(result.ofType(type).length > 0, `synth lacks ${type}`);
  }
  for (const r of result.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
    assert.equal(r.provider, provider.urn, `${r.type} ${r.name} must use the passed provider`);
    assert.equal(r.parent, component.urn);
  }
  const job = result.one("kubernetes:batch/v1:Job", "vault-bootstrap");
  assert.ok(dependsOn(result, job, result.one("kubernetes:helm.sh/v3:Release")));
  const release = result.one("kubernetes:helm.sh/v3:Release");
  const sealGrant = result.one("azure-native:authorization:RoleAssignment", "vault-seal-crypto");
  assert.ok(dependsOn(result, release, sealGrant), "Vault starts once it may use the key");
  assert.deepEqual(await validateKubernetesObjects(result.resources), []);

  const spec = (job.values as { spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, Json> } } }).spec.template;
  assert.equal(spec.metadata.labels["azure.workload.identity/use"], "true");
  assert.equal(spec.spec.serviceAccountName, BOOTSTRAP_SERVICE_ACCOUNT);
  const configMapResource = result.one("kubernetes:core/v1:ConfigMap", "vault-bootstrap");
  const configMap = configMapResource.values as { data: Record<string, string> };
  assert.ok(configMap.data["bootstrap.sh"].startsWith("#!/bin/bash\n"));
  assert.match(configMap.data["bootstrap.sh"], new RegExp(`readonly KEY_VAULT='${String(result.one("azure-native:keyvault:Vault").outputs.name)}'`));
  assert.equal(configMap.data["ca.crt"], result.outputs.caCertificate);
  const scriptVolume = (spec.spec.volumes as { name: string; configMap?: { name: string } }[]).find((v) => v.configMap);
  assert.equal(scriptVolume?.configMap?.name, (configMapResource.outputs.metadata as { name: string }).name);
});

test("TLS private keys are secret in every recorded input", async () => {
  const result = await run(program());
  const secret = result.one("kubernetes:core/v1:Secret");
  const privateKey = (secret.values as { stringData: Record<string, string> }).stringData["tls.key"];
  assert.match(privateKey, /^-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  assert.equal(secret.inputs.stringData, REDACTED);
  assert.equal(result.one("tls:index/certRequest:CertRequest").inputs.privateKeyPem, REDACTED);
  assert.equal(result.one("tls:index/selfSignedCert:SelfSignedCert").inputs.privateKeyPem, REDACTED);
  assert.equal(result.one("tls:index/locallySignedCert:LocallySignedCert").inputs.caPrivateKeyPem, REDACTED);
  const caKey = result.one("tls:index/privateKey:PrivateKey", "vault-ca-key");
  const caPem = (result.one("tls:index/selfSignedCert:SelfSignedCert").values as { privateKeyPem: string }).privateKeyPem;
  assert.equal(caKey.outputs.privateKeyPem, REDACTED);
  const recorded = JSON.stringify(result.resources.map((r) => [r.inputs, r.outputs]));
  for (const pem of [privateKey, caPem]) {
    const body = pem.split("\n")[1];
    assert.ok(body.length > 20 && !recorded.includes(body), "a private key appears in clear in the recorded graph");
  }
});

test("a rollout Job replaces outdated pods after every release change, with only the rights it needs", async () => {
  const result = await run(program());
  const jobs = result.ofType("kubernetes:batch/v1:Job");
  const rollout = jobs.find((j) => j.name === "vault-rollout");
  const bootstrap = jobs.find((j) => j.name === "vault-bootstrap");
  assert.ok(rollout && bootstrap, jobs.map((j) => j.name).join(", "));
  assert.ok(dependsOn(result, rollout, result.one("kubernetes:helm.sh/v3:Release")), "after the release");
  assert.ok(dependsOn(result, rollout, bootstrap), "after the bootstrap");
  const template = (rollout.values as { spec: { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, Json> } } }).spec.template;
  assert.match(template.metadata.annotations["gitops-platform/rollout-sha256"], /^[0-9a-f]{64}$/);
  assert.equal(template.spec.serviceAccountName, "vault-rollout");
  const role = result.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").find((r) => r.name === "vault-rollout")!;
  assert.deepEqual((role.values as { rules: unknown[] }).rules, [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["get"] },
  ]);
  assert.deepEqual(await validateKubernetesObjects(result.resources), []);

  // Another version: another trigger, so Pulumi replaces the Job and it runs again.
  const upgraded = await run(program({ version: "1.21.0" }));
  const next = upgraded.ofType("kubernetes:batch/v1:Job").find((j) => j.name === "vault-rollout")!;
  const annotation = (job: typeof next) => (job.values as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata.annotations["gitops-platform/rollout-sha256"];
  assert.notEqual(annotation(next), annotation(rollout));
});

test("Vault owns its defaults: only what has none is required, and the baseline runs HA raft", async () => {
  const result = await run(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", { resourceGroupName: "rg-platform", location: "westeurope", environment: "test" });
    const vault = new Vault("vault", {
      cluster: { name: "aks", resourceGroupName: "rg-platform", location: "westeurope", oidcIssuerUrl: "https://westeurope.oic.prod-aks.azure.com/tenant/issuer/", provider },
      keyVault,
      resourceGroupName: "rg-platform",
      location: "westeurope",
      tenants: [],
    });
    return { address: vault.address };
  });
  assert.equal(VAULT_DEFAULTS.replicas, 3);
  assert.equal(releaseValues(result).server.ha.replicas, VAULT_DEFAULTS.replicas);
});
