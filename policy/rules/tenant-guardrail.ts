/**
 * The platform's objects in a tenant namespace are guarded by label: the tenant guardrail
 * admission policy (tenantGuardrailPolicy) refuses the tenant's principals any create, update or
 * delete of an object that carries GUARDRAIL_LABEL. An object the platform puts there without the
 * label is one the tenant's admins and reconciler may rewrite or delete.
 */
import { GUARDRAIL_LABEL } from "../../components/kubernetes/labels";
import { Finding, get, mandatory, PlatformPolicy } from "../types";
import { tenantNamespaces } from "./kubernetes";

export const tenantObjectsGuarded: PlatformPolicy = {
  name: "tenant-objects-guarded",
  description: `Every Kubernetes object the platform creates in a tenant namespace carries ${GUARDRAIL_LABEL}: "true", so the tenant cannot change or delete it.`,
  enforcement: mandatory,
  check: (resources) => {
    const tenants = tenantNamespaces(resources);
    const findings: Finding[] = [];
    for (const r of resources) {
      if (!r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:core/v1:Namespace")) continue;
      const meta = (get(r.props, "metadata") ?? {}) as { namespace?: string; labels?: Record<string, string> };
      if (meta.namespace === undefined || !tenants.has(String(meta.namespace))) continue;
      if (meta.labels?.[GUARDRAIL_LABEL] === "true") continue;
      findings.push({ urn: r.urn, message: `${r.name}: in tenant namespace ${meta.namespace} without label ${GUARDRAIL_LABEL}: "true"; the tenant could change or delete it` });
    }
    return findings;
  },
};
