/**
 * The model registry: `dataDir/models/<version>/{manifest.json, head.json}` and a `current` file naming the version
 * in use. A version folder is written under a temporary name and renamed into place; `current` is replaced by an
 * atomic rename. A crash at any point therefore leaves the previous version current and intact. When nothing was
 * trained yet, the bundled default model (shipped in the package under `models/`) is used.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CatwatchError } from '../util/errors.js';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { isManifest, type ModelManifest, type ModelVersion } from '../model/manifest.js';

export type { ModelVersion } from '../model/manifest.js';

export interface Registry {
  list(): ModelManifest[];
  currentVersion(): string | undefined;
  load(version: string): ModelVersion;
  /** The current version, else the bundled default for `backboneId`. */
  loadCurrent(backboneId: string): ModelVersion;
  /** The bundled default for `backboneId`, if the package ships one. */
  bundled(backboneId: string): ModelVersion | undefined;
  /** Saves a new version (atomically: all files or none); `extraFiles` are written next to it (e.g. report.html). */
  save(manifest: ModelManifest, head: unknown, extraFiles?: Record<string, string>): string;
  /** A file saved with a version (`extraFiles`), if there is one. */
  versionFile(version: string, name: string): string | undefined;
  use(version: string): void;
  /** The version before the current one (by creation time): what rollback() would make current. */
  previousVersion(): string | undefined;
  /** Makes the version before the current one (by creation time) current; returns it. */
  rollback(): string;
  newVersionId(now?: Date): string;
}

function readVersion(dir: string, bundled: boolean): ModelVersion {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const head: unknown = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8'));
    if (!isManifest(manifest)) throw new Error('manifest.json lacks version, threshold or backbone');
    return { manifest, head, dir, bundled };
  } catch (err) {
    throw new CatwatchError('E_MODEL_INVALID', `model in ${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/** The versions in the registry: folders with a manifest (temp folders of a save in progress start with a dot). */
function versionDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && existsSync(join(root, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort();
}

/** A file saved next to a version (a name, never a path: anything else reads nothing). */
function isVersionName(version: string): boolean {
  return /^[\w.-]{1,64}$/.test(version) && !version.startsWith('.');
}

function readVersionFile(root: string, version: string, name: string): string | undefined {
  if (!isVersionName(version)) return undefined;
  const file = join(root, version, basename(name));
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export function createRegistry(deps: { dataDir: string; bundledDir: string }): Registry {
  const root = join(deps.dataDir, 'models');
  const currentFile = join(root, 'current');

  const versions = (): string[] => versionDirs(root);

  const registry: Registry = {
    list() {
      return versions().flatMap((v) => {
        try {
          return [readVersion(join(root, v), false).manifest];
        } catch {
          return [];
        }
      });
    },
    currentVersion() {
      if (!existsSync(currentFile)) return undefined;
      const v = readFileSync(currentFile, 'utf8').trim();
      return v === '' ? undefined : v;
    },
    load(version) {
      // A version is a folder name, never a path: `models use ../..` must not reach outside the registry.
      if (!isVersionName(version)) throw new CatwatchError('E_MODEL_MISSING', `${JSON.stringify(version)} is not a model version name`);
      const dir = join(root, version);
      if (!existsSync(dir)) {
        const known = versions();
        throw new CatwatchError('E_MODEL_MISSING', `model version ${version} not found; known: ${known.length ? known.join(', ') : 'none'}`);
      }
      return readVersion(dir, false);
    },
    loadCurrent(backboneId) {
      const current = registry.currentVersion();
      if (current) {
        const model = registry.load(current);
        if (model.manifest.backbone.id === backboneId) return model;
      }
      const bundled = registry.bundled(backboneId);
      if (!bundled) throw new CatwatchError('E_MODEL_MISSING', `no trained model for backbone ${backboneId}: run 'catwatch train' or choose another model.backbone`);
      return bundled;
    },
    bundled: (backboneId) => readBundled(deps.bundledDir, backboneId),
    save(manifest, head, extraFiles = {}) {
      mkdirSync(root, { recursive: true });
      const finalDir = join(root, manifest.version);
      if (existsSync(finalDir)) throw new CatwatchError('E_MODEL_INVALID', `model version ${manifest.version} already exists`);
      const tmpDir = join(root, `.tmp-${manifest.version}`);
      rmSync(tmpDir, { recursive: true, force: true });
      mkdirSync(tmpDir);
      writeFileAtomic(join(tmpDir, 'head.json'), JSON.stringify(head));
      for (const [name, content] of Object.entries(extraFiles)) writeFileAtomic(join(tmpDir, basename(name)), content);
      writeFileAtomic(join(tmpDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      renameSync(tmpDir, finalDir);
      fsyncDir(root);
      return manifest.version;
    },
    versionFile: (version, name) => readVersionFile(root, version, name),
    use(version) {
      registry.load(version);
      writeFileAtomic(currentFile, `${version}\n`);
    },
    previousVersion() {
      const current = registry.currentVersion();
      const all = registry.list().sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.version.localeCompare(b.version));
      const idx = all.findIndex((m) => m.version === current);
      return idx > 0 ? all[idx - 1].version : undefined;
    },
    rollback() {
      const current = registry.currentVersion();
      const previous = registry.previousVersion();
      if (!previous) throw new CatwatchError('E_MODEL_MISSING', current ? `no version older than ${current} to roll back to` : 'no current version to roll back from');
      registry.use(previous);
      return previous;
    },
    newVersionId(now = new Date()) {
      const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      let id = stamp;
      for (let n = 2; existsSync(join(root, id)); n++) id = `${stamp}-${n}`;
      return id;
    },
  };
  return registry;
}

/** The bundled default of a backbone: `<bundledDir>/<backbone id with unsafe characters as _>/`. */
function readBundled(bundledDir: string, backboneId: string): ModelVersion | undefined {
  const dir = join(bundledDir, backboneId.replace(/[^a-z0-9.-]+/gi, '_'));
  return existsSync(join(dir, 'manifest.json')) ? readVersion(dir, true) : undefined;
}

/** Removes temp folders left by a crash mid-save (never touches complete versions). */
export function cleanRegistryTemp(dataDir: string): void {
  const root = join(dataDir, 'models');
  if (!existsSync(root)) return;
  for (const d of readdirSync(root)) if (d.startsWith('.tmp-')) rmSync(join(root, d), { recursive: true, force: true });
}
