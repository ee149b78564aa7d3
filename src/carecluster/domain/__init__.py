"""Pure clinical logic: ratings, allocation and its explanation. No I/O, no frameworks."""
