"""The database an integration test's daemon keeps its data in. SQLite by default: a file in the
test's directory. PostgreSQL when DEADLINED_TEST_BACKEND=postgresql (CTest's pg.integration.*
tests): a database of its own on the `pg` tests' server (tests/pg/pg_server.py, found through
DEADLINED_PG_DIR), dropped afterwards. The tests read and write rows through sql() and
executemany() in SQLite's dialect (`?` parameters); the statements they use mean the same on both.
Debian's /usr/bin/python3 (python3-psycopg2)."""

import os
import secrets
import sqlite3

BACKEND = os.environ.get("DEADLINED_TEST_BACKEND", "sqlite")


class SqliteDatabase:
    def __init__(self, directory):
        self.location = os.path.join(directory, "db.sqlite")  # what --db and `database` are given

    def sql(self, query, *args):
        with sqlite3.connect(self.location, timeout=10) as connection:
            return connection.execute(query, args).fetchall()

    def executemany(self, statements):
        """[(query, rows)] in one transaction."""
        with sqlite3.connect(self.location, timeout=10) as connection:
            for query, rows in statements:
                connection.executemany(query, rows)

    def after_explicit_ids(self):
        pass  # SQLite's next rowid follows the largest id by itself

    def drop(self):
        pass  # the file goes with the test's directory


class PostgresDatabase:
    def __init__(self, _directory):
        import psycopg2  # only the PostgreSQL runs need it
        self.psycopg2 = psycopg2
        with open(os.path.join(os.environ["DEADLINED_PG_DIR"], "uri")) as f:
            self.server = f.read().strip()
        self.name = "it_" + secrets.token_hex(6)
        self._admin(f"CREATE DATABASE {self.name}")
        self.location = f"postgresql:///{self.name}?{self.server.split('?', 1)[1]}"

    def _admin(self, statement):
        connection = self.psycopg2.connect(self.server)
        connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        try:
            connection.cursor().execute(statement)
        finally:
            connection.close()

    @staticmethod
    def _dialect(query):
        return query.replace("%", "%%").replace("?", "%s")

    def sql(self, query, *args):
        connection = self.psycopg2.connect(self.location)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(self._dialect(query), args)
                return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        finally:
            connection.close()

    def executemany(self, statements):
        """[(query, rows)] in one transaction, a thousand rows a round trip: psycopg2's
        executemany makes one round trip per row, ten times as slow (20,000 rows: 8.6 s against
        0.9 s here), which the reliability tests' 100,000 endpoints (and 1,000,000) would feel."""
        from psycopg2.extras import execute_batch
        connection = self.psycopg2.connect(self.location)
        try:
            with connection, connection.cursor() as cursor:
                for query, rows in statements:
                    execute_batch(cursor, self._dialect(query), rows, page_size=1000)
        finally:
            connection.close()

    def after_explicit_ids(self):
        """Rows inserted with their ids leave the identity sequences behind: move them past the
        largest id, or the daemon's next insert would take an id already used."""
        for table in ("subscribers", "endpoints"):
            self.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"greatest((SELECT max(id) FROM {table}), 1))")

    def drop(self):
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def open_test_database(directory, backend=None):
    """`backend`: "sqlite" or "postgresql"; by default the run's (DEADLINED_TEST_BACKEND)."""
    return PostgresDatabase(directory) if (backend or BACKEND) == "postgresql" else SqliteDatabase(directory)
