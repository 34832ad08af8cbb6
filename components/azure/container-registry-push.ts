/**
 * Registry names and the GitHub Actions subjects that may push to a registry. Pure: tests and
 * config rules call these without an engine.
 */
import { createHash } from "node:crypto";

/** ACR names: 5-50 letters and digits, globally unique (the registry's `<name>.azurecr.io`). */
export const REGISTRY_NAME_MAX = 50;

/**
 * `acr<purpose><environment><suffix>`, lower case, letters and digits only, with the purpose and
 * environment cut so the whole fits in 50 characters. Only these go in, so nothing else (tags,
 * other tenants) can rename the registry and force its replacement.
 */
export function containerRegistryName(purpose: string, environment: string, suffix: string): string {
  const clean = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
  const room = REGISTRY_NAME_MAX - "acr".length - suffix.length;
  const env = clean(environment).slice(0, Math.min(12, room));
  const name = `acr${clean(purpose).slice(0, Math.max(room - env.length, 0))}${env}${clean(suffix)}`;
  if (!/^[a-z0-9]{5,50}$/.test(name)) throw new Error(`container registry name "${name}": must be 5-${REGISTRY_NAME_MAX} letters or digits`);
  return name;
}

/**
 * A GitHub Actions workflow that may push: its repository (`owner/name`, as GitHub spells it:
 * Entra compares subjects case-sensitively) and exactly one of the branch whose pushes run it or
 * the GitHub environment (with required reviewers) its job names.
 */
export interface RegistryPusher {
  repository: string;
  branch?: string;
  environment?: string;
}

/**
 * The exact subject GitHub puts in the job's OIDC token (docs.github.com, "OpenID Connect
 * reference": `repo:<owner>/<repo>:ref:refs/heads/<branch>`, or `...:environment:<name>` for a
 * job that names an environment, which replaces the ref form). Never `pull_request`: every pull
 * request, forks' included where workflows run for them, presents that subject, so an identity
 * that trusted it would let any pull request overwrite the tenant's images.
 */
export function registryPushSubject(pusher: RegistryPusher): string {
  const problem = registryPusherProblem(pusher);
  if (problem) throw new Error(`registry pusher ${JSON.stringify(pusher)}: ${problem}`);
  return pusher.environment !== undefined
    ? `repo:${pusher.repository}:environment:${pusher.environment}`
    : `repo:${pusher.repository}:ref:refs/heads/${pusher.branch}`;
}

/** What is wrong with a pusher, or undefined. */
export function registryPusherProblem(pusher: RegistryPusher): string | undefined {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/.test(pusher.repository)) return "repository must be owner/name";
  if ((pusher.branch === undefined) === (pusher.environment === undefined)) return "name exactly one of branch or environment";
  const value = pusher.branch ?? pusher.environment ?? "";
  if (value.length === 0 || /[:\s*]/.test(value)) return "branch or environment must be non-empty, without ':', '*' or spaces";
  return undefined;
}

/** Whether a federated credential subject is GitHub's pull_request subject, which no push identity may trust. */
export function isPullRequestSubject(subject: string): boolean {
  return /^repo:[^:]+:pull_request$/.test(subject);
}

/**
 * The credential's name on the identity: readable, and unique per subject (a hash of it), since
 * `feature/x` and `feature-x` read the same once sanitized. Names allow letters, digits, '-' and
 * '_', 3-120 characters.
 */
export function pushCredentialName(subject: string): string {
  const readable = subject.replace(/^repo:/, "").replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 100);
  return `github-${readable}-${createHash("sha256").update(subject).digest("hex").slice(0, 8)}`;
}
