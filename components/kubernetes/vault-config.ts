/**
 * Pure parts of the Vault component: the names the hashicorp/vault chart derives from the release,
 * the server's HCL configuration (HA raft, TLS listener, Azure Key Vault seal) and the chart's
 * values. No engine, no Outputs: plain strings in, plain strings and objects out.
 */
import { createHash } from "node:crypto";

/** The chart, as published in HashiCorp's Helm repository. */
export const VAULT_CHART = { name: "vault", repository: "https://helm.releases.hashicorp.com" } as const;

/** The server image; the injector's agents run the same one. */
export const VAULT_IMAGE_REPOSITORY = "hashicorp/vault";

/** Where the server's TLS secret is mounted, and its files (the kubernetes.io/tls layout). */
export const TLS_MOUNT_PATH = "/vault/userconfig/tls";
export const TLS_FILES = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/** Where the chart mounts the raft data and audit volumes. */
export const DATA_PATH = "/vault/data";
export const AUDIT_PATH = "/vault/audit";

/**
 * The JWT audience every kubernetes auth role the platform writes requires (the role's
 * `audience`): a service account token minted for anything else (the API server's default
 * audience of the pod's own token, Azure's api://AzureADTokenExchange, another service's) does not
 * log in, so a token that leaks to some other party cannot be replayed at Vault. Neither client
 * asks for an audience of its own: the agent injector (vault-k8s agent-inject/agent/agent.go
 * `serviceaccount`) reads the pod's mounted token, by default the API server's, or the projected
 * volume the pod names in `vault.hashicorp.com/agent-service-account-token-volume-name`; the CSI
 * provider (vault-csi-provider internal/config/config.go) takes the SecretProviderClass parameter
 * `audience`, and without one looks for a driver-provided token under the key "vault"
 * (internal/auth/kubernetes_jwt.go otherwise requests one with the API server's audience). So the
 * pod asks for it: a projected token with this audience, or `audience: vault` on the
 * SecretProviderClass. "vault" is the CSI provider's own default key.
 */
export const VAULT_AUDIENCE = "vault";

export const API_PORT = 8200;
export const CLUSTER_PORT = 8201;

export interface ChartNameOverrides {
  /** `nameOverride` in the chart's values. */
  nameOverride?: string;
  /** `fullnameOverride` in the chart's values. */
  fullnameOverride?: string;
}

/** Helm's `trunc 63 | trimSuffix "-"`: at most 63 characters, one trailing '-' dropped. */
function truncName(text: string): string {
  const cut = text.slice(0, 63);
  return cut.endsWith("-") ? cut.slice(0, -1) : cut;
}

/**
 * The chart's `vault.fullname` helper: the fullname override, else the release name when it
 * already contains the chart name, else `<release>-<chart name>`. The StatefulSet, its services
 * (`<fullname>`, `<fullname>-active`, `<fullname>-internal`) and the pods (`<fullname>-<i>`) are
 * named after it.
 */
/**
 * The labels of the chart's server pods, as its StatefulSet selects them
 * (templates/server-statefulset.yaml: app.kubernetes.io/name = the chart name,
 * app.kubernetes.io/instance = the release, component: server). The injector's pods carry
 * `component: webhook` and another name, so these select the servers alone.
 */
export function serverPodLabels(releaseName: string): Record<string, string> {
  return { "app.kubernetes.io/name": VAULT_CHART.name, "app.kubernetes.io/instance": releaseName, component: "server" };
}

export function chartFullname(releaseName: string, overrides: ChartNameOverrides = {}): string {
  if (overrides.fullnameOverride) return truncName(overrides.fullnameOverride);
  const name = overrides.nameOverride || VAULT_CHART.name;
  return truncName(releaseName.includes(name) ? releaseName : `${releaseName}-${name}`);
}

/**
 * The chart's `vault.serviceAccount.name` helper: the server's service account, whose name is
 * the subject of Vault's federated credential. With `server.serviceAccount.create` (the default)
 * it is the explicit name or the fullname; without, the explicit name or "default".
 */
export function serverServiceAccountName(
  releaseName: string,
  options: ChartNameOverrides & { create?: boolean; name?: string } = {},
): string {
  if (options.create ?? true) return options.name || chartFullname(releaseName, options);
  return options.name || "default";
}

/** `<fullname>-<i>.<fullname>-internal`: one server pod through the headless service. */
export function podHost(fullname: string, index: number): string {
  return `${fullname}-${index}.${fullname}-internal`;
}

/**
 * Every name the server certificate must cover: the chart's three services in each form a client
 * in the cluster may use, each pod through the headless service (short and qualified), and
 * localhost for the CLI and probes inside the pod.
 */
export function serverDnsNames(fullname: string, namespace: string, replicas: number, clusterDomain = "cluster.local"): string[] {
  const forms = (host: string) => [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.${clusterDomain}`];
  const internal = `${fullname}-internal`;
  return [
    ...forms(fullname),
    ...forms(`${fullname}-active`),
    ...forms(`${fullname}-standby`),
    ...forms(internal),
    ...forms(`*.${internal}`),
    ...Array.from({ length: replicas }, (_, i) => podHost(fullname, i)),
    "localhost",
  ];
}

/** IP addresses in the server certificate: VAULT_ADDR inside the pod is https://127.0.0.1:8200. */
export const SERVER_IP_ADDRESSES = ["127.0.0.1"];

export interface ServerConfigInput {
  /** Chart fullname (see chartFullname); the pods are `<fullname>-<i>`. */
  fullname: string;
  /** Raft voters; one `retry_join` stanza each. */
  replicas: number;
  /** Entra tenant of the Key Vault. */
  tenantId: string;
  /** The Key Vault's name (not its URI). */
  keyVaultName: string;
  /** Name of the RSA key that wraps Vault's root key. */
  keyName: string;
  /** Serve the web UI. */
  ui: boolean;
  /** Directory holding tls.crt, tls.key and ca.crt. Default TLS_MOUNT_PATH. */
  tlsPath?: string;
}

/**
 * Words the chart's start-up script replaces with `sed` wherever they appear in the config
 * (`vault.args` in the chart's _helpers.tpl).
 */
const CHART_PLACEHOLDERS = ["HOST_IP", "POD_IP", "HOSTNAME", "API_ADDR", "TRANSIT_ADDR", "RAFT_ADDR"];

/**
 * A value for a quoted HCL string. Only a safe alphabet is accepted rather than escaped: Vault
 * reads its config with HCL 1, Helm runs it through `tpl`, and the chart `sed`s placeholders,
 * and each treats special characters differently.
 */
function hclValue(what: string, value: string): string {
  if (!/^[A-Za-z0-9._:/[\]-]+$/.test(value)) {
    throw new Error(`Vault server config: ${what} ${JSON.stringify(value)} has characters outside [A-Za-z0-9._:/[]-]`);
  }
  const placeholder = CHART_PLACEHOLDERS.find((word) => value.includes(word));
  if (placeholder) throw new Error(`Vault server config: ${what} ${JSON.stringify(value)} contains ${placeholder}, which the chart rewrites`);
  return `"${value}"`;
}

function attributes(indent: string, entries: [string, string | number][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${indent}${key.padEnd(width)} = ${value}`).join("\n");
}

/**
 * The server configuration for `server.ha.raft.config`. That value replaces the chart's default
 * config entirely, so this is all of it: the TLS-only listener, raft storage that joins every
 * replica over TLS, the Azure Key Vault seal, Kubernetes service registration (the
 * vault-active/standby labels) and the UI switch. The chart adds `disable_mlock = true` itself.
 */
export function renderServerConfig(input: ServerConfigInput): string {
  if (!Number.isInteger(input.replicas) || input.replicas < 1) throw new Error(`Vault server config: replicas must be >= 1 (got ${input.replicas})`);
  const tls = input.tlsPath ?? TLS_MOUNT_PATH;
  const file = (name: string) => hclValue("TLS path", `${tls}/${name}`);
  const retryJoins = Array.from({ length: input.replicas }, (_, i) => {
    const host = podHost(input.fullname, i);
    return [
      "  retry_join {",
      attributes("    ", [
        ["leader_api_addr", hclValue("leader address", `https://${host}:${API_PORT}`)],
        ["leader_ca_cert_file", file(TLS_FILES.ca)],
        ["leader_tls_servername", hclValue("leader host", host)],
      ]),
      "  }",
    ].join("\n");
  });
  return [
    "# Rendered by gitops-platform (components/kubernetes/vault-config.ts); do not edit by hand.",
    // No disable_mlock: the chart appends `disable_mlock = true` (see chartServerConfig).
    `ui = ${input.ui}`,
    "",
    'listener "tcp" {',
    attributes("  ", [
      ["address", `"[::]:${API_PORT}"`],
      ["cluster_address", `"[::]:${CLUSTER_PORT}"`],
      ["tls_disable", 0],
      ["tls_cert_file", file(TLS_FILES.cert)],
      ["tls_key_file", file(TLS_FILES.key)],
      ["tls_min_version", '"tls12"'],
    ]),
    "}",
    "",
    'storage "raft" {',
    `  path = ${hclValue("data path", DATA_PATH)}`,
    "",
    retryJoins.join("\n\n"),
    "}",
    "",
    'seal "azurekeyvault" {',
    attributes("  ", [
      ["tenant_id", hclValue("tenant id", input.tenantId)],
      ["vault_name", hclValue("Key Vault name", input.keyVaultName)],
      ["key_name", hclValue("key name", input.keyName)],
    ]),
    "}",
    "",
    'service_registration "kubernetes" {}',
    "",
  ].join("\n");
}

/** `a` >= `b` for plain `x.y.z` versions (pre-release suffixes ignored). */
export function versionAtLeast(a: string, b: string): boolean {
  const parts = (v: string) => v.split("-")[0].split(".").map((n) => Number(n) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return true;
}

/**
 * The server config as the chart writes it into its ConfigMap (`vault.config` in the chart's
 * templates/_helpers.tpl): a JSON config gets `"disable_mlock": true` when it has no such key;
 * an HCL config gets the line `disable_mlock = true` appended, always in 0.31
 * (hashicorp/vault-helm#1153) and only when no `disable_mlock = true|false` line exists from
 * 0.32.0 on (hashicorp/vault-helm#1154). Vault >= 1.21 refuses a key set twice
 * (hashicorp/vault#31634), so renderServerConfig leaves the key to the chart. `tpl` is not
 * modelled: renderServerConfig never emits template actions.
 */
export function chartServerConfig(config: string, chartVersion: string): string {
  let json: unknown;
  try {
    json = JSON.parse(config);
  } catch {
    json = undefined;
  }
  if (json !== null && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length > 0) {
    const object = json as Record<string, unknown>;
    return JSON.stringify("disable_mlock" in object ? object : { ...object, disable_mlock: true });
  }
  const alreadySet = /^\s*disable_mlock\s*=\s*(true|false)/m.test(config);
  if (versionAtLeast(chartVersion, "0.32.0") && alreadySet) return config;
  return `${config}\ndisable_mlock = true`;
}

/** A PodDisruptionBudget the chart renders, and how many pods it selects. */
export interface ChartDisruptionBudget {
  /** "server" (the StatefulSet) or "injector" (the agent injector Deployment). */
  name: "server" | "injector";
  replicas: number;
  maxUnavailable?: number | string;
  minAvailable?: number | string;
}

type Values = Record<string, unknown>;
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Values)[k] : undefined), value);
/** Go templates' truthiness: false, 0, "", nil and empty maps and lists are false. */
const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === "" || (typeof v === "object" && Object.keys(v).length === 0));
/** `x | toString` compared with "true", as the chart tests its switches. */
const isTrue = (v: unknown): boolean => String(v) === "true";

/**
 * The PodDisruptionBudgets hashicorp/vault 0.31 renders for these values (values.yaml defaults
 * filled in), modelled on its templates:
 *
 * - server-disruptionbudget.yaml: only in mode "ha" (vault.mode: server enabled, no external
 *   Vault, not dev) with `server.ha.disruptionBudget.enabled` (default true), with
 *   `maxUnavailable: {{ template "vault.pdb.maxUnavailable" . }}`, which is
 *   `if eq (int replicas) 1 -> 0; else if disruptionBudget.maxUnavailable -> it;
 *   else div (sub (div (mul replicas 10) 2) 1) 10`: 0 for one and two replicas, which no
 *   drain can ever satisfy;
 * - injector-disruptionbudget.yaml: `if .Values.injector.podDisruptionBudget` (default {}),
 *   with that map as the spec, over `injector.replicas` pods (default 1).
 */
export function vaultChartDisruptionBudgets(values: Values): ChartDisruptionBudget[] {
  const budgets: ChartDisruptionBudget[] = [];
  const injectorBudget = at(values, "injector", "podDisruptionBudget");
  if (truthy(injectorBudget)) {
    const spec = injectorBudget as Values;
    budgets.push({
      name: "injector",
      replicas: Number(at(values, "injector", "replicas") ?? 1),
      ...(spec.maxUnavailable !== undefined ? { maxUnavailable: spec.maxUnavailable as number | string } : {}),
      ...(spec.minAvailable !== undefined ? { minAvailable: spec.minAvailable as number | string } : {}),
    });
  }
  const serverSwitch = at(values, "server", "enabled") ?? "-";
  const serverEnabled = isTrue(serverSwitch) || (String(serverSwitch) === "-" && String(at(values, "global", "enabled") ?? true) === "true");
  const external = truthy(at(values, "injector", "externalVaultAddr")) || truthy(at(values, "global", "externalVaultAddr"));
  const ha = serverEnabled && !external && !isTrue(at(values, "server", "dev", "enabled")) && isTrue(at(values, "server", "ha", "enabled"));
  if (ha && isTrue(at(values, "server", "ha", "disruptionBudget", "enabled") ?? true)) {
    const replicas = Math.trunc(Number(at(values, "server", "ha", "replicas") ?? 3));
    const explicit = at(values, "server", "ha", "disruptionBudget", "maxUnavailable");
    const maxUnavailable =
      replicas === 1 ? 0 : truthy(explicit) ? (explicit as number | string) : Math.trunc((Math.trunc((replicas * 10) / 2) - 1) / 10);
    budgets.push({ name: "server", replicas, maxUnavailable });
  }
  return budgets;
}

export interface HelmValuesInput {
  /** Chart fullname, for the API address of each pod. */
  fullname: string;
  /** Vault image tag, for the server and the injected agents. */
  version: string;
  replicas: number;
  /** Raft data volume per pod, e.g. "10Gi". */
  storageSize: string;
  /** Audit log volume per pod, e.g. "10Gi". */
  auditStorageSize: string;
  ui: boolean;
  /** renderServerConfig's output. */
  serverConfig: string;
  /** Client id of the identity the server acts as (the seal's). */
  clientId: string;
  /** Name of the kubernetes.io/tls secret with tls.crt, tls.key and ca.crt. */
  tlsSecretName: string;
  /** PEM of the CA that signed the server certificate, for the injected agents. */
  caCertPem: string;
  /** PEM of the server certificate: its checksum goes on the pod template, so a renewal rolls the pods. */
  serverCertPem: string;
}

/**
 * Security contexts that pass the "restricted" Pod Security level (the chart's defaults lack the
 * seccomp profile and the dropped capabilities). The ids are the chart's defaults.
 */
export function restrictedSecurityContext(uid = 100, gid = 1000): { pod: Record<string, unknown>; container: Record<string, unknown> } {
  return {
    pod: { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } },
    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** Values for the hashicorp/vault chart: HA raft over TLS, workload identity, injector on. */
export function helmValues(input: HelmValuesInput): Record<string, unknown> {
  const caFile = `${TLS_MOUNT_PATH}/${TLS_FILES.ca}`;
  return {
    // https everywhere in the chart: VAULT_ADDR (https://127.0.0.1:8200), probes, the injector's address.
    global: { tlsDisable: false },
    injector: {
      enabled: true,
      agentImage: { repository: VAULT_IMAGE_REPOSITORY, tag: input.version },
      // The CA injected agents trust for Vault (vault-k8s takes PEM, optionally base64-encoded).
      extraEnvironmentVars: { AGENT_INJECT_VAULT_CACERT_BYTES: Buffer.from(input.caCertPem).toString("base64") },
      securityContext: restrictedSecurityContext(),
    },
    ui: { enabled: input.ui },
    server: {
      image: { repository: VAULT_IMAGE_REPOSITORY, tag: input.version },
      // The chart's default, stated: the StatefulSet restarts no pod by itself; the rollout Job
      // (vault-rollout.ts) replaces outdated pods one at a time, the active one last.
      updateStrategyType: "OnDelete",
      // A new config or a renewed certificate must change the pod template, so that it is a new
      // StatefulSet revision the rollout sees: the chart adds a checksum of the rendered config
      // (vault.annotations); Vault reads its certificate only at start or on SIGHUP.
      includeConfigAnnotation: true,
      annotations: { "gitops-platform/tls-certificate-sha256": createHash("sha256").update(input.serverCertPem).digest("hex") },
      statefulSet: { securityContext: restrictedSecurityContext() },
      // The workload identity webhook injects AZURE_* env and the token into pods with this label.
      extraLabels: { "azure.workload.identity/use": "true" },
      serviceAccount: {
        create: true,
        annotations: { "azure.workload.identity/client-id": input.clientId },
      },
      // Vault's own SA reviews tenants' tokens for the kubernetes auth method.
      authDelegator: { enabled: true },
      extraEnvironmentVars: { VAULT_CACERT: caFile },
      volumes: [{ name: "tls", secret: { secretName: input.tlsSecretName, defaultMode: 0o440 } }],
      volumeMounts: [{ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true }],
      // Ready while uninitialised, so that the release finishes and the bootstrap Job can
      // initialise Vault; a sealed (503) server is still not ready.
      readinessProbe: { enabled: true, path: "/v1/sys/health?standbyok=true&uninitcode=204" },
      dataStorage: { enabled: true, size: input.storageSize, mountPath: DATA_PATH },
      auditStorage: { enabled: true, size: input.auditStorageSize, mountPath: AUDIT_PATH },
      standalone: { enabled: false },
      ha: {
        enabled: true,
        replicas: input.replicas,
        // A name the server certificate covers, rather than the pod IP the chart defaults to.
        apiAddr: `https://$(VAULT_K8S_POD_NAME).${input.fullname}-internal:${API_PORT}`,
        raft: { enabled: true, setNodeId: true, config: input.serverConfig },
        // Raft keeps working while a quorum (n/2 + 1) of voters is up. From 3 replicas the
        // chart's budget lets one pod go at a time and keeps the quorum through drains. Below 3
        // there is no quorum to protect (one pod down is an outage either way), and the chart
        // renders maxUnavailable 0 for 1 and 2 replicas (vault.pdb.maxUnavailable), which blocks
        // every AKS upgrade and drain (UnsatisfiablePDB): no budget then, and a drain restarts
        // Vault on another node, sealed until the Key Vault seal unseals it.
        disruptionBudget: { enabled: input.replicas >= 3 },
      },
    },
  };
}
