"""Admin for the audit log and the outbox."""
