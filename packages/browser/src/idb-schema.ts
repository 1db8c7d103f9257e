/**
 * The IndexedDB database behind one Vesper database: its versioned schema and the upgrade
 * ladder. One IndexedDB database per Vesper database holds the catalog (Milvus's etcd), the
 * WAL (msgstream) and, for `idb://` databases, the files (MinIO) — each adapter opens its
 * own connection to it.
 *
 * Schema v1:
 *   meta         key: string                → { value: string, version: number }
 *   walChannels  key: channel               → { lastLsn: number }  (kept across truncate)
 *   wal          key: [channel, lsn]        → payload: Uint8Array (v3: or a Blob of it, see below)
 *   objects      key: object key            → bytes: Uint8Array (v4: or a Blob of them, see below)
 *   objectSizes  key: object key            → size: number (listings never load bytes)
 * v2 adds:
 *   requests     key: write request id       → { at: ms, response?: the write's response }
 *                (written in the WAL append's own transaction: the dedupe log of retries)
 * v3 changes no store: WAL payloads over 64 KiB may be stored as Blobs (idb-wal.ts). The
 *   version bump makes older code, which would misread a Blob payload, refuse to open.
 * v4 changes no store: objects over 64 KiB are stored as Blobs (idb-object-store.ts), so a
 *   range read slices the Blob and reads only that range; objects written as bytes still read.
 *
 * Migrations only add: a new version appends a step to `MIGRATIONS`, never edits an old one.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { guard } from './storage-errors.ts';

export interface VesperIdbSchema extends DBSchema {
  meta: { key: string; value: { value: string; version: number } };
  walChannels: { key: string; value: { lastLsn: number } };
  wal: { key: [string, number]; value: Uint8Array | Blob };
  objects: { key: string; value: Uint8Array | Blob };
  objectSizes: { key: string; value: number };
  requests: { key: string; value: { at: number; response?: unknown } };
}

export type VesperIdb = IDBPDatabase<VesperIdbSchema>;

type Migration = (db: VesperIdb) => void;

const MIGRATIONS: readonly Migration[] = [
  // v1
  (db) => {
    db.createObjectStore('meta');
    db.createObjectStore('walChannels');
    db.createObjectStore('wal');
    db.createObjectStore('objects');
    db.createObjectStore('objectSizes');
  },
  // v2
  (db) => {
    db.createObjectStore('requests');
  },
  // v3: WAL payloads may be Blobs (no store changes)
  () => undefined,
  // v4: objects may be Blobs (no store changes)
  () => undefined,
];

/** The schema version this code writes. */
export const IDB_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating or upgrading) the IndexedDB database `name`. The connection closes itself
 * when another context upgrades or deletes the database, instead of blocking it forever.
 * @throws IO_FAILED / RESOURCE_EXHAUSTED when IndexedDB refuses.
 */
export function openVesperIdb(name: string): Promise<VesperIdb> {
  return guard(`opening IndexedDB database ${JSON.stringify(name)}`, async () => {
    const db: VesperIdb = await openDB<VesperIdbSchema>(name, IDB_SCHEMA_VERSION, {
      upgrade(upgrading, oldVersion) {
        for (let v = oldVersion; v < MIGRATIONS.length; v++) MIGRATIONS[v]!(upgrading);
      },
      blocking() {
        db.close();
      },
    });
    return db;
  });
}

/** Write transactions that acknowledge durable data ask for a flushed commit. */
export const DURABLE: { durability: 'strict' } = { durability: 'strict' };
