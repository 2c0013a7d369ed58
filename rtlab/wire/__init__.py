"""Sans-I/O codecs: bytes in, events out. No sockets, no asyncio.

Each technique's framing lives in its own module (`sse`, `ndjson`, `iframe`);
`envelope` turns decoded JSON objects into `Message`/`Gap` values.
"""
