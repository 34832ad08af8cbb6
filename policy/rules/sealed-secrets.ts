/**
 * Sealed Secrets: the controller makes no sealing key of its own (which no backup would hold),
 * does not open its HTTP API to every signed-in user, and in production its keys are protected.
 */
import { CONTROLLER_NAME, SEALING_KEY_LABEL } from "../../components/kubernetes/sealed-secrets-config";
import { CheckedResource, Finding, get, mandatory, PlatformPolicy } from "../types";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";

/** Helm releases of the bitnami-labs `sealed-secrets` chart (`sealed-secrets`, `<repo>/sealed-secrets` or an OCI URL). */
export function sealedSecretsReleases(resources: readonly CheckedResource[]): CheckedResource[] {
  return resources.filter((r) => r.type === RELEASE && /(^|\/)sealed-secrets$/.test(String(get(r.props, "chart") ?? "")));
}

/**
 * What is wrong with a release's values, by the chart's templates (chart 2.18.x):
 * - deployment.yaml renders `--key-renew-period` only when `keyrenewperiod` is not empty, and the
 *   controller's default is 30 days (cmd/controller/main.go): anything but "0" lets the controller
 *   make keys that exist only in the cluster; `args` (or `command`) replace the chart's arguments
 *   altogether, so renewal is then back at its default unless they say otherwise, which this
 *   check does not try to read;
 * - role.yaml / role-binding.yaml: `rbac.serviceProxier` (on by default) binds `services/proxy` on
 *   the controller to `rbac.serviceProxier.subjects`, by default the group `system:authenticated`.
 */
export function controllerValueProblems(values: unknown): string[] {
  const problems: string[] = [];
  const renew = get(values, "keyrenewperiod");
  if (String(renew ?? "") !== "0") {
    problems.push(
      `values.keyrenewperiod is ${renew === undefined || renew === "" ? "unset (the controller renews its key every 30 days)" : JSON.stringify(renew)}: a key the controller makes is in no backup; set "0" and rotate with new key generations`,
    );
  }
  for (const key of ["args", "command"]) {
    const override = get(values, key);
    if (Array.isArray(override) && override.length > 0) problems.push(`values.${key} replaces the chart's controller arguments, key renewal off among them`);
  }
  const proxier = get(values, "rbac", "serviceProxier");
  if (get(proxier, "create") !== false && get(proxier, "bind") !== false) {
    const subjects = get(proxier, "subjects");
    problems.push(
      `values.rbac.serviceProxier binds services/proxy on the controller to ${typeof subjects === "string" && subjects.trim() ? "its subjects" : "system:authenticated (every signed-in user and service account)"}; set create: false (the certificate is a stack output, kubeseal --cert)`,
    );
  }
  return problems;
}

export const sealedSecretsControllerLockedDown: PlatformPolicy = {
  name: "sealed-secrets-controller-locked-down",
  description:
    "The Sealed Secrets controller makes no sealing key of its own (key renewal off: the platform's keys are backed up to Key Vault), does not open its API through the API server proxy to every signed-in user, and in production its sealing keys are protected.",
  enforcement: mandatory,
  check: (resources, context) => {
    const releases = sealedSecretsReleases(resources);
    const findings: Finding[] = releases.flatMap((release) =>
      controllerValueProblems(get(release.props, "values")).map((message) => ({ urn: release.urn, message: `${release.name}: ${message}` })),
    );
    if (context.production) {
      for (const secret of resources.filter((r) => r.type === SECRET && get(r.props, "metadata", "labels", SEALING_KEY_LABEL) === "active")) {
        if (!secret.protect) {
          findings.push({ urn: secret.urn, message: `${secret.name}: a sealing key (${CONTROLLER_NAME}'s) must be protected in production: what it sealed decrypts with nothing else in the cluster` });
        }
      }
    }
    return findings;
  },
};
