/**
 * A custom Azure role that may encrypt with a Key Vault key but never decrypt: what tenant admins
 * get on their own SOPS key. No built-in role is encrypt-only ("Key Vault Crypto User" also
 * decrypts, learn.microsoft.com "Azure built-in roles for Security"), so the platform defines one.
 */
import * as pulumi from "@pulumi/pulumi";
import { CustomRoleArgs, customRoleGuid, DataActionsRole, DataActionsRoleSpec } from "./custom-role";

/**
 * The data actions of the role (learn.microsoft.com, "Azure permissions for Security",
 * Microsoft.KeyVault): read the key (its public part and attributes) and encrypt with it. SOPS's
 * azkv key source encrypts the data key with the Encrypt operation (RSA-OAEP-256) and decrypts it
 * with Decrypt (getsops/sops azkv/keysource.go); `keys/decrypt/action` is not here.
 */
export const ENCRYPT_ONLY_DATA_ACTIONS = ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/encrypt/action"] as const;

/**
 * The role's GUID for a resource group: derived from the group's ARM id, so it is known before
 * anything is created (the CI deploy identity's role-assignment condition names it), stable
 * across runs, and different in every resource group (role definition ids are unique in the
 * Entra tenant).
 */
export function encryptOnlyRoleGuid(resourceGroupId: string): string {
  return customRoleGuid(ENCRYPT_ONLY_SPEC.guidKey, resourceGroupId);
}

const ENCRYPT_ONLY_SPEC: DataActionsRoleSpec = {
  guidKey: "sops-encrypt-only",
  roleName: "gitops-platform SOPS encrypt-only",
  description: "Encrypt with a Key Vault key (SOPS), never decrypt. Assigned per tenant key to the tenant's admin groups.",
  dataActions: ENCRYPT_ONLY_DATA_ACTIONS,
};

export type EncryptOnlyRoleArgs = CustomRoleArgs;

/**
 * The encrypt-only role, assignable in one resource group (see DataActionsRole: the first `up` with SOPS
 * is a person's, and assignments wait for `ready`).
 */
export class EncryptOnlyRole extends DataActionsRole {
  constructor(name: string, args: EncryptOnlyRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:EncryptOnlyRole", name, ENCRYPT_ONLY_SPEC, args, opts);
  }
}
