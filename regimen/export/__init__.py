"""Exporters: a Plan in, text out. Each is imported only by the command that needs it."""
