import { randomBytes, randomUUID } from 'node:crypto';
import { forSystem } from '../tenancy/tenant-context';
import { inspect, stripVTControlCharacters } from 'node:util';
import { defineEntity, p, wrap } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { withPgClient } from '../../infra/local/pg-client';
import {
  createKeyring,
  decryptField,
  FieldEncryptionError,
  keyedHash,
  maskLast4,
  type TKeyringConfig,
} from '../../lib/crypto/field-encryption';
import { generateKeyring } from '../../lib/crypto/keyring-config';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { createTestDatabase, dropTestDatabase } from '../../tests/support/databases';
import { EncryptedStringType } from './encrypted-string.type';
import { FieldKeyringNotSetError, setFieldKeyring } from './field-keyring';
import {
  findEncryptedColumns,
  readStaleValues,
  reencryptFields,
  rewriteStaleValues,
} from './reencrypt-fields';

/** A test-only entity, so these tests do not wait for the real entities' encrypted columns. */
const SecretNote = defineEntity({
  name: 'SecretNote',
  tableName: 'secret_note',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    label: p.string(),
    taxId: p.type(EncryptedStringType),
    taxIdHash: p.string().length(64),
    bankAccount: p.type(EncryptedStringType).nullable(),
  },
});

const createTable = `CREATE TABLE secret_note (
  id uuid PRIMARY KEY,
  label varchar(255) NOT NULL,
  tax_id text NOT NULL,
  tax_id_hash varchar(64) NOT NULL,
  bank_account text
)`;

const configA: TKeyringConfig = generateKeyring('k-a');
const keyringA = createKeyring(configA);
/** Rotation: key B added and active, A kept for what is not re-encrypted yet, the same hash key. */
const configAB: TKeyringConfig = {
  ...configA,
  activeKeyId: 'k-b',
  keys: { ...configA.keys, 'k-b': randomBytes(32).toString('base64') },
};
const keyringAB = createKeyring(configAB);
const keyringB = createKeyring({ ...configAB, keys: { 'k-b': configAB.keys['k-b'] ?? '' } });

let url: string;
let orm: MikroORM;
/** Every line MikroORM logs, with query parameters. */
const queryLog: string[] = [];

beforeAll(async () => {
  url = await createTestDatabase('encrypted_string');
  await withPgClient(url, (client) => client.query(createTable));
  orm = await MikroORM.init({
    clientUrl: url,
    entities: [SecretNote],
    allowGlobalContext: false,
    pool: { max: 4 },
    debug: ['query', 'query-params'],
    logger: (message) => queryLog.push(stripVTControlCharacters(message)),
  });
});

afterAll(async () => {
  await orm?.close(true);
  if (url) await dropTestDatabase(url);
});

beforeEach(async () => {
  setFieldKeyring(keyringA);
  queryLog.length = 0;
  await withPgClient(url, (client) => client.query('TRUNCATE secret_note'));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const ssn = '123-45-6789';

async function createNote(taxId: string, bankAccount: string | null = null): Promise<string> {
  const em = forSystem(orm, 'test assertions');
  const note = em.create(SecretNote, {
    label: 'note',
    taxId: new SensitiveString(taxId),
    taxIdHash: keyedHash(taxId, keyringA, 'client.tax_id'),
    bankAccount: bankAccount === null ? null : new SensitiveString(bankAccount),
  });
  await em.flush();
  return note.id;
}

async function rawRows(): Promise<{ id: string; tax_id: string; bank_account: string | null }[]> {
  return withPgClient(url, async (client) => {
    const result = await client.query<{ id: string; tax_id: string; bank_account: string | null }>(
      'SELECT id, tax_id, bank_account FROM secret_note ORDER BY id',
    );
    return result.rows;
  });
}

const updates = () => queryLog.filter((line) => line.startsWith('[query] update '));

describe('EncryptedStringType', () => {
  it('stores only ciphertext under the active key and reads the value back', async () => {
    const id = await createNote(ssn, '000123456789');
    const [row] = await rawRows();
    expect(row?.tax_id).toMatch(/^enc:v1:k-a:/);
    expect(row?.bank_account).toMatch(/^enc:v1:k-a:/);
    expect(JSON.stringify(row)).not.toContain('6789');

    const note = await forSystem(orm, 'test assertions').findOneOrFail(SecretNote, id);
    expect(note.taxId).toBeInstanceOf(SensitiveString);
    expect(note.taxId.reveal()).toBe(ssn);
    expect(note.bankAccount?.reveal()).toBe('000123456789');
    expect(maskLast4(note.taxId)).toBe('•••-••-6789');
  });

  it('encrypts each column under its own context, so a value copied to another column does not decrypt', async () => {
    const id = await createNote(ssn);
    await withPgClient(url, (client) => client.query('UPDATE secret_note SET bank_account = tax_id'));
    const failure = await orm.em
      .fork()
      .findOneOrFail(SecretNote, id)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FieldEncryptionError);
    expect((failure as FieldEncryptionError).message).toContain(
      'ciphertext failed authentication for secret_note.bank_account',
    );
  });

  it('writes nothing on flush when a value is unchanged, even when assigned anew', async () => {
    const id = await createNote(ssn);
    const em = forSystem(orm, 'test assertions');
    const note = await em.findOneOrFail(SecretNote, id);
    const [before] = await rawRows();
    queryLog.length = 0;

    await em.flush();
    note.taxId = new SensitiveString(ssn);
    await em.flush();
    note.label = 'renamed';
    await em.flush();
    expect(updates()).toHaveLength(1);
    expect(updates()[0]).not.toContain('tax_id"');
    expect((await rawRows())[0]?.tax_id).toBe(before?.tax_id);

    note.taxId = new SensitiveString('987-65-4321');
    await em.flush();
    await em.flush();
    expect(updates()).toHaveLength(2);
    const [after] = await rawRows();
    expect(after?.tax_id).not.toBe(before?.tax_id);
    expect(decryptField(after?.tax_id ?? '', keyringA, 'secret_note.tax_id').reveal()).toBe('987-65-4321');
  });

  it('writes nothing on a second flush of a new entity', async () => {
    const em = forSystem(orm, 'test assertions');
    em.create(SecretNote, {
      label: 'new',
      taxId: new SensitiveString(ssn),
      taxIdHash: keyedHash(ssn, keyringA, 'client.tax_id'),
    });
    await em.flush();
    await em.flush();
    expect(updates()).toHaveLength(0);
  });

  it('refuses to search by value and finds by the keyed hash instead', async () => {
    const id = await createNote(ssn);
    const em = forSystem(orm, 'test assertions');
    await expect(em.find(SecretNote, { taxId: new SensitiveString(ssn) })).rejects.toThrow(
      'SecretNote.taxId is encrypted and cannot be searched by value',
    );
    const found = await em.find(SecretNote, { taxIdHash: keyedHash('123456789', keyringA, 'client.tax_id') });
    expect(found.map((note) => note.id)).toEqual([id]);
  });

  it('refuses a plain string, so a value is never stored unencrypted by mistake', async () => {
    const em = forSystem(orm, 'test assertions');
    em.create(SecretNote, {
      label: 'plain',
      taxId: ssn as unknown as SensitiveString,
      taxIdHash: keyedHash(ssn, keyringA, 'client.tax_id'),
    });
    await expect(em.flush()).rejects.toThrow('SecretNote.taxId takes a SensitiveString');
    expect(await rawRows()).toEqual([]);
  });

  it('fails clearly when the process has no keyring', async () => {
    const id = await createNote(ssn);
    setFieldKeyring(undefined);
    await expect(forSystem(orm, 'test assertions').findOneOrFail(SecretNote, id)).rejects.toBeInstanceOf(
      FieldKeyringNotSetError,
    );
  });

  it('never logs the value: console, util.inspect, JSON.stringify, toObject and the SQL log', async () => {
    const id = await createNote(ssn, '000123456789');
    const em = forSystem(orm, 'test assertions');
    const note = await em.findOneOrFail(SecretNote, id);
    note.bankAccount = new SensitiveString('000555556789');
    await em.flush();

    const printed: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(
          args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '),
        );
      });
    }
    console.log(note);
    console.error('could not file for', note.taxId);
    console.info({ notes: [note] });
    const rendered = [
      ...printed,
      inspect(note, { depth: 10 }),
      inspect(note, { depth: 10, showHidden: true }),
      JSON.stringify(note),
      JSON.stringify(wrap(note).toObject()),
      JSON.stringify(wrap(note).toPOJO()),
      ...queryLog,
    ];
    expect(rendered.join('\n')).toContain('[redacted]');
    expect(queryLog.some((line) => line.includes('insert into "secret_note"'))).toBe(true);
    expect(
      queryLog.some((line) => line.includes('update "secret_note" set "bank_account" = \'enc:v1:')),
    ).toBe(true);
    for (const text of rendered) {
      expect(text).not.toContain('6789');
      expect(text).not.toContain('123-45');
    }
  });
});

describe('reencryptFields', () => {
  it('finds every encrypted column from the ORM metadata', () => {
    expect(findEncryptedColumns(orm)).toEqual([
      expect.objectContaining({
        table: 'secret_note',
        column: 'tax_id',
        primaryKey: 'id',
        context: 'secret_note.tax_id',
      }),
      expect.objectContaining({ column: 'bank_account', context: 'secret_note.bank_account' }),
    ]);
  });

  it('moves every value to the new key in batches, keeps app writes made between batches, and is idempotent', async () => {
    const values = ['111-11-1111', '222-22-2222', '333-33-3333', '444-44-4444', '555-55-5555'];
    const expected = new Map<string, string>();
    const expectedAccounts = new Map<string, string | null>();
    for (const [index, value] of values.entries()) {
      const account = index === 0 ? null : `acct-${value}`;
      const id = await createNote(value, account);
      expected.set(id, value);
      expectedAccounts.set(id, account);
    }
    const lastId = [...expected.keys()].sort().at(-1) ?? '';

    // Rotation: every process now has key B active (and still A), then the command runs.
    setFieldKeyring(keyringAB);
    const batches: number[] = [];
    const result = await reencryptFields(orm, keyringAB, {
      batchSize: 2,
      onBatch: async ({ column, rewritten }) => {
        batches.push(rewritten);
        if (column.column === 'tax_id' && batches.length === 1) {
          // The app changes a row that a later batch has not reached yet.
          const em = forSystem(orm, 'test assertions');
          const note = await em.findOneOrFail(SecretNote, lastId);
          note.taxId = new SensitiveString('999-99-9999');
          await em.flush();
          expected.set(lastId, '999-99-9999');
        }
      },
    });

    // tax_id: 5 rows, one rewritten by the app under key B; bank_account: 4 rows.
    expect(result.rewritten).toBe(4 + 4);
    expect(result.remaining).toBe(0);
    expect(batches).toEqual([2, 4, 2, 4]);
    const rows = await rawRows();
    for (const row of rows) {
      expect(row.tax_id).toMatch(/^enc:v1:k-b:/);
      if (row.bank_account !== null) expect(row.bank_account).toMatch(/^enc:v1:k-b:/);
    }

    // Key A can go: everything reads with key B alone, including the app's write.
    setFieldKeyring(keyringB);
    const notes = await forSystem(orm, 'test assertions').find(SecretNote, {});
    expect(new Map(notes.map((note) => [note.id, note.taxId.reveal()]))).toEqual(expected);
    expect(new Map(notes.map((note) => [note.id, note.bankAccount?.reveal() ?? null]))).toEqual(
      expectedAccounts,
    );

    // The keyed hashes were not touched and still find the rows.
    const hash = keyedHash(values[1] ?? '', keyringB, 'client.tax_id');
    expect(await forSystem(orm, 'test assertions').count(SecretNote, { taxIdHash: hash })).toBe(1);

    const again = await reencryptFields(orm, keyringAB, { batchSize: 2 });
    expect([again.rewritten, again.remaining]).toEqual([0, 0]);
    expect(await rawRows()).toEqual(rows);
  });

  it('leaves a row alone that the app changed after it was read, and picks it up on the next run', async () => {
    for (const value of ['111-11-1111', '222-22-2222', '333-33-3333']) await createNote(value);
    const [column] = findEncryptedColumns(orm).filter((c) => c.column === 'tax_id');
    if (!column) throw new Error('tax_id column not found');
    const em = forSystem(orm, 'test assertions');
    const stale = await readStaleValues(em, column, keyringAB, undefined, 10);
    expect(stale).toHaveLength(3);

    // A process still on the old configuration (key A active) writes between the read and the rewrite.
    const raced = stale[1]?.id ?? '';
    const appEm = forSystem(orm, 'test assertions');
    const note = await appEm.findOneOrFail(SecretNote, raced);
    note.taxId = new SensitiveString('777-77-7777');
    await appEm.flush();

    expect(await rewriteStaleValues(em, column, keyringAB, stale)).toEqual({
      rewritten: 2,
      changedConcurrently: 1,
    });
    setFieldKeyring(keyringAB);
    const reread = await forSystem(orm, 'test assertions').findOneOrFail(SecretNote, raced);
    expect(reread.taxId.reveal()).toBe('777-77-7777');

    const next = await reencryptFields(orm, keyringAB);
    expect([next.rewritten, next.remaining]).toEqual([1, 0]);
    expect((await forSystem(orm, 'test assertions').findOneOrFail(SecretNote, raced)).taxId.reveal()).toBe(
      '777-77-7777',
    );
  });

  it('stops at a value whose key is gone, naming the row and the key but not the value', async () => {
    const id = await createNote(ssn);
    const error = await reencryptFields(orm, keyringB).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(FieldEncryptionError);
    const message = (error as FieldEncryptionError).message;
    expect(message).toContain(`secret_note.tax_id row ${id}`);
    expect(message).toContain('"k-a"');
    expect(message).not.toContain('6789');
  });
});
