/**
 * The gitops-platform program: load and validate the stack config (nothing is created when it is
 * invalid), build the platform, export what operators need.
 */
import * as resources from "@pulumi/azure-native/resources";
import { loadPlatform } from "./stacks";

const { config } = loadPlatform();

const tags = { ...config.tags, environment: config.environment, "managed-by": "pulumi", project: "gitops-platform" };

const resourceGroup = new resources.ResourceGroup(
  "platform",
  { resourceGroupName: `rg-gitops-${config.environment}`, location: config.location, tags },
  { protect: config.protect },
);

export const environment = config.environment;
export const resourceGroupName = resourceGroup.name;
