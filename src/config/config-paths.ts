/**
 * Every setting of the config schema as a dotted path (`events.minHits`, `cameras`): objects are walked, anything
 * else (numbers, strings, arrays such as `cameras`) is one setting. Used to prove that each setting is either
 * applied live or listed as needing a restart.
 */
import type { z } from 'zod';
import { configSchema } from './schema.js';

interface SchemaNode {
  def: { type: string; innerType?: SchemaNode; in?: SchemaNode };
  shape?: Record<string, SchemaNode>;
}

function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  while (current.def.innerType ?? current.def.in) current = (current.def.innerType ?? current.def.in) as SchemaNode;
  return current;
}

function leaves(node: SchemaNode, prefix: string): string[] {
  const inner = unwrap(node);
  if (inner.def.type !== 'object' || !inner.shape) return [prefix];
  return Object.entries(inner.shape).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

export function configSettingPaths(schema: z.ZodType = configSchema): string[] {
  return leaves(schema as unknown as SchemaNode, '');
}
