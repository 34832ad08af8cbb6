/**
 * The arguments every Azure component takes, in one place (issue 16, "one shape"; after Azure
 * Verified Modules' common inputs). A component's Args extend this and may restate a field only
 * to say what it means there (which resources `protect` covers, for example).
 *
 * Not here yet: resource locks and diagnostic settings, which no component takes today.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface AzureComponentArgs {
  /** Resource group of the component's resources. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region, e.g. `westeurope`. */
  location: pulumi.Input<string>;
  /** Azure tags on the component's resources that take tags. Default none. */
  tags?: pulumi.Input<Record<string, string>>;
  /** Protect the component's stateful resources from deletion (each component says which). Default false. */
  protect?: boolean;
}
