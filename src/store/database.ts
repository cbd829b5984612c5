/**
 * The SQLite database in `dataDir/catwatch.db` (better-sqlite3, WAL): sample metadata and label states, the MQTT
 * outbox. WAL + synchronous=NORMAL keeps every committed transaction after a kill -9 (only an OS crash can lose the
 * last ones), and each stage owns its tables through the migrations below.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

const MIGRATIONS: readonly string[] = [
  // 1: the MQTT outbox (events survive a broker outage and a restart).
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     topic TEXT NOT NULL,
     payload BLOB NOT NULL,
     qos INTEGER NOT NULL,
     retain INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  // 2: mined samples and their label state.
  `CREATE TABLE samples (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     camera TEXT NOT NULL,
     captured_at INTEGER NOT NULL,
     score REAL NOT NULL,
     reason TEXT NOT NULL,
     model_version TEXT,
     phash TEXT NOT NULL,
     crop_file TEXT NOT NULL,
     frame_file TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     embedding BLOB,
     backbone_id TEXT,
     state TEXT NOT NULL DEFAULT 'mined' CHECK (state IN ('mined','negative','positive','rejected')),
     labelled_at INTEGER
   );
   CREATE INDEX samples_camera_time ON samples(camera, captured_at);
   CREATE INDEX samples_state ON samples(state)`,
  // 3: training runs (for minNewSamples and the audit trail).
  `CREATE TABLE train_runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at INTEGER NOT NULL,
     finished_at INTEGER,
     reason TEXT NOT NULL,
     outcome TEXT,
     version TEXT,
     max_sample_id INTEGER NOT NULL DEFAULT 0
   )`,
  // 4: what a sample's score was made of and where: the backbone's prior (with the embedding, any later model can
  // score the sample again without its image) and the box (JSON NormBox in the frame). Older rows: NULL.
  `ALTER TABLE samples ADD COLUMN prior REAL;
   ALTER TABLE samples ADD COLUMN box TEXT`,
  // 5: the event history (the web UI's /events), with the best snapshot's file under dataDir/events.
  `CREATE TABLE events (
     id TEXT PRIMARY KEY,
     camera TEXT NOT NULL,
     label TEXT NOT NULL,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER,
     top_score REAL NOT NULL,
     box TEXT,
     model_version TEXT,
     snapshot_file TEXT,
     snapshot_bytes INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX events_camera_start ON events(camera, start_ms);
   CREATE INDEX events_start ON events(start_ms)`,
];

export function openDatabase(dataDir: string, fileName = 'catwatch.db'): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Brings the schema up to date. The service and a CLI command (`samples list` while the service starts) can open a
 * fresh database at the same moment: each step takes the write lock first (BEGIN IMMEDIATE) and reads the version
 * under it, so the second process sees the first one's work instead of creating the same table again.
 */
function migrate(db: Db): void {
  const step = db.transaction((): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= MIGRATIONS.length) return false;
    db.exec(MIGRATIONS[version]);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction, until none is left
  }
}

/** The database as a stage: opened when the pipeline is built (everything else prepares statements on it), closed last. */
export function createDatabaseStage(db: Db) {
  return { name: 'database', critical: true, start: () => undefined, stop: () => void db.close() };
}
