/**
 * Import directions, written once: src/ folders from the bottom (shared kinds) up the pipeline to the wiring.
 * A folder may import only folders below it. `npm run lint` runs this.
 */
const LAYERS = [
  ['util'], // logging, errors, the Stage contract: no catwatch imports
  ['image'], // RgbImage, boxes, decode, resize, crop
  ['model'], // the backbone catalogue, the Backbone interface, the target model (head, basis, guard, combiner)
  ['config'], // the schema, loading, the config store
  ['store'], // the database and the sample store
  ['registry'], // model versions on disk
  ['publish'], // MQTT transport: broker, publisher, outbox, topics
  ['ingest'], // cameras → frames
  ['motion'], // frames → regions
  ['score'], // regions → scores (backbones, pool)
  ['events'], // scores → events
  ['mine'], // scores → hard negatives
  ['train'], // samples → new model versions
  ['fleet'], // many nodes: samples to a shared bucket, one trainer, a signed model pointer
  ['replay'], // recorded clips through the pipeline code, with figures
  ['report'], // stats and discovery messages
  ['web'], // health, metrics, HTTP, watchdog
  ['service', 'main.ts'], // stage runner, control bus, the wiring
  ['cli'], // commands
];

const pattern = (folders) => `^src/(${folders.map((f) => f.replace('.', '\\.')).join('|')})(/|$)`;

module.exports = {
  forbidden: [
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `no-upward-import-from-${layer[0]}`,
      comment: `${layer.join(', ')} may import only layers below it (see LAYERS in .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: pattern(layer) },
      to: { path: pattern(LAYERS.slice(i + 1).flat()) },
    })),
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypes: ['local', 'import', 'export', 'type-only'] },
    },
    {
      name: 'src-not-from-test-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
