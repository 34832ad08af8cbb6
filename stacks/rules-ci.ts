/**
 * Config rules of the CI wiring (ci.*): who approves, which GitHub environments the stack creates,
 * and whether the runner that deploys a production stack can reach what it deploys.
 */
import { ciEnvironments } from "../components/azure/ci-identity";
import { parseCidr } from "./cidr";
import { isProduction } from "./environments";
import type { ParsedPlatform } from "./config-shape";

type Report = (path: (string | number)[], message: string) => void;

/** Whether every address of `inner` lies in one of `outer` (CIDRs or single addresses). */
function coveredBy(inner: string, outer: readonly string[]): boolean {
  const range = parseCidr(inner, true);
  if (!range) return false;
  return outer.some((text) => {
    const other = parseCidr(text, true);
    return other !== undefined && other.first <= range.first && range.last <= other.last;
  });
}

export function checkCiWiring(config: ParsedPlatform, report: Report): void {
  const { ci, cluster, keyVault, environment } = config;
  if (!ci) return;
  if (ci.reviewers.users.length + ci.reviewers.teams.length === 0) {
    report(["ci", "reviewers"], "must name at least one user or team: they approve every pull-request preview (it decrypts the stack's secrets) and every production deploy");
  }
  // One environment gating two trusts would let the weaker gate reach the stronger identity
  // (production's pairs: checkCi). A non-production stack deploys from the environment named
  // after it.
  const names = ciEnvironments({ ...ci, environment, production: isProduction(environment) });
  if (!isProduction(environment) && names.deploy.toLowerCase() === names.preview.toLowerCase()) {
    report(["ci", "previewEnvironment"], `must differ from "${names.deploy}", the environment this stack deploys from: pull-request code must never run as the deploy identity`);
  }
  if (!isProduction(environment)) return;
  // A production API server answers only its authorized ranges, and its vault only its firewall
  // ranges: a runner outside them fails mid-`up`, after Azure resources changed.
  if (cluster.privateCluster) {
    report(["ci", "runner"], "a private API server answers only inside its VNet: production's runner would need to run there, which ci.runner cannot express (egress ranges reach public endpoints only); deploy from inside the VNet by hand or make the API server public with authorizedIpRanges");
    return;
  }
  if (ci.runner.egressRanges.length === 0) {
    report(["ci", "runner", "egressRanges"], `must list the runner's egress addresses in production: ${ci.runner.label === "ubuntu-latest" ? "GitHub's hosted runners have no fixed address, use a self-hosted or larger runner with a static one" : "without them nothing shows that the runner reaches the API server and the Key Vault"}`);
  }
  ci.runner.egressRanges.forEach((range, i) => {
    if (cluster.authorizedIpRanges.length > 0 && !coveredBy(range, cluster.authorizedIpRanges)) {
      report(["ci", "runner", "egressRanges", i], `${range} is not within cluster.authorizedIpRanges: the API server would refuse the runner`);
    }
    if (keyVault.networkDefaultAction === "Deny" && !coveredBy(range, keyVault.allowedIpRanges)) {
      report(["ci", "runner", "egressRanges", i], `${range} is not within keyVault.allowedIpRanges: the Key Vault firewall (networkDefaultAction: Deny) would refuse the runner`);
    }
  });
}
