/**
 * `catwatch models export-triton DIR`: writes the local objectron detector as a Triton model repository entry
 * (DIR/<name>/<version>/model.onnx and DIR/<name>/config.pbtxt). Name and version default to the config's
 * model.triton, else the schema's defaults, so the service finds what was exported without further settings.
 */
import { resolve } from 'node:path';
import { loadConfig, parseConfig, resolveConfigPath } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import { exportTritonModel } from '../../score/triton/export-triton.js';
import { CatwatchError, EXIT_OK, isCatwatchError } from '../../util/errors.js';
import type { CliIo } from '../command.js';

export interface ExportTritonValues {
  config?: string;
  name?: string;
  'model-version'?: string;
  json?: boolean;
}

export const EXPORT_TRITON_HELP = `  export-triton DIR  write the Open Images detector (objectron) as a Triton / KServe v2 model: DIR/NAME/VERSION/model.onnx
                   and DIR/NAME/config.pbtxt (ONNX Runtime, dynamic batching, one GPU instance); serve DIR with
                   tritonserver --model-repository DIR and set model.backbone: triton, model.triton.url`;

export const EXPORT_TRITON_OPTIONS_HELP = `      --name NAME        export-triton: model name (default model.triton.model, else catwatch_objectron)
      --model-version N  export-triton: version folder (default model.triton.version, else 1)`;

export async function exportTritonAction(dir: string | undefined, values: ExportTritonValues, io: CliIo): Promise<number> {
  if (!dir) throw new CatwatchError('E_USAGE', 'models export-triton needs a DIR (the Triton model repository to write into)');
  const defaults = tritonDefaults(values.config);
  const result = await exportTritonModel({ dir: resolve(dir), model: values.name ?? defaults.model, version: values['model-version'] ?? defaults.version });
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else io.stdout.write(`exported ${result.backboneId}: ${result.modelPath} (${result.modelBytes} bytes), ${result.configPath}\n`);
  return EXIT_OK;
}

/** model.triton of the config when there is one (a missing default config is fine here), else the schema's defaults. */
function tritonDefaults(configPath: string | undefined): { model: string; version: string } {
  let config: Config | undefined;
  try {
    config = loadConfig(resolveConfigPath(configPath));
  } catch (err) {
    if (configPath !== undefined || !isCatwatchError(err, 'E_CONFIG_NOT_FOUND')) throw err;
  }
  // The URL only lets the schema fill in the other fields' defaults.
  return config?.model.triton ?? parseConfig({ model: { triton: { url: 'http://localhost' } } }, { baseDir: process.cwd(), env: {} }).model.triton!;
}
