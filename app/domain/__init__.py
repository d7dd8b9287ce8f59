"""Pure domain logic: calculations, periods, deadlines, rule packs. No Flask, no SQLAlchemy."""
