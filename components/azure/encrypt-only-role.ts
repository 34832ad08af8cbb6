/**
 * A custom Azure role that may encrypt with a Key Vault key but never decrypt: what tenant admins
 * get on their own SOPS key. No built-in role is encrypt-only ("Key Vault Crypto User" also
 * decrypts, learn.microsoft.com "Azure built-in roles for Security"), so the platform defines one.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { propagationWait } from "./propagation";

/**
 * The data actions of the role (learn.microsoft.com, "Azure permissions for Security",
 * Microsoft.KeyVault): read the key (its public part and attributes) and encrypt with it. SOPS's
 * azkv key source encrypts the data key with the Encrypt operation (RSA-OAEP-256) and decrypts it
 * with Decrypt (getsops/sops azkv/keysource.go); `keys/decrypt/action` is not here.
 */
export const ENCRYPT_ONLY_DATA_ACTIONS = ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/encrypt/action"] as const;

/** An RFC 4122 version 5 (SHA-1, name-based) UUID: the same name always gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 4122's URL namespace. */
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/**
 * The role's GUID for a resource group: derived from the group's ARM id, so it is known before
 * anything is created (the CI deploy identity's role-assignment condition names it), stable
 * across runs, and different in every resource group (role definition ids are unique in the
 * Entra tenant).
 */
export function encryptOnlyRoleGuid(resourceGroupId: string): string {
  return uuidV5(`gitops-platform/sops-encrypt-only${resourceGroupId.toLowerCase()}`, URL_NAMESPACE);
}

export interface EncryptOnlyRoleArgs {
  /** ARM id of the resource group: the role's scope and only assignable scope. */
  resourceGroupId: pulumi.Input<string>;
  /** Environment name, in the role's name (custom role names are unique in the Entra tenant). */
  environment: string;
  /** How long the new definition takes to reach every ARM region (a Go duration). Default DEFAULT_PROPAGATION_WAIT. */
  propagationWait?: string;
}

/**
 * The encrypt-only role, assignable in one resource group. Creating it needs
 * `Microsoft.Authorization/roleDefinitions/write` (Owner or User Access Administrator, not
 * Contributor nor Role Based Access Control Administrator), so the first `up` with SOPS is a
 * person's, like the CI identities' own grants. Azure replicates a new role definition like a
 * role assignment: an assignment of it made at once can fail with RoleDefinitionDoesNotExist, so
 * assignments wait for `ready` (a propagation wait after the definition).
 */
export class EncryptOnlyRole extends pulumi.ComponentResource {
  readonly definition: authorization.RoleDefinition;
  /** The definition's ARM id, what role assignments name. */
  readonly id: pulumi.Output<string>;
  /** The role's GUID (the last segment of `id`). */
  readonly guid: pulumi.Output<string>;
  /** What assignments of the role wait for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: EncryptOnlyRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:EncryptOnlyRole", name, {}, opts);
    const scope = pulumi.output(args.resourceGroupId);
    this.guid = scope.apply(encryptOnlyRoleGuid);
    this.definition = new authorization.RoleDefinition(
      name,
      {
        scope,
        roleDefinitionId: this.guid,
        roleName: `gitops-platform SOPS encrypt-only (${args.environment})`,
        description: "Encrypt with a Key Vault key (SOPS), never decrypt. Assigned per tenant key to the tenant's admin groups.",
        assignableScopes: [scope],
        permissions: [{ actions: [], notActions: [], dataActions: [...ENCRYPT_ONLY_DATA_ACTIONS], notDataActions: [] }],
      },
      { parent: this },
    );
    this.id = this.definition.id;
    this.ready = [propagationWait(`${name}-wait`, { definition: this.definition }, { parent: this, duration: args.propagationWait })];
    this.registerOutputs({ id: this.id, guid: this.guid });
  }
}
