"""The service layer's machinery: the unit of work the use cases run in."""
