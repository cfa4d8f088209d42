"""Data layer: SQLAlchemy tables, partial dates, and opening a store. No Qt here."""
