/** Recursively lists image files under paths (files are taken as given, folders are walked, sorted for stable order). */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export function listImages(paths: readonly string[], options: { allFiles?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (explicit) out.push(p); // reported later as an unreadable file, not silently dropped
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(join(p, name), false);
    } else if (explicit || options.allFiles || IMAGE_EXTENSIONS.has(extname(p).toLowerCase())) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return out;
}
