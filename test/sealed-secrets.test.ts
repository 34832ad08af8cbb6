/**
 * SealedSecrets: the controller's chart values, the sealing keys (made by the platform, active
 * before the controller starts, backed up to Key Vault as a manifest that restores them), key
 * generations, the cluster-wide-scope guard, and the tenant Role seam.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { KeyVault } from "../components/azure/key-vault";
import { BUILT_IN_ROLES } from "../components/azure/roles";
import { SealedSecrets, SEALED_SECRETS_DEFAULTS } from "../components/kubernetes/sealed-secrets";
import {
  certificatesChecksum,
  CLUSTER_WIDE_ANNOTATION,
  CONTROLLER_NAME,
  KEYS_CHECKSUM_ANNOTATION,
  SEALING_KEY_LABEL,
  sealedSecretsHelmValues,
  sealingKeyBackupName,
  sealingKeyManifest,
  sealingKeyName,
  scopePolicySpec,
} from "../components/kubernetes/sealed-secrets-config";
import { reconcilerRules, SEALED_SECRETS_RULE } from "../components/tenant/namespace-policy";
import { REDACTED } from "../synth/redact";
import { validateKubernetesObjects } from "../synth/validate";
import { deployedSettingsOf, immutableChangeProblems, readDeployedSettings } from "../stacks/deployed";
import { platformArgs } from "../stacks/component-args";
import { parsePlatformConfig } from "../stacks/parse";
import { dependsOn, run, TEST_TODAY, TestRun } from "./helpers";

const ADMIN_GROUP = "5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f";

function program(options: { keyGenerations?: number; protect?: boolean; administrators?: boolean } = {}) {
  return () => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const keyVault = new KeyVault("kv", {
      resourceGroupName: "rg-platform",
      location: "westeurope",
      environment: "test",
      administrators: options.administrators === false ? [] : [{ key: "admins", principalId: ADMIN_GROUP, principalType: "Group" }],
    });
    const sealed = new SealedSecrets("sealed", {
      cluster: { name: "aks", resourceGroupName: "rg-platform", location: "westeurope", oidcIssuerUrl: "https://issuer.example/", provider },
      keyVault,
      keyGenerations: options.keyGenerations,
      protect: options.protect,
    });
    return { certificate: sealed.certificate, namespace: sealed.namespace };
  };
}

// Chart values and manifests are loosely typed JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const keySecrets = (r: TestRun) => r.ofType("kubernetes:core/v1:Secret");
const release = (r: TestRun) => r.one("kubernetes:helm.sh/v3:Release");

test("chart values: no key renewal by the controller, no proxy for every signed-in user, restricted-ready pods", () => {
  const values: Json = sealedSecretsHelmValues({ keysChecksum: "abc" });
  // "0" as a string: the chart renders `--key-renew-period "0"` only for a non-empty value (deployment.yaml).
  assert.equal(values.keyrenewperiod, "0");
  assert.equal(values.fullnameOverride, CONTROLLER_NAME);
  assert.equal(values.rbac.serviceProxier.create, false);
  assert.equal(values.podAnnotations[KEYS_CHECKSUM_ANNOTATION], "abc");
  assert.equal(values.networkPolicy.enabled, false);
  const container = values.containerSecurityContext;
  assert.equal(container.allowPrivilegeEscalation, false);
  assert.equal(container.runAsNonRoot, true);
  assert.deepEqual(container.capabilities.drop, ["ALL"]);
  assert.equal(container.seccompProfile.type, "RuntimeDefault");
  assert.equal(values.podSecurityContext.seccompProfile.type, "RuntimeDefault");
});

test("sealing key names: one per generation, never the chart's legacy key name", () => {
  assert.equal(sealingKeyName(1), "sealed-secrets-key-gen-1");
  assert.notEqual(sealingKeyName(1), "sealed-secrets-key");
  assert.throws(() => sealingKeyName(0), /positive integer/);
  // Backups are named after the certificate too: a key made again gets a secret of its own.
  assert.match(sealingKeyBackupName(3, "CERT A"), /^sealed-secrets-key-gen-3-[0-9a-f]{8}$/);
  assert.notEqual(sealingKeyBackupName(3, "CERT A"), sealingKeyBackupName(3, "CERT B"));
  assert.equal(sealingKeyBackupName(3, "CERT A"), sealingKeyBackupName(3, "CERT A"));
  // Key Vault secret names: letters, digits and '-', 1-127.
  assert.match(sealingKeyBackupName(20, "x"), /^[A-Za-z0-9-]{1,127}$/);
});

test("the backup manifest is the active key Secret itself", () => {
  const manifest = parse(sealingKeyManifest({ name: "k", namespace: "sealed-secrets", labels: { a: "b" }, certPem: "CERT", privateKeyPem: "KEY" }));
  assert.deepEqual(manifest, {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name: "k", namespace: "sealed-secrets", labels: { a: "b", [SEALING_KEY_LABEL]: "active" } },
    stringData: { "tls.crt": "CERT", "tls.key": "KEY" },
  });
});

test("the scope policy refuses what the controller would unseal cluster-wide, on create and update", () => {
  const spec = scopePolicySpec();
  assert.equal(spec.failurePolicy, "Fail");
  assert.deepEqual(spec.matchConstraints.resourceRules, [
    { apiGroups: ["bitnami.com"], apiVersions: ["*"], resources: ["sealedsecrets"], operations: ["CREATE", "UPDATE"] },
  ]);
  // The SealedSecret's own annotations decide the scope (v1alpha1 Unseal, labelFor(object meta)).
  assert.deepEqual(
    spec.validations.map((v) => v.expression),
    [
      `!(has(object.metadata.annotations) && '${CLUSTER_WIDE_ANNOTATION}' in object.metadata.annotations && object.metadata.annotations['${CLUSTER_WIDE_ANNOTATION}'] == 'true')`,
    ],
  );
});

test("tenants may manage SealedSecrets only while the controller is on", () => {
  const has = (rules: ReturnType<typeof reconcilerRules>) => rules.some((r) => r.apiGroups.includes("bitnami.com"));
  assert.equal(has(reconcilerRules()), false);
  assert.equal(has(reconcilerRules({ sealedSecrets: false })), false);
  assert.equal(has(reconcilerRules({ sealedSecrets: true })), true);
  assert.deepEqual(SEALED_SECRETS_RULE.resources, ["sealedsecrets"]);
  for (const verb of ["escalate", "bind", "impersonate", "*"]) assert.ok(!SEALED_SECRETS_RULE.verbs.includes(verb));
});

test("one active key Secret per generation, in the controller's namespace, before the controller starts", async () => {
  const r = await run(program());
  const [secret] = keySecrets(r);
  const values = secret.values as Json;
  assert.equal(keySecrets(r).length, 1);
  assert.equal(values.type, "kubernetes.io/tls");
  assert.equal(values.metadata.name, sealingKeyName(1));
  assert.equal(values.metadata.namespace, "sealed-secrets");
  assert.equal(values.metadata.labels[SEALING_KEY_LABEL], "active");
  assert.match(values.stringData["tls.key"], /PRIVATE KEY-----/);
  assert.equal(values.stringData["tls.crt"], r.outputs.certificate);
  assert.equal(secret.inputs.stringData, REDACTED);
  assert.ok(dependsOn(r, release(r), secret), "the controller starts after its key exists, or it makes one no backup holds");
  assert.ok(dependsOn(r, secret, r.one("kubernetes:core/v1:Namespace")));
  const key = r.one("tls:index/privateKey:PrivateKey").values as Json;
  assert.deepEqual([key.algorithm, key.rsaBits], ["RSA", 4096]);
  assert.deepEqual(await validateKubernetesObjects(r.resources), []);
});

test("the controller's release: pinned chart, its own restricted namespace, the scope guard first", async () => {
  const r = await run(program());
  const rel = release(r).values as Json;
  assert.equal(rel.chart, "sealed-secrets");
  assert.equal(rel.version, SEALED_SECRETS_DEFAULTS.chartVersion);
  assert.equal(rel.repositoryOpts.repo, "https://bitnami-labs.github.io/sealed-secrets");
  assert.equal(rel.namespace, "sealed-secrets");
  assert.equal(rel.createNamespace, false);
  assert.equal(rel.values.keyrenewperiod, "0");
  const ns = r.one("kubernetes:core/v1:Namespace").values as Json;
  assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
  assert.ok(dependsOn(r, release(r), r.one("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding")));
  const binding = r.one("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding").values as Json;
  // Every namespace: no selector.
  assert.equal(binding.spec.matchResources, undefined);
  assert.deepEqual(binding.spec.validationActions, ["Deny"]);
  const policy = r.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").values as Json;
  assert.deepEqual(policy.spec, { podSelector: {}, policyTypes: ["Ingress"] });
  assert.equal(policy.metadata.namespace, "sealed-secrets");
});

test("the Key Vault backup holds the key Secret's manifest, secret, and waits for the administrators' Secrets Officer grant", async () => {
  const r = await run(program());
  const backup = r.one("azure-native:keyvault:Secret");
  const values = backup.values as Json;
  assert.equal(values.secretName, sealingKeyBackupName(1, String(r.outputs.certificate)));
  // Pulumi never deletes a backup (turning Sealed Secrets off, fewer generations): it is what decrypts Git's SealedSecrets.
  assert.equal(backup.retainOnDelete, true);
  assert.equal(values.properties.contentType, "application/x-yaml");
  assert.equal((backup.inputs.properties as Json).value, REDACTED);
  const manifest = parse(values.properties.value);
  const secret = keySecrets(r)[0].values as Json;
  assert.equal(manifest.metadata.name, secret.metadata.name);
  assert.equal(manifest.metadata.namespace, "sealed-secrets");
  assert.equal(manifest.metadata.labels[SEALING_KEY_LABEL], "active");
  assert.deepEqual(manifest.stringData, secret.stringData);

  const grant = r.ofType("azure-native:authorization:RoleAssignment").find((a) => a.name === "kv-secrets-officer-admins");
  assert.ok(grant, "a Secrets Officer grant for the vault's administrators");
  assert.ok(String(grant.values.roleDefinitionId).endsWith(BUILT_IN_ROLES["Key Vault Secrets Officer"]));
  assert.equal(grant.values.principalId, ADMIN_GROUP);
  const wait = r.one("time:index/sleep:Sleep", "kv-secrets-data-plane-wait");
  assert.ok(dependsOn(r, wait, grant));
  assert.ok(dependsOn(r, backup, wait), "deleting or replacing the backup goes through the data plane");
  assert.ok(dependsOn(r, release(r), backup), "the controller starts once its keys are backed up");
});

test("a vault that stores no secret gives no Secrets Officer grant", async () => {
  const r = await run(() => {
    new KeyVault("kv", { resourceGroupName: "rg", location: "westeurope", environment: "test", administrators: [{ key: "admins", principalId: ADMIN_GROUP, principalType: "Group" }] });
  });
  assert.equal(r.ofType("azure-native:authorization:RoleAssignment").filter((a) => a.name.includes("secrets-officer")).length, 0);
  assert.equal(r.ofType("time:index/sleep:Sleep").filter((s) => s.name.includes("secrets")).length, 0);
});

test("rotation: a new generation seals, the old one stays, the controller restarts to read it", async () => {
  const one = await run(program({ keyGenerations: 1 }));
  const two = await run(program({ keyGenerations: 2 }));
  assert.deepEqual(
    keySecrets(two).map((s) => (s.values as Json).metadata.name),
    [sealingKeyName(1), sealingKeyName(2)],
  );
  // Generation 1 is the same resource in both runs: same URNs, same key.
  for (const type of ["tls:index/privateKey:PrivateKey", "kubernetes:core/v1:Secret", "azure-native:keyvault:Secret"]) {
    const before = one.ofType(type)[0];
    assert.ok(two.ofType(type).some((r) => r.urn === before.urn), `${type} of generation 1 keeps its URN`);
  }
  const certs = two.ofType("tls:index/selfSignedCert:SelfSignedCert");
  const gen2 = certs.find((c) => c.name === "sealed-key-2")!;
  assert.equal(two.outputs.certificate, gen2.outputs.certPem, "the newest generation seals");
  assert.notEqual(one.outputs.certificate, two.outputs.certificate);
  const checksum = (r: TestRun) => (release(r).values as Json).values.podAnnotations[KEYS_CHECKSUM_ANNOTATION];
  assert.notEqual(checksum(one), checksum(two));
  assert.equal(checksum(two), certificatesChecksum(certs.map((c) => String(c.outputs.certPem))));
  for (const secret of keySecrets(two)) assert.ok(dependsOn(two, release(two), secret));
});

test("protect covers the key pairs, key Secrets, backups and namespace; not the release", async () => {
  const r = await run(program({ protect: true }));
  for (const type of [
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "kubernetes:core/v1:Secret",
    "azure-native:keyvault:Secret",
    "kubernetes:core/v1:Namespace",
  ]) {
    for (const resource of r.ofType(type).filter((x) => x.urn.includes("SealedSecrets"))) assert.equal(resource.protect, true, resource.name);
  }
  assert.equal(release(r).protect, false);
  const unprotected = await run(program());
  assert.equal(unprotected.one("tls:index/privateKey:PrivateKey").protect, false);
});

test("bad keyGenerations is refused before anything is created", async () => {
  for (const keyGenerations of [0, 21, 1.5]) {
    await assert.rejects(run(program({ keyGenerations })), /keyGenerations must be an integer from 1 to 20/);
  }
});

function parsed(raw: object, stack = "dev") {
  const result = parsePlatformConfig(raw, stack, { today: TEST_TODAY });
  assert.ok(result.ok, result.ok ? "" : result.problems.join("\n"));
  return result.config;
}

test("config: off by default in dev and prod; on, it maps to the component's settings", () => {
  const dev = parsed({});
  const prod = parsed({ cluster: { authorizedIpRanges: ["203.0.113.0/24"] } }, "prod");
  for (const config of [dev, prod]) {
    assert.deepEqual(config.sealedSecrets, { enabled: false, chartVersion: SEALED_SECRETS_DEFAULTS.chartVersion, keyGenerations: 1 });
    assert.equal(platformArgs({ config: config }).sealedSecrets, undefined);
    assert.equal(deployedSettingsOf(config).sealedSecrets, undefined);
  }
  const on = parsed({ sealedSecrets: { enabled: true, keyGenerations: 3 } });
  assert.deepEqual(platformArgs({ config: on }).sealedSecrets, { chartVersion: SEALED_SECRETS_DEFAULTS.chartVersion, keyGenerations: 3 });
  assert.deepEqual(deployedSettingsOf(on).sealedSecrets, { keyGenerations: 3 });
  assert.deepEqual(readDeployedSettings({ ...deployedSettingsOf(on) }), deployedSettingsOf(on));
  assert.deepEqual(readDeployedSettings({ sealedSecrets: { keyGenerations: "x" } }), {});
});

test("config: fewer key generations than the cluster has is refused; more, or turning it off, is not", () => {
  const deployed = { sealedSecrets: { keyGenerations: 3 } };
  assert.deepEqual(immutableChangeProblems(parsed({ sealedSecrets: { enabled: true, keyGenerations: 3 } }), deployed), []);
  assert.deepEqual(immutableChangeProblems(parsed({ sealedSecrets: { enabled: true, keyGenerations: 4 } }), deployed), []);
  // Off: the cluster's keys go, their backups stay in Key Vault (retainOnDelete).
  assert.deepEqual(immutableChangeProblems(parsed({ sealedSecrets: { enabled: false, keyGenerations: 1 } }), deployed), []);
  assert.deepEqual(immutableChangeProblems(parsed({ sealedSecrets: { enabled: true, keyGenerations: 2 } }), deployed), [
    `gitops-platform:platform.sealedSecrets.keyGenerations: is 3 in the deployed cluster; 2 would delete sealing key generation 3, and the SealedSecrets sealed with it would no longer decrypt; set it back to 3 (keys stay; to retire one, re-seal its secrets first, see the docs/operating.md, "Sealed Secrets")`,
  ]);
  assert.match(immutableChangeProblems(parsed({ sealedSecrets: { enabled: true, keyGenerations: 1 } }), deployed)[0], /delete sealing key generations 2-3, and the SealedSecrets sealed with them/);
  assert.deepEqual(immutableChangeProblems(parsed({ sealedSecrets: { enabled: true, keyGenerations: 1 } }), undefined), [], "a first deployment");
});
