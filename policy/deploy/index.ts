/**
 * Deploy rules: what the real engine, ARM or Kubernetes would refuse or keep changing when it
 * applies a graph that the mock engine accepts. They run on every synth beside the policies (a
 * mandatory finding fails synth with exit 2) and in the CrossGuard pack; each models one
 * upstream behaviour, cited where it is defined, and has a passing and a failing fixture in
 * test/deploy-rules.test.ts.
 */
import type { PlatformPolicy } from "../types";
import { noUnsatisfiableDisruptionBudgets } from "./disruption-budgets";
import { grantsPropagateBeforeUse } from "./grants";
import { inClusterKeyVaultCallersCanReachIt, keyVaultObjectsWaitForDataPlaneGrant } from "./key-vault";
import { namespacedObjectsWaitForTheirNamespace } from "./namespaces";
import { tenantsCanReachVault } from "./network";
import { roleAssignmentsNamedByWhatTheyAre } from "./roles";
import { managedPrometheusHasADestination } from "./monitoring";
import { oneResourcePerKubernetesObject } from "./objects";
import { kubernetesObjectsTheApiServerAccepts } from "./kubernetes-objects";

export const DEPLOY_RULES: readonly PlatformPolicy[] = [
  keyVaultObjectsWaitForDataPlaneGrant,
  inClusterKeyVaultCallersCanReachIt,
  grantsPropagateBeforeUse,
  roleAssignmentsNamedByWhatTheyAre,
  namespacedObjectsWaitForTheirNamespace,
  noUnsatisfiableDisruptionBudgets,
  tenantsCanReachVault,
  managedPrometheusHasADestination,
  oneResourcePerKubernetesObject,
  kubernetesObjectsTheApiServerAccepts,
];
