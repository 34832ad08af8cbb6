/**
 * HashiCorp Vault on AKS: the hashicorp/vault chart in HA raft mode, TLS end to end, auto-unseal
 * through an Azure Key Vault key with workload identity, the agent injector, and a bootstrap Job
 * that initialises Vault (recovery keys and root token into Key Vault) and gives each tenant's
 * applications read-only access to their paths of the tenant's KV subtree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { KeyVault } from "../azure/key-vault";
import { assignCustomRole } from "../azure/custom-role";
import type { ClusterReference } from "../cluster";
import { propagationWait } from "../azure/propagation";
import { WorkloadIdentity } from "../azure/workload-identity";
import { managedLabels, podSecurityLabels } from "./labels";
import type { PlatformServiceEndpoint } from "./network-peers";
import { bootstrapSecretNames, renderBootstrapScript, scriptChecksum, TenantAccess } from "./vault-bootstrap";
import { renderRolloutScript, rolloutTrigger } from "./vault-rollout";
import {
  API_PORT,
  AUDIT_PATH,
  chartFullname,
  helmValues,
  podHost,
  renderServerConfig,
  SERVER_IP_ADDRESSES,
  serverDnsNames,
  serverPodLabels,
  serverServiceAccountName,
  TLS_FILES,
  VAULT_CHART,
} from "./vault-config";

/** The Helm release name: fixed, so the chart's resource and service account names are known. */
export const VAULT_RELEASE_NAME = "vault";

/** The namespace Vault runs in unless HashiCorpVaultArgs.namespace says otherwise. */
export const DEFAULT_VAULT_NAMESPACE = "vault";

/**
 * Where tenants reach Vault: its server pods on the API port, in Vault's namespace. A plain value
 * (no Vault resource needed), so tenants' network policies need not wait for Vault.
 */
export function vaultServerEndpoint(namespace: string = DEFAULT_VAULT_NAMESPACE): PlatformServiceEndpoint {
  return { namespace, podLabels: serverPodLabels(VAULT_RELEASE_NAME), port: API_PORT };
}

/** The Azure CLI image the bootstrap Job runs (az, bash, curl and jq). */
export const BOOTSTRAP_IMAGE = "mcr.microsoft.com/azure-cli:2.91.0";
export const BOOTSTRAP_SERVICE_ACCOUNT = "vault-bootstrap";
export const ROLLOUT_SERVICE_ACCOUNT = "vault-rollout";

const SCRIPT_DIR = "/etc/vault-bootstrap";
const WORK_DIR = "/tmp";

/** Versions, size and behaviour of Vault; every field optional, VAULT_DEFAULTS when unset. */
export interface VaultSettingsArgs {
  /** Vault server image version (>= 1.15.5, not 1.18.5). Default "1.20.4". */
  version?: string;
  /** hashicorp/vault Helm chart version. Default "0.31.0". */
  chartVersion?: string;
  /** Raft replicas, 1-7. Default 3: one node's loss keeps Vault up. */
  replicas?: number;
  /** Raft data volume of each replica. Default "5Gi". */
  storageSize?: string;
  /** Audit log volume of each replica (Vault stops answering when it cannot audit). Default "5Gi". */
  auditStorageSize?: string;
  /** Recovery key shares written to the Key Vault at init. Default 5. */
  recoveryShares?: number;
  /** Shares needed to recover. Default 3. */
  recoveryThreshold?: number;
  /** Vault's web UI. Default false. */
  ui?: boolean;
  /** Mount path of the KV v2 engine the tenants' subtrees live in. Default "secret". */
  kvMount?: string;
}

/** VaultSettingsArgs with every default filled in. */
export type VaultSettings = Required<VaultSettingsArgs>;

/**
 * The secure-by-default baseline of the Vault settings. It differs from the stack config's dev
 * profile in `replicas` (3, HA raft, as in prod; dev runs 1 to be cheap); the rest is dev's.
 */
export const VAULT_DEFAULTS: Readonly<VaultSettings> = {
  version: "1.20.4",
  chartVersion: "0.31.0",
  replicas: 3,
  storageSize: "5Gi",
  auditStorageSize: "5Gi",
  recoveryShares: 5,
  recoveryThreshold: 3,
  ui: false,
  kvMount: "secret",
};

export interface HashiCorpVaultArgs extends VaultSettingsArgs {
  /**
   * The cluster (an AksCluster): every Kubernetes object goes through its provider, the identities'
   * federated credentials trust its OIDC issuer, and the release waits for its `ready` node pools.
   */
  cluster: ClusterReference;
  /** The Key Vault holding the seal key, the recovery keys and the root token (RBAC mode). */
  keyVault: KeyVault;
  /** Resource group for the two managed identities (not necessarily the cluster's). */
  resourceGroupName: pulumi.Input<string>;
  /**
   * The custom role the bootstrap identity gets on the Key Vault (VaultBootstrapSecretsRole: set,
   * list and read secrets only). Default: the built-in Key Vault Secrets Officer.
   */
  bootstrapSecretsRole?: { guid: pulumi.Input<string>; ready: pulumi.Resource[] };
  /** Azure region for the managed identities. */
  location: pulumi.Input<string>;
  /** Entra tenant of the Key Vault, for the seal. Default: the Key Vault's tenant. */
  tenantId?: pulumi.Input<string>;
  /**
   * Tenants whose applications get read-only policies on paths under `<kvMount>/<name>/` and
   * kubernetes auth roles bound to their service accounts (a namespace-wide role only with `namespaceWide`).
   */
  tenants: TenantAccess[];
  /** Namespace Vault runs in; created here. Default "vault". */
  namespace?: string;
  /**
   * Name of the seal key in the Key Vault, used as given. Default `<name>-unseal-<random suffix>`,
   * new for every key created (KeyArgs.uniqueSuffix); a key that already exists keeps its name.
   */
  sealKeyName?: string;
  /** Key type of the seal key; "RSA-HSM" needs a premium vault. Default "RSA". */
  sealKeyType?: "RSA" | "RSA-HSM";
  /** Image of the bootstrap Job. Default BOOTSTRAP_IMAGE. */
  bootstrapImage?: string;
  /**
   * Protect the seal key, the namespace and the Helm release (whose deletion deletes the raft
   * volumes). Without the key, Vault's data can never be decrypted again. Default: the Key
   * Vault's setting for the key, false for the rest.
   */
  protect?: boolean;
  /** Azure tags for the managed identities. */
  tags?: pulumi.Input<Record<string, string>>;
  /**
   * People's login through Entra ID (vault-oidc.ts): platform admins get an admin policy, each
   * tenant's `adminGroups` a write policy on its own subtree. Undefined: no OIDC login.
   */
  oidc?: HashiCorpVaultOidcArgs;
}

/** An existing Entra app registration Vault's OIDC login uses. */
export interface HashiCorpVaultOidcArgs {
  /** Application (client) id of the app registration (groupMembershipClaims: SecurityGroup; the redirect URIs of docs/vault-access.md). */
  clientId: string;
  /** Name of the Key Vault secret, in `keyVault`, holding the app registration's client secret; read by the bootstrap Job only. */
  clientSecretName: string;
  /** Entra group object ids of the platform's Vault admins. */
  adminGroups: string[];
  /** More https:// addresses the UI is reached at (besides the port-forward one). Default none. */
  uiAddresses?: string[];
}

/**
 * HashiCorp Vault (not to be confused with KeyVault, Azure's). Its type token stays
 * `gitops-platform:kubernetes:Vault`: every child URN embeds it, and a new one would replace
 * Vault's raft storage.
 */
/** Where the release is, as the bootstrap and rollout Jobs need it. */
interface ReleaseContext {
  ns: string;
  fullname: string;
  namespaceName: pulumi.Output<string>;
  labels: Record<string, string>;
}

export class HashiCorpVault extends pulumi.ComponentResource {
  /** The namespace Vault runs in. */
  readonly namespace: pulumi.Output<string>;
  /** In-cluster address of Vault's API: `https://vault.<namespace>.svc:8200`. */
  readonly address: pulumi.Output<string>;
  /** PEM of the CA that signed Vault's server certificate; clients trust it. */
  readonly caCertificate: pulumi.Output<string>;
  /** The server's Kubernetes service account, as the chart names it. */
  readonly serviceAccountName: pulumi.Output<string>;
  /** Name of the seal key in the Key Vault. */
  readonly sealKeyName: pulumi.Output<string>;
  /** ARM id of the seal key, the scope of the seal identity's only role. */
  readonly sealKeyId: pulumi.Output<string>;
  /** Client id of the identity Vault's server runs as (unseal). */
  readonly serverIdentityClientId: pulumi.Output<string>;
  /** Client id of the identity the bootstrap Job runs as (Key Vault secrets). */
  readonly bootstrapIdentityClientId: pulumi.Output<string>;
  /** Key Vault secret holding Vault's whole init response, written before its pieces. */
  readonly initResponseSecretName: pulumi.Output<string>;
  /** Key Vault secret holding the root token. */
  readonly rootTokenSecretName: pulumi.Output<string>;
  /** Key Vault secrets holding the recovery keys, one per share. */
  readonly recoveryKeySecretNames: pulumi.Output<string[]>;

  constructor(name: string, args: HashiCorpVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:Vault", name, {}, opts);
    const settings = resolveVaultSettings(args);
    const ns = args.namespace ?? DEFAULT_VAULT_NAMESPACE;
    const fullname = chartFullname(VAULT_RELEASE_NAME);
    const serverSa = serverServiceAccountName(VAULT_RELEASE_NAME);
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const protect = args.protect ?? false;
    const tenantId = pulumi.output(args.tenantId ?? args.keyVault.tenantId);
    const labels = { ...managedLabels(), "app.kubernetes.io/part-of": "vault" };

    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: ns, labels: { ...labels, ...podSecurityLabels("restricted") } } },
      { ...k8sOpts, protect },
    );
    const namespaceName = namespace.metadata.name;

    // Seal: an RSA key only Vault's identity may wrap and unwrap with.
    const sealKey = args.keyVault.createKey(
      `${name}-seal-key`,
      {
        keyName: args.sealKeyName ?? sealKeyNameFor(name),
        uniqueSuffix: args.sealKeyName === undefined,
        kty: args.sealKeyType ?? "RSA",
        keySize: 3072,
        keyOps: ["wrapKey", "unwrapKey"],
      },
      { parent: this, ...(args.protect !== undefined ? { protect: args.protect } : {}) },
    );
    const serverIdentity = new WorkloadIdentity(
      `${name}-server`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        oidcIssuerUrl: args.cluster.oidcIssuerUrl,
        // The chart creates this account (annotated through its values); only the credential is made here.
        serviceAccounts: [{ namespace: ns, name: serverSa }],
        tags: args.tags,
      },
      { parent: this },
    );
    // Get, wrap and unwrap on this one key: the seal wrapper needs no more (go-kms-wrapping azurekeyvault: GetKey at init, then WrapKey/UnwrapKey).
    const sealGrant = args.keyVault.grantRole(
      `${name}-seal-crypto`,
      { principalId: serverIdentity.principalId, role: "Key Vault Crypto Service Encryption User", key: sealKey, principalType: "ServicePrincipal" },
      { parent: this },
    );

    // TLS: a private CA for this Vault and a server certificate for every name clients use.
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: `${name} Vault CA`, organization: "gitops-platform" },
        isCaCertificate: true,
        validityPeriodHours: 10 * 365 * 24,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      { parent: this },
    );
    const serverKey = new tls.PrivateKey(`${name}-server-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    const csr = new tls.CertRequest(
      `${name}-server-csr`,
      {
        privateKeyPem: serverKey.privateKeyPem,
        subject: { commonName: `${fullname}.${ns}.svc`, organization: "gitops-platform" },
        dnsNames: serverDnsNames(fullname, ns, settings.replicas),
        ipAddresses: SERVER_IP_ADDRESSES,
      },
      { parent: this },
    );
    const serverCert = new tls.LocallySignedCert(
      `${name}-server-cert`,
      {
        certRequestPem: csr.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 365 * 24,
        // `pulumi up` renews within 30 days of expiry; Vault reads the new files on restart or SIGHUP.
        earlyRenewalHours: 30 * 24,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
      },
      { parent: this },
    );
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-tls`,
      {
        metadata: { name: `${fullname}-server-tls`, namespace: namespaceName, labels },
        type: "kubernetes.io/tls",
        stringData: {
          [TLS_FILES.cert]: serverCert.certPem,
          [TLS_FILES.key]: pulumi.secret(serverKey.privateKeyPem),
          [TLS_FILES.ca]: ca.certPem,
        },
      },
      k8sOpts,
    );

    const values = pulumi
      .all([tenantId, args.keyVault.name, sealKey.name, serverIdentity.clientId, tlsSecret.metadata.name, ca.certPem, serverCert.certPem])
      .apply(([tenant, keyVaultName, keyName, clientId, tlsSecretName, caCertPem, serverCertPem]) =>
        helmValues({
          fullname,
          version: settings.version,
          replicas: settings.replicas,
          storageSize: settings.storageSize,
          auditStorageSize: settings.auditStorageSize,
          ui: settings.ui,
          serverConfig: renderServerConfig({ fullname, replicas: settings.replicas, tenantId: tenant, keyVaultName, keyName, ui: settings.ui }),
          clientId,
          tlsSecretName,
          caCertPem,
          serverCertPem,
        }),
      );
    // Vault reaches the key at start-up: install once the identity can use it (the grant has
    // propagated to Key Vault's data plane; until then the seal's GetKey is refused with 403).
    const sealReady = propagationWait(`${name}-seal-grant-wait`, { sealCrypto: sealGrant }, { parent: this });
    const release = new k8s.helm.v3.Release(
      name,
      {
        name: VAULT_RELEASE_NAME,
        chart: VAULT_CHART.name,
        version: settings.chartVersion,
        repositoryOpts: { repo: VAULT_CHART.repository },
        namespace: namespaceName,
        createNamespace: false,
        values,
        timeout: 900,
      },
      { ...k8sOpts, protect, dependsOn: [serverIdentity, sealReady, tlsSecret, ...(args.cluster.ready ?? [])] },
    );

    const secretNames = bootstrapSecretNames(secretPrefixFor(name), settings.recoveryShares);
    const bootstrap = this.bootstrap(name, args, { ns, fullname, namespaceName, labels, caCertPem: ca.certPem, release, secretPrefix: secretPrefixFor(name) });
    this.rollout(name, args, { ns, fullname, namespaceName, labels, values, after: [release, bootstrap.job] });

    this.namespace = namespaceName;
    this.address = pulumi.interpolate`https://${fullname}.${namespaceName}.svc:${API_PORT}`;
    this.caCertificate = ca.certPem;
    this.serviceAccountName = pulumi.output(serverSa);
    this.sealKeyName = sealKey.name;
    this.sealKeyId = sealKey.id;
    this.serverIdentityClientId = serverIdentity.clientId;
    this.bootstrapIdentityClientId = bootstrap.clientId;
    this.initResponseSecretName = pulumi.output(secretNames.initResponse);
    this.rootTokenSecretName = pulumi.output(secretNames.rootToken);
    this.recoveryKeySecretNames = pulumi.output(secretNames.recoveryKeys);
    this.registerOutputs({
      namespace: this.namespace,
      address: this.address,
      caCertificate: this.caCertificate,
      serviceAccountName: this.serviceAccountName,
      sealKeyName: this.sealKeyName,
      sealKeyId: this.sealKeyId,
      serverIdentityClientId: this.serverIdentityClientId,
      bootstrapIdentityClientId: this.bootstrapIdentityClientId,
      initResponseSecretName: this.initResponseSecretName,
      rootTokenSecretName: this.rootTokenSecretName,
      recoveryKeySecretNames: this.recoveryKeySecretNames,
    });
  }

  /**
   * The bootstrap Job, its script (ConfigMap) and its identity. The identity's only role is
   * `bootstrapSecretsRole` (else Key Vault Secrets Officer) on the vault: the script writes the recovery keys and root token and
   * reads the token back. Secrets User can only read; Secrets Officer is the least built-in role
   * with `secrets/setSecret`, and it covers secrets only (no keys, no certificates, no access
   * management), unlike Key Vault Administrator. It cannot be scoped to the secrets themselves
   * because they do not exist before Vault is initialised.
   */
  private bootstrap(
    name: string,
    args: HashiCorpVaultArgs,
    ctx: ReleaseContext & { caCertPem: pulumi.Output<string>; release: k8s.helm.v3.Release; secretPrefix: string },
  ): { clientId: pulumi.Output<string>; job: k8s.batch.v1.Job } {
    const settings = resolveVaultSettings(args);
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const identity = new WorkloadIdentity(
      `${name}-bootstrap`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        oidcIssuerUrl: args.cluster.oidcIssuerUrl,
        serviceAccounts: [{ namespace: ctx.ns, name: BOOTSTRAP_SERVICE_ACCOUNT }],
        tags: args.tags,
      },
      { parent: this },
    );
    const grant = args.bootstrapSecretsRole
      ? assignCustomRole(`${name}-bootstrap-secrets`, args.bootstrapSecretsRole, identity.principalId, args.keyVault.id, { parent: this })
      : args.keyVault.grantRole(
          `${name}-bootstrap-secrets`,
          { principalId: identity.principalId, role: "Key Vault Secrets Officer", principalType: "ServicePrincipal" },
          { parent: this },
        );
    // Pulumi waits for the Job, which writes secrets at once: the grant must have propagated.
    const grantReady = propagationWait(`${name}-bootstrap-grant-wait`, { secretsOfficer: grant }, { parent: this });
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-bootstrap`,
      {
        metadata: {
          name: BOOTSTRAP_SERVICE_ACCOUNT,
          namespace: ctx.namespaceName,
          labels: ctx.labels,
          annotations: { "azure.workload.identity/client-id": identity.clientId, "azure.workload.identity/tenant-id": identity.tenantId },
        },
        // The script talks to Vault and Azure only; it needs no Kubernetes API token.
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );

    const directory = pulumi.output(args.tenantId ?? args.keyVault.tenantId);
    const script = pulumi.all([args.keyVault.name, directory]).apply(([keyVaultName, tenantId]) =>
      renderBootstrapScript({
        initAddress: `https://${podHost(ctx.fullname, 0)}:${API_PORT}`,
        activeAddress: `https://${ctx.fullname}-active.${ctx.ns}.svc:${API_PORT}`,
        caCertFile: `${SCRIPT_DIR}/${TLS_FILES.ca}`,
        keyVaultName,
        secretPrefix: ctx.secretPrefix,
        recoveryShares: settings.recoveryShares,
        recoveryThreshold: settings.recoveryThreshold,
        kvMount: settings.kvMount,
        auditFilePath: `${AUDIT_PATH}/vault_audit.log`,
        tenants: args.tenants,
        oidc: args.oidc && {
          tenantId,
          clientId: args.oidc.clientId,
          clientSecretName: args.oidc.clientSecretName,
          adminGroups: args.oidc.adminGroups,
          uiAddresses: args.oidc.uiAddresses ?? [],
          ui: settings.ui,
        },
        workDir: `${WORK_DIR}/vault-bootstrap`,
      }),
    );
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-bootstrap`,
      {
        metadata: { namespace: ctx.namespaceName, labels: ctx.labels },
        data: { "bootstrap.sh": script, [TLS_FILES.ca]: ctx.caCertPem },
      },
      k8sOpts,
    );

    const podLabels = { ...ctx.labels, "app.kubernetes.io/name": "vault-bootstrap", "azure.workload.identity/use": "true" };
    const job = new k8s.batch.v1.Job(
      `${name}-bootstrap`,
      {
        metadata: { namespace: ctx.namespaceName, labels: ctx.labels },
        spec: {
          backoffLimit: 4,
          template: {
            metadata: {
              labels: podLabels,
              // A changed script is a changed pod template, so Pulumi replaces the Job and it runs again.
              annotations: { "gitops-platform/script-sha256": script.apply(scriptChecksum) },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: false,
              restartPolicy: "Never",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "bootstrap",
                  image: args.bootstrapImage ?? BOOTSTRAP_IMAGE,
                  command: ["/bin/bash", `${SCRIPT_DIR}/bootstrap.sh`],
                  env: [
                    { name: "HOME", value: `${WORK_DIR}/home` },
                    { name: "AZURE_CONFIG_DIR", value: `${WORK_DIR}/azure` },
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                  volumeMounts: [
                    { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
                    { name: "work", mountPath: WORK_DIR },
                  ],
                },
              ],
              volumes: [
                { name: "script", configMap: { name: configMap.metadata.name, defaultMode: 0o444 } },
                // Memory-backed: the init response and the secrets it holds never touch a disk.
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
              ],
            },
          },
        },
      },
      { ...k8sOpts, dependsOn: [ctx.release, identity, grantReady], customTimeouts: { create: "30m", update: "30m" } },
    );
    return { clientId: identity.clientId, job };
  }

  /**
   * The rollout Job (vault-rollout.ts): after each change of the release it replaces the pods
   * that are not at the StatefulSet's new revision, one at a time, standbys first and the active
   * pod last. Its pod template carries a checksum of the chart version and values, so any change
   * that can give the StatefulSet a new revision (image, config, certificate) replaces the Job
   * and it runs again. It runs after the bootstrap, which it must not restart pods under.
   */
  private rollout(
    name: string,
    args: HashiCorpVaultArgs,
    ctx: ReleaseContext & { values: pulumi.Output<Record<string, unknown>>; after: pulumi.Resource[] },
  ): void {
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const meta = { name: ROLLOUT_SERVICE_ACCOUNT, namespace: ctx.namespaceName, labels: ctx.labels };
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-rollout`, { metadata: meta }, k8sOpts);
    // Read the StatefulSet and its pods, evict pods (which honours the disruption budget): nothing else.
    const role = new k8s.rbac.v1.Role(
      `${name}-rollout`,
      {
        metadata: meta,
        rules: [
          { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
          { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
          { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["get"] },
        ],
      },
      k8sOpts,
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-rollout`,
      {
        metadata: meta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace: ctx.namespaceName }],
      },
      k8sOpts,
    );
    const script = renderRolloutScript({
      namespace: ctx.ns,
      statefulSet: ctx.fullname,
      selector: `app.kubernetes.io/instance=${VAULT_RELEASE_NAME},component=server`,
      workDir: `${WORK_DIR}/vault-rollout`,
    });
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-rollout`,
      { metadata: { namespace: ctx.namespaceName, labels: ctx.labels }, data: { "rollout.sh": script } },
      k8sOpts,
    );
    const trigger = ctx.values.apply((values) => rolloutTrigger(resolveVaultSettings(args).chartVersion, values, script));
    new k8s.batch.v1.Job(
      `${name}-rollout`,
      {
        metadata: { namespace: ctx.namespaceName, labels: ctx.labels },
        spec: {
          backoffLimit: 2,
          template: {
            metadata: {
              labels: { ...ctx.labels, "app.kubernetes.io/name": "vault-rollout" },
              annotations: { "gitops-platform/rollout-sha256": trigger },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              restartPolicy: "Never",
              securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "rollout",
                  image: args.bootstrapImage ?? BOOTSTRAP_IMAGE,
                  command: ["/bin/bash", "/etc/vault-rollout/rollout.sh"],
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                  volumeMounts: [
                    { name: "script", mountPath: "/etc/vault-rollout", readOnly: true },
                    { name: "work", mountPath: WORK_DIR },
                  ],
                },
              ],
              volumes: [
                { name: "script", configMap: { name: configMap.metadata.name, defaultMode: 0o444 } },
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
              ],
            },
          },
        },
      },
      // Three pods at up to 10 minutes each, waits included.
      { ...k8sOpts, dependsOn: [...ctx.after, binding], customTimeouts: { create: "45m", update: "45m" } },
    );
  }
}

/** Key Vault object names allow letters, digits and '-'. */
/** @deprecated Renamed HashiCorpVault (0.2.0); this alias goes in the next release. */
export const Vault = HashiCorpVault;
/** @deprecated Renamed HashiCorpVault (0.2.0); this alias goes in the next release. */
export type Vault = HashiCorpVault;
/** @deprecated Renamed HashiCorpVaultArgs (0.2.0). */
export type VaultArgs = HashiCorpVaultArgs;

/** VaultSettingsArgs with every default filled in. */
export function resolveVaultSettings(args: VaultSettingsArgs): VaultSettings {
  const settings = { ...VAULT_DEFAULTS };
  for (const key of Object.keys(VAULT_DEFAULTS) as (keyof VaultSettings)[]) {
    const value = args[key];
    if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  }
  return settings;
}

function keyVaultObjectName(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, "-");
}

function sealKeyNameFor(name: string): string {
  return keyVaultObjectName(`${name}-unseal`);
}

function secretPrefixFor(name: string): string {
  return keyVaultObjectName(name);
}
