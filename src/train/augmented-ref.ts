/**
 * The ref of an augmented copy of a photo: `<file>#aug:<kind>:<n>`. Deterministic per file and copy, so the copy's
 * embedding is cached like any photo's. The one place that writes and reads the format.
 */
const MARK = '#aug:';

export interface AugmentedRef {
  readonly file: string;
  /** `<kind>:<n>` when the ref names an augmented copy. */
  readonly augmentation?: { readonly kind: string; readonly n: number; readonly text: string };
}

export function augmentedRef(file: string, kind: string, n: number): string {
  return `${file}${MARK}${kind}:${n}`;
}

export function isAugmentedRef(ref: string): boolean {
  return ref.includes(MARK);
}

export function parseAugmentedRef(ref: string): AugmentedRef {
  const cut = ref.indexOf(MARK);
  if (cut < 0) return { file: ref };
  const text = ref.slice(cut + MARK.length);
  const [kind = '', n = '0'] = text.split(':');
  return { file: ref.slice(0, cut), augmentation: { kind, n: Number(n), text } };
}
