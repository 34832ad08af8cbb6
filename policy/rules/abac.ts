/**
 * A parser and evaluator for the subset of the Azure ABAC condition language (role assignment
 * conditions, `conditionVersion: "2.0"`) that conditions on role assignment writes and deletes
 * use: parentheses, `!`/`NOT`, `AND`/`&&`, `OR`/`||`, `ActionMatches{'<action>'}` and
 * `@Request[...]` / `@Resource[...]` attributes compared with the Guid and String operators, plain
 * or cross-product (`ForAnyOfAnyValues:`, `ForAllOfAnyValues:`, `ForAnyOfAllValues:`,
 * `ForAllOfAllValues:`).
 *
 * Semantics follow learn.microsoft.com, "Azure role assignment condition format and syntax"
 * (cross-product operators: "ForAnyOfAnyValues: if at least one value on the left-hand side
 * satisfies the comparison to at least one value on the right-hand side", and so on) and
 * "Authorization actions and attributes" (the write action has Request attributes, the delete
 * action Resource attributes: RoleDefinitionId and PrincipalId are GUIDs, PrincipalType a string
 * of User, ServicePrincipal or Group). What the parser does not know it refuses, so a policy that
 * uses it fails closed rather than guessing.
 */

export type AttributeSource = "Request" | "Resource";

/** The request Azure evaluates a condition for: the action and the attributes of each source. */
export interface AbacRequest {
  action: string;
  /** Attribute name (`Microsoft.Authorization/roleAssignments:PrincipalId`) -> its values. */
  request?: Record<string, string[]>;
  resource?: Record<string, string[]>;
}

type Quantifier = "ForAnyOfAnyValues" | "ForAllOfAnyValues" | "ForAnyOfAllValues" | "ForAllOfAllValues";

export type AbacExpression =
  | { kind: "and" | "or"; left: AbacExpression; right: AbacExpression }
  | { kind: "not"; operand: AbacExpression }
  | { kind: "action"; pattern: string }
  | { kind: "compare"; source: AttributeSource; attribute: string; quantifier?: Quantifier; operator: string; values: string[] };

const OPERATORS = new Set([
  "GuidEquals",
  "GuidNotEquals",
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
]);
const QUANTIFIERS = new Set<string>(["ForAnyOfAnyValues", "ForAllOfAnyValues", "ForAnyOfAllValues", "ForAllOfAllValues"]);

/** The condition's parse tree, or an Error saying where it stopped. */
export function parseAbacCondition(text: string): AbacExpression {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`ABAC condition: ${what} at offset ${pos}: "${text.slice(pos, pos + 40)}"`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const peekWord = (word: string): boolean => {
    skip();
    return text.startsWith(word, pos) && !/[A-Za-z0-9_]/.test(text[pos + word.length] ?? "");
  };
  const take = (token: string): boolean => {
    skip();
    if (text.startsWith(token, pos)) {
      pos += token.length;
      return true;
    }
    return false;
  };
  const takeWord = (word: string): boolean => {
    if (!peekWord(word)) return false;
    pos += word.length;
    return true;
  };

  const orExpr = (): AbacExpression => {
    let left = andExpr();
    while (takeWord("OR") || take("||")) left = { kind: "or", left, right: andExpr() };
    return left;
  };
  const andExpr = (): AbacExpression => {
    let left = unary();
    while (takeWord("AND") || take("&&")) left = { kind: "and", left, right: unary() };
    return left;
  };
  const unary = (): AbacExpression => {
    skip();
    if (text[pos] === "!" && text[pos + 1] !== "=") {
      pos++;
      return { kind: "not", operand: unary() };
    }
    if (takeWord("NOT")) return { kind: "not", operand: unary() };
    if (take("(")) {
      const inner = orExpr();
      if (!take(")")) fail("expected )");
      return inner;
    }
    if (takeWord("ActionMatches")) {
      if (!take("{")) fail("expected { after ActionMatches");
      const [pattern] = stringValues();
      if (!take("}")) fail("expected } after the action");
      return { kind: "action", pattern };
    }
    return comparison();
  };
  /** `'a', 'b'` or `guid, guid` up to (not including) the closing brace. */
  const stringValues = (): string[] => {
    const values: string[] = [];
    for (;;) {
      skip();
      if (text[pos] === "'") {
        const end = text.indexOf("'", pos + 1);
        if (end < 0) fail("unterminated string");
        values.push(text.slice(pos + 1, end));
        pos = end + 1;
      } else {
        const match = /^[A-Za-z0-9._/:-]+/.exec(text.slice(pos));
        if (!match) fail("expected a value");
        values.push(match![0]);
        pos += match![0].length;
      }
      if (!take(",")) return values;
    }
  };
  const comparison = (): AbacExpression => {
    skip();
    const attribute = /^@(Request|Resource)\[([^\]]+)\]/.exec(text.slice(pos));
    if (!attribute) fail("expected ActionMatches, an attribute or (");
    pos += attribute![0].length;
    skip();
    const operator = /^(?:(\w+):)?(\w+)/.exec(text.slice(pos));
    if (!operator) fail("expected an operator");
    const [whole, quantifier, name] = operator!;
    if (quantifier !== undefined && !QUANTIFIERS.has(quantifier)) fail(`unknown quantifier ${quantifier}`);
    if (!OPERATORS.has(name)) fail(`unsupported operator ${name}`);
    pos += whole.length;
    skip();
    let values: string[];
    if (take("{")) {
      values = stringValues();
      if (!take("}")) fail("expected }");
    } else {
      values = stringValues();
      if (values.length !== 1) fail("a list of values needs braces");
    }
    return {
      kind: "compare",
      source: attribute![1] as AttributeSource,
      attribute: attribute![2],
      quantifier: quantifier as Quantifier | undefined,
      operator: name,
      values,
    };
  };

  const tree = orExpr();
  skip();
  if (pos < text.length) fail("unexpected text");
  return tree;
}

function compareOne(operator: string, left: string, right: string): boolean {
  switch (operator) {
    case "GuidEquals":
      return left.toLowerCase() === right.toLowerCase();
    case "GuidNotEquals":
      return left.toLowerCase() !== right.toLowerCase();
    case "StringEquals":
      return left === right;
    case "StringNotEquals":
      return left !== right;
    case "StringEqualsIgnoreCase":
      return left.toLowerCase() === right.toLowerCase();
    case "StringNotEqualsIgnoreCase":
      return left.toLowerCase() !== right.toLowerCase();
  }
  throw new Error(`ABAC condition: unsupported operator ${operator}`);
}

/** `ActionMatches` with `*` as a wildcard ("Microsoft.Authorization/roleAssignments/*"), case-insensitive. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`, "i");
  return regex.test(action);
}

export function evaluateAbac(expression: AbacExpression, request: AbacRequest): boolean {
  switch (expression.kind) {
    case "and":
      return evaluateAbac(expression.left, request) && evaluateAbac(expression.right, request);
    case "or":
      return evaluateAbac(expression.left, request) || evaluateAbac(expression.right, request);
    case "not":
      return !evaluateAbac(expression.operand, request);
    case "action":
      return actionMatches(expression.pattern, request.action);
    case "compare": {
      const attributes = expression.source === "Request" ? request.request : request.resource;
      // An attribute the action does not carry: the comparison cannot hold.
      const left = attributes?.[expression.attribute];
      if (left === undefined || left.length === 0) return false;
      const right = expression.values;
      const holds = (l: string, r: string) => compareOne(expression.operator, l, r);
      switch (expression.quantifier) {
        case undefined:
          return left.length === 1 && right.length === 1 && holds(left[0], right[0]);
        case "ForAnyOfAnyValues":
          return left.some((l) => right.some((r) => holds(l, r)));
        case "ForAllOfAnyValues":
          return left.every((l) => right.some((r) => holds(l, r)));
        case "ForAnyOfAllValues":
          return left.some((l) => right.every((r) => holds(l, r)));
        case "ForAllOfAllValues":
          return left.every((l) => right.every((r) => holds(l, r)));
      }
    }
  }
}

export const ROLE_ASSIGNMENT_WRITE = "Microsoft.Authorization/roleAssignments/write";
export const ROLE_ASSIGNMENT_DELETE = "Microsoft.Authorization/roleAssignments/delete";
const ATTRIBUTE = {
  role: "Microsoft.Authorization/roleAssignments:RoleDefinitionId",
  principal: "Microsoft.Authorization/roleAssignments:PrincipalId",
  type: "Microsoft.Authorization/roleAssignments:PrincipalType",
};

/** A role assignment being created (write: Request attributes) or deleted (delete: Resource attributes). */
export interface RoleAssignmentAttempt {
  action: "write" | "delete";
  roleDefinitionGuid: string;
  principalId: string;
  principalType: string;
}

/** Whether a condition on a role-assignment-writing role lets its holder make this attempt. */
export function conditionAllows(condition: string | AbacExpression, attempt: RoleAssignmentAttempt): boolean {
  const tree = typeof condition === "string" ? parseAbacCondition(condition) : condition;
  const attributes = {
    [ATTRIBUTE.role]: [attempt.roleDefinitionGuid],
    [ATTRIBUTE.principal]: [attempt.principalId],
    [ATTRIBUTE.type]: [attempt.principalType],
  };
  return evaluateAbac(
    tree,
    attempt.action === "write"
      ? { action: ROLE_ASSIGNMENT_WRITE, request: attributes }
      : { action: ROLE_ASSIGNMENT_DELETE, resource: attributes },
  );
}
