"""Infrastructure shared by the service's domains: settings, database, errors."""
