/** AKS: Entra-only access, workload identity, network policy, patching, a closed API server. */
import { CheckedResource, Finding, get, mandatory, ofType, PlatformPolicy } from "../types";
import { allowsEveryAddress } from "./ip-ranges";

const CLUSTER = "azure-native:containerservice:ManagedCluster";

/** A policy that checks each cluster on its own. */
function perCluster(
  name: string,
  description: string,
  problem: (cluster: CheckedResource) => string | undefined,
  extra: Partial<Pick<PlatformPolicy, "enforcement">> = {},
): PlatformPolicy {
  return {
    name,
    description,
    enforcement: extra.enforcement ?? mandatory,
    check: (resources) =>
      ofType(resources, CLUSTER).flatMap((cluster): Finding[] => {
        const message = problem(cluster);
        return message ? [{ urn: cluster.urn, message: `${cluster.name}: ${message}` }] : [];
      }),
  };
}

export const aksLocalAccountsDisabled = perCluster(
  "aks-local-accounts-disabled",
  "Local accounts (the static admin kubeconfig) are disabled; access goes through Entra ID.",
  (c) => (get(c.props, "disableLocalAccounts") === true ? undefined : "disableLocalAccounts must be true"),
);

export const aksAzureRbac = perCluster("aks-azure-rbac", "Entra ID with Azure RBAC authorizes Kubernetes access.", (c) =>
  get(c.props, "aadProfile", "managed") === true && get(c.props, "aadProfile", "enableAzureRBAC") === true
    ? undefined
    : "aadProfile.managed and aadProfile.enableAzureRBAC must be true",
);

export const aksWorkloadIdentity = perCluster("aks-workload-identity", "The OIDC issuer and workload identity are on.", (c) =>
  get(c.props, "oidcIssuerProfile", "enabled") === true && get(c.props, "securityProfile", "workloadIdentity", "enabled") === true
    ? undefined
    : "oidcIssuerProfile.enabled and securityProfile.workloadIdentity.enabled must be true",
);

export const aksNetworkPolicy = perCluster("aks-network-policy", "A network policy engine enforces NetworkPolicies.", (c) => {
  const policy = get(c.props, "networkProfile", "networkPolicy");
  return typeof policy === "string" && policy !== "none" ? undefined : "networkProfile.networkPolicy must be set (cilium, calico or azure)";
});

export const aksUpgradeChannel = perCluster(
  "aks-upgrade-channel",
  "An auto-upgrade channel keeps the cluster patched (advisory outside production).",
  (c) => {
    const channel = get(c.props, "autoUpgradeProfile", "upgradeChannel");
    return typeof channel === "string" && channel !== "none" ? undefined : "autoUpgradeProfile.upgradeChannel must not be none";
  },
  { enforcement: (context) => (context.production ? "mandatory" : "advisory") },
);

export const aksApiServerRestricted: PlatformPolicy = {
  name: "aks-api-server-restricted",
  description: "In production the API server is private or limited to authorized IP ranges (not 0.0.0.0/0).",
  enforcement: mandatory,
  check: (resources, context) => {
    if (!context.production) return [];
    return aksApiServerCheck.check(resources, context);
  },
};

const aksApiServerCheck = perCluster("aks-api-server-restricted", "", (c) => {
  if (get(c.props, "apiServerAccessProfile", "enablePrivateCluster") === true) return undefined;
  const ranges = get(c.props, "apiServerAccessProfile", "authorizedIPRanges");
  if (!Array.isArray(ranges) || ranges.length === 0) return "a production API server must be private or have authorizedIPRanges";
  // An allow list with 0.0.0.0/0 in it restricts nothing.
  const open = ranges.filter(allowsEveryAddress);
  return open.length > 0 ? `authorizedIPRanges ${open.join(", ")} lets every address reach a production API server` : undefined;
});

export const AKS_POLICIES = [aksLocalAccountsDisabled, aksAzureRbac, aksWorkloadIdentity, aksNetworkPolicy, aksUpgradeChannel, aksApiServerRestricted];
