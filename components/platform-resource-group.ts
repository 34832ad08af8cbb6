/**
 * The platform's resource group: its name, and the resource options that adopt one that already
 * exists. Pure, so config rules and tests use the same functions as GitOpsPlatform.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The platform's resource group of an environment. */
export function platformResourceGroupName(environment: string): string {
  return `rg-gitops-${environment}`;
}

/**
 * Resource options for the platform's ResourceGroup when it already exists (its ARM id), else none.
 *
 * `import`: azure-native refuses to create a group that exists ("cannot create already existing
 * resource", provider.go Create), so the engine reads it instead and then updates it to the
 * program's inputs (its tags) in the same run (import-then-update, pulumi/pulumi#19339, CLI
 * 3.174.0). The option acts only while the group is not in the state: once adopted it is inert
 * (pulumi/pulumi step_generator.go), so setting it on a stack that created its group changes
 * nothing. Which inputs must match first: `location` and the name replace a group on change
 * (docs/adopting-existing-resources.md).
 *
 * `retainOnDelete`: the group was there before the stack and may hold other things; a
 * `pulumi destroy` (or dropping the platform) leaves it, and the engine only forgets it.
 */
export function adoptedResourceGroupOptions(existingId: string | undefined): Pick<pulumi.CustomResourceOptions, "import" | "retainOnDelete"> {
  return existingId === undefined ? {} : { import: existingId, retainOnDelete: true };
}
