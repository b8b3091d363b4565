"""After a passed vote: the works record, the settlement and the fund application."""
