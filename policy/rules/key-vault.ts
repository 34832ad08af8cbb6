/** Key Vault: RBAC mode, soft delete, and in production purge protection and a closed firewall. */
import { CheckedResource, get, mandatory, ofType, PlatformPolicy } from "../types";
import { allowsEveryAddress } from "./ip-ranges";

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
  "In production the Key Vault firewall denies by default, and its allow list does not admit every address.",
  (v) => {
    if (get(v.props, "properties", "networkAcls", "defaultAction") !== "Deny") return "properties.networkAcls.defaultAction must be Deny in production";
    // Deny by default with 0.0.0.0/0 on the allow list denies nothing.
    const rules = get(v.props, "properties", "networkAcls", "ipRules");
    const open = (Array.isArray(rules) ? rules : []).map((rule) => get(rule, "value")).filter(allowsEveryAddress);
    return open.length > 0 ? `properties.networkAcls.ipRules ${open.join(", ")} lets every address through the firewall in production` : undefined;
  },
  true,
);

export const KEY_VAULT_POLICIES = [keyVaultRbac, keyVaultSoftDelete, keyVaultPurgeProtection, keyVaultNetworkDeny];
