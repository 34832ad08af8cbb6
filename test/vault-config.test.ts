import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "@cdktf/hcl2json";
import {
  chartFullname,
  chartServerConfig,
  helmValues,
  HelmValuesInput,
  vaultChartDisruptionBudgets,
  renderServerConfig,
  restrictedSecurityContext,
  serverDnsNames,
  serverServiceAccountName,
  ServerConfigInput,
  TLS_MOUNT_PATH,
} from "../components/kubernetes/vault-config";
import { vaultVersionProblem } from "../stacks/rules";
import { platformSchema } from "../stacks/schema";
import { pinTestDay } from "./helpers";

pinTestDay();

const BASE: ServerConfigInput = {
  fullname: "vault",
  replicas: 3,
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  keyVaultName: "kv-prod-a1b2c3",
  keyName: "vault-unseal",
  ui: false,
};

const VALUES_INPUT: HelmValuesInput = {
  fullname: "vault",
  version: "1.20.4",
  replicas: 3,
  storageSize: "20Gi",
  auditStorageSize: "10Gi",
  ui: false,
  serverConfig: renderServerConfig(BASE),
  clientId: "11111111-2222-4333-a444-555555555555",
  tlsSecretName: "vault-server-tls",
  caCertPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  serverCertPem: "-----BEGIN CERTIFICATE-----\nSERVER1\n-----END CERTIFICATE-----\n",
};

// Parsed HCL and chart values are deep, loosely typed JSON that the tests index into.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function parsed(input: ServerConfigInput): Promise<Record<string, Json>> {
  return parse("server.hcl", renderServerConfig(input));
}

test("the chart's fullname and server service account name, as its helpers compute them", () => {
  assert.equal(chartFullname("vault"), "vault");
  assert.equal(serverServiceAccountName("vault"), "vault");
  assert.equal(chartFullname("platform"), "platform-vault", "a release without the chart name gets it appended");
  assert.equal(chartFullname("my-vault-1"), "my-vault-1", "a release containing the chart name is used as is");
  assert.equal(chartFullname("vault", { fullnameOverride: "secrets" }), "secrets");
  assert.equal(chartFullname("platform", { nameOverride: "plat" }), "platform", "contains the overridden name");
  assert.equal(chartFullname("a".repeat(62) + "-x"), "a".repeat(62), "63 characters, trailing '-' trimmed");
  assert.equal(serverServiceAccountName("vault", { name: "custom" }), "custom");
  assert.equal(serverServiceAccountName("vault", { create: false }), "default");
});

test("seal stanza carries the tenant, vault and key names", async () => {
  const hcl = await parsed(BASE);
  assert.deepEqual(hcl.seal, { azurekeyvault: [{ tenant_id: BASE.tenantId, vault_name: "kv-prod-a1b2c3", key_name: "vault-unseal" }] });
});

test("one retry_join per replica, each over TLS to its pod", async () => {
  for (const replicas of [1, 3, 5]) {
    const joins = (await parsed({ ...BASE, replicas })).storage.raft[0].retry_join as Record<string, string>[];
    assert.equal(joins.length, replicas);
    joins.forEach((join, i) => {
      assert.equal(join.leader_api_addr, `https://vault-${i}.vault-internal:8200`);
      assert.equal(join.leader_tls_servername, `vault-${i}.vault-internal`);
      assert.equal(join.leader_ca_cert_file, `${TLS_MOUNT_PATH}/ca.crt`);
    });
  }
  assert.throws(() => renderServerConfig({ ...BASE, replicas: 0 }), /replicas must be >= 1/);
});

test("the whole config: TLS listener, raft path, service registration, ui switch, mlock off", async () => {
  const hcl = await parsed({ ...BASE, tlsPath: "/etc/tls" });
  assert.deepEqual(hcl.listener.tcp, [
    {
      address: "[::]:8200",
      cluster_address: "[::]:8201",
      tls_disable: 0,
      tls_cert_file: "/etc/tls/tls.crt",
      tls_key_file: "/etc/tls/tls.key",
      tls_min_version: "tls12",
    },
  ]);
  assert.equal(hcl.storage.raft[0].path, "/vault/data");
  assert.deepEqual(hcl.service_registration, { kubernetes: [{}] });
  assert.equal(hcl.ui, false);
  assert.equal((await parsed({ ...BASE, ui: true })).ui, true);
});

test("the config as the chart renders it (with the disable_mlock it appends) sets no key twice", async () => {
  // hcl2json, like Vault >= 1.21 (hashicorp/vault#31634), refuses an attribute set twice at any level.
  for (const chartVersion of ["0.31.0", "0.32.0", "0.34.1"]) {
    const rendered = chartServerConfig(renderServerConfig(BASE), chartVersion);
    const hcl = await parse("server.hcl", rendered);
    assert.equal(hcl.disable_mlock, true, `chart ${chartVersion}: mlock off (raft storage; the chart's choice)`);
    assert.equal(rendered.match(/^\s*disable_mlock\s*=/gm)?.length, 1, chartVersion);
  }
});

test("chartServerConfig models vault.config: 0.31 always appends disable_mlock to HCL, 0.32+ only when unset", () => {
  // templates/_helpers.tpl "vault.config" at v0.31.0 and after hashicorp/vault-helm#1154 (v0.32.0).
  assert.equal(chartServerConfig('ui = true\ndisable_mlock = false', "0.31.0"), 'ui = true\ndisable_mlock = false\ndisable_mlock = true');
  assert.equal(chartServerConfig('ui = true\ndisable_mlock = false', "0.32.0"), 'ui = true\ndisable_mlock = false');
  assert.equal(chartServerConfig("ui = true", "0.32.0"), "ui = true\ndisable_mlock = true");
  // JSON configs get the key only when missing.
  assert.deepEqual(JSON.parse(chartServerConfig('{"ui": true}', "0.31.0")), { ui: true, disable_mlock: true });
  assert.deepEqual(JSON.parse(chartServerConfig('{"disable_mlock": false}', "0.31.0")), { disable_mlock: false });
});

test("values that HCL, Helm's tpl or the chart's sed would change are refused", () => {
  assert.throws(() => renderServerConfig({ ...BASE, keyName: 'x" }\nseal "other" {' }), /key name .* has characters outside/);
  assert.throws(() => renderServerConfig({ ...BASE, keyName: "{{ .Release.Name }}" }), /has characters outside/);
  assert.throws(() => renderServerConfig({ ...BASE, keyName: "MY-HOSTNAME-KEY" }), /contains HOSTNAME, which the chart rewrites/);
});

test("the certificate names cover the services, every pod and localhost", () => {
  const names = serverDnsNames("vault", "vault", 3);
  for (const name of [
    "vault",
    "vault.vault",
    "vault.vault.svc",
    "vault.vault.svc.cluster.local",
    "vault-active.vault.svc",
    "vault-active.vault.svc.cluster.local",
    "*.vault-internal",
    "*.vault-internal.vault.svc.cluster.local",
    "vault-0.vault-internal",
    "vault-2.vault-internal",
    "localhost",
  ]) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(!names.includes("vault-3.vault-internal"));
  assert.equal(new Set(names).size, names.length, "no duplicates");
});

test("helm values: TLS on, workload identity, HA raft with PDB, storage sizes, restricted pods", () => {
  const config = renderServerConfig(BASE);
  const values = helmValues({ ...VALUES_INPUT, serverConfig: config }) as Record<string, Json>;
  const server = values.server;
  assert.equal(values.global.tlsDisable, false);
  assert.equal(server.ha.raft.config, config);
  assert.equal(server.ha.replicas, 3);
  assert.equal(server.ha.disruptionBudget.enabled, true, "3 replicas: a budget");
  assert.equal(server.ha.apiAddr, "https://$(VAULT_K8S_POD_NAME).vault-internal:8200");
  assert.equal(server.serviceAccount.annotations["azure.workload.identity/client-id"], "11111111-2222-4333-a444-555555555555");
  assert.equal(server.extraLabels["azure.workload.identity/use"], "true");
  assert.deepEqual(server.volumes, [{ name: "tls", secret: { secretName: "vault-server-tls", defaultMode: 0o440 } }]);
  assert.deepEqual(server.volumeMounts, [{ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true }]);
  assert.equal(server.extraEnvironmentVars.VAULT_CACERT, `${TLS_MOUNT_PATH}/ca.crt`);
  assert.equal(server.dataStorage.size, "20Gi");
  assert.equal(server.auditStorage.size, "10Gi");
  assert.equal(server.auditStorage.enabled, true);
  assert.match(server.readinessProbe.path, /uninitcode=204/);
  assert.doesNotMatch(server.readinessProbe.path, /sealedcode/, "a sealed server must not be ready");
  assert.equal(values.injector.enabled, true);
  assert.equal(values.injector.agentImage.tag, "1.20.4");
  assert.equal(
    Buffer.from(values.injector.extraEnvironmentVars.AGENT_INJECT_VAULT_CACERT_BYTES, "base64").toString(),
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  );
  assert.deepEqual(server.statefulSet.securityContext, restrictedSecurityContext());
  assert.deepEqual(values.injector.securityContext.container.capabilities, { drop: ["ALL"] });
  assert.equal(values.ui.enabled, false);
  assert.ok(!JSON.stringify(values).includes("http://"), "no plain-HTTP address in the values");
});

test("vaultVersionProblem: workload identity needs 1.15.5+, and 1.18.5 is broken", () => {
  assert.match(vaultVersionProblem("1.15.4") ?? "", /too old.*1\.15\.5/);
  assert.match(vaultVersionProblem("1.14.0") ?? "", /too old/);
  assert.match(vaultVersionProblem("1.18.5") ?? "", /hashicorp\/vault#29717/);
  assert.equal(vaultVersionProblem("1.15.5"), undefined);
  assert.equal(vaultVersionProblem("1.18.6"), undefined);
  const defaults = platformSchema("dev").parse({ environment: "dev" });
  assert.equal(vaultVersionProblem(defaults.vault.version), undefined, "the default version passes");
});


test("vaultChartDisruptionBudgets follows the chart's server-disruptionbudget.yaml and vault.pdb.maxUnavailable (0.31)", () => {
  const server = (ha: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ server: { ha: { enabled: true, ...ha }, ...extra } });
  const maxUnavailable = (values: Record<string, unknown>) => vaultChartDisruptionBudgets(values).map((b) => b.maxUnavailable);
  // (n*10/2 - 1)/10 in integer arithmetic, with a special case that forces 0 for one replica.
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => maxUnavailable(server({ replicas: n }))[0]), [0, 0, 1, 1, 2, 2, 3]);
  assert.deepEqual(maxUnavailable(server({ replicas: 5, disruptionBudget: { maxUnavailable: 1 } })), [1], "an explicit value wins");
  assert.deepEqual(maxUnavailable(server({ replicas: 1, disruptionBudget: { maxUnavailable: 1 } })), [0], "except with one replica");
  assert.deepEqual(maxUnavailable(server({ replicas: 3, disruptionBudget: { maxUnavailable: 0 } })), [1], "0 is falsy in the template");
  assert.deepEqual(maxUnavailable(server({})), [1], "chart defaults: 3 replicas, budget on");
  assert.deepEqual(vaultChartDisruptionBudgets(server({ replicas: 1, disruptionBudget: { enabled: false } })), [], "budget off");
  assert.deepEqual(vaultChartDisruptionBudgets({ server: { standalone: { enabled: true } } }), [], "no budget outside HA");
  assert.deepEqual(vaultChartDisruptionBudgets({ server: { dev: { enabled: true }, ha: { enabled: true } } }), [], "none in dev mode");
  assert.deepEqual(vaultChartDisruptionBudgets({ injector: { externalVaultAddr: "https://x" }, server: { ha: { enabled: true } } }), [], "none with an external Vault");
  assert.deepEqual(vaultChartDisruptionBudgets({ server: { enabled: false, ha: { enabled: true } } }), [], "none without a server");
  // templates/injector-disruptionbudget.yaml: rendered when injector.podDisruptionBudget is a non-empty map.
  assert.deepEqual(vaultChartDisruptionBudgets({ injector: { podDisruptionBudget: { minAvailable: 1 } }, server: { ha: { enabled: false } } }), [
    { name: "injector", replicas: 1, minAvailable: 1 },
  ]);
  assert.deepEqual(vaultChartDisruptionBudgets({ injector: { replicas: 2, podDisruptionBudget: {} } }), []);
});

test("the platform's Vault values render only a satisfiable disruption budget: none below 3 replicas, maxUnavailable 1 from 3", () => {
  for (const replicas of [1, 2]) {
    assert.deepEqual(vaultChartDisruptionBudgets(helmValues({ ...VALUES_INPUT, replicas })), [], `${replicas} replica(s)`);
  }
  for (const [replicas, allowed] of [[3, 1], [5, 2]]) {
    assert.deepEqual(vaultChartDisruptionBudgets(helmValues({ ...VALUES_INPUT, replicas })), [{ name: "server", replicas, maxUnavailable: allowed }]);
  }
});

test("a renewed certificate or a new config changes the server pod template; the chart's OnDelete strategy stays", () => {
  const server = (input: Partial<HelmValuesInput>) => (helmValues({ ...VALUES_INPUT, ...input }) as Record<string, Json>).server;
  const before = server({});
  const renewed = server({ serverCertPem: "-----BEGIN CERTIFICATE-----\nSERVER2\n-----END CERTIFICATE-----\n" });
  const annotation = "gitops-platform/tls-certificate-sha256";
  assert.match(before.annotations[annotation], /^[0-9a-f]{64}$/);
  assert.notEqual(renewed.annotations[annotation], before.annotations[annotation], "a renewal is a new pod template, so a new StatefulSet revision");
  // The chart puts a checksum of the rendered config on the pod template (vault.annotations).
  assert.equal(before.includeConfigAnnotation, true);
  // OnDelete: the StatefulSet never restarts a pod itself; the rollout Job does, leader last.
  assert.equal(before.updateStrategyType, "OnDelete");
});
