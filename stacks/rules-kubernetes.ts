/**
 * Kubernetes limits at the key path (issue 25 item 6): the objects the platform names from config
 * are objects the API server accepts, and none of them is written twice. The deploy rule
 * kubernetes-objects-the-api-server-accepts (policy/deploy/kubernetes-objects.ts) checks the whole
 * synthesized graph for the same class; these rules say which key to change, before any resource
 * is created.
 */
import type { ParsedPlatform } from "./config-shape";
import { objectName } from "../components/kubernetes/flux-manifests";
import { labelValueProblem, MAX_OBJECT_BYTES } from "../components/kubernetes/api-limits";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/** Room a HelmRelease needs beside its values (metadata, chart, interval, install/upgrade settings): generous. */
export const HELM_RELEASE_OVERHEAD_BYTES = 16 * 1024;

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 (IsQualifiedName). */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !(prefix.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix))) {
    return `"${key}": the prefix before '/' must be a DNS subdomain (lowercase, at most 253 characters)`;
  }
  if (name === "" || name.length > 63 || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) {
    return `"${key}": a label name is 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** The name GitSource gives the tenant's GitRepository and Kustomization (components/tenant/git-source.ts), or undefined when none can be made. */
export function gitObjectName(repository: string): string | undefined {
  const repoName = repository.includes("/") ? repository.split("/")[1] : repository;
  try {
    return objectName(repoName);
  } catch {
    return undefined;
  }
}

export function checkKubernetesLimits(config: ParsedPlatform, report: Report): void {
  config.cluster.userPools.forEach((pool, i) => {
    for (const [key, value] of Object.entries(pool.labels)) {
      const keyProblem = labelKeyProblem(key);
      if (keyProblem) report(["cluster", "userPools", i, "labels", key], `Kubernetes refuses the node label ${keyProblem}`);
      const valueProblem = labelValueProblem(value);
      if (valueProblem) report(["cluster", "userPools", i, "labels", key], `Kubernetes refuses the node label's value: ${valueProblem}`);
    }
  });
  config.tenants.forEach((tenant, i) => {
    tenant.helmReleases.forEach((release, j) => {
      const bytes = Buffer.byteLength(JSON.stringify(release.values));
      if (bytes + HELM_RELEASE_OVERHEAD_BYTES > MAX_OBJECT_BYTES) {
        report(
          ["tenants", i, "helmReleases", j, "values"],
          `${bytes} bytes of values: the HelmRelease would exceed the ${MAX_OBJECT_BYTES} bytes (1.5 MiB) the API server takes in one request; move large content into the chart or a source`,
        );
      }
    });
    // Every source but a Helm chart is synced by a Kustomization of the source's name, and
    // GitSource names its Kustomization after the repository: one name from two source kinds is
    // one object written twice. (Two OCI or bucket sources of one name are refused as duplicate
    // source names.)
    if (!tenant.git) return;
    const gitName = gitObjectName(tenant.git.repository);
    if (gitName === undefined) {
      report(["tenants", i, "git", "repository"], `"${tenant.git.repository}" gives no Kubernetes object name (its name has no letter or digit)`);
    }
    const synced: [string, readonly { name: string }[]][] = [
      ["ociRepositories", tenant.ociRepositories],
      ["buckets", tenant.buckets],
    ];
    for (const [field, sources] of synced) {
      sources.forEach((source, j) => {
        if (source.name === gitName) {
          report(["tenants", i, field, j, "name"], `the Kustomization "${gitName}" that would sync this source is the one that syncs tenants[${i}].git (named after the repository): pick another name`);
        }
      });
    }
  });
}
