/**
 * How a platform add-on and a tenant namespace meet on the network: the tenant's NetworkPolicies
 * (components/tenant/namespace-policy.ts) admit these peers, the add-ons (Flagger, Vault) describe
 * themselves with them.
 */

/** Pods of a platform add-on that connect to tenants' pods: a name for the policy, where, which. */
export interface AddonPeer {
  /** The NetworkPolicy is `allow-ingress-from-<name>`. */
  name: string;
  namespace: string;
  podLabels: Record<string, string>;
}

/** Pods of a platform service, by namespace and labels, and the one TCP port tenants may reach. */
export interface PlatformServiceEndpoint {
  namespace: string;
  podLabels: Record<string, string>;
  port: number;
}
