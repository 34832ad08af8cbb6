/**
 * Rules of `vault.oidc` (issue 30, item 2): an enabled login names its app registration (client id
 * and the Key Vault secret holding its client secret), needs Vault, and its UI addresses need the
 * UI; and no tenant's admin group is a platform admin group, so a tenant's group alias can never
 * be mapped to the admin policy by config (oidcGroupMappings refuses it too, as a last line).
 */
import type { ParsedPlatform } from "./config-shape";

type Report = (path: (string | number)[], message: string) => void;

export function checkVaultOidc(config: ParsedPlatform, report: Report): void {
  const oidc = config.vault.oidc;
  if (!oidc.enabled) return;
  if (!config.vault.enabled) report(["vault", "oidc", "enabled"], "needs vault.enabled: true (there is no Vault to log in to)");
  if (!oidc.clientId) report(["vault", "oidc", "clientId"], "is required with vault.oidc.enabled: the application (client) id of the Entra app registration");
  if (!oidc.clientSecretName) {
    report(["vault", "oidc", "clientSecretName"], "is required with vault.oidc.enabled: the name of the platform Key Vault secret holding the app registration's client secret");
  }
  if (oidc.uiAddresses.length > 0 && !config.vault.ui) report(["vault", "oidc", "uiAddresses"], "needs vault.ui: true (the server serves no UI to log in to)");
  const admins = new Set(oidc.adminGroups.map((id) => id.toLowerCase()));
  config.tenants.forEach((tenant, t) =>
    tenant.groups.admins.forEach((group, g) => {
      if (admins.has(group.toLowerCase())) {
        report(
          ["tenants", t, "groups", "admins", g],
          `${group} is also in vault.oidc.adminGroups: a tenant's admin group would get Vault's platform admin policy (every tenant's secrets, sys/, auth/); use separate groups`,
        );
      }
    }),
  );
  if (admins.size === 0 && !config.tenants.some((t) => t.groups.admins.length > 0)) {
    report(["vault", "oidc", "adminGroups"], "names no group, and no tenant has groups.admins: nobody could do anything after logging in");
  }
}
