/**
 * Embedding cache keyed by (backbone id, image content key): retraining never re-embeds an unchanged image. The key
 * is the sha256 of the file's bytes (plus the augmentation variant, or the seed of a synthetic image), so renaming
 * or moving photos costs nothing either. Stored in its own SQLite file so it can be deleted freely.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface CachedEmbedding { embedding: Float32Array; prior?: number }

export interface EmbeddingCache {
  get(backboneId: string, key: string): CachedEmbedding | undefined;
  put(backboneId: string, key: string, value: CachedEmbedding): void;
  size(backboneId: string): number;
  close(): void;
}

export function openEmbeddingCache(dataDir: string): EmbeddingCache {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'embeddings.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS embeddings (
    backbone_id TEXT NOT NULL, key TEXT NOT NULL, embedding BLOB NOT NULL, prior REAL,
    PRIMARY KEY (backbone_id, key)) WITHOUT ROWID`);
  const get = db.prepare('SELECT embedding, prior FROM embeddings WHERE backbone_id = ? AND key = ?');
  const put = db.prepare('INSERT OR REPLACE INTO embeddings (backbone_id, key, embedding, prior) VALUES (?, ?, ?, ?)');
  const count = db.prepare('SELECT COUNT(*) AS n FROM embeddings WHERE backbone_id = ?');
  return {
    get(backboneId, key) {
      const row = get.get(backboneId, key) as { embedding: Buffer; prior: number | null } | undefined;
      if (!row) return undefined;
      // Copy out of the row buffer (it is not guaranteed to be 4-byte aligned).
      const embedding = new Float32Array(row.embedding.byteLength / 4);
      new Uint8Array(embedding.buffer).set(row.embedding);
      return row.prior === null ? { embedding } : { embedding, prior: row.prior };
    },
    put(backboneId, key, value) {
      put.run(backboneId, key, Buffer.from(value.embedding.buffer, value.embedding.byteOffset, value.embedding.byteLength), value.prior ?? null);
    },
    size: (backboneId) => (count.get(backboneId) as { n: number }).n,
    close: () => db.close(),
  };
}
