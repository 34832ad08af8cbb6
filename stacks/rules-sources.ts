/**
 * A tenant's sources (issue 22, items 5 and 11): its Git repository is its own, never the
 * platform's infrastructure repository nor another tenant's, and no source address carries
 * credentials.
 */
import type { ParsedPlatform } from "./config-shape";

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

export function checkTenantSources(config: ParsedPlatform, report: Report): void {
  checkTenantRepositories(config, report);
  checkSourceCredentials(config, report);
}

/** `owner/name` of a tenant repository as GitHub compares it (case-insensitively); a bare name is github.owner's. */
export function repositoryKey(repository: string, defaultOwner: string | undefined): string | undefined {
  const full = repository.includes("/") ? repository : defaultOwner === undefined ? undefined : `${defaultOwner}/${repository}`;
  return full?.toLowerCase();
}

/**
 * The platform gives a tenant's Flux a deploy key on its repository (a write key with image
 * automation). On ci.repository that key would reconcile, and with image automation push to, the
 * platform's own infrastructure; on a repository another tenant also names, each tenant's
 * reconciler would apply the other's manifests in its own namespace and read its SOPS files.
 */
function checkTenantRepositories(config: ParsedPlatform, report: Report): void {
  const ci = config.ci?.repository.toLowerCase();
  const first = new Map<string, number>();
  config.tenants.forEach((tenant, i) => {
    if (!tenant.git) return;
    const key = repositoryKey(tenant.git.repository, config.github.owner);
    if (key === undefined) return; // "has no owner" is reported by checkGitSource
    const path = ["tenants", i, "git", "repository"];
    const deployKey = tenant.imageAutomation.enabled ? "a write deploy key (imageAutomation)" : "a deploy key";
    if (key === ci) {
      report(path, `"${tenant.git.repository}" is ci.repository, the platform's infrastructure repository: the tenant's Flux would get ${deployKey} there; give the tenant a repository of its own`);
    }
    const other = first.get(key);
    if (other === undefined) first.set(key, i);
    else {
      report(
        path,
        `"${tenant.git.repository}" is also tenants[${other}].git.repository (GitHub compares owner/name case-insensitively): each tenant would reconcile the other's manifests with ${deployKey}; give each tenant a repository of its own`,
      );
    }
  });
}

/** The userinfo (`user:password@`, `token@`) of a URL or host[:port], or undefined when it has none. */
export function urlUserinfo(address: string): string | undefined {
  const rest = address.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "");
  // The authority ends at the first / ? or #: an `@` after it is a path's (an OCI digest, repo@sha256:...).
  const authority = /^[^/?#]*/.exec(rest)![0];
  const at = authority.lastIndexOf("@");
  return at < 0 ? undefined : authority.slice(0, at);
}

/**
 * The URLs in a string: around each "://", the scheme before it and what follows up to
 * whitespace. Linear in the string (values may be a megabyte; a regex that looks for a scheme at
 * every position backtracks quadratically over a long run of letters).
 */
export function urlsIn(text: string): string[] {
  const urls: string[] = [];
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    let start = at;
    while (start > 0 && /[A-Za-z0-9+.-]/.test(text[start - 1])) start--;
    while (start < at && !/[A-Za-z]/.test(text[start])) start++;
    if (start === at) continue;
    let end = at + 3;
    while (end < text.length && !/\s/.test(text[end])) end++;
    urls.push(text.slice(start, end));
  }
  return urls;
}

/** Every string in `value` (Helm values) that is a URL with userinfo, with its path below `value`. */
function credentialUrlsIn(value: unknown, path: Path = []): Path[] {
  if (typeof value === "string") {
    // A URL anywhere in the string (a connection string, a --flag=URL argument).
    return urlsIn(value).some((url) => urlUserinfo(url) !== undefined) ? [path] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => credentialUrlsIn(item, [...path, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => credentialUrlsIn(item, [...path, key]));
  return [];
}

const IN_PLAIN_TEXT = "credentials in an address land in plain text in the Pulumi state, every preview and the Flux object in the cluster";

/**
 * Credentials inline in a source address: refused in every address a tenant's config holds, with
 * the secret-based way for each kind (Flux reads source credentials from a Secret, spec.secretRef,
 * or from a workload identity, spec.provider azure).
 */
function checkSourceCredentials(config: ParsedPlatform, report: Report): void {
  const viaGit = "declare the source in the tenant's Git repository with spec.secretRef naming a Secret there (SOPS-encrypted)";
  config.tenants.forEach((tenant, i) => {
    const base = ["tenants", i];
    tenant.helmReleases.forEach((release, j) => {
      if (urlUserinfo(release.repository) !== undefined) report([...base, "helmReleases", j, "repository"], `${IN_PLAIN_TEXT}: remove the user:password@ part and ${viaGit}`);
      for (const at of credentialUrlsIn(release.values)) {
        report([...base, "helmReleases", j, "values", ...at], `a URL with user:password@ in Helm values: ${IN_PLAIN_TEXT}; give the chart a Secret instead (its existing-secret value, or valuesFrom a Secret in the tenant's Git repository)`);
      }
    });
    tenant.ociRepositories.forEach((oci, j) => {
      if (urlUserinfo(oci.url) !== undefined) report([...base, "ociRepositories", j, "url"], `${IN_PLAIN_TEXT}: remove the user:password@ part and use provider: azure with serviceAccountName (workload identity, no secret), or ${viaGit}`);
    });
    tenant.buckets.forEach((bucket, j) => {
      if (urlUserinfo(bucket.endpoint) !== undefined) report([...base, "buckets", j, "endpoint"], `${IN_PLAIN_TEXT}: remove the user:password@ part and use provider: azure with serviceAccountName (workload identity, no secret), or ${viaGit}`);
    });
  });
}
