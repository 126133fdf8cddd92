/**
 * DELETE /services/data/vXX.X/sobjects/Event/{id}/fromThisEventOnwards (REST API guide, "Delete
 * Lightning Experience Event Series"). The guide shows the success body only loosely
 * (`{ success: We’re deleting … }`); the emulator answers 200 with that text as JSON.
 */
import type { Response } from '../../common/server.ts';
import { SfError, methodNotAllowed, notFound } from '../errors.ts';
import { deleteFromThisEventOnwards } from '../event-series.ts';
import { keyPrefixOf, normalizeId } from '../ids.ts';
import type { ObjectDef } from '../schema.ts';
import { dmlOutcomeResponse } from './records.ts';
import { errorResponse, ok, type RestCall } from './context.ts';

export const FROM_THIS_EVENT_ONWARDS = 'fromThisEventOnwards';

export function deleteOnwards(call: RestCall, def: ObjectDef, rawId: string): Response {
  if (call.req.method !== 'DELETE') return errorResponse(methodNotAllowed(call.req.method, ['DELETE']));
  const id = normalizeId(rawId);
  if (!id || keyPrefixOf(id) !== def.keyPrefix) throw new SfError('MALFORMED_ID', `Activity ID: id value of incorrect type: ${rawId}`, ['Id']);
  const rec = call.core.store.get(id);
  if (!rec) throw notFound();
  if (rec.values['IsDeleted'] === true) throw new SfError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
  const tx = call.core.store.begin(call.userId, call.changeOrigin);
  const err = deleteFromThisEventOnwards(tx, def, id);
  if (err) return dmlOutcomeResponse({ errors: [err] });
  tx.commit();
  return ok({ success: 'We’re deleting the selected events from the series. Wait for all events to be removed.' });
}
