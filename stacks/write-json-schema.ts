/** `npm run schema`: regenerates schema/stack.schema.json from the zod schema. */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { renderStackFileJsonSchema, STACK_SCHEMA_PATH } from "./json-schema";

const target = path.resolve(__dirname, "..", STACK_SCHEMA_PATH);
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, renderStackFileJsonSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
