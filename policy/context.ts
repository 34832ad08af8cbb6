/** The environment a set of resources belongs to, read from the platform's own tags. */
import { isProduction } from "../stacks/environments";
import { CheckedResource, get, PolicyContext } from "./types";

/**
 * Every Azure resource of the platform carries an `environment` tag; the resource group is the
 * first place to look. `fallback` (the stack name) applies when no resource says.
 */
export function policyContext(resources: readonly CheckedResource[], fallback: string): PolicyContext {
  // The first resource group that says, else the first resource that does (one pass, no sort).
  let tagged: string | undefined;
  for (const r of resources) {
    const value = get(r.props, "tags", "environment");
    if (typeof value !== "string") continue;
    if (r.type === "azure-native:resources:ResourceGroup") {
      tagged = value;
      break;
    }
    tagged ??= value;
  }
  const environment = tagged ?? fallback;
  return { environment, production: isProduction(environment) };
}
