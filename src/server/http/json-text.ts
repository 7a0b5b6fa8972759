/**
 * An answer already written as JSON (the `value` of the `{ ok: true, value }` envelope), sent
 * as it is. For answers on the sync paths whose parts are stored as JSON text, so they are not
 * parsed and serialized again on every request. `T` is the shape the text holds (the route's
 * response schema). Only for routes in server.ts's TRUSTED_ANSWERS (answers not re-checked at
 * run time; any other route's check would refuse it); test/unit/sync checks the wire answers
 * against the schema.
 */
export class JsonText<T> {
  declare readonly shape: T
  constructor(readonly text: string) {}
}
