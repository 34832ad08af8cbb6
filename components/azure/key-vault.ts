/** A Key Vault in RBAC mode with soft delete, purge protection and a network allow list. */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import { keyVaultName } from "./key-vault-name";
import { assignRole, BuiltInRole } from "./roles";

export type KeyOperation = "encrypt" | "decrypt" | "sign" | "verify" | "wrapKey" | "unwrapKey";

export interface KeyVaultArgs {
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Environment name; the vault is named `kv-<environment>-<random suffix>` (at most 24 chars). */
  environment: string;
  /** Entra tenant of the vault. Default: the tenant of the principal running Pulumi. */
  tenantId?: pulumi.Input<string>;
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
  tags?: pulumi.Input<Record<string, string>>;
  /** Protect the vault and, unless a key says otherwise, its keys. Default false. */
  protect?: boolean;
}

export interface KeyArgs {
  /** The key's name in the vault; fixed, so that nothing but this value can rename (replace) it. */
  keyName: string;
  /** Default "RSA". */
  kty?: "RSA" | "RSA-HSM";
  /** Bits. Default 2048. */
  keySize?: number;
  keyOps: KeyOperation[];
}

export interface GrantArgs {
  principalId: pulumi.Input<string>;
  role: BuiltInRole;
  /** Scope the grant to this one key instead of the whole vault. */
  key?: keyvault.Key;
  /** Default "ServicePrincipal" (managed identities). */
  principalType?: "ServicePrincipal" | "User" | "Group";
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
  private readonly protectKeys: boolean;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:KeyVault", name, {}, opts);
    this.protectKeys = args.protect ?? false;

    // A random suffix makes the global name unique; being a resource, it stays stable.
    const suffix = new random.RandomString(`${name}-suffix`, { length: 6, special: false, upper: false }, { parent: this });
    this.tenantId = pulumi.output(args.tenantId ?? authorization.getClientConfigOutput({ parent: this }).tenantId);

    this.vault = new keyvault.Vault(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        vaultName: suffix.result.apply((s) => keyVaultName(args.environment, s)),
        tags: args.tags,
        properties: {
          tenantId: this.tenantId,
          sku: { family: "A", name: args.sku ?? "standard" },
          // The SDK defaults this to false (access policies); RBAC is the only model we use.
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionDays ?? 90,
          // Azure rejects `false` here; leaving it unset is how "off" is said.
          enablePurgeProtection: (args.purgeProtection ?? true) ? true : undefined,
          networkAcls: {
            bypass: "AzureServices",
            defaultAction: args.networkDefaultAction ?? "Deny",
            ipRules: (args.allowedIpRanges ?? []).map((value) => ({ value })),
          },
        },
      },
      { parent: this, protect: args.protect },
    );
    this.name = this.vault.name;
    this.id = this.vault.id;
    this.vaultUri = this.vault.properties.apply((p) => p.vaultUri ?? "");
    this.resourceGroupName = pulumi.output(args.resourceGroupName);
    this.registerOutputs({ name: this.name, id: this.id, vaultUri: this.vaultUri });
  }

  /** A key in this vault; parent defaults to this component, protect to the vault's. */
  createKey(name: string, args: KeyArgs, opts?: pulumi.CustomResourceOptions): keyvault.Key {
    return new keyvault.Key(
      name,
      {
        resourceGroupName: this.resourceGroupName,
        vaultName: this.name,
        keyName: args.keyName,
        properties: { kty: args.kty ?? "RSA", keySize: args.keySize ?? 2048, keyOps: args.keyOps },
      },
      { parent: this, protect: this.protectKeys, ...opts },
    );
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
