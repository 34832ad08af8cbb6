/**
 * The tenant stacks' program (project gitops-platform-tenants): this stack's tenants, each the
 * tenant side of a GitOpsTenant (Git repository and deploy key, Flux sources, alerts) on the
 * cluster the platform stack's contract names. The platform stack built their namespaces,
 * policies and Azure identities; this stack's deployer needs rights in those namespaces and on
 * the tenants' repositories only.
 */
import * as path from "node:path";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { GitOpsTenant, tenantResourceName } from "../components";
import { engineTurn } from "../components/engine-turn";
import { KUBERNETES_PROVIDER_SETTINGS } from "../components/kubernetes/provider-settings";
import { tenantSpec } from "../stacks/component-args";
import { loadTenantStack } from "../stacks/load-tenants";

export = async () => {
  const { tenants, contract, notificationAddresses } = await loadTenantStack({ projectRoot: path.resolve(__dirname, "..") });
  // The same provider settings as the platform's (Secrets patched in place, never deleted first).
  const provider = new k8s.Provider("cluster", { kubeconfig: contract.kubeconfig, ...KUBERNETES_PROVIDER_SETTINGS });
  const githubProvider = contract.githubOwner ? new github.Provider("github", { owner: contract.githubOwner }) : undefined;
  const cluster = { environment: contract.environment, provider, clusterName: contract.clusterName, sops: contract.flux.sops, fluxReady: [], githubProvider };
  // A shard of many tenants is built one tenant at a time, as GitOpsPlatform.build does.
  const built: GitOpsTenant[] = [];
  for (const tenant of tenants) {
    built.push(
      new GitOpsTenant(tenantResourceName(contract.platformName, tenant.name), {
        side: "tenant",
        tenant: tenantSpec(tenant),
        platform: cluster,
        notificationAddresses: notificationAddresses[tenant.name],
      }),
    );
    await engineTurn();
  }
  return {
    tenants: Object.fromEntries(
      built.map((t) => [t.ref.name, { namespace: t.ref.namespace, gitRepository: t.git?.repositoryUrl, deployKey: t.git?.deployKeyPublic }]),
    ),
  };
};
