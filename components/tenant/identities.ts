/**
 * A tenant's Azure side: its own Key Vault (read through the Secrets Store CSI driver), managed
 * identities federated with service accounts of the tenant's namespace (so an application, or a
 * Flux source, reaches Azure with no secret), and the grants that go with them.
 *
 * Isolation rests on what Entra checks: a federated credential's subject names the namespace
 * and the account (`system:serviceaccount:<namespace>:<name>`), so a token of an account in
 * tenant A's namespace is exchanged only for identities federated with that very account. The
 * tenant's Git content may edit its ServiceAccounts (the reconciler may update them) and write
 * tenant B's client id into an annotation: Entra still refuses the exchange, because none of B's
 * identities trusts a subject in A's namespace (the policy `tenant-identities-isolated` keeps it so).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as authorization from "@pulumi/azure-native/authorization";
import type { DiagnosticsArgs } from "../azure/common";
import { KeyVault, KeyVaultSettingsArgs } from "../azure/key-vault";
import { assignToGroups } from "../azure/custom-role";
import { clientConfig, type RoleGrant } from "../azure/roles";
import { WorkloadIdentity } from "../azure/workload-identity";
import { GUARDRAIL_LABEL, managedLabels, TENANT_TAG, tenantLabels } from "../kubernetes/labels";
import { DEFAULT_FLUX_NAMESPACE } from "../kubernetes/flux-install";
import { shortHash } from "../derived-name";

export { TENANT_TAG };

/** The account source-controller runs as in the flux2 chart. */
export const SOURCE_CONTROLLER = "source-controller";
/** The account image-reflector-controller runs as in the flux2 chart (templates/image-reflector-controller-sa.yaml). */
export const IMAGE_REFLECTOR_CONTROLLER = "image-reflector-controller";

/**
 * The roles a tenant identity may get, and on what kind of scope: data-plane readers only. Never
 * a role that writes anything, nor one that can hand out access (Owner, Contributor, User Access
 * Administrator, Role Based Access Control Administrator).
 * - Key Vault Secrets User: read secret values, on the tenant's own vault (the CSI driver);
 * - AcrPull: pull from a container registry (an OCIRepository with `provider: azure`);
 * - Storage Blob Data Reader: read one blob container (a Bucket with `provider: azure`).
 */
export const TENANT_IDENTITY_ROLES = {
  "Key Vault Secrets User": "keyVault",
  AcrPull: "registry",
  "Storage Blob Data Reader": "container",
} as const;

export type TenantIdentityRole = keyof typeof TENANT_IDENTITY_ROLES;
export type TenantScopeKind = (typeof TENANT_IDENTITY_ROLES)[TenantIdentityRole];

/** The word config uses for the tenant's own vault as a scope. */
export const OWN_KEY_VAULT_SCOPE = "keyVault";
/** The word config uses for the tenant's own container registry (`registry.enabled`) as a scope. */
export const OWN_REGISTRY_SCOPE = "registry";

const SEGMENT = "[^/\\s]+";
export const REGISTRY_ID = new RegExp(`^/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}/providers/Microsoft\\.ContainerRegistry/registries/([A-Za-z0-9]{5,50})$`, "i");
export const STORAGE_ACCOUNT_ID = new RegExp(`^/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}/providers/Microsoft\\.Storage/storageAccounts/([a-z0-9]{3,24})$`, "i");
export const STORAGE_CONTAINER_ID = new RegExp(
  `^(/subscriptions/${SEGMENT}/resourceGroups/${SEGMENT}/providers/Microsoft\\.Storage/storageAccounts/([a-z0-9]{3,24}))/blobServices/default/containers/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)$`,
  "i",
);

/** What a config scope is: the tenant's own vault, a registry, a blob container, or nothing known. */
export function scopeKind(scope: string): TenantScopeKind | undefined {
  if (scope === OWN_KEY_VAULT_SCOPE) return "keyVault";
  if (scope === OWN_REGISTRY_SCOPE || REGISTRY_ID.test(scope)) return "registry";
  if (STORAGE_CONTAINER_ID.test(scope)) return "container";
  return undefined;
}

/** The resource group an ARM id lies in, lower-cased. */
export function resourceGroupOf(armId: string): string | undefined {
  return /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i.exec(armId)?.[1]?.toLowerCase();
}

/** `<storage account id>/blobServices/default/containers/<container>`: Storage Blob Data Reader's narrowest scope. */
export function blobContainerScope(storageAccountId: string, container: string): string {
  return `${storageAccountId.replace(/\/+$/, "")}/blobServices/default/containers/${container}`;
}

/** The login server a registry's OCI URLs name: `<registry name, lower case>.azurecr.io`. */
export function registryLoginServer(registryId: string): string | undefined {
  const name = REGISTRY_ID.exec(registryId)?.[1];
  return name ? `${name.toLowerCase()}.azurecr.io` : undefined;
}

/** A short, stable name for a scope, for the role assignment's logical name (planRoleAssignments). */
export function scopeName(scope: string): string {
  const container = STORAGE_CONTAINER_ID.exec(scope);
  const registry = REGISTRY_ID.exec(scope);
  const own = scope === OWN_KEY_VAULT_SCOPE ? "tenant-vault" : scope === OWN_REGISTRY_SCOPE ? "tenant-registry" : undefined;
  const text = own ?? (registry ? `acr-${registry[1]}` : container ? `blob-${container[3]}-${container[2]}` : "scope");
  // ARM compares ids case-insensitively: one scope in two spellings is one scope (refused as a
  // duplicate grant by the config rules), so the lower-cased text is the input.
  const lower = text.toLowerCase();
  const clean = lower.replace(/[^a-z0-9-]+/g, "-").slice(0, 40).replace(/-+$/, "").replace(/-(\d+)$/, "$1");
  if (clean === lower) return clean;
  // Cleaned or cut: two scopes could read the same (long container names alike for 40
  // characters), so a hash of the whole id follows; "-h<hex>" never ends in '-<digits>'.
  return `${lower.replace(/[^a-z0-9-]+/g, "-").slice(0, 30).replace(/-+$/, "")}-h${shortHash(lower)}`;
}

/**
 * Pull from a registry: AcrPull on the registry itself. One function, so that the platform's own
 * registry can be wired the same way later.
 */
export function registryPullGrant(registryId: pulumi.Input<string>, name = "registry"): RoleGrant {
  return { role: "AcrPull", scope: registryId, scopeName: name };
}

/** The namespaced rule that lets source-controller create tokens for these accounts, and no other. */
export function sourceTokenRules(accounts: readonly string[]): { apiGroups: string[]; resources: string[]; resourceNames: string[]; verbs: string[] }[] {
  return accounts.length === 0 ? [] : [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [...new Set(accounts)].sort(), verbs: ["create"] }];
}

export interface TenantIdentitySpec {
  /** Names the identity (`<component>-<name>`) and its outputs; DNS-1123. */
  name: string;
  /** Accounts of the tenant namespace that act as it: one federated credential each (at most 20). */
  serviceAccounts: string[];
  /** `keyVault` (the tenant's vault), `registry` (the tenant's registry), a registry id or a blob container id, each with the role TENANT_IDENTITY_ROLES allows there. */
  roles: { role: TenantIdentityRole; scope: string }[];
}

export interface TenantIdentitiesArgs {
  /** Kubernetes provider of the cluster; the ambient default is never used. */
  provider: k8s.Provider;
  tenant: string;
  /** The tenant namespace: every federated account lives there. */
  namespace: string;
  environment: string;
  /** Where the identities and the vault go, and the issuer the identities trust. */
  cluster: { resourceGroupName: pulumi.Input<string>; location: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string> };
  /**
   * The tenant's own Key Vault, with these settings (the platform vault's, so the same firewall:
   * in prod deny by default, the node subnet and the allowed IP ranges; `diagnostics`: where its
   * audit log goes). Undefined: no vault.
   */
  keyVault?: KeyVaultSettingsArgs & { allowedSubnetIds?: pulumi.Input<string>[]; protect?: boolean; diagnostics?: DiagnosticsArgs };
  /** ARM id of the tenant's own container registry, for the `registry` scope. Undefined: none. */
  registryId?: pulumi.Input<string>;
  /** Entra group ids of the tenant's admins: they get `secretsWriter` on the vault. */
  adminGroups: string[];
  /** The write-only secrets role (SecretsWriterRole): its GUID and what its assignments wait for. */
  secretsWriter?: { guid: pulumi.Input<string>; ready: pulumi.Resource[] };
  identities: TenantIdentitySpec[];
  /** Accounts that Flux sources with `provider: azure` name: source-controller may create their tokens. */
  sourceServiceAccounts?: string[];
  /**
   * Accounts that ImageRepositories with `provider: azure` name (tenants[].imageAutomation):
   * image-reflector-controller may create their tokens, as source-controller may for sources.
   */
  imageServiceAccounts?: string[];
  /** Namespace of source-controller. Default "flux-system". */
  fluxNamespace?: string;
  /** What the Kubernetes objects wait for (Tenant.ready: the namespace). */
  namespaceReady: pulumi.Resource[];
  tags?: Record<string, string>;
}

export interface TenantIdentityOutputs {
  /** AZURE_CLIENT_ID, the SecretProviderClass's `clientID`. */
  clientId: pulumi.Output<string>;
  serviceAccounts: string[];
}

export class TenantIdentities extends pulumi.ComponentResource {
  /** The tenant's Key Vault, when asked for. */
  readonly keyVault?: KeyVault;
  readonly identities: Record<string, WorkloadIdentity>;
  /** What a SecretProviderClass and a workload need, per identity name: no secret among it. */
  readonly identityOutputs: Record<string, TenantIdentityOutputs>;
  /** The Entra tenant the vault and identities belong to (SecretProviderClass `tenantId`). */
  readonly tenantId: pulumi.Output<string>;
  /** The admin groups' write-only grants on the vault, by group id. */
  readonly writerGrants: Record<string, authorization.RoleAssignment>;
  /** What Flux sources naming these accounts wait for: the annotated accounts and source-controller's token Role. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: TenantIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:kubernetes:TenantIdentities", name, {}, opts);
    const common = { resourceGroupName: args.cluster.resourceGroupName, location: args.cluster.location };

    if (args.keyVault) {
      const { protect, ...settings } = args.keyVault;
      // No administrators: the platform creates no key or secret here, so nobody needs Crypto
      // Officer and nothing waits for a data-plane grant. The name fits tenant and environment
      // in Key Vault's 24 characters (keyVaultName cuts, the random suffix keeps it unique).
      this.keyVault = new KeyVault(
        `${name}-kv`,
        { ...common, ...settings, environment: `${args.environment}-${args.tenant}`, tags: { ...args.tags, [TENANT_TAG]: args.tenant }, protect },
        { parent: this },
      );
    }
    const vault = this.keyVault;

    // Set, update, delete and list secrets, never read them: the tenant's admins fill the vault,
    // the tenant's identities read it. Groups may get only roles that read nothing (CI condition).
    const writer = args.secretsWriter;
    this.writerGrants = vault && writer ? assignToGroups(`${name}-secrets-writer`, writer, args.adminGroups, vault.id, this) : {};

    // No propagation wait after these grants: only workloads in the cluster use them (the CSI
    // driver, an application, source-controller), and each retries until Azure agrees.
    this.identities = {};
    for (const spec of args.identities) {
      const roles = spec.roles.map(({ role, scope }): RoleGrant => {
        const kind = scopeKind(scope);
        if (kind === undefined || TENANT_IDENTITY_ROLES[role] !== kind) {
          throw new pulumi.RunError(`TenantIdentities ${name}: identity ${spec.name} may not get ${role} on "${scope}"`);
        }
        if (kind === "keyVault") {
          if (!vault) throw new pulumi.RunError(`TenantIdentities ${name}: identity ${spec.name} names the tenant's Key Vault, which is not enabled`);
          return { role, scope: vault.id, scopeName: scopeName(scope) };
        }
        if (scope === OWN_REGISTRY_SCOPE) {
          if (args.registryId === undefined) throw new pulumi.RunError(`TenantIdentities ${name}: identity ${spec.name} names the tenant's registry, which does not exist`);
          return registryPullGrant(args.registryId, scopeName(scope));
        }
        return kind === "registry" ? registryPullGrant(scope, scopeName(scope)) : { role, scope, scopeName: scopeName(scope) };
      });
      this.identities[spec.name] = new WorkloadIdentity(
        `${name}-${spec.name}`,
        {
          ...common,
          oidcIssuerUrl: args.cluster.oidcIssuerUrl,
          serviceAccounts: spec.serviceAccounts.map((account) => ({ namespace: args.namespace, name: account })),
          roles,
          tags: args.tags,
          kubernetes: { provider: args.provider, labels: { ...tenantLabels(args.tenant, args.environment), [GUARDRAIL_LABEL]: "true" }, dependsOn: args.namespaceReady },
        },
        { parent: this },
      );
    }
    this.identityOutputs = Object.fromEntries(
      args.identities.map((spec) => [spec.name, { clientId: this.identities[spec.name].clientId, serviceAccounts: spec.serviceAccounts }]),
    );
    const first = Object.values(this.identities)[0];
    this.tenantId = vault ? vault.tenantId : first ? first.tenantId : clientConfig({ parent: this }).tenantId;

    // source-controller exchanges a source's account token for an Azure token (object-level
    // workload identity, fluxcd website integrations/azure.md "At the object level"); it needs
    // `create` on serviceaccounts/token (multitenancy.md, "Flux Object-level Workload Identity
    // RBAC"), which the flux2 chart 2.18.x crd-controller ClusterRole does not grant (it has
    // get/list/watch on serviceaccounts only). This Role grants it for the sources' accounts alone.
    // source-controller pulls a `provider: azure` source, and image-reflector-controller scans an
    // ImageRepository, as the account the object names (object-level workload identity); the
    // chart's crd-controller ClusterRole lets neither create those accounts' tokens.
    const extra = [
      ...this.controllerTokens(`${name}-source-token`, "flux-source-token", SOURCE_CONTROLLER, args.sourceServiceAccounts ?? [], args),
      ...this.controllerTokens(`${name}-image-token`, "flux-image-token", IMAGE_REFLECTOR_CONTROLLER, args.imageServiceAccounts ?? [], args),
    ];
    this.ready = [...Object.values(this.identities).flatMap((i) => i.serviceAccounts), ...extra];
    this.registerOutputs({ tenantId: this.tenantId, keyVaultName: vault?.name, keyVaultUri: vault?.vaultUri });
  }

  /** A Role that lets one Flux controller create tokens for these accounts of the namespace, and its binding; none without accounts. */
  private controllerTokens(logical: string, objectName: string, controller: string, accounts: readonly string[], args: TenantIdentitiesArgs): pulumi.Resource[] {
    const rules = sourceTokenRules([...new Set(accounts)]);
    if (rules.length === 0) return [];
    const k8sOpts = { parent: this, provider: args.provider, dependsOn: args.namespaceReady };
    const metadata = { name: objectName, namespace: args.namespace, labels: { ...managedLabels(), [GUARDRAIL_LABEL]: "true" } };
    const role = new k8s.rbac.v1.Role(logical, { metadata, rules }, k8sOpts);
    const binding = new k8s.rbac.v1.RoleBinding(
      logical,
      {
        metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: controller, namespace: args.fluxNamespace ?? DEFAULT_FLUX_NAMESPACE }],
      },
      k8sOpts,
    );
    return [role, binding];
  }
}
