/**
 * Stack configs of any size for the benchmark: the prod stack file with its tenants replaced by
 * `count` generated ones, each with its own groups, quota and Git source. Pure: text in, text out.
 */
import { parse, stringify } from "yaml";

const PLATFORM_KEY = "gitops-platform:platform";

/** The generated tenant names: `t0001`, `t0002`, ... (DNS labels, sorted as numbered). */
export function tenantName(index: number): string {
  return `t${String(index + 1).padStart(4, "0")}`;
}

/** A deterministic, well-formed UUID per tenant and role. */
function groupId(index: number, role: number): string {
  return `8a1f2e3d-4c5b-4a69-8789-${(role * 0x10000000 + index).toString(16).padStart(12, "0")}`;
}

/** One generated tenant, shaped like the prod ones. */
export function generatedTenant(index: number): Record<string, unknown> {
  const name = tenantName(index);
  return {
    name,
    groups: { admins: [groupId(index, 1)], viewers: [groupId(index, 2)] },
    quota: { cpu: "4", memory: "8Gi", pods: 50 },
    git: { repository: `${name}-config`, path: "./envs/prod" },
  };
}

/**
 * `baseText` (a `Pulumi.<stack>.yaml`) with `gitops-platform:platform.tenants` replaced by
 * `count` generated tenants; everything else is kept as it is.
 */
export function generateStackConfig(baseText: string, count: number): string {
  if (!Number.isInteger(count) || count < 0) throw new Error(`tenant count must be a non-negative integer, got ${count}`);
  const document = parse(baseText) as { config?: Record<string, unknown> } | null;
  const platform = document?.config?.[PLATFORM_KEY];
  if (typeof platform !== "object" || platform === null || Array.isArray(platform)) {
    throw new Error(`the base stack file has no ${PLATFORM_KEY} mapping`);
  }
  const tenants = Array.from({ length: count }, (_, i) => generatedTenant(i));
  const config = { ...document!.config, [PLATFORM_KEY]: { ...platform, tenants } };
  return stringify({ ...document, config });
}
