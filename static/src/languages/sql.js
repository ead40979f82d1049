import { sql, PostgreSQL, SQLite } from "@codemirror/lang-sql";

// One module for the generic "sql" and its dialects: the name picks the dialect (SQLite unless PostgreSQL).
export default (name) => sql({ dialect: name === "postgresql" ? PostgreSQL : SQLite });
