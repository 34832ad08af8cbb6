/**
 * A custom Azure role for HashiCorp Vault's bootstrap Job on the platform Key Vault, instead of
 * the built-in "Key Vault Secrets Officer": only what its script does (vault-bootstrap.ts:
 * `az keyvault secret set`, `list`, `show`). So the CI deploy identity, which assigns it, holds
 * no built-in Secrets Officer among the roles it may delegate (issue 22 item 3).
 */
import * as pulumi from "@pulumi/pulumi";
import { CustomRoleArgs, customRoleGuid, DataActionsRole, DataActionsRoleSpec } from "./custom-role";

/**
 * Set a secret (new version), list names and attributes, read a value (the root token, read back
 * to configure Vault). Not delete, purge, backup, restore or recover, which Secrets Officer has:
 * the script never removes what it wrote, and a backup restores into another vault. The role
 * cannot be narrowed to the script's own secret names: assignments on single secrets need the
 * secrets to exist, and they are created by the Job itself when Vault is initialised.
 */
export const VAULT_BOOTSTRAP_DATA_ACTIONS = [
  "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  "Microsoft.KeyVault/vaults/secrets/getSecret/action",
] as const;

const VAULT_BOOTSTRAP_SPEC: DataActionsRoleSpec = {
  guidKey: "vault-bootstrap-secrets",
  roleName: "gitops-platform Vault bootstrap secrets",
  description: "Set, list and read Key Vault secrets; never delete, purge, back up or restore. Assigned on the platform Key Vault to HashiCorp Vault's bootstrap Job.",
  dataActions: VAULT_BOOTSTRAP_DATA_ACTIONS,
};

/** The role's GUID for a resource group: known before anything exists (the CI condition names it), stable, unique per group. */
export function vaultBootstrapRoleGuid(resourceGroupId: string): string {
  return customRoleGuid(VAULT_BOOTSTRAP_SPEC.guidKey, resourceGroupId);
}

/** The bootstrap Job's role, assignable in one resource group (see DataActionsRole: the first `up` with Vault is a person's). */
export class VaultBootstrapSecretsRole extends DataActionsRole {
  constructor(name: string, args: CustomRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:VaultBootstrapSecretsRole", name, VAULT_BOOTSTRAP_SPEC, args, opts);
  }
}
