"""Web blueprints: thin views over the services."""
