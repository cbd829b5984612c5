/**
 * The backbone models `catwatch models pull` can install: where each comes from and how to check it. A pulled model
 * lives at `<dataDir>/backbones/<name>.onnx`; a mirror folder for offline machines holds the same `<name>.onnx` files.
 */
import { join } from 'node:path';

export interface CatalogModel {
  /** Also the file's base name, in the data dir and in mirror folders. */
  readonly name: string;
  readonly description: string;
  /** Public download location (redirects are followed). */
  readonly url: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** SPDX identifier of the weights' licence. */
  readonly licence: string;
}

export const MODEL_CATALOG: readonly CatalogModel[] = Object.freeze([
  Object.freeze({
    name: 'mobilenetv2-12-int8',
    description: 'ONNX Model Zoo MobileNetV2-1.0, ImageNet-1k, int8 quantized (recommended backbone)',
    url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx',
    sha256: '83530ad811bc31d2b60a5599a21265a5057608c9b044b4ee758cc22f2309f54f',
    sizeBytes: 3_655_640,
    licence: 'Apache-2.0',
  }),
]);

export function findCatalogModel(name: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((m) => m.name === name);
}

export function catalogModelNames(): string[] {
  return MODEL_CATALOG.map((m) => m.name);
}

/** Where `catwatch models pull <name>` installs a model, and where the backbones look for it. */
export function installedModelPath(dataDir: string, name: string): string {
  return join(dataDir, 'backbones', `${name}.onnx`);
}
