/**
 * The contract every backbone in the catalogue must keep (src/model/backbone.ts), run against each of them as the
 * service builds it (resolveBackboneSpec → createBackbone). A backbone added to the catalogue without passing here
 * fails this file: the list comes from the catalogue itself.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../src/image/decode-image.js';
import type { RgbImage } from '../../src/image/image.js';
import { BACKBONE_CATALOGUE, BACKBONE_NAMES, backboneNameOfId, type BackboneName } from '../../src/model/backbone-catalogue.js';
import type { Backbone, BackboneOutput } from '../../src/model/backbone.js';
import { installedModelPath } from '../../src/model/model-catalog.js';
import { parseConfig } from '../../src/config/load-config.js';
import { resolveBackboneSpec } from '../../src/score/backbone-spec.js';
import { createBackbone } from '../../src/score/create-backbone.js';
import { silentLogger } from '../../src/util/log.js';
import { fixturesDir, modelsMirrorDir, skipWithoutShared } from '../helpers/paths.js';

const dataDir = mkdtempSync(join(tmpdir(), 'cw-conf-'));

/** The service's own way to a backbone; pulled models come from the shared mirror. */
async function build(name: BackboneName): Promise<Backbone> {
  const entry = BACKBONE_CATALOGUE[name];
  if (entry.source.kind === 'pull') {
    const target = installedModelPath(dataDir, entry.source.pullName);
    mkdirSync(join(dataDir, 'backbones'), { recursive: true });
    symlinkSync(join(modelsMirrorDir, `${entry.source.pullName}.onnx`), target);
  }
  const config = parseConfig({ model: { backbone: name, runtime: 'cpu' } }, { baseDir: dataDir, env: {} });
  return createBackbone(resolveBackboneSpec(config.model, dataDir), silentLogger());
}

function grey(width: number, height: number, level: number): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(level), width, height };
}

function closeTo(a: Float32Array, b: Float32Array, tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tolerance * (1 + Math.abs(v)));
}

after(() => rmSync(dataDir, { recursive: true, force: true }));

for (const name of BACKBONE_NAMES) {
  const needsShared = BACKBONE_CATALOGUE[name].source.kind === 'pull';
  describe(`backbone ${name} keeps the Backbone contract`, { skip: needsShared ? skipWithoutShared() : false }, () => {
    let backbone: Backbone;
    let cat: RgbImage;
    before(async () => {
      backbone = await build(name);
      cat = await decodeImage(join(fixturesDir, 'chelsea.png'));
    });
    after(() => backbone?.close());

    test('is the catalogue entry it was built from', () => {
      assert.equal(backboneNameOfId(backbone.id), name, backbone.id);
      assert.ok(backbone.runtime.length > 0);
      assert.ok(backbone.embeddingDim > 0);
    });

    test('one finite embedding of embeddingDim per image, in input order, for any image size', async () => {
      const images = [cat, grey(17, 9, 40), grey(1920, 1080, 200), grey(1, 1, 128)];
      const outputs = await backbone.embed(images);
      assert.equal(outputs.length, images.length);
      for (const out of outputs) {
        assert.equal(out.embedding.length, backbone.embeddingDim);
        assert.ok(out.embedding.every(Number.isFinite));
        if (backbone.hasPrior) assert.ok(out.prior !== undefined && out.prior >= 0 && out.prior <= 1, `prior ${out.prior}`);
        if (out.box) for (const v of [out.box.x, out.box.y, out.box.w, out.box.h]) assert.ok(v >= 0 && v <= 1, JSON.stringify(out.box));
      }
      assert.deepEqual(await backbone.embed([]), []);
    });

    test('a batch gives what single calls give (order kept, no leak between images), and twice the same', async () => {
      const batch = await backbone.embed([grey(64, 64, 30), cat]);
      const single: BackboneOutput[] = [...(await backbone.embed([grey(64, 64, 30)])), ...(await backbone.embed([cat]))];
      for (let i = 0; i < 2; i++) assert.ok(closeTo(batch[i].embedding, single[i].embedding, 1e-3), `image ${i}`);
      assert.ok(!closeTo(batch[0].embedding, batch[1].embedding, 1e-3), 'different images, different embeddings');
    });

    test('the prior ranks a cat photo above a plain grey picture', async (t) => {
      if (!backbone.hasPrior) {
        t.skip('this backbone has no prior');
        return;
      }
      const [onCat, onGrey] = await backbone.embed([cat, grey(300, 300, 128)]);
      assert.ok((onCat.prior ?? 0) > (onGrey.prior ?? 1), `cat ${onCat.prior} vs grey ${onGrey.prior}`);
    });
  });
}
