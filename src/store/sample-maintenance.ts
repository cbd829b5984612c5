/**
 * Keeping the sample store in shape: the disk quota, crash recovery, the integrity check and export. Each works on
 * rows and files together, in the order that keeps a kill -9 harmless (see sample-store.ts).
 */
import { constants, existsSync, statSync, unlinkSync } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { CatwatchError } from '../util/errors.js';
import { walkFiles } from './sample-files.js';
import { allRows, COLUMNS, removeSamples, toRecord, totalBytes, type IntegrityReport, type Row, type SampleRecord, type SampleState, type StoreContext } from './sample-rows.js';

const BYTES_PER_MB = 1024 * 1024;

/**
 * Deletes samples until the store holds at most quotaMb (MiB): oldest unreviewed (`mined`) first, then `rejected`
 * (useless to training). Confirmed labels are a person's work and are never deleted for space.
 */
export function enforceQuota(ctx: StoreContext, quotaMb: number): { deleted: number; freedBytes: number; totalBytes: number } {
  const limit = quotaMb * BYTES_PER_MB;
  let total = totalBytes(ctx);
  if (total <= limit) return { deleted: 0, freedBytes: 0, totalBytes: total };
  const victims: Array<Pick<Row, 'id' | 'crop_file' | 'frame_file'>> = [];
  let freed = 0;
  const candidates = ctx.db.prepare(`SELECT id, crop_file, frame_file, bytes FROM samples WHERE state IN ('mined', 'rejected')
    ORDER BY CASE state WHEN 'mined' THEN 0 ELSE 1 END, captured_at, id`);
  for (const r of candidates.iterate() as IterableIterator<Pick<Row, 'id' | 'crop_file' | 'frame_file' | 'bytes'>>) {
    if (total - freed <= limit) break;
    victims.push(r);
    freed += r.bytes;
  }
  removeSamples(ctx, victims);
  total -= freed;
  if (victims.length > 0) ctx.log.info({ deleted: victims.length, freedBytes: freed, totalBytes: total, quotaMb }, 'sample quota enforced');
  if (total > limit) ctx.log.warn({ totalBytes: total, quotaMb }, 'sample store over quota with only labelled samples left');
  return { deleted: victims.length, freedBytes: freed, totalBytes: total };
}

/** Brings files and rows back in line after a crash; run before any add, with no other writer. */
export function recoverStore(ctx: StoreContext): { tempFiles: number; orphanFiles: number; missingRows: number[] } {
  const { dataDir, samplesRoot } = ctx;
  const rows = allRows(ctx);
  const known = new Set(rows.flatMap((r) => [r.crop_file, r.frame_file]));
  let tempFiles = 0;
  let orphanFiles = 0;
  for (const file of walkFiles(samplesRoot, dataDir, false)) {
    if (file.endsWith('.tmp')) tempFiles++;
    else if (!known.has(file)) orphanFiles++;
    else continue;
    unlinkSync(join(dataDir, file));
  }
  const broken = rows.filter((r) => !existsSync(join(dataDir, r.crop_file)) || !existsSync(join(dataDir, r.frame_file)));
  removeSamples(ctx, broken);
  walkFiles(samplesRoot, dataDir, true);
  const missingRows = broken.map((r) => r.id);
  if (missingRows.length > 0) ctx.log.warn({ ids: missingRows }, 'sample rows without their files were deleted');
  if (tempFiles + orphanFiles > 0) ctx.log.info({ tempFiles, orphanFiles }, 'sample files without a row were deleted');
  return { tempFiles, orphanFiles, missingRows };
}

/** SQLite's own check plus row↔file consistency: every row's files exist with the bytes it counts, once each. */
export function checkStoreIntegrity(ctx: StoreContext): IntegrityReport {
  const { db, dataDir } = ctx;
  const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((m) => m !== 'ok');
  const referenced = new Map<string, number>();
  for (const r of allRows(ctx)) {
    let size = 0;
    for (const file of [r.crop_file, r.frame_file]) {
      const other = referenced.get(file);
      if (other !== undefined) problems.push(`sample ${r.id}: ${file} is also counted by sample ${other}`);
      referenced.set(file, r.id);
      if (existsSync(join(dataDir, file))) size += statSync(join(dataDir, file)).size;
      else problems.push(`sample ${r.id}: ${file} is missing`);
    }
    if (size !== r.bytes) problems.push(`sample ${r.id}: files hold ${size} bytes, the row counts ${r.bytes}`);
  }
  for (const file of walkFiles(ctx.samplesRoot, dataDir, false)) {
    if (file.endsWith('.tmp')) problems.push(`temp file left: ${file}`);
    else if (!referenced.has(file)) problems.push(`file without a row: ${file}`);
  }
  return { ok: problems.length === 0, problems };
}

/** A folder to export into, refused when it is a symbolic link (it would send the files elsewhere). */
async function mkdirNoLink(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  if ((await lstat(path)).isSymbolicLink()) throw new CatwatchError('E_USAGE', `${path} is a symbolic link: export into a plain folder`);
}

/**
 * Copies a sample file without following symbolic links at either end: a link planted in the data folder must not
 * export the file it points to (/etc/shadow, a key), and one planted in the export folder must not be written through.
 */
async function copyNoFollow(from: string, to: string): Promise<void> {
  const source = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ELOOP' ? new CatwatchError('E_STORE', `${from} is a symbolic link, not a sample file: not exported`) : err;
  });
  try {
    if (!(await source.stat()).isFile()) throw new CatwatchError('E_STORE', `${from} is not a regular file: not exported`);
    await writeNoFollow(to, await source.readFile());
  } finally {
    await source.close();
  }
}

async function writeNoFollow(to: string, data: Buffer | string): Promise<void> {
  const target = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ELOOP' ? new CatwatchError('E_USAGE', `${to} is a symbolic link: export into a plain folder`) : err;
  });
  try {
    await target.writeFile(data);
  } finally {
    await target.close();
  }
}

/** Copies each crop to `<dir>/<state>/<id>.jpg` and writes `<dir>/index.json` describing them. */
export async function exportSamples(ctx: StoreContext, dir: string, options: { state?: SampleState }): Promise<{ exported: number; skipped: number[] }> {
  const rows = (options.state ? ctx.db.prepare(`SELECT ${COLUMNS} FROM samples WHERE state = ? ORDER BY id`).all(options.state) : allRows(ctx)) as Row[];
  const index: Array<SampleRecord & { file: string }> = [];
  const skipped: number[] = [];
  for (const r of rows) {
    const file = `${r.state}/${r.id}.jpg`;
    await mkdirNoLink(join(dir, r.state));
    try {
      await copyNoFollow(join(ctx.dataDir, r.crop_file), join(dir, file));
    } catch (err) {
      // The service's quota may delete a sample while we copy: leave it out, say so.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      skipped.push(r.id);
      continue;
    }
    index.push({ ...toRecord(r), file });
  }
  await writeNoFollow(join(dir, 'index.json'), `${JSON.stringify({ exportedAtMs: ctx.now(), samples: index }, null, 2)}\n`);
  return { exported: index.length, skipped };
}
