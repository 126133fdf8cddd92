/**
 * The org's records, in memory. Every write goes through a Transaction: changes are staged on
 * copies, and only commit() makes them visible and emits their change events, so an all-or-none
 * request that fails is simply never committed.
 */
import { buildChangeRecords, type ChangeRecord, type PendingChange } from './changes.ts';
import { SfError } from './errors.ts';
import type { IdGenerator } from './ids.ts';
import type { FieldDef, ObjectDef, Schema } from './schema.ts';
import { sameValue, toCdc, truncateToSecond } from './values.ts';

export interface StoredRecord {
  type: string;
  /** Canonical field name → stored value; always has Id, IsDeleted and the audit fields. */
  values: Record<string, unknown>;
  deletedAt?: number;
}

/** A value that becomes the inserted record's own id. */
export const SELF_ID: unique symbol = Symbol('self id');
/** A value computed at insert from the new record's id (like SELF_ID, for keys derived from it). */
export class FromNewId {
  constructor(readonly make: (id: string) => unknown) {}
}

/** Deleted records stay queryable (queryAll) this long, as in the Recycle Bin. */
const RECYCLE_BIN_MS = 15 * 24 * 3600_000;
/** Fields a change event never carries. */
const NOT_IN_EVENTS = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

export class OrgStore {
  private records = new Map<string, StoredRecord>();
  private order = new Map<string, string[]>();
  /** Ids in the Recycle Bin, so purging does not walk every record. */
  private deleted = new Set<string>();
  private commitCounter = 1_000_000_000_000;
  /** Incremented per AutoNumber field, as each has its own sequence. */
  readonly autoNumbers = new Map<string, number>();

  constructor(
    readonly schema: Schema,
    readonly ids: IdGenerator,
    readonly now: () => number,
    private readonly emit: (records: ChangeRecord[]) => void,
  ) {}

  get(id: string): StoredRecord | undefined {
    return this.records.get(id);
  }

  /** Records of one object in creation order; deleted ones only when asked (queryAll). */
  list(type: string, includeDeleted = false): StoredRecord[] {
    this.purge();
    const out: StoredRecord[] = [];
    for (const id of this.order.get(type) ?? []) {
      const r = this.records.get(id);
      if (r && (includeDeleted || !r.values['IsDeleted'])) out.push(r);
    }
    return out;
  }

  begin(userId: string, changeOrigin: string): Transaction {
    return new Transaction(this, userId, changeOrigin);
  }

  /** Called by Transaction.commit only. */
  apply(tx: Transaction, staged: Map<string, StoredRecord>, created: string[], pending: PendingChange[]): void {
    for (const [id, rec] of staged) {
      this.records.set(id, rec);
      if (rec.deletedAt !== undefined) this.deleted.add(id);
    }
    for (const id of created) {
      const type = staged.get(id)?.type;
      if (!type) continue;
      const list = this.order.get(type) ?? [];
      list.push(id);
      this.order.set(type, list);
    }
    if (!pending.length) return;
    this.emit(
      buildChangeRecords(pending, {
        commitUser: tx.userId,
        commitTimestamp: this.now(),
        commitNumber: this.commitCounter++,
        changeOrigin: tx.changeOrigin,
      }),
    );
  }

  private purge(): void {
    const cutoff = this.now() - RECYCLE_BIN_MS;
    for (const id of this.deleted) {
      const r = this.records.get(id);
      if (r?.deletedAt !== undefined && r.deletedAt >= cutoff) continue;
      this.records.delete(id);
      this.deleted.delete(id);
    }
  }
}

export class Transaction {
  private staged = new Map<string, StoredRecord>();
  private created: string[] = [];
  private pending: PendingChange[] = [];
  private committed = false;
  /** Record timestamps are whole seconds, as Salesforce stores them. */
  readonly timestamp: number;

  constructor(
    private readonly store: OrgStore,
    readonly userId: string,
    readonly changeOrigin: string,
  ) {
    this.timestamp = truncateToSecond(store.now());
  }

  get schema(): Schema {
    return this.store.schema;
  }

  /** Reads through staged changes. */
  get(id: string): StoredRecord | undefined {
    return this.staged.get(id) ?? this.store.get(id);
  }

  /** Live records of a type, as this transaction sees them. */
  list(type: string): StoredRecord[] {
    const out = this.store.list(type).map((r) => this.staged.get(r.values['Id'] as string) ?? r);
    for (const id of this.created) {
      const r = this.staged.get(id);
      if (r && r.type === type) out.push(r);
    }
    return out.filter((r) => !r.values['IsDeleted']);
  }

  /** Inserts validated values; returns the new id (`presetId` only for the org's own bootstrap records). */
  insert(def: ObjectDef, values: Record<string, unknown>, presetId?: string): string {
    const id = presetId ?? this.store.ids.id(def.keyPrefix);
    const rec: Record<string, unknown> = {
      Id: id,
      IsDeleted: false,
      CreatedDate: this.timestamp,
      CreatedById: this.userId,
      LastModifiedDate: this.timestamp,
      LastModifiedById: this.userId,
      SystemModstamp: this.timestamp,
    };
    for (const f of def.fields) {
      if (f.derive || f.name in rec) continue;
      const given = values[f.name];
      rec[f.name] = given === SELF_ID ? id : given instanceof FromNewId ? given.make(id) : (given ?? null);
    }
    this.fillName(def, rec);
    this.deriveAll(def, rec);
    this.staged.set(id, { type: def.name, values: rec });
    this.created.push(id);
    const fields: Record<string, unknown> = {};
    for (const f of def.fields) {
      if (NOT_IN_EVENTS.has(f.name) || f.derive || rec[f.name] === null) continue;
      fields[f.name] = toCdc(f, rec[f.name]);
    }
    this.pending.push({ entityName: def.name, changeType: 'CREATE', recordId: id, changedFields: [], nulledFields: [], fields });
    return id;
  }

  /** Updates a live record with validated values. Unchanged values are not reported as changed. */
  update(def: ObjectDef, id: string, values: Record<string, unknown>): void {
    const current = this.get(id);
    if (!current) throw new Error(`update of unknown record ${id}`);
    const rec = { ...current.values };
    const changed: FieldDef[] = [];
    for (const [name, value] of Object.entries(values)) {
      if (!sameValue(rec[name], value)) {
        const f = this.schema.field(def, name);
        if (f) changed.push(f);
      }
      rec[name] = value;
    }
    const auditChanged = rec['LastModifiedById'] !== this.userId;
    rec['LastModifiedDate'] = this.timestamp;
    rec['LastModifiedById'] = this.userId;
    rec['SystemModstamp'] = this.timestamp;
    this.deriveAll(def, rec);
    this.staged.set(id, { ...current, values: rec });
    const audit = ['LastModifiedDate', ...(auditChanged ? ['LastModifiedById'] : [])].map((n) => this.schema.field(def, n));
    const reported = [...changed, ...audit.filter((f): f is FieldDef => !!f)];
    const fields: Record<string, unknown> = {};
    for (const f of reported) if (rec[f.name] !== null) fields[f.name] = toCdc(f, rec[f.name]);
    this.pending.push({
      entityName: def.name,
      changeType: 'UPDATE',
      recordId: id,
      changedFields: reported.map((f) => f.name),
      nulledFields: changed.filter((f) => rec[f.name] === null).map((f) => f.name),
      fields,
    });
  }

  /**
   * Deletes a live record and what depends on it: master-detail and cascading children go too,
   * set-null lookups are cleared, and a restricting lookup blocks the whole delete.
   */
  delete(def: ObjectDef, id: string): void {
    const plan = this.deletePlan(def, id, new Set());
    for (const [childId, field] of plan.clear) {
      const child = this.get(childId);
      if (child) this.staged.set(childId, { ...child, values: { ...child.values, [field]: null } });
    }
    for (const [victimDef, victimId] of plan.remove) {
      const current = this.get(victimId);
      if (!current) continue;
      this.staged.set(victimId, {
        ...current,
        deletedAt: this.store.now(),
        values: { ...current.values, IsDeleted: true, SystemModstamp: this.timestamp },
      });
      this.pending.push({
        entityName: victimDef.name,
        changeType: 'DELETE',
        recordId: victimId,
        changedFields: [],
        nulledFields: [],
        fields: {},
      });
    }
  }

  commit(): void {
    if (this.committed) throw new Error('transaction already committed');
    this.committed = true;
    this.store.apply(this, this.staged, this.created, this.pending);
  }

  private deletePlan(
    def: ObjectDef,
    id: string,
    seen: Set<string>,
  ): { remove: Array<[ObjectDef, string]>; clear: Array<[string, string]> } {
    const plan = { remove: [[def, id]] as Array<[ObjectDef, string]>, clear: [] as Array<[string, string]> };
    seen.add(id);
    for (const childDef of this.schema.objects()) {
      if (childDef.isEvent) continue;
      for (const f of childDef.fields) {
        if (f.type !== 'reference' || !f.referenceTo.includes(def.name) || f.createable === false) continue;
        for (const child of this.list(childDef.name)) {
          const childId = child.values['Id'] as string;
          if (child.values[f.name] !== id || seen.has(childId)) continue;
          if (f.deleteConstraint === 'Restrict') {
            throw new SfError(
              'DELETE_FAILED',
              `Your attempt to delete ${def.label} could not be completed because it is associated with the following ${childDef.labelPlural}.: ${childId}`,
            );
          }
          if (f.deleteConstraint === 'Cascade') {
            const sub = this.deletePlan(childDef, childId, seen);
            plan.remove.push(...sub.remove);
            plan.clear.push(...sub.clear);
          } else plan.clear.push([childId, f.name]);
        }
      }
    }
    return plan;
  }

  /** AutoNumber fields take their next number; a custom object's omitted text Name becomes the id. */
  private fillName(def: ObjectDef, rec: Record<string, unknown>): void {
    for (const f of def.fields) {
      if (f.autoNumber) {
        const key = `${def.name}.${f.name}`;
        const n = (this.store.autoNumbers.get(key) ?? 0) + 1;
        this.store.autoNumbers.set(key, n);
        rec[f.name] = formatAutoNumber(f.displayFormat ?? '{0}', n);
      } else if (def.custom && f.nameField && rec[f.name] === null) rec[f.name] = rec['Id'];
    }
  }

  private deriveAll(def: ObjectDef, rec: Record<string, unknown>): void {
    for (const f of def.fields) if (f.derive) rec[f.name] = f.derive(rec);
  }
}

/** "SC-{0000}" with 7 → "SC-0007". */
function formatAutoNumber(format: string, n: number): string {
  return format.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
}
