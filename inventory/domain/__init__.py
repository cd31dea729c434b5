"""The pure model of stock: no I/O, no clock, no storage."""
