/**
 * The JSON Schema of a stack file (`Pulumi.<stack>.yaml`), generated from the zod schema so
 * editors complete and check the platform config. Defaults differ per environment, so the
 * schema states the shape and the documentation, not default values (docs/configuration.md lists them per environment).
 */
import { z } from "zod";
import { PLATFORM_KEY } from "./errors";
import { platformObjectSchema } from "./schema";
import { PLATFORM_STACK_KEY, TENANTS_KEY } from "./tenant-stacks";

export const STACK_SCHEMA_PATH = "schema/stack.schema.json";

function withoutDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDefaults);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== "default")
      .map(([key, value]) => [key, withoutDefaults(value)]),
  );
}

export function platformJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(platformObjectSchema("dev"), { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const schema = withoutDefaults(generated) as Record<string, unknown>;
  delete schema.$schema;
  // The stack name stands in for a missing environment, so no key is required at the top.
  delete schema.required;
  return schema;
}

/** The whole stack file: Pulumi's top-level keys, and our key inside `config`. */
export function stackFileJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "gitops-platform stack config (Pulumi.<stack>.yaml, and tenant stacks' tenants/Pulumi.<env>-<name>.yaml)",
    type: "object",
    properties: {
      secretsprovider: { type: "string", description: "Pulumi secrets provider of the stack." },
      encryptionsalt: { type: "string", description: "Salt of the passphrase secrets provider." },
      encryptedkey: { type: "string", description: "Data key of a cloud secrets provider." },
      config: {
        type: "object",
        description: "Stack config. Values written with `pulumi config set --secret` appear as { secure: ... }.",
        properties: {
          [PLATFORM_KEY]: { $ref: "#/$defs/platform" },
          [TENANTS_KEY]: {
            type: "array",
            minItems: 1,
            description: "A tenant stack's tenants, in the schema of the platform's tenants (docs/layered-stacks.md).",
            items: { $ref: "#/$defs/platform/properties/tenants/items" },
          },
          [PLATFORM_STACK_KEY]: { type: "string", pattern: "^[^/\\s]+/[^/\\s]+/[^/\\s]+$", description: "The platform stack a tenant stack builds on: organization/project/stack." },
        },
        additionalProperties: {
          anyOf: [{ type: ["string", "number", "boolean"] }, { type: "object", properties: { secure: { type: "string" } }, required: ["secure"], additionalProperties: false }],
        },
        // A platform stack's file, or a tenant stack's.
        anyOf: [{ required: [PLATFORM_KEY] }, { required: [TENANTS_KEY, PLATFORM_STACK_KEY] }],
      },
    },
    required: ["config"],
    $defs: { platform: platformJsonSchema() },
  };
}

export function renderStackFileJsonSchema(): string {
  return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}
