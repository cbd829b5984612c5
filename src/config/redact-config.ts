/**
 * A config with every secret hidden, from the marks in the schema (`x-secret`, see `secret()` in schema.ts), so a
 * setting that is marked once is hidden everywhere a config is printed. Walks the exported JSON schema alongside the
 * value: objects by their properties, arrays by their items, unions by every branch.
 */
import { redactUrl } from '../util/log.js';
import { configJsonSchema, type SecretKind } from './schema.js';

interface JsonSchemaNode {
  'x-secret'?: SecretKind;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
}

export const REDACTED = '[redacted]';

function redactValue(value: unknown, node: JsonSchemaNode | undefined): unknown {
  if (!node || value === undefined || value === null) return value;
  const kind = node['x-secret'];
  if (kind === 'value') return REDACTED;
  if (kind === 'url') return typeof value === 'string' ? redactUrl(value) : REDACTED;
  let out: unknown = value;
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) out = redactValue(out, branch);
  if (Array.isArray(out)) return out.map((item) => redactValue(item, node.items));
  if (typeof out === 'object' && out !== null && node.properties) {
    const props = node.properties;
    return Object.fromEntries(Object.entries(out).map(([key, v]) => [key, redactValue(v, props[key])]));
  }
  return out;
}

export function redactConfig<T>(config: T): unknown {
  return redactValue(config, configJsonSchema() as JsonSchemaNode);
}

/** Dotted paths of every marked setting (`cameras[].url`, `fleet.s3.secretAccessKey`), for tests and docs. */
export function secretPaths(node: JsonSchemaNode = configJsonSchema() as JsonSchemaNode, prefix = ''): Array<{ path: string; kind: SecretKind }> {
  if (node['x-secret']) return [{ path: prefix, kind: node['x-secret'] }];
  const nested = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])].flatMap((b) => secretPaths(b, prefix));
  const items = node.items ? secretPaths(node.items, `${prefix}[]`) : [];
  const props = Object.entries(node.properties ?? {}).flatMap(([key, child]) => secretPaths(child, prefix ? `${prefix}.${key}` : key));
  return [...nested, ...items, ...props];
}
