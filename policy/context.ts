/** The environment a set of resources belongs to, read from the platform's own tags. */
import { isProduction } from "../stacks/environments";
import { CheckedResource, get, PolicyContext } from "./types";

/**
 * Every Azure resource of the platform carries an `environment` tag; the resource group is the
 * first place to look. `fallback` (the stack name) applies when no resource says.
 */
export function policyContext(resources: readonly CheckedResource[], fallback: string): PolicyContext {
  const tagged = [...resources]
    .sort((a, b) => Number(b.type === "azure-native:resources:ResourceGroup") - Number(a.type === "azure-native:resources:ResourceGroup"))
    .map((r) => get(r.props, "tags", "environment"))
    .find((value): value is string => typeof value === "string");
  const environment = tagged ?? fallback;
  return { environment, production: isProduction(environment) };
}
