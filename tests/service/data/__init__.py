"""The data layer: engine, migrations and repositories, on SQLite and PostgreSQL."""
