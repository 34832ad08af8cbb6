/**
 * SOPS for one tenant: its own Key Vault key, its own managed identity (Crypto User on that key
 * only) federated with a decryption service account in the tenant's namespace, and encrypt-only
 * access to the key for the tenant's admin groups. kustomize-controller decrypts the tenant's
 * Kustomizations as that account (object-level workload identity, Flux >= 2.6), so tenant A's
 * Kustomization can never decrypt what was encrypted for tenant B: the only accounts it can name
 * are in A's namespace (`spec.decryption.serviceAccountName` is a bare name), and Entra lets them
 * act only as A's identity (the federated credential's subject names namespace and account).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { KeyVault } from "../azure/key-vault";
import { assignToGroups } from "../azure/custom-role";
import { WorkloadIdentity } from "../azure/workload-identity";
import { DECRYPTION_SERVICE_ACCOUNT, DEFAULT_FLUX_NAMESPACE, KUSTOMIZE_CONTROLLER, sopsConfig } from "../kubernetes/flux-install";
import { GUARDRAIL_LABEL, managedLabels } from "../kubernetes/labels";

export interface TenantSopsArgs {
  /** Kubernetes provider of the cluster; the ambient default is never used. */
  provider: k8s.Provider;
  /** Tenant name, for the key's name (`sops-<tenant>-<random suffix>`). */
  tenant: string;
  /** The tenant namespace: the decryption account lives there. */
  namespace: string;
  /** The platform vault (RBAC mode); the key waits for its data-plane grants (KeyVault.createKey). */
  keyVault: KeyVault;
  /** Where the identity goes, and the issuer it trusts. */
  cluster: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string> };
  /** Entra group ids of the tenant's admins: they get `encryptOnly` on the key. */
  adminGroups: string[];
  /** The encrypt-only role (EncryptOnlyRole): its GUID, and what its assignments wait for. */
  encryptOnly?: { guid: pulumi.Input<string>; ready: pulumi.Resource[] };
  /** Namespace of kustomize-controller. Default "flux-system". */
  fluxNamespace?: string;
  /** What the Kubernetes objects wait for (Tenant.ready: the namespace). */
  namespaceReady: pulumi.Resource[];
  tags?: pulumi.Input<Record<string, string>>;
  /** Protect the key. Default: the vault's setting. */
  protect?: boolean;
}

export class TenantSops extends pulumi.ComponentResource {
  readonly key: keyvault.Key;
  readonly identity: WorkloadIdentity;
  /** The account Kustomizations name in `spec.decryption.serviceAccountName`. */
  readonly serviceAccountName: string;
  /** The versioned key URI SOPS encrypts with. */
  readonly keyId: pulumi.Output<string>;
  /** The tenant repository's `.sops.yaml`. */
  readonly sopsConfig: pulumi.Output<string>;
  /** The decryption account, annotated with the identity: what the tenant's Kustomizations wait for. */
  readonly account: k8s.core.v1.ServiceAccount;
  /** The admin groups' encrypt-only grants, by group id. */
  readonly encryptGrants: Record<string, authorization.RoleAssignment>;

  constructor(name: string, args: TenantSopsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:TenantSops", name, {}, opts);
    const fluxNamespace = args.fluxNamespace ?? DEFAULT_FLUX_NAMESPACE;
    this.serviceAccountName = DECRYPTION_SERVICE_ACCOUNT;

    // SOPS's azkv backend calls Encrypt/Decrypt with RSA-OAEP-256, not wrap/unwrap
    // (getsops/sops azkv/keysource.go). A random suffix, new for every key created: a deleted
    // key's name stays taken while it is soft-deleted (KeyArgs.uniqueSuffix).
    this.key = args.keyVault.createKey(
      `${name}-key`,
      { keyName: `sops-${args.tenant}`, uniqueSuffix: true, kty: "RSA", keySize: 4096, keyOps: ["encrypt", "decrypt"] },
      { parent: this, ...(args.protect !== undefined ? { protect: args.protect } : {}) },
    );

    // Crypto User on this tenant's key only. Nothing waits for the grant's propagation: only
    // kustomize-controller uses it, when it decrypts, and it retries until Key Vault agrees.
    this.identity = new WorkloadIdentity(
      name,
      {
        resourceGroupName: args.cluster.resourceGroupName,
        location: args.cluster.location,
        oidcIssuerUrl: args.cluster.oidcIssuerUrl,
        serviceAccounts: [{ namespace: args.namespace, name: DECRYPTION_SERVICE_ACCOUNT }],
        roles: [{ role: "Key Vault Crypto User", scope: this.key.id, scopeName: "sops-key" }],
        tags: args.tags,
      },
      { parent: this },
    );

    const k8sOpts = { parent: this, provider: args.provider, dependsOn: args.namespaceReady };
    // Guardrail-labelled: the tenant may not change them (tenantGuardrailPolicy).
    const labels = { ...managedLabels(), [GUARDRAIL_LABEL]: "true" };
    // Flux requests this account's token itself (TokenRequest) and exchanges it with Entra; the
    // account needs only the client and tenant id (fluxcd website, integrations/azure.md,
    // "At the object level"). No token is mounted anywhere.
    const account = (this.account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      {
        metadata: {
          name: DECRYPTION_SERVICE_ACCOUNT,
          namespace: args.namespace,
          labels,
          annotations: { "azure.workload.identity/client-id": this.identity.clientId, "azure.workload.identity/tenant-id": this.identity.tenantId },
        },
        automountServiceAccountToken: false,
      },
      k8sOpts,
    ));
    // kustomize-controller creates the account's tokens (object-level workload identity needs
    // `create` on serviceaccounts/token: fluxcd website, "Flux Object-level Workload Identity
    // RBAC"). The flux2 chart's crd-controller ClusterRole does not grant it (chart 2.18.x); the
    // controller has it only through multitenancy.privileged's cluster-admin binding. This Role
    // grants it for this one account, whatever the chart does.
    const role = new k8s.rbac.v1.Role(
      `${name}-token`,
      {
        metadata: { name: `${DECRYPTION_SERVICE_ACCOUNT}-token`, namespace: args.namespace, labels },
        rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [DECRYPTION_SERVICE_ACCOUNT], verbs: ["create"] }],
      },
      k8sOpts,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-token`,
      {
        metadata: { name: `${DECRYPTION_SERVICE_ACCOUNT}-token`, namespace: args.namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: KUSTOMIZE_CONTROLLER, namespace: fluxNamespace }],
      },
      { ...k8sOpts, dependsOn: [...args.namespaceReady, account] },
    );

    // Encrypt, never decrypt: the tenant's admins write secrets into Git without being able to
    // read back what is there (they read the applied Secrets through the cluster, as namespace admins).
    this.encryptGrants = args.encryptOnly ? assignToGroups(`${name}-encrypt-only`, args.encryptOnly, args.adminGroups, this.key.id, this) : {};

    this.keyId = this.key.keyUriWithVersion;
    this.sopsConfig = this.keyId.apply(sopsConfig);
    this.registerOutputs({ keyId: this.keyId, sopsConfig: this.sopsConfig, clientId: this.identity.clientId });
  }
}
