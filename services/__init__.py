"""Use cases of Sourcebook (import, extract, search, export, backup...). No Qt here.

Each service takes the store's session factory; every public method is one unit of work (one
transaction) and returns frozen DTOs, never live ORM objects.
"""
