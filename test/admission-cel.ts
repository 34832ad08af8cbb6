/**
 * Evaluates a ValidatingAdmissionPolicy spec the way the API server does, with a real CEL
 * evaluator (@bufbuild/cel, ESM-only, loaded by dynamic import): the request must match
 * matchConstraints.resourceRules, then every matchCondition must be true (false: the policy does
 * not apply; an error: failurePolicy decides), then variables are bound in order under
 * `variables`, and every validation must be true. `object` is null on DELETE, `oldObject` on
 * CREATE. https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
import type * as k8s from "@pulumi/kubernetes";
import type { TenantArgs } from "../components/tenant/namespace";

export interface AdmissionRequest {
  operation: "CREATE" | "UPDATE" | "DELETE";
  resource: { group: string; version: string; resource: string };
  groups: string[];
  username?: string;
  object?: unknown;
  oldObject?: unknown;
}

export interface PolicySpec {
  failurePolicy?: string;
  matchConstraints?: { resourceRules?: { apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; operations?: string[] }[] };
  matchConditions?: { name: string; expression: string }[];
  variables?: { name: string; expression: string }[];
  validations: { expression: string; message?: string }[];
}

export type Verdict = { allowed: true; matched: boolean } | { allowed: false; message: string };

/** Plain JSON to CEL input: objects become Maps (CEL maps), arrays lists, BigInt for integers. */
function toCel(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "object") return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

const matches = (patterns: string[] | undefined, value: string) => (patterns ?? []).some((p) => p === "*" || p === value);

export async function admit(spec: PolicySpec, request: AdmissionRequest): Promise<Verdict> {
  const { run } = await import("@bufbuild/cel");
  const { strings } = await import("@bufbuild/cel/ext");
  const { resource } = request;
  const ruleMatches = (spec.matchConstraints?.resourceRules ?? []).some(
    (rule) =>
      matches(rule.apiGroups, resource.group) &&
      matches(rule.apiVersions, resource.version) &&
      matches(rule.resources, resource.resource) &&
      matches(rule.operations, request.operation),
  );
  if (!ruleMatches) return { allowed: true, matched: false };

  const bindings: Record<string, unknown> = {
    object: toCel(request.operation === "DELETE" ? null : request.object),
    oldObject: toCel(request.operation === "CREATE" ? null : request.oldObject),
    request: toCel({
      operation: request.operation,
      resource,
      userInfo: { username: request.username ?? "someone", groups: request.groups },
    }),
  };
  const evaluate = (expression: string): unknown => run(expression, bindings as never, { funcs: strings });
  const failClosed = spec.failurePolicy !== "Ignore";

  for (const condition of spec.matchConditions ?? []) {
    const result = evaluate(condition.expression);
    if (typeof result !== "boolean") {
      if (failClosed) return { allowed: false, message: `matchCondition ${condition.name} failed: ${String(result)}` };
      return { allowed: true, matched: false };
    }
    if (!result) return { allowed: true, matched: false };
  }
  const variables = new Map<string, unknown>();
  bindings.variables = variables;
  for (const variable of spec.variables ?? []) variables.set(variable.name, evaluate(variable.expression));
  for (const validation of spec.validations) {
    const result = evaluate(validation.expression);
    if (result !== true) {
      if (typeof result !== "boolean" && !failClosed) continue;
      return { allowed: false, message: typeof result === "boolean" ? (validation.message ?? validation.expression) : `error: ${String(result)}` };
    }
  }
  return { allowed: true, matched: true };
}

/** A small tenant the admission tests render (its namespace and admin group theirs), for the policies it carries. */
export function teamTenantArgs(provider: k8s.Provider, namespace: string, adminGroup?: string, tenant: { name?: string; environment?: string } = {}): TenantArgs {
  return {
    provider,
    name: tenant.name ?? "team-a",
    namespace,
    environment: tenant.environment ?? "dev",
    groups: { admins: adminGroup ? [adminGroup] : [], viewers: [] },
    quota: { cpu: "4", memory: "8Gi", pods: 50 },
    limits: { defaultCpu: "500m", defaultMemory: "512Mi", defaultRequestCpu: "100m", defaultRequestMemory: "128Mi" },
  };
}
