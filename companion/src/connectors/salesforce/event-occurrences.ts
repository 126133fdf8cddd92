/**
 * The occurrence rows of Lightning event series, read as the integration user, for the
 * per-occurrence sync. The series record (GroupEventType '3') names the series key
 * (ActivityRecurrence2Id) that every occurrence shares; historical rows a pattern change cut
 * loose (IsRecurrence2Exclusion) and invitee copies (IsChild) are left out. Every query failure
 * throws: an occurrence that could not be read must never look deleted.
 */
import { fromSalesforceEvent, salesforceSeriesKey, type SalesforceEventRecord } from '../../core/salesforce-event.ts';
import { parseInstant } from '../../core/timezones.ts';
import type { SalesforceOccurrence } from '../../ports/salesforce.ts';
import type { SalesforceApi } from './api.ts';
import { isEventId, queryByIds } from './events.ts';
import { isSalesforceId, to18 } from './soql.ts';

/** StartDateTime as epoch ms for ordering; a row without one sorts last. */
function startMs(row: SalesforceEventRecord): number {
  if (typeof row.StartDateTime !== 'string') return Number.POSITIVE_INFINITY;
  try {
    return parseInstant(row.StartDateTime);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function toOccurrence(row: SalesforceEventRecord & { Id: string }, userTimeZone: string): SalesforceOccurrence {
  const { event } = fromSalesforceEvent(row, { userTimeZone });
  const stamp = typeof row.SystemModstamp === 'string' ? row.SystemModstamp : '';
  return {
    id: row.Id,
    version: stamp,
    ...(stamp !== '' ? { modifiedAt: stamp } : {}),
    fields: event.fields,
    isException: row.IsRecurrence2Exception === true,
  };
}

/**
 * The occurrences of each series, keyed by the series record id exactly as the caller gave it
 * (15 or 18 characters), ordered by start. Ids that are not Event ids, series records that are
 * gone and events that are not series records are absent; a series with no occurrence left
 * maps to [].
 */
export async function seriesOccurrences(api: SalesforceApi, seriesIds: string[], userTimeZone: string): Promise<Map<string, SalesforceOccurrence[]>> {
  const out = new Map<string, SalesforceOccurrence[]>();
  const valid = seriesIds.filter(isEventId);
  if (valid.length === 0) return out;

  // Series record (18-character id) → its series key (18 characters).
  const keyOfRecord = new Map<string, string>();
  for (const row of await queryByIds(api, 'event series read', valid, (inList) => `Id IN ${inList}`)) {
    const key = salesforceSeriesKey(row);
    if (isSalesforceId(row.Id) && row.GroupEventType === '3' && key !== undefined && isSalesforceId(key)) keyOfRecord.set(to18(row.Id), to18(key));
  }
  if (keyOfRecord.size === 0) return out;

  const rowsByKey = new Map<string, Array<SalesforceEventRecord & { Id: string }>>();
  for (const key of keyOfRecord.values()) rowsByKey.set(key, []);
  const rows = await queryByIds(
    api,
    'event series occurrences',
    [...rowsByKey.keys()],
    (inList) => `ActivityRecurrence2Id IN ${inList} AND GroupEventType != '3' AND IsChild = false AND IsRecurrence2Exclusion = false`,
  );
  const seen = new Set<string>();
  for (const row of rows) {
    const id = row.Id;
    const key = row.ActivityRecurrence2Id;
    if (!isSalesforceId(id) || typeof key !== 'string' || !isSalesforceId(key)) continue;
    const list = rowsByKey.get(to18(key));
    if (!list || seen.has(to18(id))) continue;
    seen.add(to18(id));
    list.push({ ...row, Id: id });
  }

  const occurrencesByKey = new Map<string, SalesforceOccurrence[]>();
  for (const [key, list] of rowsByKey) {
    list.sort((a, b) => startMs(a) - startMs(b) || (a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0));
    occurrencesByKey.set(key, list.map((row) => toOccurrence(row, userTimeZone)));
  }
  for (const id of valid) {
    const key = keyOfRecord.get(to18(id));
    if (key === undefined || out.has(id)) continue;
    // Each caller id gets its own array, so two spellings of one series never share a list.
    out.set(id, [...(occurrencesByKey.get(key) ?? [])]);
  }
  return out;
}
