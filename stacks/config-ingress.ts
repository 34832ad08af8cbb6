/**
 * The config of ingress (docs/ingress.md): the platform's `ingress` section (the AKS application
 * routing add-on, its DNS zones) and each tenant's `tenants[].ingress` (its hostnames and its
 * certificates in the platform Key Vault). Cross-field rules: rules-ingress.ts.
 */
import { z } from "zod";
import { DNS_ZONE_ID_PATTERN } from "../components/azure/dns-zone";

/** A DNS name a tenant serves: lowercase labels, at least two, no wildcard (one tenant could not own `*.` of a shared zone). */
export const ingressHost = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: "must be a lowercase DNS name such as shop.example.com (no wildcards, no trailing dot)",
  });

/** A Key Vault certificate's name (1-127 letters, digits and hyphens). */
const certificateName = z.string().regex(/^[0-9A-Za-z-]{1,127}$/, { error: "must be a Key Vault certificate name (1-127 letters, digits and hyphens)" });

/** An Azure DNS zone, public or private, by ARM id. */
export const DNS_ZONE_ID = DNS_ZONE_ID_PATTERN;

export const platformIngressSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Run the AKS application routing add-on (managed NGINX, IngressClass webapprouting.kubernetes.azure.com) with TLS certificates from the platform Key Vault; tenants publish the hosts tenants[].ingress declares.",
      ),
    dnsZoneIds: z
      .array(z.string().regex(DNS_ZONE_ID, { error: "must be an Azure DNS zone id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones|privateDnsZones/<zone>)" }))
      .default([])
      .describe("Azure DNS zones (public or private) the add-on writes the tenants' host records to; the add-on's identity gets DNS Zone Contributor on each. Default none: DNS is yours."),
  })
  .prefault({})
  .describe("Ingress from outside the cluster; off unless enabled.");

export const tenantIngressSchema = z
  .strictObject({
    hosts: z.array(ingressHost).min(1).describe("Hostnames the tenant's Ingresses may serve; each belongs to one tenant only (refused at admission for any other)."),
    certificates: z
      .array(certificateName)
      .default([])
      .describe(
        "Certificates in the platform Key Vault the tenant's Ingresses may name (annotation kubernetes.azure.com/tls-cert-keyvault-uri); the add-on may read these and no others.",
      ),
  })
  .optional()
  .describe("The tenant's hosts behind the platform's ingress (ingress.enabled); unset: the controller cannot reach the tenant and its Ingresses are refused.");
