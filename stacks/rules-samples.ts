/**
 * Issue 29 item 5: the repository's stack files hold sample values (group object IDs, addresses
 * from the documentation ranges, the organisation acme-platform), so that synth, the tests and a
 * reader have something realistic. A real deployment must not take them: the cluster's admins
 * would be a group nobody has, the API server open to addresses nobody owns, Flux pointed at
 * repositories of someone else. The program refuses them, every key at once, when the real engine
 * runs it; synth keeps them. Pure, except `runByRealEngine`.
 */
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { formatPath, problemAt } from "./errors";
import { parseCidr, parseIpv4, rangeContains } from "./cidr";
import { TENANTS_KEY, type TenantStackFile } from "./tenant-stacks";

/** The object IDs the repository's stack files use (Entra groups, the sample subscription). */
export const SAMPLE_OBJECT_IDS: readonly string[] = [
  "5d8c1f3e-2b7a-4c9d-8e6f-0a1b2c3d4e5f",
  "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e01",
  "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e02",
  "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e03",
  "8a1f2e3d-4c5b-4a69-8789-0a1b2c3d4e04",
  "00000000-0000-4000-8000-000000000001",
];

/** Address ranges reserved for documentation: no real network uses them (RFC 5737, RFC 3849). */
export const DOCUMENTATION_RANGES: readonly string[] = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"];

/** The GitHub team the stack files make the preview reviewers (ci.reviewers.teams). */
export const SAMPLE_TEAM_IDS: readonly number[] = [7112233];

/** The sample GitHub organisation (and the storage account named after it). */
const SAMPLE_ORGANISATION = /acme-?platform/i;

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const IPV4 = /(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?(?![\d.])/g;
const DOC_IPV4 = DOCUMENTATION_RANGES.filter((r) => !r.includes(":")).map((r) => ({ text: r, range: parseCidr(r)! }));

/** Whether an IPv6 address or range (as written) starts in 2001:db8::/32. */
const isDocumentationIpv6 = (text: string) => /^2001:0?db8(:|$)/i.test(text.trim());

/** Why a written value is a sample, or undefined. */
export function sampleReason(value: string): string | undefined {
  const id = (value.match(GUID) ?? []).find((g) => SAMPLE_OBJECT_IDS.includes(g.toLowerCase()));
  if (id) return `${id} is a sample object ID of this repository's stack files: set the ID of your own group (or subscription)`;
  for (const written of value.match(IPV4) ?? []) {
    const [address, bits] = written.split("/");
    const start = parseIpv4(address);
    const documentation = start === undefined ? undefined : DOC_IPV4.find((d) => rangeContains(d.range, start));
    if (documentation) return `${written} is in ${documentation.text}, an address range for documentation (RFC 5737) that no real network uses: set your own${bits ? " range" : " address"}`;
  }
  if (value.split(/[\s,]+/).some(isDocumentationIpv6)) return `${value} is in 2001:db8::/32, the IPv6 range for documentation (RFC 3849): set your own`;
  if (SAMPLE_ORGANISATION.test(value)) return `${JSON.stringify(value)} names the sample organisation acme-platform: set your own GitHub organisation, repository (or storage account)`;
  return undefined;
}

/** Every written string that is a sample, at its key path. */
export function samplesIn(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; reason: string }[] {
  if (typeof value === "string") {
    const reason = sampleReason(value);
    return reason ? [{ path, reason }] : [];
  }
  if (typeof value === "number" && SAMPLE_TEAM_IDS.includes(value) && path.includes("teams")) {
    return [{ path, reason: `${value} is the sample GitHub team ID of this repository's stack files: set your own team's ID` }];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => samplesIn(v, [...path, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => samplesIn(v, [...path, k]));
  return [];
}

const SUFFIX = "(a sample value: replace it before a real deployment, docs/getting-started-checklist.md)";

/**
 * Every sample value in the platform's config as written and in its environment's tenant stack
 * files, each at the key path where it is written.
 */
export function sampleValueProblems(raw: unknown, tenantFiles: readonly TenantStackFile[]): string[] {
  const platform = samplesIn(raw).map(({ path, reason }) => problemAt(path, `${reason} ${SUFFIX}`));
  const tenants = tenantFiles.flatMap((file) =>
    file.tenants.flatMap((tenant, index) => samplesIn(tenant, [index]).map(({ path, reason }) => `${file.file}: ${TENANTS_KEY}${formatPath(path)}: ${reason} ${SUFFIX}`)),
  );
  return [...platform, ...tenants];
}

/**
 * Whether the program runs under the real engine (`pulumi preview`/`up`), not under synth or a
 * test's mocks: the SDK's setMockOptions, which synth/engine.ts and pulumi.runtime.setMocks call,
 * sets the monitor address to "mock" (@pulumi/pulumi runtime/settings.js); the language host
 * passes the engine's real address (--monitor).
 */
export function runByRealEngine(): boolean {
  const store = (runtimeState as unknown as { getStore(): { settings?: { options?: { monitorAddr?: string } } } }).getStore();
  const address = store.settings?.options?.monitorAddr;
  return address !== undefined && address !== "" && address !== "mock";
}
