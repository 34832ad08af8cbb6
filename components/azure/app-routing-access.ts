/**
 * What the AKS application routing add-on's identity may do, and nothing more: write records in
 * the DNS zones it serves (external-dns), and read the tenants' TLS certificates, each one by its
 * own scope in the platform Key Vault. The add-on syncs a certificate with `objectType: secret`
 * (aks-app-routing-operator, pkg/controller/keyvault/spc/reconcile.go buildSpc): reading the
 * private key is `secrets/getSecret`, Key Vault Secrets User on `<vault>/secrets/<name>`. A vault-
 * wide grant would let any tenant's Ingress pull any secret of the platform vault (the unseal
 * key's neighbours) into its namespace. The `az aks approuting update --attach-kv` shortcut
 * grants vault-wide; this does not.
 *
 * No propagation wait: nothing in this run uses the grants; the operator retries a refused sync.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as authorization from "@pulumi/azure-native/authorization";
import { DNS_ZONE_ID_PATTERN } from "./dns-zone";
import { assignRole, BuiltInRole } from "./roles";

export interface AppRoutingAccessArgs {
  /** The add-on's managed identity (AksCluster.appRoutingIdentity). */
  principalId: pulumi.Input<string>;
  /** ARM ids of the Azure DNS zones (public or private) the add-on writes records in. */
  dnsZoneIds: string[];
  /** ARM id of the platform Key Vault holding the certificates. */
  keyVaultId: pulumi.Input<string>;
  /** Names of the certificates in that vault that tenants' Ingresses may name. */
  certificates: string[];
}

/** The role a zone's record writer needs: DNS Zone Contributor, or Private DNS Zone Contributor for a private zone. */
export function dnsZoneRole(zoneId: string): BuiltInRole {
  const kind = DNS_ZONE_ID_PATTERN.exec(zoneId)?.[2]?.toLowerCase();
  if (kind === undefined) throw new pulumi.RunError(`AppRoutingAccess: ${zoneId} is not an Azure DNS zone id`);
  return kind === "privatednszones" ? "Private DNS Zone Contributor" : "DNS Zone Contributor";
}

/** The zone's name in a logical name: `<kind>-<zone>`, so that each grant is told apart by what it is for. */
export function dnsZoneKey(zoneId: string): string {
  const match = DNS_ZONE_ID_PATTERN.exec(zoneId)!;
  return `${match[2].toLowerCase() === "privatednszones" ? "private" : "public"}-${match[3].toLowerCase()}`;
}

export class AppRoutingAccess extends pulumi.ComponentResource {
  readonly dnsGrants: authorization.RoleAssignment[];
  readonly certificateGrants: authorization.RoleAssignment[];

  constructor(name: string, args: AppRoutingAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gitops-platform:azure:AppRoutingAccess", name, {}, opts);
    const child = { parent: this };
    this.dnsGrants = args.dnsZoneIds.map((zoneId) =>
      assignRole(`${name}-dns-${dnsZoneKey(zoneId)}`, { principalId: args.principalId, role: dnsZoneRole(zoneId), scope: zoneId }, child),
    );
    this.certificateGrants = [...new Set(args.certificates)].map((certificate) =>
      assignRole(
        `${name}-cert-${certificate.toLowerCase()}`,
        { principalId: args.principalId, role: "Key Vault Secrets User", scope: pulumi.interpolate`${args.keyVaultId}/secrets/${certificate}` },
        child,
      ),
    );
    this.registerOutputs({});
  }
}
