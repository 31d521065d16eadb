# SPDX-License-Identifier: MIT
"""Build, dump and parse a JSON document; print a digest of the work.

Run by tests/preload/check.sh plainly and under LD_PRELOAD of the drop-in
malloc (with PYTHONMALLOC=malloc, so every Python object comes from it);
the two outputs must be the same. The document is seeded: the output
depends on the interpreter's correctness only.
"""
import hashlib
import json
import random


def build(rng, depth):
    """A nested document: dicts, lists, strings, numbers, of mixed sizes."""
    if depth == 0 or rng.random() < 0.2:
        kind = rng.randrange(4)
        if kind == 0:
            return rng.randrange(-10**9, 10**9)
        if kind == 1:
            return rng.random() * 1e6
        if kind == 2:
            return "".join(chr(rng.randrange(32, 0x2fff))
                           for _ in range(rng.randrange(0, 40)))
        return [None, True, False][rng.randrange(3)]
    if rng.random() < 0.5:
        return [build(rng, depth - 1) for _ in range(rng.randrange(1, 12))]
    return {"k%d_%d" % (depth, rng.randrange(10**6)): build(rng, depth - 1)
            for _ in range(rng.randrange(1, 12))}


def main():
    rng = random.Random(20240605)
    doc = {"items": [build(rng, 5) for _ in range(40)],
           "big": "x" * 300000,
           "table": {str(i): list(range(i % 50)) for i in range(5000)}}
    for indent in (None, 2):
        text = json.dumps(doc, indent=indent, sort_keys=True)
        back = json.loads(text)
        assert back == doc, "round trip changed the document"
        print(len(text), hashlib.sha256(text.encode()).hexdigest())
    # Grow and shrink containers many times: realloc-heavy.
    grow = []
    for i in range(200000):
        grow.append(str(i) * (i % 7))
        if i % 3 == 0:
            grow.pop(0 if i % 2 else -1)
    print(len(grow), sum(map(len, grow)))


main()
