/**
 * The Kubernetes minor versions AKS supports, and until when. Pure: every function takes the day
 * to judge by, so that nothing here depends on the clock it runs under.
 */

export interface AksMinorVersion {
  /** `1.<minor>`. */
  readonly minor: string;
  /** First day AKS creates clusters on it without a preview flag (UTC, YYYY-MM-DD). */
  readonly generallyAvailable: string;
  /** Last day of AKS standard (community) support (UTC, YYYY-MM-DD). */
  readonly endOfSupport: string;
}

/**
 * AKS's Kubernetes release calendar ("Supported Kubernetes versions in AKS", learn.microsoft.com
 * /azure/aks/supported-kubernetes-versions; MicrosoftDocs/azure-aks-docs as of 2026-08-05).
 * The calendar gives months, and says a month means its last day; a GA month is read the same
 * way, the cautious reading. Exceptions, from the AKS release notes (Azure/AKS CHANGELOG.md):
 * 1.32's end of support moved to 2026-04-30. 1.37's GA is the calendar's plan, not yet
 * confirmed by a release note when this was written.
 *
 * Only standard support counts: Long Term Support (an extra year, Premium tier with the
 * AKSLongTermSupport plan) is not something this platform configures. Add a row when AKS
 * announces a minor, and move DEFAULT_KUBERNETES_VERSION once it is GA in every region.
 */
export const AKS_KUBERNETES_VERSIONS: readonly AksMinorVersion[] = [
  { minor: "1.32", generallyAvailable: "2025-04-30", endOfSupport: "2026-04-30" },
  { minor: "1.33", generallyAvailable: "2025-06-30", endOfSupport: "2026-07-31" },
  { minor: "1.34", generallyAvailable: "2025-11-30", endOfSupport: "2026-11-30" },
  { minor: "1.35", generallyAvailable: "2026-03-31", endOfSupport: "2027-03-31" },
  { minor: "1.36", generallyAvailable: "2026-06-30", endOfSupport: "2027-06-30" },
  { minor: "1.37", generallyAvailable: "2026-10-31", endOfSupport: "2027-10-31" },
];

/** The default lives with the component (AksClusterArgs.kubernetesVersion); the calendar above checks it. */
export { DEFAULT_KUBERNETES_VERSION } from "../components/azure/aks-profiles";

/** A Kubernetes version as AKS takes it: a minor (`1.36`) or a patch (`1.36.2`). */
export const KUBERNETES_VERSION = /^1\.\d+(\.\d+)?$/;

/** `1.34` from `1.34` or `1.34.2`. */
export function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/** The calendar day of `date` in UTC, as YYYY-MM-DD. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The minors AKS supports on `today`, oldest first. */
export function supportedMinors(today: Date, calendar: readonly AksMinorVersion[] = AKS_KUBERNETES_VERSIONS): string[] {
  const day = dayOf(today);
  return calendar.filter((v) => v.generallyAvailable <= day && day <= v.endOfSupport).map((v) => v.minor);
}

function minorNumber(minor: string): number {
  return Number(minor.split(".")[1]);
}

/**
 * Why AKS would not (or no longer) run `version` on `today`, or undefined when it does: past its
 * end of support, not GA yet, or not in the calendar at all.
 */
export function kubernetesVersionProblem(
  version: string,
  today: Date,
  calendar: readonly AksMinorVersion[] = AKS_KUBERNETES_VERSIONS,
): string | undefined {
  const day = dayOf(today);
  const minor = minorOf(version);
  const supported = supportedMinors(today, calendar);
  const choices = `supported on ${day}: ${supported.join(", ") || "none in this platform's calendar, update stacks/kubernetes-versions.ts"}`;
  const entry = calendar.find((v) => v.minor === minor);
  if (entry && day > entry.endOfSupport) return `${minor} reached the end of AKS support on ${entry.endOfSupport}; ${choices}`;
  if (entry && day < entry.generallyAvailable) return `${minor} is not generally available in AKS before ${entry.generallyAvailable}; ${choices}`;
  if (entry) return undefined;
  const oldest = Math.min(...calendar.map((v) => minorNumber(v.minor)));
  if (minorNumber(minor) < oldest) return `${minor} is past AKS support; ${choices}`;
  return `${minor} is not in this platform's AKS release calendar (stacks/kubernetes-versions.ts); ${choices}`;
}
