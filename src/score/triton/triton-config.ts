/**
 * Triton's model configuration (config.pbtxt, protobuf text format) for the exported objectron detector: ONNX Runtime
 * backend, the converted graph's tensors (dims without the batch dimension), dynamic batching of the workers'
 * concurrent requests, one GPU instance, and the `catwatch_backbone_id` parameter the triton backbone checks.
 */
import { OBJECTRON_ONNX_IO } from '../backbones/objectron-assets.js';
import { TRITON_BACKBONE_ID_PARAMETER } from './objectron-remote.js';

/** Requests larger than this are split by the client; Triton's dynamic batcher merges smaller ones up to it. */
export const TRITON_MAX_BATCH = 32;
/** How long the dynamic batcher waits for more requests to merge: 2 ms. */
const MAX_QUEUE_DELAY_US = 2000;

/** Triton's model configuration (protobuf text format) for the exported detector. */
export function tritonConfigText(model: string, backboneId: string): string {
  const io = OBJECTRON_ONNX_IO;
  const tensor = (name: string, type: string, dims: readonly number[]): string =>
    `  {\n    name: "${name}"\n    data_type: ${type}\n    dims: [ ${dims.join(', ')} ]\n  }`;
  return [
    `# Written by 'catwatch models export-triton': the objectron detector of ${backboneId} as catwatch runs it.`,
    '# Dims leave out the batch dimension. Re-export after upgrading catwatch: the triton backbone refuses a model',
    `# whose ${TRITON_BACKBONE_ID_PARAMETER} is not its own backbone id.`,
    `name: "${model}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${TRITON_MAX_BATCH}`,
    'input [',
    tensor(io.input.name, 'TYPE_UINT8', io.input.dims),
    ']',
    'output [',
    [io.boxes, io.logits, io.features].map((t) => tensor(t.name, 'TYPE_FP32', t.dims)).join(',\n'),
    ']',
    'dynamic_batching {',
    `  max_queue_delay_microseconds: ${MAX_QUEUE_DELAY_US}`,
    '}',
    'instance_group [',
    '  {',
    '    count: 1',
    '    kind: KIND_GPU',
    '  }',
    ']',
    'parameters {',
    `  key: "${TRITON_BACKBONE_ID_PARAMETER}"`,
    `  value: { string_value: "${backboneId}" }`,
    '}',
    '',
  ].join('\n');
}
