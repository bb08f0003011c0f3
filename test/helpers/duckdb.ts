/**
 * Parquet files read back by an independent reader, DuckDB (a C++ Parquet
 * implementation, nothing shared with the writer), each cell as the text a
 * CSV file would hold: integers and booleans as DuckDB prints them, times
 * as an integer count of µs or ns since the epoch, doubles as numbers.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface ParquetTable {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Array<string | number | null>>;
}

let connection: Promise<DuckDBConnection> | null = null;

export function duck(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:').then((db) => db.connect());
  return connection;
}

export async function query(sql: string): Promise<Array<Record<string, unknown>>> {
  const r = await (await duck()).runAndReadAll(sql);
  return r.getRowObjectsJS() as Array<Record<string, unknown>>;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (path: string): string => `'${path.replaceAll("'", "''")}'`;

export async function readParquet(path: string): Promise<ParquetTable> {
  const from = `read_parquet(${literal(path)})`;
  const described = await query(`DESCRIBE SELECT * FROM ${from}`);
  const columns = described.map((d) => ({ name: String(d.column_name), type: String(d.column_type) }));
  const select = columns.map(({ name, type }) => {
    const c = quote(name);
    if (type === 'TIMESTAMP') return `epoch_us(${c})::VARCHAR`;
    if (type === 'TIMESTAMP_NS') return `epoch_ns(${c})::VARCHAR`;
    if (type === 'DOUBLE') return c;
    return `${c}::VARCHAR`;
  });
  const r = await (await duck()).runAndReadAll(`SELECT ${select.join(', ')} FROM ${from}`);
  return { columns, rows: r.getRowsJS() as Array<Array<string | number | null>> };
}
