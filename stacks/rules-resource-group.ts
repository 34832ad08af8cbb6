/**
 * The platform's resource group: created by the stack (the default), or adopted when it already
 * exists (`resourceGroup.existing`, issue 24 item 4). docs/adopting-existing-resources.md says
 * how it and other pre-existing things are adopted.
 */
import { z } from "zod";
import { platformResourceGroupName } from "../components/platform-resource-group";
import type { ParsedPlatform } from "./config-shape";

type Report = (path: (string | number)[], message: string) => void;

/** An ARM resource group id: `/subscriptions/<subscription id>/resourceGroups/<name>`. */
const RESOURCE_GROUP_ID = /^\/subscriptions\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\/resourceGroups\/([-\w.()]{1,90})$/;

export function resourceGroupSchema() {
  return z.strictObject({
    existing: z
      .string()
      .regex(RESOURCE_GROUP_ID, { error: "must be the ARM id of a resource group (/subscriptions/<subscription id>/resourceGroups/<name>)" })
      .optional()
      .describe(
        "ARM id of a resource group that already exists, to adopt (import) instead of create; the stack then never deletes it. Its name must be rg-gitops-<environment> and its region `location`.",
      ),
  });
}

/**
 * An adopted group is the group the stack would create: the same name (another name would be
 * another group, and for a stack that created its own a replacement of everything in it).
 */
export function checkResourceGroup(config: ParsedPlatform, report: Report): void {
  const existing = config.resourceGroup.existing;
  if (existing === undefined) return;
  const name = RESOURCE_GROUP_ID.exec(existing)?.[1];
  const expected = platformResourceGroupName(config.environment);
  if (name !== undefined && name.toLowerCase() !== expected.toLowerCase()) {
    report(["resourceGroup", "existing"], `names the group "${name}"; the ${config.environment} platform's group is "${expected}" (create it under that name, or let the stack create it)`);
  }
}
