/** The SOQL subset the emulator understands, as the parser produces it (names unresolved). */

export interface FieldPath {
  /** Segments as written: ["Account", "Name"]. */
  segments: string[];
  pos: number;
}

export type SelectItem = { kind: 'field'; path: FieldPath } | { kind: 'count'; pos: number };

export type DateLiteralName = 'TODAY' | 'YESTERDAY' | 'TOMORROW' | 'LAST_N_DAYS' | 'NEXT_N_DAYS';

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: number; pos: number }
  | { kind: 'dateLiteral'; name: DateLiteralName; n: number; pos: number };

export type CompareOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; path: FieldPath; op: CompareOp; value: Literal }
  | { kind: 'in'; path: FieldPath; negated: boolean; values: Literal[] }
  | { kind: 'like'; path: FieldPath; pattern: Literal };

export interface OrderItem {
  path: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface Query {
  select: SelectItem[];
  from: { name: string; pos: number };
  alias?: string;
  where?: Condition;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}
