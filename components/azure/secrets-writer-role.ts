/**
 * A custom Azure role that may write a Key Vault's secrets but never read a value: what a
 * tenant's admin groups get on the tenant's own vault. "Key Vault Secrets Officer" also reads
 * values (getSecret), and a group may receive only roles that read nothing (the CI deploy
 * identity's role-assignment condition, CiIdentity `groupDelegableRoleGuids`), so the platform
 * defines one, like the SOPS encrypt-only role (encrypt-only-role.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { CustomRoleArgs, customRoleGuid, DataActionsRole, DataActionsRoleSpec } from "./custom-role";

/**
 * The role's data actions (learn.microsoft.com, "Azure Key Vault secret data actions" for role
 * assignment conditions, and "Azure permissions for Security", Microsoft.KeyVault): set a value
 * (a new version), list and view a secret's properties (never its value), update its attributes,
 * delete it and recover a deleted one. Not `getSecret/action` (reads the value), not
 * `backup/action` (a backup file restores into another vault of the subscription, where someone
 * may read it), `restore/action` or `purge/action` (irreversible; purge protection refuses it in
 * prod anyway).
 */
export const SECRETS_WRITER_DATA_ACTIONS = [
  "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  "Microsoft.KeyVault/vaults/secrets/update/action",
  "Microsoft.KeyVault/vaults/secrets/delete",
  "Microsoft.KeyVault/vaults/secrets/recover/action",
] as const;

const SECRETS_WRITER_SPEC: DataActionsRoleSpec = {
  guidKey: "kv-secrets-write-only",
  roleName: "gitops-platform Key Vault secrets write-only",
  description: "Set, update, delete and list Key Vault secrets, never read a value. Assigned per tenant vault to the tenant's admin groups.",
  dataActions: SECRETS_WRITER_DATA_ACTIONS,
};

/** The role's GUID for a resource group: known before anything exists, stable, unique per group (see encryptOnlyRoleGuid). */
export function secretsWriterRoleGuid(resourceGroupId: string): string {
  return customRoleGuid(SECRETS_WRITER_SPEC.guidKey, resourceGroupId);
}

export type SecretsWriterRoleArgs = CustomRoleArgs;

/**
 * The write-only secrets role, assignable in one resource group (see DataActionsRole: the first `up`
 * with a tenant Key Vault is a person's, and assignments wait for `ready`).
 */
export class SecretsWriterRole extends DataActionsRole {
  constructor(name: string, args: SecretsWriterRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:SecretsWriterRole", name, SECRETS_WRITER_SPEC, args, opts);
  }
}
