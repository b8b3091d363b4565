"""Use cases. Services take plain arguments, return domain objects or raise DomainError."""
