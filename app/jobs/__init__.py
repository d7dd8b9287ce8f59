"""Scheduled jobs: plain functions declared in a table, run by one APScheduler process."""
