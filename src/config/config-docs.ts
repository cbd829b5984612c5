/**
 * The README's configuration reference, generated from the one schema (so docs cannot drift from the code):
 * one row per key with its type, default and description. `catwatch config docs` prints it.
 */
import { configJsonSchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  const t = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const lo = s.minimum ?? s.exclusiveMinimum;
  const range = lo !== undefined || s.maximum !== undefined ? ` (${lo ?? ''}..${s.maximum ?? ''})` : '';
  return `${t}${range}`;
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const isObject = child.type === 'object' && child.properties;
    const isObjectArray = child.type === 'array' && child.items?.type === 'object' && child.items.properties;
    const def = child.default === undefined || isObject ? '' : `\`${JSON.stringify(child.default)}\``;
    if (isObject) {
      if (child.description) out.push(`| **${path}** | object | | ${child.description} |`);
      rows(child, path, out);
    } else if (isObjectArray && child.items) {
      out.push(`| **${path}[]** | list | ${def} | ${child.description ?? ''} |`);
      rows(child.items, `${path}[]`, out);
    } else {
      out.push(`| \`${path}\` | ${typeOf(child)} | ${def} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    }
  }
}

export function configReferenceMarkdown(): string {
  const out = ['| key | type | default | description |', '|---|---|---|---|'];
  rows(configJsonSchema() as JsonSchema, '', out);
  return `${out.join('\n')}\n`;
}
