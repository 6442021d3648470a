"""End-to-end runs: the pages in a real browser, and the product under faults and redeliveries."""
