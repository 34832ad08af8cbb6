/** A Key Vault in RBAC mode with soft delete, purge protection and a network allow list. */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import * as time from "@pulumiverse/time";
import { normalizeIpRange } from "./cidr";
import { keyVaultName } from "./key-vault-name";
import { propagationWait } from "./propagation";
import { assignRole, BuiltInRole, clientConfig } from "./roles";
import { AzureComponentArgs, diagnosticSetting, resourceLock } from "./common";

export type KeyOperation = "encrypt" | "decrypt" | "sign" | "verify" | "wrapKey" | "unwrapKey";

/**
 * The Key Vault's secure-by-default baseline: what an unset KeyVaultArgs field means. It differs
 * from the stack config's dev profile (purge protection off, 7 days, firewall Allow), which keeps
 * a dev vault disposable and reachable from anywhere; prod's profile is this baseline on premium.
 */
export const KEY_VAULT_DEFAULTS: Readonly<Required<Omit<KeyVaultSettingsArgs, "allowedIpRanges">>> = {
  sku: "standard",
  purgeProtection: true,
  softDeleteRetentionDays: 90,
  networkDefaultAction: "Deny",
};

/** The vault's settings, every field optional (KEY_VAULT_DEFAULTS when unset). */
export interface KeyVaultSettingsArgs {
  /** Default "standard"; "premium" adds HSM-backed keys. */
  sku?: "standard" | "premium";
  /** Irreversible once on. Default true. */
  purgeProtection?: boolean;
  /** Days a deleted vault or key can be recovered, 7-90. Default 90. */
  softDeleteRetentionDays?: number;
  /** What the firewall does with traffic not allowed below. Default "Deny". */
  networkDefaultAction?: "Allow" | "Deny";
  /** Public IPv4 addresses or CIDR ranges allowed through the firewall. Default none. */
  allowedIpRanges?: string[];
}

export interface KeyVaultArgs extends AzureComponentArgs, KeyVaultSettingsArgs {
  /** Environment name; the vault is named `kv-<environment>-<random suffix>` (at most 24 chars). */
  environment: string;
  /** Entra tenant of the vault. Default: the tenant of the principal running Pulumi. */
  tenantId?: pulumi.Input<string>;
  /**
   * ARM ids of subnets allowed through the firewall (each needs the `Microsoft.KeyVault` service
   * endpoint): how callers inside a VNet, such as a cluster's nodes, reach a vault that denies by
   * default. `bypass: AzureServices` does not cover them. Default none.
   */
  allowedSubnetIds?: pulumi.Input<string>[];
  /**
   * Who manages keys through this component, as "Key Vault Crypto Officer" on the vault: whoever
   * runs Pulumi. In an RBAC-mode vault ARM checks the caller's data-plane role even for keys
   * created through ARM (ForbiddenByRbac ... keys/read: pulumi/pulumi-azure-native#890,
   * Azure/bicep#6539), and azure-native deletes keys through the data plane itself
   * (custom_keyvault.go, azkeys.DeleteKey), which also means through the vault's firewall: the
   * machine running Pulumi must be in its IP rules to replace or destroy a key. Every key waits
   * until these grants have propagated. Default none: the caller must already hold such a role.
   */
  administrators?: KeyVaultAdministrator[];
  /** How long the administrators' grants take to propagate (a Go duration). Default DEFAULT_PROPAGATION_WAIT. */
  propagationWait?: string;
  /** Protect the vault and, unless a key says otherwise, its keys. Default false. */
  protect?: boolean;
}

/** A principal that manages the vault's keys. */
export interface KeyVaultAdministrator {
  /**
   * What this principal is, in a few letters ("deployer", "admins-<group id>"): names its role
   * assignment, so the list can be reordered without recreating grants.
   */
  key: string;
  principalId: pulumi.Input<string>;
  principalType: pulumi.Input<"User" | "Group" | "ServicePrincipal">;
}

export interface KeyArgs {
  /**
   * The key's name in the vault, or with `uniqueSuffix` its prefix. Fixed when the key is
   * created: a later change is ignored, since a new name would replace the key and lose what it
   * encrypts (to rename one on purpose, replace it with `pulumi up --replace <urn>`).
   */
  keyName: string;
  /**
   * Name the key `<keyName>-<6 random characters>`, from a RandomString created and deleted with
   * the key. A deleted key stays soft-deleted for the vault's retention period (7-90 days; with
   * purge protection it cannot be purged sooner), and Azure refuses its name until then (409
   * Conflict), so a key created again after a delete needs a new name. Default false.
   */
  uniqueSuffix?: boolean;
  /** Default "RSA". */
  kty?: "RSA" | "RSA-HSM";
  /** Bits. Default 2048. */
  keySize?: number;
  keyOps: KeyOperation[];
}

export interface SecretArgs {
  /** The secret's name in the vault (1-127 letters, digits and '-'). */
  secretName: pulumi.Input<string>;
  /** The value; always stored as a Pulumi secret. */
  value: pulumi.Input<string>;
  /** A hint for readers, e.g. "application/x-yaml". */
  contentType?: string;
}

export interface GrantArgs {
  principalId: pulumi.Input<string>;
  role: BuiltInRole;
  /** Scope the grant to this one key instead of the whole vault. */
  key?: keyvault.Key;
  /** Default "ServicePrincipal" (managed identities). */
  principalType?: pulumi.Input<"ServicePrincipal" | "User" | "Group">;
}

export class KeyVault extends pulumi.ComponentResource {
  readonly vault: keyvault.Vault;
  /** The vault's name, `kv-<environment>-<suffix>`. */
  readonly name: pulumi.Output<string>;
  /** ARM resource id, the scope for vault-wide role assignments. */
  readonly id: pulumi.Output<string>;
  /** `https://<name>.vault.azure.net/`. */
  readonly vaultUri: pulumi.Output<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  /** The administrators' "Key Vault Crypto Officer" grants, by their key. */
  readonly administratorGrants: Record<string, authorization.RoleAssignment>;
  /** What every key waits for: the administrators' grants having propagated (empty without administrators). */
  readonly dataPlaneReady: pulumi.Resource[];
  private readonly protectKeys: boolean;
  private readonly vaultName: string;
  private readonly administrators: readonly KeyVaultAdministrator[];
  private readonly propagationWaitDuration?: string;
  /** The administrators' Secrets Officer grants and their wait, made with the first secret (createSecret). */
  private secretsReady?: pulumi.Resource[];

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:KeyVault", name, {}, opts);
    this.protectKeys = args.protect ?? false;
    this.vaultName = name;
    this.administrators = args.administrators ?? [];
    this.propagationWaitDuration = args.propagationWait;

    // A random suffix makes the global name unique; being a resource, it stays stable.
    const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, { parent: this });
    this.tenantId = pulumi.output(args.tenantId ?? clientConfig({ parent: this }).tenantId);

    this.vault = new keyvault.Vault(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vaultName: suffix.result.apply((s) => keyVaultName(args.environment, s)),
        tags: args.tags,
        properties: {
          tenantId: this.tenantId,
          sku: { family: "A", name: args.sku ?? KEY_VAULT_DEFAULTS.sku },
          // The SDK defaults this to false (access policies); RBAC is the only model we use.
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionDays ?? KEY_VAULT_DEFAULTS.softDeleteRetentionDays,
          // Azure rejects `false` here; leaving it unset is how "off" is said.
          enablePurgeProtection: (args.purgeProtection ?? KEY_VAULT_DEFAULTS.purgeProtection) ? true : undefined,
          networkAcls: {
            bypass: "AzureServices",
            defaultAction: args.networkDefaultAction ?? KEY_VAULT_DEFAULTS.networkDefaultAction,
            // As Azure stores them, or every refresh shows a diff (hashicorp/terraform-provider-azurerm#2164).
            ipRules: (args.allowedIpRanges ?? []).map((range) => ({ value: normalizeIpRange(range) })),
            // Key Vault stores subnet ids in lower case; sending them so keeps refresh from diffing.
            virtualNetworkRules: args.allowedSubnetIds?.map((id) => ({ id: pulumi.output(id).apply((text) => text.toLowerCase()) })),
          },
        },
      },
      { parent: this, protect: args.protect },
    );
    resourceLock(name, this.vault, args.lock, { parent: this });
    // Key Vault's logs are its AuditEvent (every data-plane call) and policy evaluations.
    diagnosticSetting(name, this.vault, args.diagnostics, { parent: this });
    this.name = this.vault.name;
    this.id = this.vault.id;
    this.vaultUri = this.vault.properties.apply((p) => p.vaultUri ?? "");
    this.resourceGroupName = pulumi.output(args.resourceGroupName);

    this.administratorGrants = administratorGrants(name, args.administrators ?? [], (grantName, admin) =>
      this.grantRole(grantName, { principalId: admin.principalId, principalType: admin.principalType, role: "Key Vault Crypto Officer" }),
    );
    const waitFor: time.Sleep[] =
      Object.keys(this.administratorGrants).length > 0
        ? [propagationWait(`${name}-data-plane-wait`, this.administratorGrants, { parent: this, duration: args.propagationWait })]
        : [];
    this.dataPlaneReady = waitFor;
    this.registerOutputs({ name: this.name, id: this.id, vaultUri: this.vaultUri });
  }

  /**
   * A key in this vault; parent defaults to this component, protect to the vault's. It waits for
   * the administrators' data-plane grants (see KeyVaultArgs.administrators).
   */
  createKey(name: string, args: KeyArgs, opts?: Omit<pulumi.CustomResourceOptions, "dependsOn"> & { dependsOn?: pulumi.Resource[] }): keyvault.Key {
    const dependsOn = [...this.dataPlaneReady, ...(opts?.dependsOn ?? [])];
    const parent = opts?.parent ?? this;
    const keyName = args.uniqueSuffix
      ? new random.RandomString(`${name}-name-suffix`, { length: 6, special: false, upper: false }, { parent }).result.apply((s) => `${args.keyName}-${s}`)
      : args.keyName;
    return new keyvault.Key(
      name,
      {
        resourceGroupName: this.resourceGroupName,
        vaultName: this.name,
        keyName,
        properties: { kty: args.kty ?? "RSA", keySize: args.keySize ?? 2048, keyOps: args.keyOps },
      },
      // An existing key keeps its name: keys made before uniqueSuffix existed (flux-sops,
      // <name>-unseal) are not replaced by the suffixed name a new one would get.
      { parent: this, protect: this.protectKeys, ...opts, dependsOn, ignoreChanges: ["keyName", ...(opts?.ignoreChanges ?? [])] },
    );
  }

  /**
   * A secret in this vault, written through ARM: `Microsoft.KeyVault/vaults/secrets/write` is a
   * control-plane action (Contributor has it), which neither the vault's data-plane RBAC nor its
   * firewall governs, and ARM never returns the value. azure-native deletes a secret through the
   * data plane though (custom_keyvault.go, azsecrets.DeleteSecret), as it does keys; reading a
   * secret back (a restore) is data plane too. So the first secret gives the administrators "Key
   * Vault Secrets Officer" on the vault (`<vault>-secrets-officer-<key>`), and every secret waits
   * until those grants have propagated (deploy rule key-vault-objects-wait-for-data-plane-grant).
   * A vault without secrets gets no such grant. Parent defaults to this component, protect to the
   * vault's.
   */
  createSecret(name: string, args: SecretArgs, opts?: Omit<pulumi.CustomResourceOptions, "dependsOn"> & { dependsOn?: pulumi.Resource[] }): keyvault.Secret {
    const dependsOn = [...this.secretsOfficerReady(), ...(opts?.dependsOn ?? [])];
    return new keyvault.Secret(
      name,
      {
        resourceGroupName: this.resourceGroupName,
        vaultName: this.name,
        secretName: args.secretName,
        properties: { value: pulumi.secret(args.value), contentType: args.contentType },
      },
      { parent: this, protect: this.protectKeys, ...opts, dependsOn },
    );
  }

  private secretsOfficerReady(): pulumi.Resource[] {
    if (this.secretsReady) return this.secretsReady;
    const grants: Record<string, authorization.RoleAssignment> = {};
    for (const admin of this.administrators) {
      grants[admin.key] = this.grantRole(`${this.vaultName}-secrets-officer-${admin.key}`, {
        principalId: admin.principalId,
        principalType: admin.principalType,
        role: "Key Vault Secrets Officer",
      });
    }
    this.secretsReady =
      Object.keys(grants).length > 0
        ? [propagationWait(`${this.vaultName}-secrets-data-plane-wait`, grants, { parent: this, duration: this.propagationWaitDuration })]
        : [];
    return this.secretsReady;
  }

  /** Grants a built-in role on the whole vault, or on one key when `key` is given. */
  grantRole(name: string, args: GrantArgs, opts?: pulumi.CustomResourceOptions): authorization.RoleAssignment {
    return assignRole(
      name,
      { principalId: args.principalId, principalType: args.principalType, role: args.role, scope: args.key ? args.key.id : this.id },
      { parent: this, ...opts },
    );
  }
}

/** One "Key Vault Crypto Officer" grant per administrator, named by its key; a repeated key is a mistake. */
function administratorGrants(
  vault: string,
  administrators: readonly KeyVaultAdministrator[],
  grant: (name: string, admin: KeyVaultAdministrator) => authorization.RoleAssignment,
): Record<string, authorization.RoleAssignment> {
  const grants: Record<string, authorization.RoleAssignment> = {};
  for (const admin of administrators) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(admin.key)) {
      throw new pulumi.RunError(`KeyVault ${vault}: administrator key "${admin.key}" must be lowercase letters, digits and '-'`);
    }
    if (grants[admin.key]) throw new pulumi.RunError(`KeyVault ${vault}: administrator key "${admin.key}" is given twice`);
    grants[admin.key] = grant(`${vault}-crypto-officer-${admin.key}`, admin);
  }
  return grants;
}
