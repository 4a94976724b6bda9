"""The multi-user service: REST API, database, auth and storage around the pipeline."""
