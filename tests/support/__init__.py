"""The test harness: real processes and servers the tests start, and small shared helpers."""
