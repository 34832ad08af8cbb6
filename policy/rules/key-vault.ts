/** Key Vault: RBAC mode, soft delete, and in production purge protection and a closed firewall. */
import { CheckedResource, get, mandatory, ofType, PlatformPolicy } from "../types";

const VAULT = "azure-native:keyvault:Vault";

function perVault(
  name: string,
  description: string,
  problem: (vault: CheckedResource) => string | undefined,
  productionOnly = false,
): PlatformPolicy {
  return {
    name,
    description,
    enforcement: mandatory,
    check: (resources, context) =>
      productionOnly && !context.production
        ? []
        : ofType(resources, VAULT).flatMap((vault) => {
            const message = problem(vault);
            return message ? [{ urn: vault.urn, message: `${vault.name}: ${message}` }] : [];
          }),
  };
}

export const keyVaultRbac = perVault("key-vault-rbac", "Key Vault authorizes data access with Azure RBAC, not access policies.", (v) =>
  get(v.props, "properties", "enableRbacAuthorization") === true ? undefined : "properties.enableRbacAuthorization must be true",
);

export const keyVaultSoftDelete = perVault("key-vault-soft-delete", "Deleted vaults and keys can be recovered.", (v) =>
  get(v.props, "properties", "enableSoftDelete") === false ? "properties.enableSoftDelete must not be false" : undefined,
);

export const keyVaultPurgeProtection = perVault(
  "key-vault-purge-protection",
  "In production nobody can purge a deleted vault or key (Vault's unseal key lives there).",
  (v) => (get(v.props, "properties", "enablePurgeProtection") === true ? undefined : "properties.enablePurgeProtection must be true in production"),
  true,
);

export const keyVaultNetworkDeny = perVault(
  "key-vault-network-deny",
  "In production the Key Vault firewall denies by default.",
  (v) => (get(v.props, "properties", "networkAcls", "defaultAction") === "Deny" ? undefined : "properties.networkAcls.defaultAction must be Deny in production"),
  true,
);

export const KEY_VAULT_POLICIES = [keyVaultRbac, keyVaultSoftDelete, keyVaultPurgeProtection, keyVaultNetworkDeny];
