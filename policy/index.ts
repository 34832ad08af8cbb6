/**
 * The CrossGuard pack: `pulumi preview --policy-pack policy` (run from the project root after
 * `npm ci`). Only the pack lives here, because `new PolicyPack` starts a server and never exits;
 * the policies are plain functions in ./rules, which synth and the tests call directly.
 */
import { PolicyPack, PolicyResource } from "@pulumi/policy";
import { DEPLOY_RULES } from "./deploy";
import { PLATFORM_POLICIES } from "./evaluate";
import { policyContext } from "./context";
import { CheckedResource } from "./types";

/**
 * A CrossGuard stack resource as the policies read it. The engine hands a stack policy each
 * resource's outputs as `props` (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * AnalyzeResources: `Properties: v.Outputs`, with Parent, Dependencies and PropertyDependencies
 * from state), and @pulumi/policy (server.js, makeAnalyzeStackRpcFun) unwraps secrets without
 * saying which were secret and turns the links into resources. A component has no provider,
 * every custom resource (providers included) has one or is one.
 */
export function checked(resource: PolicyResource): CheckedResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    props: resource.props,
    protect: resource.opts.protect,
    secretPaths: undefined,
    secretOutputs: resource.opts.additionalSecretOutputs ?? [],
    links: {
      custom: resource.type.startsWith("pulumi:providers:") || resource.provider !== undefined,
      parent: resource.parent?.urn ?? null,
      provider: resource.provider?.urn ?? null,
      dependencies: resource.dependencies.map((d) => d.urn),
      propertyDependencies: Object.fromEntries(
        Object.entries(resource.propertyDependencies ?? {}).map(([input, resources]) => [input, resources.map((r) => r.urn)]),
      ),
    },
  };
}

new PolicyPack("gitops-platform", {
  policies: [...PLATFORM_POLICIES, ...DEPLOY_RULES].map((policy) => ({
    name: policy.name,
    description: policy.description,
    // The pack cannot know the environment before it sees the stack; advisory-in-dev policies
    // are registered mandatory and downgrade themselves by not reporting outside production.
    enforcementLevel: "mandatory" as const,
    validateStack: (args, reportViolation) => {
      const resources = args.resources.map(checked);
      const context = policyContext(resources, "dev");
      if (policy.enforcement(context) === "advisory") return;
      for (const finding of policy.check(resources, context)) reportViolation(finding.message, finding.urn);
    },
  })),
});
