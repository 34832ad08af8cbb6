/**
 * A platform team that brings its own cluster (with Flux already installed) and uses only the
 * Tenant and GitSource components: one namespace per team, each reconciled from the team's
 * repository by Flux impersonating the team's service account.
 *
 *   npm install github:<org>/gitops-platform
 *   pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"
 *   pulumi config set githubOwner acme
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import { GitSource, Tenant } from "gitops-platform/components";

const config = new pulumi.Config();
const owner = config.require("githubOwner");
const provider = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig") });
const githubProvider = new github.Provider("github", { owner });

const teams = [
  { name: "checkout", admins: ["3f0c6a5e-51a2-4c1e-9d3b-7a2e1f4c8b90"], repository: "checkout-deploy" },
  { name: "search", admins: ["b6d2e8f1-0c4a-4e7b-8a59-2d1f3c6e9a47"], repository: "search-deploy" },
];

export const tenants = teams.map((team) => {
  const tenant = new Tenant(team.name, {
    provider,
    name: team.name,
    namespace: team.name,
    environment: pulumi.getStack(),
    groups: { admins: team.admins, viewers: [] },
    quota: { cpu: "4", memory: "8Gi", pods: 40 },
    limits: { defaultCpu: "500m", defaultMemory: "512Mi", defaultRequestCpu: "100m", defaultRequestMemory: "128Mi" },
  });
  const source = new GitSource(`${team.name}-git`, {
    provider,
    repository: `${owner}/${team.repository}`,
    branch: "main",
    path: `./clusters/${pulumi.getStack()}`,
    interval: "5m",
    namespace: tenant.namespace,
    serviceAccountName: tenant.serviceAccountName,
    sops: false,
    fluxReady: tenant.ready,
  }, { providers: { github: githubProvider } });
  return { namespace: tenant.namespace, repository: source.repositoryUrl, deployKey: source.deployKeyPublic };
});
